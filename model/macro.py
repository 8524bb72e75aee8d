"""Labour demand from output: real GDP growth -> a monthly labour-demand index.

The index multiplies firms' desired employment (a stock). It is driven by the *level* of
output relative to a reference growth path, with an employment-output elasticity ``eta``:

    D(m) = exp(eta * L(q)),   L(q) = sum over years y0..y of [ln(1 + g(y, q)) - ln(1 + g_ref)]

where ``g(y, q)`` is the year-on-year real growth of the quarter q holding month m (the
annual figure for every quarter of a year given only annually), ``y0`` the first year of
the path (the year before is on the reference path, ``L = 0``), and ``g_ref`` the reference
growth at which labour demand is flat (the mean of 2014–2019, the years the stationary
model is calibrated on). A year-on-year growth rate compares a quarter with the same
quarter of the year before, hence the chaining by quarter.

The elasticity, from the record (:func:`estimate_elasticity`)
------------------------------------------------------------
China's new urban jobs ``N`` against real GDP growth ``g``, 2012–2020, first differences:
``d ln N_t = c + e * d g_t`` (OLS, classical standard errors). ``e`` is the semi-elasticity of
the gross flow
of new urban jobs to one point of growth. A gross flow is not a stock: with separations
unchanged by growth, one point of growth less removes ``e * N`` new jobs, which is the fall of
employment; as a share of urban employment ``E`` that is ``e * N / E``. So the elasticity of
desired employment to output is ``eta = e * 100 * N / E``, with ``N / E`` Hunan's own ratio
(new urban jobs 2017 / urban employed 2017, both stated). Vintage: each year's growth as it
stood when the plan was drafted (the latest release before March 2021: the verified figure
where one was published by then, else the preliminary); the preliminary vintage is the
sensitivity (it changes ``e`` in the fourth decimal). Years with an M-flagged jobs figure
(2010) are excluded, which drops the 2010 and 2011 differences. The estimate is identified
by 2020: without it the slope is indistinguishable from zero (``-0.005``, se ``0.014``),
because growth moved little and new jobs followed their own trend in 2012–2019.

Hunan's own record (new urban jobs 2014, 2016–2018 against growth) has four points with
growth between 7.8 and 9.5 and no 2020 growth figure in the data: too few to estimate from
(documented, not used).

Observed path (:func:`observed_growth`)
---------------------------------------
Hunan's annual growth 2014 and 2016–2019; Hunan's 2015 and all of 2020 are not in the data,
so those periods use China's growth (2015 annual; 2020 by quarter) plus the mean
Hunan-minus-China differential of the years both exist (2014, 2016–2019). Hunan's partial
cumulative quarters (one or two per year, 2014–2018) are within 0.3 pp of the year's figure
and are not used: the annual figure stands for each quarter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from jobsim import data

__all__ = ["Elasticity", "estimate_elasticity", "employment_output_elasticity",
           "annual_growth", "reference_growth", "observed_growth", "demand_from_growth",
           "observed_demand", "output_gap", "observed_output_gap", "growth_target_2021",
           "growth_forecast_sd",
           "single_quarters_from_cumulative", "REFERENCE_YEARS"]

#: Years whose mean growth is the reference path (the stationary model's years, before 2020).
REFERENCE_YEARS = (2014, 2015, 2016, 2017, 2018, 2019)
#: Years of the elasticity regression (differences need the previous year's jobs figure).
ELASTICITY_YEARS = tuple(range(2012, 2021))

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


@dataclass(frozen=True)
class Elasticity:
    """The employment-output elasticity and how it was estimated."""

    value: float  # eta: % change of desired employment per 1% of output
    se: float
    jobs_semi_elasticity: float  # e: d ln(new urban jobs) per pp of growth
    jobs_se: float
    jobs_to_employment: float  # N / E, Hunan 2017
    years: tuple[int, ...]
    vintage: str
    nobs: int


def annual_growth(region: str = "china", vintage: str = "plan_time") -> pd.Series:
    """Real GDP growth by year (percent).

    Parameters
    ----------
    region : {"china", "hunan"}
    vintage : {"plan_time", "preliminary"}
        China only: ``plan_time`` takes the verified figure where one was released before
        March 2021, else the preliminary; ``preliminary`` the first release throughout.
    """
    def _years(indicator: str) -> pd.Series:
        rows = data.gdp_growth(indicator)
        rows = rows[rows["period"].str.fullmatch(r"\d{4}")]
        return pd.Series(rows["value"].to_numpy(float), index=rows["period"].astype(int))

    if region == "hunan":
        return _years("hunan_gdp_growth").sort_index()
    if region != "china":
        raise ValueError(f"annual_growth: unknown region '{region}' (china, hunan)")
    prelim = _years("china_gdp_growth_prelim")
    if vintage == "preliminary":
        return prelim.sort_index()
    if vintage != "plan_time":
        raise ValueError(f"annual_growth: unknown vintage '{vintage}' (plan_time, preliminary)")
    verified = _years("china_gdp_growth_verified")
    return verified.combine_first(prelim).sort_index()


def estimate_elasticity(vintage: str = "plan_time",
                        years: tuple[int, ...] = ELASTICITY_YEARS) -> Elasticity:
    """Estimate the employment-output elasticity from China's record (module notes)."""
    jobs = data.national_annual("new_urban_jobs_wan")  # persons; M-flagged years are NaN
    growth = annual_growth("china", vintage)
    rows = [(math.log(jobs[y]) - math.log(jobs[y - 1]), growth[y] - growth[y - 1])
            for y in years
            if all(np.isfinite(jobs.get(k, np.nan)) for k in (y, y - 1))
            and y in growth.index and y - 1 in growth.index]
    if len(rows) < 3:
        raise data.DataError("gdp_growth.csv / national_annual.csv: fewer than three years "
                             "to estimate the employment-output elasticity from")
    dy, dg = (np.array(c, dtype=float) for c in zip(*rows))
    # OLS with a constant, classical standard errors (closed form: no model fitting library
    # at scenario time).
    x = np.column_stack([np.ones_like(dg), dg])
    beta, *_ = np.linalg.lstsq(x, dy, rcond=None)
    resid = dy - x @ beta
    sigma2 = float(resid @ resid) / (dy.size - 2)
    cov = sigma2 * np.linalg.inv(x.T @ x)
    e, e_se = float(beta[1]), float(np.sqrt(cov[1, 1]))
    ratio = (data.hunan("new_urban_jobs", "2017").value
             / data.hunan("urban_employed_persons", "2017").value)
    used = tuple(y for y in years if all(np.isfinite(jobs.get(k, np.nan)) for k in (y, y - 1)))
    return Elasticity(value=e * 100 * ratio, se=e_se * 100 * ratio, jobs_semi_elasticity=e,
                      jobs_se=e_se, jobs_to_employment=ratio, years=used, vintage=vintage,
                      nobs=int(dy.size))


