"""End to end: the optimiser's outputs, its budget constraint, zero budget, determinism, resume."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest
from jobsim.cli import main
from jobsim.optimise.evaluate import MixRun, make_futures, run_mix, with_mix
from jobsim.optimise.objectives import minimised
from jobsim.runner import run_scenario
from jobsim.scenario import load_scenario
from optimise_helpers import BASELINE, PLAN, PLAN_TOTAL, TINY, optimise


def _budgets(table: pd.DataFrame) -> pd.DataFrame:
    return table[[c for c in table.columns if c.startswith("budget_")]]


def test_no_candidate_ever_exceeds_the_budget(tiny_run):
    out, res = tiny_run
    for name in ("screening.csv", "confirmed.csv", "pareto.csv"):
        table = pd.read_csv(out / name)
        assert len(table)
        assert (_budgets(table).sum(axis=1) <= PLAN_TOTAL).all(), name
        assert (_budgets(table) >= 0).all().all()
    # The search saw as many candidates as asked (less any duplicates), all repaired.
    assert 1 <= res.manifest["screening"]["candidates"] <= 8


def test_front_is_non_dominated_and_the_rule_picks_the_best(tiny_run):
    out, res = tiny_run
    front = pd.read_csv(out / "pareto.csv")
    f = np.vstack([minimised(r) for r in front.to_dict("records")])
    for i in range(len(f)):
        for j in range(len(f)):
            assert not (np.all(f[j] <= f[i]) and np.any(f[j] < f[i])), (i, j)
    assert front["recommended"].sum() == 1
    rec = front[front["recommended"]].iloc[0]
    assert rec["p_met"] == front["p_met"].max()
    best_p = front[front["p_met"] == rec["p_met"]]
    assert rec["gain"] == best_p["gain"].max()
    for col in ("p_met_se", "gain_se", "cost_se"):
        assert col in front.columns
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "帕累托前沿" in html and "data:image/png;base64," in html and "recommended" in html


def test_recommended_toml_is_the_mix_that_was_evaluated(tiny_run):
    out, res = tiny_run
    rec = load_scenario(out / "recommended.toml")
    mix = res.recommended_mix
    assert [s.budget_yuan for _, s in rec.instruments] == list(mix.budgets)
    plan = load_scenario(PLAN)
    future = make_futures(plan, 1, plan.spec.scenario.seed, macro=False, parameter_file=None)[0]
    scale = TINY.futures.confirm_persons_per_agent
    from jobsim.compare.tasks import scenario_hash

    evaluated, _ = run_mix(MixRun(path=str(PLAN), scenario_hash=scenario_hash(plan),
                                  budgets=mix.budgets, starts=mix.starts, scale_caps=True,
                                  future=future, persons_per_agent=scale))
    from jobsim.optimise.evaluate import outcomes

    ran = outcomes(run_scenario(rec, persons_per_agent=scale, attribution=False))
    assert ran == evaluated


def test_zero_budget_returns_the_baseline(tmp_path):
    res = optimise(tmp_path / "zero", budget=0.0)
    front = pd.read_csv(tmp_path / "zero" / "pareto.csv")
    assert len(front) == 1 and (_budgets(front) == 0).all().all()
    assert front["gain"].iloc[0] == 0
    rec = load_scenario(tmp_path / "zero" / "recommended.toml")
    assert all(s.budget_yuan == 0 for _, s in rec.instruments)
    scale = TINY.futures.confirm_persons_per_agent
    a = run_scenario(rec, persons_per_agent=scale, attribution=False).monthly
    b = run_scenario(load_scenario(BASELINE), persons_per_agent=scale, attribution=False).monthly
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert res.manifest["screening"]["evaluations_asked"] == 0


def test_zero_mix_is_the_baseline_on_a_future_with_draws():
    plan = load_scenario(PLAN)
    zero = with_mix(plan, _zero_mix(plan), scale_caps=True)
    a = run_scenario(zero, persons_per_agent=8000.0, replicate=2, attribution=False).monthly
    b = run_scenario(load_scenario(BASELINE), persons_per_agent=8000.0, replicate=2,
                     attribution=False).monthly
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def _zero_mix(plan):
    from jobsim.optimise.space import Mix

    n = len(plan.instruments)
    return Mix(budgets=(0.0,) * n, starts=(None,) * n)


def test_same_seed_same_front(tiny_run, tmp_path):
    out, _ = tiny_run
    optimise(tmp_path / "again")
    for name in ("pareto.csv", "screening.csv", "recommended.toml"):
        a = (out / name).read_text().replace(str(out), "")
        b = (tmp_path / "again" / name).read_text().replace(str(tmp_path / "again"), "")
        if name == "recommended.toml":  # the first line names the output folder
            a, b = a.split("\n", 1)[1], b.split("\n", 1)[1]
            a = a.replace(os.path.relpath(PLAN, out), "X")
            b = b.replace(os.path.relpath(PLAN, tmp_path / "again"), "X")
            a, b = (t.replace("../", "") for t in (a, b))
        assert a == b, name


def test_resume_after_an_interruption_gives_the_same_front(tiny_run, tmp_path):
    out, res = tiny_run
    # An interrupted run: its checkpoint holds some of the evaluations, beside the output.
    running = tmp_path / ".resumed.optimise"
    shutil.copytree(out / ".optimise", running)
    evals = sorted((running / "evals").glob("*.json"))
    for path in evals[::2]:
        path.unlink()
    with pytest.raises(FileExistsError, match="--resume"):
        optimise(tmp_path / "resumed")
    again = optimise(tmp_path / "resumed", resume=True)
    a = pd.read_csv(out / "pareto.csv")
    b = pd.read_csv(tmp_path / "resumed" / "pareto.csv")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert 0 < again.manifest["model_runs_this_time"] < res.manifest["model_runs_this_time"]
    assert again.manifest["mixes_reused_from_checkpoint"] > 0
    assert not running.exists() and (tmp_path / "resumed" / ".optimise").is_dir()


def test_bad_input_exits_2_naming_the_field(tmp_path, capsys):
    bounds = tmp_path / "bounds.toml"
    bounds.write_text("[futures]\nreplications = 0\n")
    code = main(["optimise", str(PLAN), "--budget", "1e9", "--out", str(tmp_path / "o"),
                 "--bounds", str(bounds)])
    assert code == 2
    err = capsys.readouterr().err
    assert "bounds.toml" in err and "futures.replications" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
    bounds.write_text("[instruments.hiring_subsidy]\nmax_yuan = 'a lot'\n")
    assert main(["optimise", str(PLAN), "--budget", "1e9", "--out", str(tmp_path / "o"),
                 "--bounds", str(bounds)]) == 2
    assert "instruments.hiring_subsidy.max_yuan" in capsys.readouterr().err


def test_a_foreign_output_folder_is_refused_and_left_alone(tmp_path, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    code = main(["optimise", str(PLAN), "--budget", "1e9", "--out", str(foreign)])
    assert code == 2 and "not a jobsim output folder" in capsys.readouterr().err
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert not (tmp_path / ".mine.optimise").exists()


def test_a_users_folder_with_a_manifest_is_refused_before_any_work(tmp_path, monkeypatch):
    """A manifest.json alone does not make a folder jobsim's (its marker does)."""
    import jobsim.optimise.cli as optimise_cli
    from jobsim.errors import OutputError

    def never(*args, **kwargs):
        raise AssertionError("the optimisation started before --out was checked")

    monkeypatch.setattr(optimise_cli, "make_futures", never)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    (out / "notes.txt").write_text("keep")
    with pytest.raises(OutputError, match="not a jobsim output folder"):
        optimise(out)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
