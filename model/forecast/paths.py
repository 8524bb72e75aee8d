"""The no-new-policy macro path the agent-based model runs on, in output units.

How the forecast meets the ABM
------------------------------
The macro driver is real GDP growth (:mod:`jobsim.macro`). :func:`macro_path` returns one row
per simulated month with

``gdp_growth_pct``
    Year-on-year real GDP growth of the month's quarter (percent): Hunan's observed path for
    2014–2020 (:func:`jobsim.macro.observed_growth`: 2020 by China's quarters plus the
    Hunan-China differential, Hunan's quarters not being in the data), and for 2021 on the
    growth target announced before the plan, Hunan's "7% or more" read as 7
    (:func:`jobsim.macro.growth_target_2021` says why). No later target was announced
    before the plan: years after 2021 hold the 2021 value.
``demand_index``
    Labour demand (the multiplier of firms' desired employment, 1 = the reference growth
    path) from that growth path by :func:`jobsim.macro.demand_from_growth`: the year before
    the path's first month is on the reference path (the population's stocks describe that
    state), at the elasticity given (``demand_path(elasticity=...)``; default the record's
    regression estimate, 0.157, se 0.036; scenarios pass their parameter set's
    ``labour_demand.output_elasticity``).
``seasonal_unemployment_pp``
    The month's seasonal deviation of China's surveyed urban unemployment rate, in
    percentage points, from an unobserved-components model (local level plus fixed
    seasonal dummies that sum to zero over a year) fitted to the monthly series; the
    smoothed seasonal component gives one number per calendar month.
``demand_index_draw_0 ...``, ``gdp_growth_draw_0 ...`` (when ``draws > 0``)
    Sample paths in output units (:func:`growth_draws`): each draw takes an elasticity from
    its estimate's normal approximation (truncated at zero) and, for every forecast year,
    growth = the previous forecast year's growth (the target for the first) + a normal
    error with the sd of a one-year-ahead growth forecast (1.34 pp: the naive forecast's
    RMSE on China 2010–2020, :func:`jobsim.macro.growth_forecast_sd`), so the spread grows
    with the horizon. Observed years keep their growth; their demand still varies with the
    drawn elasticity. An ensemble gives replicate ``r`` draw ``r`` (DESIGN §4).

:func:`with_shock` lays a demand shock over a window (a multiplier of demand, kept for
scenarios stated in demand units); a shock in output units is a growth path
(:func:`demand_path` with ``growth`` overrides).

Assumptions (not data)
----------------------
* Demand responds to the level of output relative to the reference path with one
  employment-output elasticity, the same in every quarter; the index is a step function by
  quarter (the data give quarters at best).
* The growth target is the central forecast; its error is symmetric (module
  :mod:`jobsim.macro`).
* Hunan's unemployment seasonality is assumed equal to the national one (no Hunan monthly
  surveyed rate is published in the data). With M-flagged months excluded, each calendar
  month rests on one or two observations, one of them often in 2020, so the seasonal
  pattern is rough; Spring-Festival and graduation peaks are what it should show.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd
from jobsim import macro
from jobsim.data import DataError

__all__ = ["macro_path", "seasonal_unemployment", "with_shock", "growth_path", "demand_path",
           "growth_draws", "gap_draws", "gap_path", "LAST_OBSERVED_YEAR"]

SEASONAL_SERIES = "cn_surveyed_unemployment_rate"
#: The data stop here (the plan was drafted in early 2021).
LAST_OBSERVED_YEAR = 2020


def _index(start: str, months: int) -> pd.PeriodIndex:
    if not isinstance(start, str) or len(start) != 7:
        raise ValueError(f"macro_path: start '{start}' is not a month 'YYYY-MM'")
    try:
        first = pd.Period(start, freq="M")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"macro_path: start '{start}' is not a month 'YYYY-MM'") from exc
    if int(months) != months or months < 1:
        raise ValueError(f"macro_path: months must be a positive integer, got {months}")
    return pd.period_range(first, periods=int(months), freq="M", name="month")


def growth_path(start: str, months: int,
                growth: Mapping[str, float] | None = None) -> dict[str, float]:
    """Growth by year or quarter over the horizon: observed to 2020, the 2021 target after.

    ``growth`` (``"YYYY"`` or ``"YYYY-Qn"`` keys) overrides the forecast where given: a
    scenario's own path or shock in output units.
    """
    index = _index(start, months)
    years = range(index[0].year, index[-1].year + 1)
    observed = macro.observed_growth(min(years), LAST_OBSERVED_YEAR) if min(years) <= (
        LAST_OBSERVED_YEAR) else {}
    out = {k: v for k, v in observed.items() if int(k[:4]) in years}
    target = macro.growth_target_2021("hunan")
    for year in years:
        if year > LAST_OBSERVED_YEAR:
            out[str(year)] = target
    for key, value in (growth or {}).items():
        if int(str(key)[:4]) in years:
            if len(str(key)) == 4:  # a year replaces its quarters
                for q in range(1, 5):
                    out.pop(f"{key}-Q{q}", None)
            out[str(key)] = float(value)
    return out


def demand_path(start: str, months: int, growth: Mapping[str, float] | None = None, *,
                elasticity: float | None = None) -> np.ndarray:
    """Monthly demand index of :func:`growth_path` (no model fitting: safe at load time)."""
    return macro.demand_from_growth(growth_path(start, months, growth), start, months,
                                    elasticity=elasticity)


def growth_draws(start: str, months: int, draws: int, seed: int,
                 growth: Mapping[str, float] | None = None, *,
                 elasticity: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sample demand and growth paths in output units (module notes).

    ``elasticity`` holds the elasticity at that value (growth is still drawn).

    Returns
    -------
    demand, growth : numpy.ndarray
        Shape ``(draws, months)``: each draw's demand index and its growth (percent) by month.
    """
    gaps, grow, etas = gap_draws(start, months, draws, seed, growth)
    if elasticity is not None:  # a scenario's own elasticity is held
        etas = np.full(etas.shape, float(elasticity))
    return np.exp(etas[:, None] * gaps), grow


