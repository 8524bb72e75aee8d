"""Backtest machinery on known processes: picks the true class, honest intervals, same output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from jobsim.forecast.backtest import choose, mase_scale, origins, score
from jobsim.forecast.models import Naive, SeasonalNaive, Spec, fit_model
from jobsim.forecast.pipeline import forecast_series
from jobsim.forecast.series import Series

PHI, SEASONAL_PHI = 0.5, 0.7
SEEDS = (1, 2, 3)

#: Small grid, one or two specs per family, so the file stays fast.
GRID: dict[str, tuple[Spec, ...]] = {
    "sarimax": (
        Spec("sarimax", "sarimax(1,0,0)(1,0,0,12)",
             (("order", (1, 0, 0)), ("seasonal_order", (1, 0, 0, 12)), ("trend", "n"))),
        Spec("sarimax", "sarimax(1,0,0)", (("order", (1, 0, 0)), ("trend", "n"))),
    ),
    "ets": (
        Spec("ets", "ets(A,N,N)", ()),
        Spec("ets", "ets(A,N,A)", (("seasonal", 12),)),
    ),
    "uc": (Spec("uc", "uc(llevel+seasonal12)", (("level", "llevel"), ("seasonal", 12),
                                                 ("stochastic_seasonal", False),
                                                 ("use_exact_diffuse", True))),),
}


def seasonal_ar(n: int, seed: int, burn: int = 120) -> pd.Series:
    """(1 - phi L)(1 - Phi L^12) y_t = e_t, e ~ N(0, 1): a SARIMA(1,0,0)(1,0,0,12)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    shocks = rng.standard_normal(n + burn)
    y = np.zeros(n + burn)
    for t in range(13, n + burn):
        y[t] = (PHI * y[t - 1] + SEASONAL_PHI * y[t - 12] - PHI * SEASONAL_PHI * y[t - 13]
                + shocks[t])
    return pd.Series(y[burn:], index=pd.period_range("2000-01", periods=n, freq="M"))


def synthetic(y: pd.Series, **overrides) -> Series:
    """Wrap a synthetic monthly series as a Series."""
    options = dict(name="synthetic", label="synthetic", label_zh="", unit="percent", y=y,
                   freq="M", season=12, naive="last", kind="monthly_rate", horizon=12,
                   backtest_horizon=12, min_train=84, origin_every=3)
    options.update(overrides)
    return Series(**options)


@pytest.fixture(scope="module")
def runs():
    """Backtest-and-forecast runs on independent seasonal AR series."""
    return [forecast_series(synthetic(seasonal_ar(120, seed)), GRID) for seed in SEEDS]


def test_backtest_picks_the_true_model_class(runs):
    """On a seasonal AR process the backtest chooses SARIMAX with the true orders."""
    assert [fc.chosen for fc in runs] == ["sarimax"] * len(SEEDS)
    assert all(fc.fitted.name == "sarimax(1,0,0)(1,0,0,12)" for fc in runs)
    for fc in runs:  # and it beats both benchmarks out of sample
        pooled = fc.backtest.groupby("model")["mase"].mean()
        assert pooled["sarimax"] < pooled["naive"]
        assert pooled["sarimax"] < pooled["seasonal_naive"]


def test_intervals_cover_near_nominal(runs):
    """The true model's 80% and 95% intervals cover near their nominal rates."""
    predictions = pd.concat([fc.predictions for fc in runs])
    true_model = predictions[predictions["model"] == "sarimax"].dropna(subset=["mean"])
    actual = true_model["actual"]
    cover80 = ((actual >= true_model["lo80"]) & (actual <= true_model["hi80"])).mean()
    cover95 = ((actual >= true_model["lo95"]) & (actual <= true_model["hi95"])).mean()
    # Plug-in intervals ignore parameter uncertainty, so a little under nominal is expected.
    assert abs(cover80 - 0.80) < 0.08, cover80
    assert abs(cover95 - 0.95) < 0.05, cover95


def test_backtest_table_shape(runs):
    """One row per model and horizon; n_origins counts origins with a target."""
    table = runs[0].backtest
    assert list(table.columns) == ["series", "model", "horizon", "mase", "coverage80",
                                   "coverage95", "n_origins"]
    assert set(table["model"]) == {"naive", "seasonal_naive", "sarimax", "ets", "uc"}
    assert sorted(table["horizon"].unique()) == list(range(1, 13))
    starts = origins(synthetic(seasonal_ar(120, SEEDS[0])))
    for h, n in table.groupby("horizon")["n_origins"].first().items():
        assert n == sum(1 for i in starts if i + h < 120)  # every origin with a target


