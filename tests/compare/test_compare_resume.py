"""Interrupted comparisons: no partial output folder; the rerun redoes no finished replication."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import jobsim.compare.cli as compare_cli
import pytest
from conftest import ROOT, TINY, compare


def test_error_midway_leaves_no_output_and_keeps_finished_work(tmp_path, monkeypatch):
    calls = []
    real = compare_cli.run_one

    def flaky(task):
        if len(calls) == 3:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C in the fourth replication
        calls.append(task)
        return real(task)

    monkeypatch.setattr(compare_cli, "run_one", flaky)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        compare(out, attribution_replications=0)
    assert not out.exists()  # no partial DIR
    running = tmp_path / ".out.tasks"
    done = sorted(running.glob("*/*.json"))
    assert len(done) == 3
    stamps = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in done}

    monkeypatch.setattr(compare_cli, "run_one", real)
    result = compare(out, attribution_replications=0)
    assert result.manifest["replications_reused"] == 3
    assert result.manifest["model_runs_this_time"] == 8 - 3
    assert not running.exists()  # the store moved into the output folder
    final = sorted((out / ".tasks").glob("*/*.json"))
    assert len(final) == 8
    moved = {out / ".tasks" / p.relative_to(running): s for p, s in stamps.items()}
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in moved} == moved


def test_killed_process_resumes(tmp_path):
    """SIGKILL the CLI mid-run; every stored file is whole and none is redone."""
    out = tmp_path / "out"
    running = tmp_path / ".out.tasks"
    # A fixed demand path: the subprocesses need not fit the forecast.
    scenario = tmp_path / "flat.toml"
    scenario.write_text('[scenario]\nname = "flat"\nstart = "2021-01"\nmonths = 12\n'
                        'seed = 7\n[macro]\ndemand_index = 1.0\n', encoding="utf-8")
    cmd = [sys.executable, "-m", "jobsim.cli", "compare", str(scenario), "--replications",
           "40", "--persons-per-agent", str(TINY), "--workers", "1", "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(list(running.glob("*/*.json"))) < 3:
            assert proc.poll() is None, "the comparison ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert not out.exists()
    done = sorted(running.glob("*/*.json"))
    assert 3 <= len(done) < 40
    stamps = {p.name: p.stat().st_mtime_ns for p in done}

    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(done)} replications already done" in rerun.stderr
    final = {p.name: p.stat().st_mtime_ns for p in (out / ".tasks").glob("*/*.json")}
    assert len(final) == 40
    assert {name: final[name] for name in stamps} == stamps


def test_scenario_from_a_mapping_runs_on_worker_processes(tmp_path):
    """A scenario that exists only in memory travels inside its tasks: no file is re-read."""
    import tomllib

    from jobsim.scenario import scenario_from_mapping

    text = ('[scenario]\nname = "flat"\nstart = "2021-01"\nmonths = 12\nseed = 7\n'
            '[macro]\ndemand_index = 1.0\n')
    path = tmp_path / "flat.toml"
    path.write_text(text, encoding="utf-8")
    from_file = compare(tmp_path / "a", scenarios=[path], replications=2,
                        attribution_replications=0)
    mapping = scenario_from_mapping(tomllib.loads(text), origin="in memory", base_dir=tmp_path)
    from_memory = compare(tmp_path / "b", scenarios=[mapping], replications=2,
                          attribution_replications=0, workers=2)
    assert (tmp_path / "a" / "targets.csv").read_bytes() == \
        (tmp_path / "b" / "targets.csv").read_bytes()
    assert from_memory.manifest["scenarios"][0]["path"] == "in memory"
    assert from_file.manifest["scenarios"][0]["hash"] == from_memory.manifest["scenarios"][0][
        "hash"]
