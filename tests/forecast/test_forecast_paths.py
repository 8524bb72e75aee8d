"""The macro path handed to the ABM: shape, meaning, seeded draws, overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.forecast.paths import macro_path, seasonal_unemployment, with_shock
from model.forecast.series import load_series


def test_path_shape_and_index():
    """The path has the promised columns and a monthly index."""
    path = macro_path("2021-01", 12)
    assert list(path.columns) == ["demand_index", "seasonal_unemployment_pp"]
    assert isinstance(path.index, pd.PeriodIndex) and path.index.name == "month"
    assert [str(p) for p in path.index] == [f"2021-{m:02d}" for m in range(1, 13)]
    assert np.isfinite(path.to_numpy()).all()


def test_demand_index_is_relative_to_the_base_year():
    """The demand index is 1 in the base year and a ratio elsewhere."""
    path = macro_path("2020-07", 18)
    # 2020 is the base year: its months are exactly 1; later years come from the forecast.
    assert (path.loc["2020-07":"2020-12", "demand_index"] == 1.0).all()
    assert path.loc["2021-01":, "demand_index"].between(0.5, 1.5).all()
    history = macro_path("2019-01", 1)["demand_index"].iloc[0]
    y = load_series("cn_new_urban_jobs").y
    assert history == pytest.approx(y["2019"] / y["2020"])


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
    assert (draws.groupby(draws.index.year).nunique() == 1).all().all()  # one value a year


def test_draws_equal_history_in_data_years():
    """In years with data every draw equals the observed ratio."""
    path = macro_path("2020-12", 2, draws=3, seed=0)
    assert (path.loc["2020-12"].filter(like="draw") == 1.0).all()


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