def test_gaps_are_taken_not_filled():
    """Missing months are left missing and the state-space fits still work."""
    y = seasonal_ar(120, 11)
    rng = np.random.default_rng(np.random.SeedSequence(11))
    y.iloc[rng.choice(len(y) - 1, size=12, replace=False)] = np.nan
    fc = forecast_series(synthetic(y), GRID)
    assert fc.chosen == "sarimax"
    assert np.isfinite(fc.forecast.to_numpy()).all()
    assert y.isna().sum() == 12  # the input is not filled in


def test_forecasts_are_reproducible():
    """The same input gives identical forecasts and backtest tables."""
    series = synthetic(seasonal_ar(108, 7), min_train=96, origin_every=4)
    first, second = forecast_series(series, GRID), forecast_series(series, GRID)
    pd.testing.assert_frame_equal(first.forecast, second.forecast, check_exact=True)
    pd.testing.assert_frame_equal(first.backtest, second.backtest, check_exact=True)


def test_naive_variance_accounts_for_gaps():
    """The naive random-walk variance divides each step by its gap."""
    y = pd.Series([1.0, np.nan, 3.0, 4.0], index=pd.period_range("2000", periods=4, freq="Y"))
    mean, se = Naive(y).moments(2)
    sigma2 = (2.0**2 / 2 + 1.0**2 / 1) / 2
    np.testing.assert_allclose(mean, [4.0, 4.0])
    np.testing.assert_allclose(se, np.sqrt(sigma2 * np.array([1, 2])))
    trailing = pd.Series([1.0, 2.0, np.nan], index=pd.period_range("2000", periods=3, freq="Y"))
    np.testing.assert_allclose(Naive(trailing).moments(1)[1], [np.sqrt(2.0)])  # reach 2


def test_seasonal_naive_uses_last_seen_season_and_falls_back():
    """Seasonal naive uses the last observed same season, else the naive value."""
    y = pd.Series([1.0, 2, 3, 4, 5, np.nan, 7, 8],
                  index=pd.period_range("2000-01", periods=8, freq="M"))
    mean, se = SeasonalNaive(y, 4, Naive(y)).moments(4)
    np.testing.assert_allclose(mean, [5, 2, 7, 8])
    np.testing.assert_allclose(se, [4, 4 * np.sqrt(2), 4, 4])
    unseen = pd.Series([1.0, np.nan, 3.0, np.nan],
                       index=pd.period_range("2000-01", periods=4, freq="M"))
    mean, _ = SeasonalNaive(unseen, 2, Naive(unseen)).moments(2)
    np.testing.assert_allclose(mean, [3.0, 3.0])  # phase 1 never seen: naive value


def test_score_uses_common_set_and_counts_origins():
    """Scores use the common set; a never-fitted model gets n_origins 0."""
    y = pd.Series([0.0, 1, 2, 3, 4], index=pd.period_range("2000", periods=5, freq="Y"))
    series = synthetic(y, freq="Y", season=None, kind="annual", backtest_horizon=1,
                       min_train=2, origin_every=1)
    rows = []
    for origin, actual in [(2, 3.0), (3, 4.0)]:
        for model, mean in [("naive", actual - 1), ("good", actual)]:
            rows.append({"origin": origin, "horizon": 1, "model": model, "mean": mean,
                         "lo80": mean - 0.5, "hi80": mean + 0.5, "lo95": mean - 1,
                         "hi95": mean + 1, "actual": actual})
    # "patchy" forecasts only at the first origin: it shrinks the common set to that origin
    rows.append({"origin": 2, "horizon": 1, "model": "patchy", "mean": 3.0, "lo80": np.nan,
                 "hi80": np.nan, "lo95": np.nan, "hi95": np.nan, "actual": 3.0})
    predictions = pd.DataFrame(rows)
    table = score(series, predictions, ["naive", "good", "patchy", "never"]).set_index("model")
    assert mase_scale(series) == pytest.approx(1.0)
    assert table.loc["naive", "mase"] == pytest.approx(1.0)
    assert table.loc["good", "mase"] == pytest.approx(0.0)
    assert (table.loc[["naive", "good", "patchy"], "n_origins"] == 1).all()
    assert table.loc["naive", "coverage95"] == 1.0 and table.loc["naive", "coverage80"] == 0.0
    assert np.isnan(table.loc["patchy", "coverage80"])
    assert table.loc["never", "n_origins"] == 0 and np.isnan(table.loc["never", "mase"])
    assert choose(predictions, ["naive", "good", "patchy"]) == "good"
    # ties go to the earlier (benchmark) model
    assert choose(predictions[predictions["model"] != "good"], ["naive", "patchy"]) == "patchy"


def test_family_that_cannot_fit_returns_none():
    """A family with more parameters than observations is unavailable."""
    y = pd.Series([1.0, np.nan, 2.0], index=pd.period_range("2000", periods=3, freq="Y"))
    grid = {"ets": (Spec("ets", "ets(A,Ad,N)", (("trend", True), ("damped_trend", True))),)}
    assert fit_model("ets", y, grid=grid) is None
