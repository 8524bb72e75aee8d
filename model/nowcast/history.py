"""The record a nowcast learns from, read through :mod:`jobsim.data` (S and D values only).

- :func:`cumulative_record` — per year, the cumulative new urban jobs by month (``through``
  1..12; December is the year's total), for China or Hunan.
- :func:`rate_record` — China's monthly surveyed urban unemployment rate.
- :func:`target` — a series' target for a year, from the record (past years) or the plan.

China's annual totals come from ``national_annual.csv`` and ``national_indicators.csv``
(which states 2014 and 2015, memory-only in the former).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
from jobsim import data

__all__ = ["cumulative_record", "rate_record", "target", "last_data_year", "REGIONS"]

#: Cumulative series with a record, by actuals series name.
REGIONS = {"national_new_urban_jobs_ytd": "national", "hunan_new_urban_jobs_ytd": "hunan"}

_YEAR = re.compile(r"^(\d{4})$")
_YTD = re.compile(r"^(\d{4})-01\.\.(\d{4})-(\d{2})$")


def _national_indicator(indicator: str) -> dict[int, float]:
    """Annual values of one indicator of ``national_indicators.csv`` (S and D), model units."""
    table = data.load_table("national_indicators.csv")
    rows = table[(table["indicator"] == indicator) & (table["flag"] != "M")
                 & table["period"].str.match(_YEAR)]
    return {int(p): float(v) * data.UNIT_FACTORS[u]
            for p, v, u in zip(rows["period"], rows["value"], rows["unit"])}


@lru_cache(maxsize=4)
def _cumulative(region: str) -> tuple[tuple[int, int, float], ...]:
    out: dict[tuple[int, int], float] = {}
    if region == "national":
        ytd = data.national_ytd_new_urban_jobs()
        for y, m, p in zip(ytd["year"], ytd["through_month"], ytd["persons"]):
            out[(int(y), int(m))] = float(p)
        for y, v in _national_indicator("national_new_urban_jobs").items():
            out[(y, 12)] = v
        annual = data.national_annual("new_urban_jobs_wan")
        for y, v in annual.items():
            if np.isfinite(v):
                out[(int(y), 12)] = float(v)
    elif region == "hunan":
        rows = data.hunan_series("new_urban_jobs")
        for period, value in zip(rows["period"], rows["value"]):
            if _YEAR.match(period):
                out[(int(period), 12)] = float(value)
            elif (hit := _YTD.match(period)) and hit[1] == hit[2]:
                out[(int(hit[1]), int(hit[3]))] = float(value)
    else:  # pragma: no cover - a programming error
        raise ValueError(region)
    return tuple(sorted((y, m, v) for (y, m), v in out.items()))


def cumulative_record(region: str) -> pd.DataFrame:
    """Cumulative new urban jobs (persons): a year x month (1..12) frame, NaN where unknown."""
    rows = _cumulative(region)
    years = range(min(r[0] for r in rows), max(r[0] for r in rows) + 1)
    frame = pd.DataFrame(np.nan, index=pd.Index(list(years), name="year"),
                         columns=pd.Index(range(1, 13), name="through"))
    for y, m, v in rows:
        frame.loc[y, m] = v
    return frame


def rate_record() -> pd.Series:
    """China's monthly surveyed urban unemployment rate (percent), monthly PeriodIndex."""
    return data.national_monthly_surveyed("urban_rate_pct")


def last_data_year() -> int:
    """Return the last year of the national record of new urban jobs."""
    return int(max(r[0] for r in _cumulative("national")))


def target(series: str, year: int) -> tuple[float, str, str]:
    """(value, comparison, source) of a series' target in ``year``; NaN when not in the data.

    Counts are judged ``>=`` on the year's total; the surveyed rate ``<=`` on the annual
    average. The scenario's own year takes the plan's targets (``plan_targets.csv``).
    """
    nan = (float("nan"), "", "not in model/data")
    plan = data.plan_targets("hunan_2021")
    plan_value = dict(zip(plan["indicator"], plan["target_model_units"]))
    if series == "national_new_urban_jobs_ytd":
        t = _national_indicator("national_new_urban_jobs_target")
        if year in t:
            return t[year], ">=", "national_indicators.csv national_new_urban_jobs_target"
        return nan
    if series == "national_surveyed_unemployment_rate":
        t = data.national_annual("surveyed_rate_target_pct")
        if year in t.index and np.isfinite(t[year]):
            return float(t[year]), "<=", "national_annual.csv surveyed_rate_target_pct"
        t2 = _national_indicator("national_surveyed_unemployment_target")
        if year in t2:
            return t2[year], "<=", "national_indicators.csv national_surveyed_unemployment_target"
        return nan
    if series == "hunan_new_urban_jobs_ytd":
        if year == 2021:
            return float(plan_value["new_urban_jobs"]), ">=", "plan_targets.csv hunan_2021"
        past = data.hunan_series("new_urban_jobs_target")
        hit = past[past["period"] == str(year)]
        if len(hit):
            return float(hit["value"].iloc[0]), ">=", "hunan_indicators.csv new_urban_jobs_target"
        return nan
    plan_key = {"vocational_training_ytd": "subsidised_vocational_training",
                "youth_internships_ytd": "youth_internships"}.get(series)
    if plan_key and year == 2021:
        return float(plan_value[plan_key]), ">=", "plan_targets.csv hunan_2021"
    return nan