def gap_draws(start: str, months: int, draws: int, seed: int,
              growth: Mapping[str, float] | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample output-gap paths and elasticities (the draws behind :func:`growth_draws`).

    Returns
    -------
    gaps, growth, elasticities : numpy.ndarray
        ``gaps`` and ``growth`` of shape ``(draws, months)``: each draw's log output relative
        to the reference path (:func:`jobsim.macro.output_gap`) and its growth (percent);
        ``elasticities`` one elasticity per draw from the record's estimate (truncated at 0),
        for runs whose parameter set does not calibrate it.
    """
    if int(draws) != draws or draws < 0:
        raise ValueError(f"macro_path: draws must be a non-negative integer, got {draws}")
    index = _index(start, months)
    base = growth_path(start, months, growth)
    est = macro.employment_output_elasticity()
    sd = macro.growth_forecast_sd()
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    future = sorted({int(k[:4]) for k in base if int(k[:4]) > LAST_OBSERVED_YEAR})
    gaps = np.empty((int(draws), index.size))
    grow = np.empty((int(draws), index.size))
    etas = np.empty(int(draws))
    for d in range(int(draws)):
        eta = est.value + est.se * rng.standard_normal()
        while eta <= 0:  # truncated at zero: output never lowers labour demand
            eta = est.value + est.se * rng.standard_normal()
        etas[d] = eta
        errors = np.cumsum(sd * rng.standard_normal(len(future)))
        shift = dict(zip(future, errors))
        path = {k: v + shift.get(int(k[:4]), 0.0) for k, v in base.items()}
        gaps[d] = macro.output_gap(path, start, months)
        grow[d] = _monthly_growth(path, index)
    return gaps, grow, etas


def gap_path(start: str, months: int, growth: Mapping[str, float] | None = None) -> np.ndarray:
    """Output gap per month of :func:`growth_path` (``demand_path = exp(eta x gap)``)."""
    return macro.output_gap(growth_path(start, months, growth), start, months)


def _monthly_growth(path: Mapping[str, float], index: pd.PeriodIndex) -> np.ndarray:
    return np.array([path.get(f"{p.year}-Q{p.quarter}", path.get(str(p.year), np.nan))
                     for p in index])


@lru_cache(maxsize=4)
def _seasonal(include_memory: bool) -> tuple[float, ...]:
    from jobsim.forecast.models import fit_spec, uc_spec  # statsmodels only here
    from jobsim.forecast.series import load_series

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
    growth: Mapping[str, float] | None = None,
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
        Number of sampled paths to add as ``demand_index_draw_<i>`` and
        ``gdp_growth_draw_<i>`` columns.
    seed : int
        Seed for the draws: ``np.random.default_rng(np.random.SeedSequence(seed))``.
    growth : mapping, optional
        Growth overrides (``"YYYY"`` / ``"YYYY-Qn"`` -> percent), see :func:`growth_path`.
    include_memory : bool
        Use M-flagged values in the seasonal series.

    Returns
    -------
    pandas.DataFrame
        Indexed by a monthly ``PeriodIndex`` named ``month`` (prints as ``YYYY-MM``), with
        ``demand_index``, ``seasonal_unemployment_pp``, ``gdp_growth_pct`` and the draw
        columns.

    Raises
    ------
    ValueError
        A malformed ``start`` or a non-positive ``months``, a negative ``draws``.
    DataError
        The data cannot support the path.
    """
    index = _index(start, months)
    if int(draws) != draws or draws < 0:
        raise ValueError(f"macro_path: draws must be a non-negative integer, got {draws}")
    path = growth_path(start, months, growth)
    out = pd.DataFrame(index=index)
    out["demand_index"] = macro.demand_from_growth(path, start, months)
    factor = seasonal_unemployment(include_memory=include_memory)
    out["seasonal_unemployment_pp"] = factor.reindex(index.month).to_numpy()
    out["gdp_growth_pct"] = _monthly_growth(path, index)
    if draws:
        demand, grow = growth_draws(start, months, int(draws), seed, growth)
        columns = {f"demand_index_draw_{d}": demand[d] for d in range(int(draws))}
        columns.update({f"gdp_growth_draw_{d}": grow[d] for d in range(int(draws))})
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
