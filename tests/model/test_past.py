"""2021 runs continuing the calibrated past (jobsim.past): no first-year transient, exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jobsim import past
from jobsim.labour_market import LabourMarket
from jobsim.params import ParameterSet
from jobsim.runner import simulate
from jobsim.scenario import load_scenario

FITTED = ParameterSet.load(Path("calibration/fitted/hunan_2020.toml"))
SCALE = 1000.0


def _annual(frame: pd.DataFrame, year: str) -> float:
    return float(frame.loc[frame["month"].str.startswith(year), "new_urban_jobs"].sum())


def test_a_flat_2021_continues_at_the_fitted_years_level():
    # The calibration fitted years 2 to 8 of a run; a run's first year is a transient it never
    # saw. Continued, a flat 2021 lies where the fitted run's last normal years lie.
    ratios = []
    for replicate in range(3):
        before = past.run_past(FITTED, persons_per_agent=SCALE, seed=5, replicate=replicate,
                               months_after=12)
        then = LabourMarket(params=FITTED, start="2021-01", months=12, persons_per_agent=SCALE,
                            seed=5, replicate=replicate, past=before).run()
        normal = np.mean([_annual(before.monthly(), y) for y in ("2018", "2019")])
        ratios.append(then["new_urban_jobs"].sum() / normal)
    assert abs(np.mean(ratios) - 1.0) < 0.05, ratios


def test_continuing_copies_the_past_and_keeps_its_draws():
    before = past.run_past(FITTED, persons_per_agent=SCALE, seed=9, replicate=1, months_after=6)
    stocks = before.ledger.stocks().copy()
    runs = [LabourMarket(params=FITTED, start="2021-01", months=6, persons_per_agent=SCALE,
                         seed=9, replicate=1, past=before).run() for _ in range(2)]
    pd.testing.assert_frame_equal(runs[0], runs[1])
    np.testing.assert_array_equal(before.ledger.stocks(), stocks)  # the past is not stepped on
    # A past recomputed from scratch (not the cached one) gives the same continuation.
    past._CACHE.clear()
    again = LabourMarket(params=FITTED, start="2021-01", months=6, persons_per_agent=SCALE,
                         seed=9, replicate=1,
                         past=past.run_past(FITTED, persons_per_agent=SCALE, seed=9,
                                            replicate=1, months_after=6)).run()
    pd.testing.assert_frame_equal(runs[0], again)


def test_a_continuation_starts_the_month_after_the_past():
    before = past.run_past(FITTED, persons_per_agent=SCALE, seed=9, replicate=1, months_after=6)
    for kwargs in ({"start": "2021-02"}, {"seed": 10}, {"persons_per_agent": 2 * SCALE}):
        args = {"start": "2021-01", "seed": 9, "persons_per_agent": SCALE, **kwargs}
        with pytest.raises(ValueError, match="continu"):
            LabourMarket(params=FITTED, months=6, replicate=1, past=before, **args)


def test_the_plan_without_instruments_is_the_baseline_of_the_same_past():
    plan = load_scenario("scenarios/plan_2021.toml")
    base = load_scenario("scenarios/baseline_2021.toml")
    assert plan.spec.scenario.initial_state == base.spec.scenario.initial_state == (
        "calibrated_past")
    assert plan.demand_path() == base.demand_path()
    a = simulate(plan, seed=3, persons_per_agent=SCALE, instruments=[]).monthly()
    b = simulate(base, seed=3, persons_per_agent=SCALE).monthly()
    pd.testing.assert_frame_equal(a, b)
