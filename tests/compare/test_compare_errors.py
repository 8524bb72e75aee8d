"""Bad input stops before any work, names the culprit, exits 2 and leaves no output folder."""

from __future__ import annotations

import pytest
from conftest import SCENARIOS, TINY, compare
from jobsim.cli import main
from jobsim.compare.executors import make_executor
from jobsim.scenario import ScenarioError


def test_unknown_scenario_file_is_named(tmp_path, capsys):
    missing = tmp_path / "no_such_scenario.toml"
    out = tmp_path / "out"
    with pytest.raises(ScenarioError, match="no_such_scenario.toml"):
        compare(out, scenarios=[SCENARIOS[0], missing])
    code = main(["compare", str(SCENARIOS[0]), str(missing), "--replications", "2",
                 "--persons-per-agent", str(TINY), "--out", str(out)])
    assert code == 2
    assert "no_such_scenario.toml" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".out*"))


def test_malformed_scenario_names_field(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "bad"\nstart = "2021-01"\nmonths = 12\n'
                   'persons_per_agent = 0\n', encoding="utf-8")
    code = main(["compare", str(bad), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "bad.toml" in err and "persons_per_agent" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"replications": 0}, "--replications"),
    ({"attribution_replications": 9}, "attribution replications"),
    ({"scenarios": SCENARIOS + SCENARIOS[:1]}, "given twice: baseline_2021"),
])
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ScenarioError, match=message):
        compare(tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_workers_and_scheduler_exclusive():
    with pytest.raises(ScenarioError, match="not both"):
        make_executor(2, "tcp://127.0.0.1:1")
    with pytest.raises(ScenarioError, match="--workers"):
        make_executor(0)


def test_out_folder_that_is_not_ours_is_refused(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("keep me", encoding="utf-8")
    code = main(["compare", str(SCENARIOS[0]), "--replications", "1",
                 "--persons-per-agent", str(TINY), "--out", str(out)])
    assert code == 2 and "not a jobsim output folder" in capsys.readouterr().err
    assert (out / "thesis.tex").read_text(encoding="utf-8") == "keep me"


def test_unguarded_script_with_workers_gets_the_guard_hint(tmp_path):
    # Workers start by importing the main script; one that compares at import time starts the
    # comparison again in each worker, and the pool breaks. The user gets why and the fix,
    # not concurrent.futures' BrokenProcessPool.
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    out = tmp_path / "out"
    script.write_text(
        "from jobsim import api\n"
        f"api.compare([{str(SCENARIOS[0])!r}], replications=2, executor=2, "
        f"persons_per_agent={TINY}, out={str(out)!r})\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()
    assert any(line.startswith("jobsim.executors.ExecutorError") and "__main__" in line
               and "unguarded.py" in line for line in last)
    assert "BrokenProcessPool" not in run.stderr.split("ExecutorError")[-1]
    assert not out.exists()
