"""Indicator definitions on hand-built cases (table-driven, like PolicyEngine's YAML tests)."""

from __future__ import annotations

import numpy as np
import pytest
from jobsim.agents import N_STATES, State, Workers
from jobsim.indicators import measure
from jobsim.ledger import Flow, Ledger

S = State
CASES = [
    # states, registered flags, expected surveyed %, expected registered %
    dict(states=[S.EMPLOYED] * 3 + [S.FLEXIBLE, S.UNEMPLOYED, S.UNEMPLOYED, S.INACTIVE],
         registered=[0, 0, 0, 0, 1, 0, 0], surveyed=100 * 2 / 6, registered_rate=100 * 1 / 4),
    dict(states=[S.SELF_EMPLOYED, S.PUBLIC_POST, S.INTERNSHIP, S.TRAINING, S.UNEMPLOYED],
         registered=[0, 0, 0, 0, 1], surveyed=100 * 1 / 4, registered_rate=100 * 1 / 3),
    dict(states=[S.RURAL_WORK, S.RURAL_WORK, S.EMPLOYED, S.UNEMPLOYED],
         registered=[0, 0, 0, 0], surveyed=50.0, registered_rate=0.0),
]


@pytest.mark.parametrize("case", CASES)
def test_rates_follow_nbs_definitions(case):
    n = len(case["states"])
    w = Workers.empty(n)
    w.claim(n)
    w.state[:] = case["states"]
    w.registered[:] = np.array(case["registered"], dtype=bool)
    ledger = Ledger(w)
    stocks = np.bincount(w.state, minlength=N_STATES)
    row = measure(w, ledger, stocks, persons_per_agent=10, recording_share=1.0,
                  deduct_attrition=True, transfers_completed=0)
    assert row["surveyed_unemployment_rate"] == pytest.approx(case["surveyed"])
    assert row["registered_unemployment_rate"] == pytest.approx(case["registered_rate"])


@pytest.mark.parametrize("deduct, expected", [(True, (3 - 1) * 0.5 * 10), (False, 3 * 0.5 * 10)])
def test_new_urban_jobs_deducts_attrition_by_switch(deduct, expected):
    w = Workers.empty(8)
    w.claim(8)
    w.state[:] = [S.UNEMPLOYED, S.UNEMPLOYED, S.INACTIVE, S.EMPLOYED, S.EMPLOYED,
                  S.FLEXIBLE, S.EMPLOYED, S.UNEMPLOYED]
    ledger = Ledger(w)
    ledger.move(np.array([0, 1]), S.EMPLOYED, Flow.MATCH)  # two new jobs
    ledger.move(np.array([2]), S.FLEXIBLE, Flow.LF_ENTRY)  # inactive -> flexible: a new job
    ledger.move(np.array([5]), S.EMPLOYED, Flow.MATCH)  # job to job: not new
    ledger.move(np.array([6]), S.INACTIVE, Flow.RETIREMENT)  # natural attrition
    ledger.move(np.array([7]), S.INACTIVE, Flow.LF_EXIT)  # not attrition
    stocks = ledger.end_month()
    row = measure(w, ledger, stocks, persons_per_agent=10, recording_share=0.5,
                  deduct_attrition=deduct, transfers_completed=0)
    assert row["newly_employed_urban"] == 30
    assert row["natural_attrition"] == 10
    assert row["new_urban_jobs"] == pytest.approx(expected)
