"""The macro path handed to the ABM: shape, meaning, seeded draws, overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from jobsim import macro
from jobsim.forecast.paths import demand_path, macro_path, seasonal_unemployment, with_shock


def test_path_shape_and_index():
    """The path has the promised columns and a monthly index."""
    path = macro_path("2021-01", 12)
    assert list(path.columns) == ["demand_index", "seasonal_unemployment_pp", "gdp_growth_pct"]
    assert isinstance(path.index, pd.PeriodIndex) and path.index.name == "month"
    assert [str(p) for p in path.index] == [f"2021-{m:02d}" for m in range(1, 13)]
    assert np.isfinite(path.to_numpy()).all()


def test_demand_index_is_output_based():
    """Demand comes from growth: the 2021 target in 2021, 2020's quarters in 2020.

    (It used to be a ratio of annual new urban jobs, a gross flow, scaling a stock.)
    """
    path = macro_path("2021-01", 12)
    assert (path["gdp_growth_pct"] == macro.growth_target_2021()).all()
    expected = macro.demand_from_growth({"2021": 7.0}, "2021-01", 12)
    np.testing.assert_allclose(path["demand_index"], expected)
    past = macro_path("2020-01", 12)
    assert past["demand_index"].iloc[1] < past["demand_index"].iloc[-1] <= 1.0 + 1e-9
    assert past["gdp_growth_pct"].iloc[0] < 0  # the first quarter of 2020


def test_growth_overrides_state_a_shock_in_output_units():
    """A quarter's growth below the target lowers that quarter's demand, not the year's."""
    base = demand_path("2021-01", 12)
    shock = demand_path("2021-01", 12, {"2021-Q1": -6.48})
    assert np.all(shock[:3] < base[:3]) and np.all(shock[3:] == base[3:])


def test_seasonal_pattern_sums_to_zero_and_is_repeated():
    """Seasonal factors sum to zero and repeat every year."""
    factors = seasonal_unemployment()
    assert list(factors.index) == list(range(1, 13))
    assert factors.sum() == pytest.approx(0.0, abs=1e-6)
    path = macro_path("2021-01", 24)
    np.testing.assert_allclose(path["seasonal_unemployment_pp"].iloc[:12],
                               path["seasonal_unemployment_pp"].iloc[12:])
    np.testing.assert_allclose(path["seasonal_unemployment_pp"].iloc[:12], factors.to_numpy())


def test_draws_are_seeded_and_carry_uncertainty():
    """Draws are reproducible from the seed and spread out with the horizon."""
    first = macro_path("2021-01", 36, draws=50, seed=4)
    again = macro_path("2021-01", 36, draws=50, seed=4)
    other = macro_path("2021-01", 36, draws=50, seed=5)
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    draws = first[[f"demand_index_draw_{i}" for i in range(50)]]
    assert not np.allclose(draws.to_numpy(), other[draws.columns].to_numpy())
    yearly = draws.groupby(draws.index.year).first()
    assert (yearly.std(axis=1).diff().dropna() > 0).all()  # spread grows with the horizon
    growth = first[[f"gdp_growth_draw_{i}" for i in range(50)]]
    assert (growth.groupby(growth.index.year).nunique() == 1).all().all()  # one value a year
    sd = growth.iloc[0].std()
    assert 0.5 * macro.growth_forecast_sd() < sd < 2 * macro.growth_forecast_sd()


def test_draws_keep_observed_growth():
    """In years with data every draw keeps the observed growth (only the elasticity varies)."""
    path = macro_path("2020-01", 13, draws=3, seed=0)
    observed = path.loc["2020-01":"2020-12", "gdp_growth_pct"]
    for d in range(3):
        np.testing.assert_allclose(path.loc["2020-01":"2020-12", f"gdp_growth_draw_{d}"],
                                   observed)
    assert path.filter(like="demand_index_draw").loc["2020-02"].nunique() == 3


def test_shock_overrides_mean_and_draws():
    """A demand shock scales the mean and every draw in its window only."""
    path = macro_path("2021-01", 12, draws=2, seed=1)
    shocked = with_shock(path, "2021-03", "2021-05", demand_factor=0.9)
    window = shocked.loc["2021-03":"2021-05"]
    np.testing.assert_allclose(window.filter(like="demand_index"),
                               0.9 * path.loc["2021-03":"2021-05"].filter(like="demand_index"))
    pd.testing.assert_frame_equal(shocked.loc["2021-06":], path.loc["2021-06":])
    pd.testing.assert_series_equal(shocked["seasonal_unemployment_pp"],
                                   path["seasonal_unemployment_pp"])


@pytest.mark.parametrize("start, months, draws", [("2021", 12, 0), ("2021-13", 12, 0),
                                                  ("2021-01", 0, 0), ("2021-01", 12, -1)])
def test_bad_arguments_are_refused(start, months, draws):
    """Malformed start, months or draws raise ValueError."""
    with pytest.raises(ValueError):
        macro_path(start, months, draws=draws)