@lru_cache(maxsize=2)
def employment_output_elasticity(vintage: str = "plan_time") -> Elasticity:
    """Return the estimate the model uses (cached: the data do not change in a process)."""
    return estimate_elasticity(vintage)


def reference_growth(region: str = "hunan") -> float:
    """Mean growth of the reference years (percent) where the region has them."""
    g = annual_growth(region)
    g = g[g.index.isin(REFERENCE_YEARS)]
    return float(g.mean())


def _differential() -> float:
    """Mean Hunan-minus-China growth over the years both exist (percent points)."""
    hn, cn = annual_growth("hunan"), annual_growth("china")
    both = hn.index.intersection(cn.index)
    both = both[both <= max(REFERENCE_YEARS)]
    return float((hn[both] - cn[both]).mean())


def _china_quarters(year: int) -> dict[int, float] | None:
    """China's single-quarter yoy growth of a year, if all four quarters are in the data."""
    single = data.gdp_growth("china_gdp_growth_single_quarter")
    cum = data.gdp_growth("china_gdp_growth")
    out: dict[int, float] = {}
    for period, value in zip(single["period"], single["value"]):
        a = period.split("..")[0]
        if a.startswith(f"{year}-"):
            out[(int(a[5:7]) - 1) // 3 + 1] = float(value)
    q1 = cum[cum["period"] == f"{year}-01..{year}-03"]
    if 1 not in out and not q1.empty:
        out[1] = float(q1["value"].iloc[0])  # the first quarter's cumulative is the quarter
    return out if len(out) == 4 else None


def observed_growth(first_year: int = 2014, last_year: int = 2020) -> dict[str, float]:
    """Hunan's observed growth path, by year or quarter (``"YYYY"`` / ``"YYYY-Qn"``).

    Hunan's own annual figures where they exist; otherwise China's (by quarter where all
    four are in the data) plus the mean Hunan-China differential (module notes).
    """
    hn, cn = annual_growth("hunan"), annual_growth("china")
    diff = _differential()
    out: dict[str, float] = {}
    for year in range(first_year, last_year + 1):
        if year in hn.index:
            out[str(year)] = float(hn[year])
            continue
        quarters = _china_quarters(year)
        if quarters is not None:
            out.update({f"{year}-Q{q}": v + diff for q, v in sorted(quarters.items())})
        elif year in cn.index:
            out[str(year)] = float(cn[year]) + diff
        else:
            raise data.DataError(f"gdp_growth.csv: no growth figure for {year} (Hunan or China)")
    return out


def single_quarters_from_cumulative(cumulative: Mapping[int, float]) -> dict[int, float]:
    """Single-quarter yoy growth from cumulative yoy growth (``{quarters: pct}``).

    Equal quarter weights (the quarterly GDP levels are not in the data): the k-th quarter
    is ``k * cum_k - (k - 1) * cum_{k-1}``; cumulative values must be given for 1..n.
    """
    out: dict[int, float] = {}
    previous = 0.0
    for k in range(1, 5):
        if k not in cumulative:
            break
        out[k] = k * float(cumulative[k]) - (k - 1) * previous
        previous = float(cumulative[k])
    return out


def _quarterly(growth: Mapping[str, float], years: range) -> dict[tuple[int, int], float]:
    by_q: dict[tuple[int, int], float] = {}
    for key, value in growth.items():
        m = _PERIOD.match(str(key))
        if m is None:
            raise ValueError(f"demand_from_growth: period '{key}' is not 'YYYY' or 'YYYY-Qn'")
        if not np.isfinite(value) or value <= -100:
            raise ValueError(f"demand_from_growth: growth {value} for '{key}' is not a rate in %")
        year = int(m.group(1))
        for q in ((int(m.group(2)),) if m.group(2) else (1, 2, 3, 4)):
            if (year, q) in by_q and m.group(2) is None:
                continue  # a quarter given explicitly wins over its year
            by_q[(year, q)] = float(value)
    missing = [(y, q) for y in years for q in (1, 2, 3, 4) if (y, q) not in by_q]
    if missing:
        y, q = missing[0]
        raise ValueError(f"demand_from_growth: no growth for {y}-Q{q} (give the year or quarter)")
    return by_q


def demand_from_growth(growth: Mapping[str, float], start: str, months: int, *,
                       elasticity: float | None = None,
                       reference: float | None = None) -> np.ndarray:
    """Monthly labour-demand index from real GDP growth (module notes).

    Parameters
    ----------
    growth : mapping
        Year-on-year real growth in percent, keyed ``"YYYY"`` (the whole year) or
        ``"YYYY-Qn"`` (one quarter; wins over its year). Every quarter from ``start``'s year
        to the last month's must be covered.
    start : str
        First month, ``"YYYY-MM"``; the year before it is on the reference path.
    months : int
        Number of months.
    elasticity : float, optional
        Employment-output elasticity; default the record's estimate
        (:func:`employment_output_elasticity`).
    reference : float, optional
        Growth (percent) at which demand is flat; default Hunan's 2014–2019 mean.

    Returns
    -------
    numpy.ndarray
        One positive index per month, 1 = the reference path.
    """
    eta = employment_output_elasticity().value if elasticity is None else float(elasticity)
    return np.exp(eta * output_gap(growth, start, months, reference=reference))


def output_gap(growth: Mapping[str, float], start: str, months: int, *,
               reference: float | None = None) -> np.ndarray:
    """Log output relative to the reference growth path, per month (``L`` of the module notes).

    ``demand_from_growth(...) == exp(eta * output_gap(...))``: a path's demand at another
    elasticity needs no second pass over the growth data (the calibration frees ``eta``).
    """
    first = pd.Period(start, freq="M")
    if int(months) != months or months < 1:
        raise ValueError(f"demand_from_growth: months must be a positive integer, got {months}")
    index = pd.period_range(first, periods=int(months), freq="M")
    years = range(first.year, index[-1].year + 1)
    by_q = _quarterly(growth, years)
    ref = reference_growth("hunan") if reference is None else float(reference)
    gap = {(y, q): math.log1p(by_q[(y, q)] / 100) - math.log1p(ref / 100)
           for y in years for q in (1, 2, 3, 4)}
    level = {}
    for (y, q), v in sorted(gap.items()):
        level[(y, q)] = v + level.get((y - 1, q), 0.0)
    return np.array([level[(p.year, p.quarter)] for p in index])


def observed_demand(start: str = "2014-01", months: int = 84, *,
                    elasticity: float | None = None) -> np.ndarray:
    """Return the demand index of Hunan's observed growth path (:func:`observed_growth`)."""
    first = pd.Period(start, freq="M")
    last = first + int(months) - 1
    return demand_from_growth(observed_growth(first.year, last.year), start, months,
                              elasticity=elasticity)


def observed_output_gap(start: str = "2014-01", months: int = 84) -> np.ndarray:
    """Return :func:`output_gap` of Hunan's observed growth path."""
    first = pd.Period(start, freq="M")
    last = first + int(months) - 1
    return output_gap(observed_growth(first.year, last.year), start, months)


def growth_target_2021(region: str = "hunan") -> float:
    """Return the 2021 growth target announced before the plan (percent).

    "7% or more" (Hunan) / "6% or more" (China) is read as a central value of 7 (6): the
    record gives no ground for an upward bias of outcomes over targets (Hunan missed its
    2016 target of 8.5 with 7.9), so the floor is taken as the point forecast and the
    forecast's uncertainty (:func:`growth_forecast_sd`) is symmetric around it.
    """
    indicator = {"hunan": "hunan_gdp_growth_target_devplan",
                 "china": "china_gdp_growth_target"}.get(region)
    if indicator is None:
        raise ValueError(f"growth_target_2021: unknown region '{region}' (china, hunan)")
    rows = data.gdp_growth(indicator)
    rows = rows[rows["period"] == "2021"]
    if rows.empty:
        raise data.DataError(f"gdp_growth.csv: indicator '{indicator}': no 2021 target")
    return float(rows["value"].iloc[0])


def growth_forecast_sd(last_year: int = 2020) -> float:
    """Sd of a one-year-ahead growth forecast (percent points).

    The root mean squared error of the naive forecast (next year = this year) of China's
    growth, 2010..``last_year`` at the plan-time vintage: the only growth record long enough
    (Hunan's has four consecutive years). 2020 is included: a planner in March 2021 knew it.
    """
    g = annual_growth("china")
    g = g[g.index <= last_year]
    errors = np.diff(g.to_numpy())[np.diff(g.index.to_numpy()) == 1]
    return float(np.sqrt(np.mean(errors**2)))
