"""The EMA Workbench adapter (20 scenarios x 2 policies, reproducibly) and a SALib analysis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jobsim.api import HEADLINE_OUTCOMES, ema_model

ROOT = Path(__file__).resolve().parents[2]
TINY = 10000.0


@pytest.fixture(scope="module")
def adapter():
    return ema_model(ROOT / "scenarios" / "plan_2021.toml", persons_per_agent=TINY)


def test_adapter_is_a_function_of_keywords(adapter):
    a = adapter(hiring_subsidy=2e8, demand_factor=0.98)
    assert set(a) == set(HEADLINE_OUTCOMES)
    assert a == adapter(hiring_subsidy=2e8, demand_factor=0.98)  # same keywords, same outcomes
    assert adapter(hiring_subsidy=0.0)["spending_yuan"] < a["spending_yuan"]
    with pytest.raises(ValueError, match="unknown keyword"):
        adapter(hiring_subsidyy=1.0)


def _experiments(adapter):
    ema = pytest.importorskip("ema_workbench", reason="pip install -e '.[analysis]'")
    m = ema.Model("jobsim", function=adapter)
    m.uncertainties = [ema.RealParameter("demand_factor", 0.95, 1.05),
                       ema.RealParameter("matching__efficiency", 0.1, 0.3)]
    m.levers = [ema.RealParameter("hiring_subsidy", 0.0, 1e9)]
    m.outcomes = [ema.ScalarOutcome(n) for n in HEADLINE_OUTCOMES]
    np.random.seed(2021)  # EMA's Latin hypercube draws from numpy's global generator
    with ema.SequentialEvaluator(m) as evaluator:
        return evaluator.perform_experiments(scenarios=20, policies=2)


def test_ema_workbench_20_scenarios_by_2_policies_reproducibly(adapter):
    experiments, outcomes = _experiments(adapter)
    assert len(experiments) == 40
    again_x, again = _experiments(adapter)
    drawn = ["demand_factor", "matching__efficiency", "hiring_subsidy"]
    pd.testing.assert_frame_equal(experiments[drawn], again_x[drawn])  # names are counters
    for name in HEADLINE_OUTCOMES:
        assert outcomes[name].shape == (40,)
        np.testing.assert_array_equal(outcomes[name], again[name])
    # the two policies differ in the subsidy budget: the larger one spends more in each scenario
    frame = experiments.assign(spending=outcomes["spending_yuan"])
    by_policy = frame.groupby("policy", observed=True).agg(
        budget=("hiring_subsidy", "first"), spending=("spending", "mean"))
    assert by_policy.sort_values("budget")["spending"].is_monotonic_increasing
    # lower demand, more unemployment: within each policy the rate falls as demand rises
    for _, part in frame.assign(rate=outcomes["surveyed_rate_annual_average"]).groupby(
            "policy", observed=True):
        assert np.corrcoef(part["demand_factor"], part["rate"])[0, 1] < 0


def test_salib_morris_ranks_demand_above_nothing(adapter):
    morris_sample = pytest.importorskip("SALib.sample.morris")
    from SALib.analyze import morris

    problem = {"num_vars": 2, "names": ["demand_factor", "hiring_subsidy"],
               "bounds": [[0.95, 1.05], [0.0, 1e9]]}
    x = morris_sample.sample(problem, N=3, num_levels=4, seed=7)
    y = np.array([adapter(**dict(zip(problem["names"], row)))["surveyed_rate_annual_average"]
                  for row in x])
    result = morris.analyze(problem, x, y, num_levels=4, seed=7)
    mu_star = dict(zip(problem["names"], result["mu_star"]))
    assert mu_star["demand_factor"] > 0
    assert np.all(np.isfinite(result["mu_star"]))
