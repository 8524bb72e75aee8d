"""The no-new-policy macro path the agent-based model runs on.

How the forecast meets the ABM
------------------------------
The ABM (``model/labour_market.py`` and friends) simulates the *policy deltas*; what would
happen to the labour market without new policy comes from here. :func:`macro_path` returns
one row per simulated month with

``demand_index``
    Labour demand relative to the base year, 1.0 = no change. It is the forecast of annual
    new urban jobs for the month's year divided by the last observed year's value (the base
    year, 2020 in the shipped data). The forecasting model is the one chosen by the
    rolling-origin backtest for that series (:mod:`model.forecast.pipeline`). For months in
    years that have data the observed ratio is used (NaN if that year is missing).
``seasonal_unemployment_pp``
    The month's seasonal deviation of China's surveyed urban unemployment rate, in
    percentage points, from an unobserved-components model (local level plus fixed
    seasonal dummies that sum to zero over a year) fitted to the monthly series; the
    smoothed seasonal component gives one number per calendar month.
``demand_index_draw_0 ...`` (when ``draws > 0``)
    Sample paths of ``demand_index`` from the same model's forecast distribution: the state
    at the end of the data is drawn from its filtered distribution and the model is run
    forward (``simulate(anchor="end")``), so a path is coherent across years. An ensemble
    gives replicate ``r`` the column ``demand_index_draw_r``; that is how macro uncertainty
    enters alongside stochastic and parameter uncertainty (DESIGN §4).

A scenario may replace the path: any frame with the same index and columns will do, and
:func:`with_shock` applies the common case, a demand shock over a window (e.g. an epidemic
resurgence cutting demand by 10% for three months), to the mean and to every draw.

Assumptions (not data)
----------------------
* Labour demand moves in proportion to new urban jobs; new urban jobs are a gross hiring
  flow net of retirements, so this is a proxy, not a measure of vacancies.
* The demand source is the **national** series: Hunan has only four annual values
  (2014, 2017, 2018, 2020), too few to fit any model; Hunan is assumed to move with the
  national ratio. Pass ``series="hunan_new_urban_jobs"`` to use Hunan's own (naive) path.
* The index is a step function: a year's ratio applies to each of its months; within-year
  timing is the ABM's business (its own seasonality of hiring and graduation).
* Hunan's unemployment seasonality is assumed equal to the national one (no Hunan monthly
  surveyed rate is published in the data). With M-flagged months excluded, each calendar
  month rests on one or two observations, one of them often in 2020, so the seasonal
  pattern is rough; Spring-Festival and graduation peaks are what it should show.
* Draws hold the model's parameters at their estimates: parameter uncertainty is not in
  them, which understates spread for series this short.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from model.data import DataError
from model.forecast.models import fit_spec, uc_spec
from model.forecast.pipeline import SeriesForecast, forecast_series
from model.forecast.series import load_series

__all__ = ["DEMAND_SERIES", "macro_path", "seasonal_unemployment", "with_shock"]

#: Series whose forecast drives ``demand_index`` (see the module notes).
DEMAND_SERIES = "cn_new_urban_jobs"
SEASONAL_SERIES = "cn_surveyed_unemployment_rate"


@lru_cache(maxsize=8)
def _demand(series: str, include_memory: bool) -> SeriesForecast:
    # Cached: the ABM may ask for paths many times per process; the data do not change.
    return forecast_series(load_series(series, include_memory=include_memory))


@lru_cache(maxsize=4)
def _seasonal(include_memory: bool) -> tuple[float, ...]:
    series = load_series(SEASONAL_SERIES, include_memory=include_memory)
    fitted = fit_spec(uc_spec("llevel", 12), series.y)
    if fitted is None:
        missing = sorted({p.month for p in series.y.index} - {
            p.month for p in series.y.dropna().index})
        raise DataError(f"series '{SEASONAL_SERIES}': seasonal pattern cannot be estimated"
                        f" (calendar months never observed: {missing})")
    model = fitted[0]
    seasonal = np.asarray(model.results.seasonal["smoothed"], dtype=float) * model.scale
    months = np.asarray(series.y.index.month)
    # The seasonal is fixed, so the last year holds one value per calendar month.
    by_month = {int(m): float(v) for m, v in zip(months[-12:], seasonal[-12:])}
    return tuple(by_month[m] for m in range(1, 13))


def seasonal_unemployment(*, include_memory: bool = False) -> pd.Series:
    """Seasonal deviation of the national surveyed rate by calendar month (pp).

    Returns
    -------
    pandas.Series
        Indexed 1..12 (January..December); sums to zero over the year.
    """
    values = _seasonal(include_memory)
    return pd.Series(values, index=pd.RangeIndex(1, 13, name="month"),
                     name="seasonal_unemployment_pp")


def macro_path(
    start: str,
    months: int,
    *,
    draws: int = 0,
    seed: int = 0,
    series: str = DEMAND_SERIES,
    include_memory: bool = False,
) -> pd.DataFrame:
    """Build the ABM's no-new-policy macro path, month by month.

    Parameters
    ----------
    start : str
        First month, ``"YYYY-MM"``.
    months : int
        Number of months (>= 1).
    draws : int
        Number of sampled demand paths to add as ``demand_index_draw_<i>`` columns.
    seed : int
        Seed for the draws: ``np.random.default_rng(np.random.SeedSequence(seed))``.
    series : str
        Annual new-urban-jobs series that drives demand (see the module notes).
    include_memory : bool
        Use M-flagged values in the underlying series.

    Returns
    -------
    pandas.DataFrame
        Indexed by a monthly ``PeriodIndex`` named ``month`` (prints as ``YYYY-MM``), with
        ``demand_index``, ``seasonal_unemployment_pp`` and the draw columns.

    Raises
    ------
    ValueError
        A malformed ``start`` or a non-positive ``months``, a negative ``draws``.
    DataError
        The data cannot support the path.
    """
    try:
        first = pd.Period(start, freq="M")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"macro_path: start '{start}' is not a month 'YYYY-MM'") from exc
    if not isinstance(start, str) or len(start) != 7:
        raise ValueError(f"macro_path: start '{start}' is not a month 'YYYY-MM'")
    if int(months) != months or months < 1:
        raise ValueError(f"macro_path: months must be a positive integer, got {months}")
    if int(draws) != draws or draws < 0:
        raise ValueError(f"macro_path: draws must be a non-negative integer, got {draws}")
    index = pd.period_range(first, periods=int(months), freq="M", name="month")
    fc = _demand(series, include_memory)
    y = fc.series.y
    observed = y.dropna()
    base = float(observed.iloc[-1])
    last_year = int(y.index[-1].year)
    years = np.asarray(index.year)
    steps = max(int(years.max()) - last_year, 0)

    # Year -> level: observed for data years, forecast mean beyond; draws likewise.
    level = {int(p.year): float(v) for p, v in y.items()}
    if steps:
        mean = fc.fitted.predict(steps)["mean"].to_numpy()
        level.update({last_year + h + 1: float(mean[h]) for h in range(steps)})
    out = pd.DataFrame(index=index)
    out["demand_index"] = [level.get(int(yr), np.nan) / base for yr in years]
    factor = seasonal_unemployment(include_memory=include_memory)
    out["seasonal_unemployment_pp"] = factor.reindex(index.month).to_numpy()
    if draws:
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        paths = fc.fitted.simulate(steps, int(draws), rng) if steps else np.empty((0, draws))
        history = np.array([level.get(int(yr), np.nan) for yr in years])
        future = years > last_year
        ahead = years[future] - last_year - 1
        columns = {}
        for d in range(int(draws)):
            column = history.copy()
            column[future] = paths[ahead, d]
            columns[f"demand_index_draw_{d}"] = column / base
        out = pd.concat([out, pd.DataFrame(columns, index=index)], axis=1)
    return out


def with_shock(path: pd.DataFrame, first: str, last: str, *, demand_factor: float
               ) -> pd.DataFrame:
    """Return ``path`` with demand multiplied by ``demand_factor`` in ``first..last``.

    Applies to ``demand_index`` and every draw column, e.g. ``demand_factor=0.9`` for a
    10% demand shock during an epidemic resurgence.
    """
    if not np.isfinite(demand_factor) or demand_factor < 0:
        raise ValueError(f"with_shock: demand_factor must be >= 0, got {demand_factor}")
    out = path.copy()
    window = (out.index >= pd.Period(first, freq="M")) & (out.index <= pd.Period(last, freq="M"))
    columns = [c for c in out.columns if c.startswith("demand_index")]
    out.loc[window, columns] = out.loc[window, columns] * demand_factor
    return out
