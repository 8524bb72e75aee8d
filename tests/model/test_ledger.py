"""The stock-flow ledger balances every month, for any parameters and seed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobsim.agents import State
from jobsim.labour_market import LabourMarket
from jobsim.ledger import LedgerError

from tests.conftest import SMALL


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    separation=st.floats(0.01, 0.04),  # layoff part must cover firm exits,
    efficiency=st.floats(0.08, 0.5),  # matching.efficiency's declared range
    transfer=st.floats(0.0, 0.01),
    demand=st.floats(0.9, 1.1),
    start_month=st.integers(1, 12),
)
def test_ledger_balances(params, seed, separation, efficiency, transfer, demand, start_month):
    p = params.with_overrides({
        "flows.separation_rate": separation,
        "matching.efficiency": efficiency,
        "rural.transfer_rate": transfer,
    })
    model = LabourMarket(params=p, start=f"2021-{start_month:02d}", months=8,
                         persons_per_agent=SMALL, demand_index=demand, seed=seed)
    monthly = model.run()  # end_month raises LedgerError on any imbalance
    stocks = monthly.filter(like="stock_")
    assert stocks.sum(axis=1).gt(0).all()
    # Identity in the published table: change in people = entries - deaths.
    people = stocks.sum(axis=1).to_numpy()
    entries = (monthly["flow_youth_entry"] + monthly["flow_graduate_entry"]
               + monthly["flow_graduate_direct_hire"]).to_numpy()
    deaths = monthly["flow_death"].to_numpy()
    assert np.allclose(np.diff(people), entries[1:] - deaths[1:])
    # Every worker in a firm is employed, and firm employment adds up.
    w, f = model.workers, model.firms
    in_firm = w.firm[: w.n_used] >= 0
    assert np.array_equal(in_firm, w.state[: w.n_used] == State.EMPLOYED)
    counts = np.bincount(w.firm[: w.n_used][in_firm], minlength=f.capacity)
    assert np.array_equal(counts, f.employment)


def test_a_move_outside_the_ledger_is_caught(params):
    model = LabourMarket(params=params, months=3, persons_per_agent=SMALL, seed=1)
    model.step()
    model.ledger.begin_month()
    idx = np.flatnonzero(model.workers.state == State.INACTIVE)[:5]
    model.workers.state[idx] = State.UNEMPLOYED  # bypasses Ledger.move
    with pytest.raises(LedgerError, match="INACTIVE|UNEMPLOYED"):
        model.ledger.end_month()
