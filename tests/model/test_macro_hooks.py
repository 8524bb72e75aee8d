"""The firm hooks programme economics uses: labour cost and the demand-layoff multiplier."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from jobsim.labour_market import LabourMarket
from jobsim.params import ParameterSet

SCALE = 2000.0
SHOCK = [1.0, 0.9, 0.9, 0.9, 1.0, 1.0]


class _Preset(LabourMarket):
    """A model whose firm effects are set to fixed values every month, as instruments do."""

    def __init__(self, *, labour_cost: float | None = None, hold: float | None = None,
                 **kw) -> None:
        super().__init__(**kw)
        self._cost, self._hold = labour_cost, hold

    def step(self) -> None:
        fx, cap = self.effects, self.firms.capacity
        if self._cost is not None:
            fx.firm_array("labour_cost", cap)
        if self._hold is not None:
            fx.firm_array("demand_layoff_multiplier", cap)
        original = fx.reset

        def reset() -> None:
            original()
            if self._cost is not None:
                fx.labour_cost.fill(self._cost)
            if self._hold is not None:
                fx.demand_layoff_multiplier.fill(self._hold)

        fx.reset = reset  # type: ignore[method-assign]
        try:
            super().step()
        finally:
            fx.reset = original  # type: ignore[method-assign]


def _run(**kw) -> pd.DataFrame:
    return _Preset(persons_per_agent=SCALE, months=len(SHOCK), demand_index=SHOCK, seed=3,
                   **kw).run()


@pytest.fixture(scope="module")
def plain() -> pd.DataFrame:
    """Run the same model without hooks."""
    return LabourMarket(persons_per_agent=SCALE, months=len(SHOCK), demand_index=SHOCK,
                        seed=3).run()


def test_neutral_hooks_are_bit_identical(plain: pd.DataFrame) -> None:
    """Allocated but neutral (1.0) arrays leave every number of the run unchanged."""
    pd.testing.assert_frame_equal(_run(labour_cost=1.0, hold=1.0), plain, check_exact=True)


def test_cheaper_labour_raises_firm_employment(plain: pd.DataFrame) -> None:
    """A 10% labour-cost cut (elasticity -0.3: desired employment +3%) adds firm jobs.

    More hires, more firm employment, fewer demand layoffs.
    """
    cheap = _run(labour_cost=0.9)
    assert cheap["stock_employed"].iloc[-1] > plain["stock_employed"].iloc[-1]
    assert cheap["flow_demand_layoff"].sum() < plain["flow_demand_layoff"].sum()


def test_demand_layoff_multiplier_hoards_labour(plain: pd.DataFrame) -> None:
    """With the multiplier at 0 no demand layoff happens; at 0.5 fewer than at 1."""
    assert plain["flow_demand_layoff"].sum() > 0
    assert _run(hold=0.0)["flow_demand_layoff"].sum() == 0
    half = _run(hold=0.5)["flow_demand_layoff"].sum()
    assert 0 < half < plain["flow_demand_layoff"].sum()
    assert np.isfinite(half)


@pytest.mark.parametrize("hold", [0.2, 0.5])
def test_demand_layoff_multiplier_is_unbiased_with_hoarding(hold: float) -> None:
    """With hoarding (a firm sheds a share of its excess a month), a multiplier ``hold`` on
    demand layoffs makes about ``hold`` of them in the first month of a fall, when both runs
    start from the same firms. The shed share and the multiplier are rounded once, as one
    product: rounding them one after the other with the firm's fixed offset kept almost every
    one-agent layoff (0.49 of them made at hold 0.2 in this run, 0.71 at 0.5).
    """
    params = ParameterSet.load().with_overrides({"labour_demand.excess_shed_share": 0.2})
    kw = dict(params=params, persons_per_agent=500.0, months=2, demand_index=SHOCK[:2],
              seed=3)
    made = LabourMarket(**kw).run()["flow_demand_layoff"].iloc[1]
    assert made >= 100 * 500.0, made  # enough one-agent layoffs to read the share
    ratio = _Preset(hold=hold, **kw).run()["flow_demand_layoff"].iloc[1] / made
    assert abs(ratio - hold) <= 0.08, ratio
