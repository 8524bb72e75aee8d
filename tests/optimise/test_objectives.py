"""Objectives and their standard errors, on outcomes with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from jobsim.optimise.evaluate import OUTCOMES
from jobsim.optimise.objectives import NO_COST, minimised, non_dominated, objectives


def _outcomes(**values):
    n = len(next(iter(values.values())))
    out = {k: np.zeros(n) for k in OUTCOMES}
    out.update({k: np.asarray(v, dtype=float) for k, v in values.items()})
    return out


def test_objectives_are_paired_against_the_zero_mix():
    zero = _outcomes(total_employed=[100.0, 200.0, 300.0, 400.0])
    mix = _outcomes(total_employed=[110.0, 220.0, 310.0, 440.0], both_met=[1, 1, 0, 1],
                    spending_yuan=[1000.0, 1000.0, 1000.0, 1000.0])
    obj = objectives(mix, zero)
    diff = np.array([10.0, 20.0, 10.0, 40.0])
    assert obj["p_met"] == 0.75
    assert np.isclose(obj["p_met_se"], np.sqrt(0.75 * 0.25 / 4))
    assert obj["gain"] == diff.mean()
    assert np.isclose(obj["gain_se"], diff.std(ddof=1) / 2)
    assert np.isclose(obj["cost"], 1000.0 / diff.mean())
    # Delta method: constant spending, so the error comes from the gain alone.
    assert np.isclose(obj["cost_se"], obj["cost"] * obj["gain_se"] / obj["gain"])


def test_a_mix_without_gain_has_no_cost_and_is_dominated():
    zero = _outcomes(total_employed=[100.0, 100.0])
    none = objectives(_outcomes(total_employed=[100.0, 100.0], spending_yuan=[5.0, 5.0]), zero)
    assert np.isnan(none["cost"]) and minimised(none)[2] == NO_COST
    some = objectives(_outcomes(total_employed=[150.0, 160.0], spending_yuan=[5.0, 5.0]), zero)
    table = pd.DataFrame([{"budget_a": 1.0, **none}, {"budget_a": 2.0, **some}])
    assert list(non_dominated(table)["budget_a"]) == [2.0]
