"""The ABM nowcast: importance weights, continuation from month m, the plan's own ensemble."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jobsim.compare.tasks import TaskResult
from jobsim.nowcast.actuals import read_actuals
from jobsim.nowcast.core import NowcastResult, abm_rows
from jobsim.nowcast.ensemble import (
    Ensemble,
    EnsembleSpec,
    observation_sd,
    weighted_quantile,
    weights,
)

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "scenarios" / "plan_2021.toml"
FITTED = ROOT / "calibration" / "fitted" / "hunan_2020.toml"
TINY = 4000.0
REPS = 4


def _fake(cums: list[list[float]]) -> Ensemble:
    """Build an ensemble of given cumulative paths (no model runs)."""
    months = [f"2021-{k:02d}" for k in range(1, 13)]
    runs = []
    for cum in cums:
        monthly = pd.DataFrame({"month": months, "new_urban_jobs_cum": cum,
                                "surveyed_unemployment_rate": [5.0] * 12})
        targets = pd.DataFrame({"target": ["subsidised_vocational_training",
                                           "youth_internships"],
                                "value": [500000.0, 11000.0]})
        runs.append(TaskResult(monthly=monthly, targets=targets, attribution=None))
    return Ensemble(loaded=None, base=runs)


def _actuals(tmp_path: Path, value: float, month: int = 6):
    path = tmp_path / f"a{value:.0f}.csv"
    path.write_text("series,period,value,unit\n"
                    f"hunan_new_urban_jobs_ytd,2021-{month:02d},{value:.0f},persons\n",
                    encoding="utf-8")
    return read_actuals(path, scenario_year=2021, scenario_last_month="2021-12",
                        last_data_year=2020)


def _abm_jobs_row(result: NowcastResult) -> dict:
    return next(r for r in result.rows if r["method"] == "abm"
                and r["series"] == "hunan_new_urban_jobs_ytd" and r["plan"] == "as_written")


PATHS = [[60000.0 * (k + 1) * s for k in range(12)] for s in (0.90, 0.95, 1.0, 1.05, 1.10)]


def test_weights_equal_without_actuals_and_peak_at_the_fit():
    """Equal weights without actuals; the best-fitting replicate weighs most."""
    sims = np.array([p[5] for p in PATHS])
    assert np.allclose(weights(sims, None, 0.05), 0.2)
    w = weights(sims, sims[3], 0.05)
    assert w.sum() == pytest.approx(1.0) and int(np.argmax(w)) == 3
    assert w[2] == pytest.approx(w[4], rel=0.2)  # roughly symmetric on the log scale


def test_continuation_is_the_actual_plus_each_replicates_rest_of_year(tmp_path):
    """Year-end = actual + the replicate's months m+1..12, under the weights."""
    ens = _fake(PATHS)
    actual = 400000.0
    result = NowcastResult()
    info = abm_rows(ens, _actuals(tmp_path, actual), 2021, result)
    row = _abm_jobs_row(result)
    sims = np.array(PATHS)
    w = weights(sims[:, 5], actual, observation_sd(2021, 6))
    expected = actual + sims[:, 11] - sims[:, 5]
    assert row["mean"] == pytest.approx(float(np.sum(w * expected)))
    assert info["m"] == 6 and 1.0 <= info["ess"] <= 5.0
    assert row["prob_target_met"] == pytest.approx(float(np.sum(w * (expected >= 700000))))


def test_a_higher_actual_raises_the_nowcast(tmp_path):
    """More jobs in by June: a higher mean and a higher P(target met)."""
    ens = _fake(PATHS)
    rows = []
    for actual in (300000.0, 360000.0, 420000.0):
        result = NowcastResult()
        abm_rows(ens, _actuals(tmp_path, actual), 2021, result)
        rows.append(_abm_jobs_row(result))
    means = [r["mean"] for r in rows]
    probs = [r["prob_target_met"] for r in rows]
    assert means[0] < means[1] < means[2]
    assert probs[0] <= probs[1] <= probs[2] and probs[2] > probs[0]


def test_observation_sd_comes_from_the_record():
    """sigma_m is the spread of China's log share at m over earlier years: a few percent."""
    s6, s9 = observation_sd(2021, 6), observation_sd(2021, 9)
    assert 0.005 < s9 < s6 < 0.2
    assert observation_sd(2019, 6) != observation_sd(2021, 6)  # 2019 and 2020 enter


def test_weighted_quantile_matches_numpy_with_equal_weights():
    """Equal weights give numpy's linear quantiles, as jobsim compare reports them."""
    rng = np.random.default_rng(3)
    v = rng.normal(size=37)
    w = np.full(v.size, 1 / v.size)
    for q in (0.025, 0.05, 0.1, 0.5, 0.9, 0.975):
        assert weighted_quantile(v, w, q) == np.quantile(v, q)


@pytest.fixture(scope="module")
def plan_compare(tmp_path_factory):
    """Run the comparison the no-actuals nowcast is held to (and its output folder)."""
    from jobsim.compare import run_compare

    out = tmp_path_factory.mktemp("nc") / "compare"
    return run_compare([PLAN], out, replications=REPS, persons_per_agent=TINY, workers=1,
                       attribution_replications=0, macro_draws=True, parameter_draws=FITTED,
                       quiet=True), out


