"""Rolling-origin backtests: every candidate against the naive benchmarks, out of sample.

At each origin the model is refitted to the data up to that period only (spec selection by
AICc included, so the backtest judges the whole procedure, not one lucky spec) and forecasts
``backtest_horizon`` periods ahead. Forecasts are compared with the values later observed.

Scoring
-------
Models are scored on a **common set**: the (origin, horizon) pairs whose target was observed
and for which every model that produced any forecast at all produced a point forecast. A
model that cannot be fitted anywhere (too few observations) gets rows with ``n_origins = 0``
and is not chosen. Coverage is counted where the model has an interval.

MASE (Hyndman & Koehler 2006 [1]_) divides the mean absolute error by one constant per
series: the mean absolute one-step change between adjacent observed periods of the whole
published series. So MASE < 1 means errors smaller than a typical period-to-period move;
rows of one series are directly comparable, and the benchmarks' own rows say whether a
model beats them.

The model used downstream is the one with the lowest MASE pooled over all horizons of the
common set; benchmarks come first in the order, so a tie goes to the benchmark. Intervals do
not enter the choice; their coverage is reported for judgement.

References
----------
.. [1] Hyndman, R. J., & Koehler, A. B. (2006). Another look at measures of forecast
   accuracy. International Journal of Forecasting 22(4), 679-688.
   https://doi.org/10.1016/j.ijforecast.2006.03.001
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from jobsim.forecast.models import LEVELS, Spec, candidates, fit_model, model_names
from jobsim.forecast.series import Series, publish

__all__ = ["choose", "mase_scale", "origins", "rolling_origin", "score", "SCORE_COLUMNS"]

#: Relative margin by which a later model must beat an earlier one to be chosen.
TIE_TOLERANCE = 1e-6
SCORE_COLUMNS = ["series", "model", "horizon", "mase", "coverage80", "coverage95", "n_origins"]


def origins(series: Series) -> list[int]:
    """Positions of the backtest origins in ``series.y``.

    An origin needs ``min_train`` observations up to it and at least one observed target
    within the horizon after it; the profile's origins are Decembers only.
    """
    values = np.isfinite(series.y.to_numpy(dtype=float))
    seen = np.cumsum(values)
    out: list[int] = []
    for i in range(len(values) - 1):
        if seen[i] < series.min_train:
            continue
        if series.origin_month and series.y.index[i].month != series.origin_month:
            continue
        if out and i - out[0] < series.origin_every * len(out):
            continue  # keep origins origin_every apart, counted from the first
        if values[i + 1: i + 1 + series.backtest_horizon].any():
            out.append(i)
    return out


def rolling_origin(
    series: Series, grid: dict[str, tuple[Spec, ...]] | None = None
) -> pd.DataFrame:
    """Out-of-sample forecasts of every model from every origin.

    Parameters
    ----------
    series : Series
        The series to backtest.
    grid : dict, optional
        Candidate families and specs; defaults to ``candidates(series.kind)``.

    Returns
    -------
    pandas.DataFrame
        One row per origin, horizon and model: ``origin, horizon, period, model, spec, mean,
        lo80, hi80, lo95, hi95, actual`` in the published unit (NaN where undefined).
    """
    grid = candidates(series.kind) if grid is None else grid
    names = model_names(series.season, grid)
    y = series.y
    actual = series.output()
    rows = []
    for i in origins(series):
        steps = min(series.backtest_horizon, len(y) - 1 - i)
        train = y.iloc[: i + 1]
        for name in names:
            fitted = fit_model(name, train, grid=grid, season=series.season,
                               naive=series.naive)
            if fitted is None:
                continue
            frame = publish(fitted.predict(steps), series.transform)
            frame.insert(0, "horizon", np.arange(1, steps + 1))
            frame.insert(0, "origin", y.index[i])
            frame["period"] = frame.index
            frame["model"] = name
            frame["spec"] = fitted.name
            frame["actual"] = actual.reindex(frame.index).to_numpy()
            rows.append(frame.reset_index(drop=True))
    columns = ["origin", "horizon", "period", "model", "spec", "mean", "lo80", "hi80",
               "lo95", "hi95", "actual"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]


def mase_scale(series: Series) -> float:
    """Mean absolute change between adjacent observed periods of the published series."""
    values = series.output().to_numpy(dtype=float)
    steps = np.abs(np.diff(values))
    steps = steps[np.isfinite(steps)]
    return float(steps.mean()) if len(steps) else np.nan


def _common(predictions: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Rows of the common set and the models that take part in it."""
    live = predictions[np.isfinite(predictions["mean"].astype(float))]
    models = list(dict.fromkeys(live["model"]))
    if not models:
        return predictions.iloc[0:0], []
    wide = live.pivot_table(index=["origin", "horizon"], columns="model", values="mean",
                            aggfunc="first")
    actual = live.groupby(["origin", "horizon"])["actual"].first()
    keep = wide.reindex(columns=models).notna().all(axis=1) & actual.reindex(wide.index).notna()
    pairs = wide.index[keep.to_numpy()]
    key = pd.MultiIndex.from_frame(live[["origin", "horizon"]])
    return live[key.isin(pairs)], models


def score(series: Series, predictions: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Backtest table: MASE and 80/95% coverage per model and horizon on the common set.

    Parameters
    ----------
    series : Series
        The series backtested (for its name, horizon and MASE scale).
    predictions : pandas.DataFrame
        Output of :func:`rolling_origin`.
    models : list of str
        All models tried, so that those never fitted still get a row.
    """
    common, _ = _common(predictions)
    scale = mase_scale(series)
    rows = []
    for model in models:
        mine = common[common["model"] == model]
        for h in range(1, series.backtest_horizon + 1):
            at = mine[mine["horizon"] == h]
            n = len(at)
            row = {"series": series.name, "model": model, "horizon": h, "n_origins": n,
                   "mase": float(np.mean(np.abs(at["mean"] - at["actual"])) / scale)
                   if n else np.nan}
            for level in LEVELS:
                lo, hi = at[f"lo{level}"].astype(float), at[f"hi{level}"].astype(float)
                has = np.isfinite(lo) & np.isfinite(hi)
                inside = (at["actual"] >= lo) & (at["actual"] <= hi)
                row[f"coverage{level}"] = float(inside[has].mean()) if has.any() else np.nan
            rows.append(row)
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def choose(predictions: pd.DataFrame, models: list[str]) -> str:
    """Pick the model with the lowest pooled absolute error on the common set.

    Ties (within a relative ``TIE_TOLERANCE``) go to the earlier model in ``models``; the
    benchmarks come first.

    Falls back to ``"naive"`` when nothing could be scored.
    """
    common, live = _common(predictions)
    best, best_error = "naive", np.inf
    if common.empty:
        return best
    for model in models:
        if model not in live:
            continue
        mine = common[common["model"] == model]
        error = float(np.mean(np.abs(mine["mean"] - mine["actual"])))
        # A challenger must win by more than rounding: near-ties (a local level that has
        # collapsed to a random walk) go to the earlier, simpler model on every platform.
        if error < best_error * (1 - TIE_TOLERANCE):
            best, best_error = model, error
    return best
