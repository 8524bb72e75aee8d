"""Temporary layoffs: workers laid off because demand fell are recalled by their own firm.

A recall resumes the old job, so it moves a worker into employment without counting as a new
urban job (model/indicators.py); ties last ``labour_demand.recall_months``.
"""

from __future__ import annotations

import numpy as np
import pytest
from jobsim import flows
from jobsim.labour_market import LabourMarket

SCALE = 2000.0
SHOCK = [1.0, 0.85, 0.85, 1.0, 1.0, 1.0, 1.0, 1.0]


def _run(params, recall_months: int, demand=SHOCK):
    p = params.with_overrides({"labour_demand.recall_months": recall_months})
    return _model(p, demand)


def _model(p, demand=SHOCK):
    model = LabourMarket(params=p, months=len(demand), persons_per_agent=SCALE, seed=4,
                         demand_index=demand)
    return model, model.run()


def test_recalled_workers_return_to_the_firm_that_laid_them_off(params, monkeypatch):
    """Every recall puts the worker back into the firm of the tie, never another."""
    seen: list[tuple[np.ndarray, np.ndarray]] = []
    original = flows.recalls

    def spy(ctx):
        ties = {int(a): int(f) for a, f in zip(ctx.recall.agent, ctx.recall.firm)}
        back = original(ctx)
        tied = np.array([ties[int(a)] for a in back], dtype=np.int64)
        # At the moment of the recall, every recalled worker is in the firm of its tie.
        assert np.array_equal(ctx.workers.firm[back], tied), ctx.t
        seen.append(back)
        return back

    monkeypatch.setattr(flows, "recalls", spy)
    _, df = _run(params, 3)
    recalled = np.concatenate(seen)
    assert recalled.size > 0 and df["flow_recall"].sum() == recalled.size * SCALE


def test_recalls_are_bounded_by_demand_layoffs_within_the_window(params):
    """Recalls never exceed the demand layoffs of the months a tie lasts."""
    _, df = _run(params, 3)
    layoffs = df["flow_demand_layoff"].to_numpy()
    recalls = df["flow_recall"].to_numpy()
    for t in range(len(df)):  # a tie lasts one to three months after the layoff
        assert recalls[t] <= layoffs[max(0, t - 3): t].sum() + 1e-9, t
    assert recalls.sum() > 0


def test_a_recall_is_not_a_new_urban_job(params, monkeypatch):
    """Without recall the recovery's rehiring counts as new jobs; with it, it does not.

    Employment after the recovery is about the same either way (the firms refill the same
    vacancies); the recorded new urban jobs differ by the recalled workers.
    """
    _, with_recall = _run(params, 3)
    monkeypatch.setattr(flows, "recalls", lambda ctx: np.empty(0, dtype=np.int64))
    _, without = _model(params)
    assert without["flow_recall"].sum() == 0
    assert with_recall["new_urban_jobs_cum"].iloc[-1] < without["new_urban_jobs_cum"].iloc[-1]
    emp = "urban_employed"
    assert with_recall[emp].iloc[-1] == pytest.approx(without[emp].iloc[-1], rel=0.01)