def test_no_actuals_reproduces_the_plans_own_ensemble(plan_compare, tmp_path):
    """With no actuals the ABM row is the compare ensemble's mean and P(met), exactly."""
    from jobsim.nowcast.cli import run_nowcast

    empty = tmp_path / "empty.csv"
    empty.write_text("series,period,value,unit\n", encoding="utf-8")
    spec = EnsembleSpec(replications=REPS, persons_per_agent=TINY, workers=1)
    result = run_nowcast(empty, tmp_path / "nc", PLAN, spec=spec, parameter_draws=FITTED,
                         quiet=True)
    row = _abm_jobs_row(result)
    comparison, compare_out = plan_compare
    ref = comparison.targets.set_index("target").loc["new_urban_jobs"]
    assert row["mean"] == ref["mean"]
    assert row["prob_target_met"] == ref["prob_met"]
    assert row["year"] == 2021 and row["through"] == 0
    # the comparison's own replications are these tasks: --reuse runs no model, same row
    import json

    reused = run_nowcast(empty, tmp_path / "nc_reuse", PLAN, method="abm",
                         spec=replace(spec, reuse=(compare_out,)),
                         parameter_draws=FITTED, quiet=True)
    manifest = json.loads((tmp_path / "nc_reuse" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["replications_reused"] == REPS and manifest["model_runs_this_time"] == 0
    assert _abm_jobs_row(reused) == row
    assert (tmp_path / "nc" / "nowcast.csv").is_file()
    html = (tmp_path / "nc" / "report.html").read_text(encoding="utf-8")
    assert "年中预测 / Nowcast" in html and "达标概率" in html
    assert 'src="data:image/png;base64,' in html  # the fan, embedded
    for external in ('src="http', "href=\"http", "url(http", "@import"):
        assert external not in html  # self-contained: nothing fetched


def test_synthetic_actuals_condition_and_replan(tmp_path):
    """Actuals taken from replicate 0's own path (model output, not a 2021 figure)."""
    from jobsim.nowcast.cli import run_nowcast

    spec = EnsembleSpec(replications=REPS, persons_per_agent=TINY, workers=1,
                        topup=("hiring_subsidy", 150_000_000.0))
    from jobsim.nowcast.ensemble import run_ensemble

    ens = run_ensemble(PLAN, spec)
    a6 = float(ens.cumulative()[0, 5])
    acts = tmp_path / "a.csv"
    acts.write_text(f"series,period,value,unit\nhunan_new_urban_jobs_ytd,2021-06,{a6:.0f},"
                    "persons\nvocational_training_ytd,2021-06,200000,persons\n",
                    encoding="utf-8")
    out = tmp_path / "cond"
    res = run_nowcast(acts, out, PLAN, spec=spec, parameter_draws=None, quiet=True)
    frame = pd.read_csv(out / "nowcast.csv")
    abm = frame[(frame["method"] == "abm") & (frame["series"] == "hunan_new_urban_jobs_ytd")]
    assert set(abm["plan"]) == {"as_written", "top_up_hiring_subsidy"}
    assert (abm["through"] == 6).all()
    assert frame.columns[:9].tolist() == ["series", "year", "mean", "lo80", "hi80", "lo95",
                                          "hi95", "target", "prob_target_met"]
    assert (out / "topup_scenario.toml").is_file() and (out / "fan.png").is_file()
    # same inputs and seed: the same table
    again = run_nowcast(acts, tmp_path / "cond2", PLAN, spec=spec, parameter_draws=None,
                        quiet=True)
    assert (out / "nowcast.csv").read_bytes() == (tmp_path / "cond2" / "nowcast.csv").read_bytes()
    assert len(res.rows) == len(again.rows)
    # continuing from the actual: the year-end is at least what is in
    assert (abm["lo95"] >= a6).all()
    assert (frame.loc[frame["series"] == "vocational_training_ytd", "lo95"] >= 200000).all()


def test_a_nowcast_to_the_same_out_reuses_the_ensemble(tmp_path):
    """Next month's nowcast to the same DIR runs no model and writes the same numbers.

    A stored replication that was altered is not used: it is re-run, and the table is still
    the one a fresh run gives.
    """
    import json

    from jobsim.nowcast.cli import run_nowcast

    spec = EnsembleSpec(replications=REPS, persons_per_agent=TINY, workers=1)
    empty = tmp_path / "empty.csv"
    empty.write_text("series,period,value,unit\n", encoding="utf-8")
    out = tmp_path / "nc"
    run_nowcast(empty, out, PLAN, method="abm", spec=spec, parameter_draws=None, quiet=True)
    first = (out / "nowcast.csv").read_bytes()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["replications_reused"] == 0 and manifest["model_runs_this_time"] == REPS
    stored = sorted((out / ".tasks").glob("*/r*.json"))
    assert len(stored) == REPS

    run_nowcast(empty, out, PLAN, method="abm", spec=spec, parameter_draws=None, quiet=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["replications_reused"] == REPS and manifest["model_runs_this_time"] == 0
    assert manifest["cpu_seconds_in_tasks"] == 0
    assert (out / "nowcast.csv").read_bytes() == first
    # a statistical nowcast to the same DIR in between keeps the replications
    run_nowcast(empty, out, PLAN, method="statistical", quiet=True)
    assert len(sorted((out / ".tasks").glob("*/r*.json"))) == REPS

    victim = sorted((out / ".tasks").glob("*/r0001-*.json"))[0]
    victim.write_text(victim.read_text(encoding="utf-8").replace('"cpu_seconds": ',
                                                                 '"cpu_seconds": 1'),
                      encoding="utf-8")
    run_nowcast(empty, out, PLAN, method="abm", spec=spec, parameter_draws=None, quiet=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["replications_reused"] == REPS - 1 and manifest["model_runs_this_time"] == 1
    assert (out / "nowcast.csv").read_bytes() == first
