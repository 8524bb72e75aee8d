"""The headline series as pandas objects, read through :mod:`jobsim.data` and checked.

Each :class:`Series` carries the values a model is fitted to (``y``, a regular
``PeriodIndex`` with NaN where a value is missing or memory-flagged) and what the rest
of the package needs to treat it: its frequency, the benchmarks that make sense for it,
how far to forecast and backtest, and the targets to draw. Missing periods are never
filled: the state-space models take them as they are.

Series
------
``cn_surveyed_unemployment_rate``
    China's monthly surveyed urban unemployment rate, percent.
``cn_new_urban_jobs``
    China's annual new urban jobs, persons.
``hunan_new_urban_jobs``
    Hunan's annual new urban jobs, persons. The source gives 2015 and 2016 only as a
    two-year sum; that sum is kept in ``notes`` and not spread over the two years.
``cn_new_urban_jobs_ytd_share``
    The within-year cumulative profile: the share of the year's new urban jobs reached by
    the end of each month. It is modelled as the deviation from even accrual,
    ``share - month/12`` (``y``), because that deviation is zero at both ends of the year
    whatever the profile; December (share 1 by definition) is not an observation.

Bad data (a missing column, a duplicated period, a non-numeric value) raises
:class:`jobsim.data.DataError` naming the series and the period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from jobsim.data import (
    DataError,
    hunan_series,
    national_annual,
    national_monthly_surveyed,
    national_ytd_new_urban_jobs,
    plan_targets,
    raw_table,
)

__all__ = ["SERIES", "Series", "Target", "load_series", "load_all", "offset", "publish"]

#: Series produced by :func:`load_all`, in output order.
SERIES: tuple[str, ...] = (
    "cn_surveyed_unemployment_rate",
    "cn_new_urban_jobs",
    "hunan_new_urban_jobs",
    "cn_new_urban_jobs_ytd_share",
)

#: Forecast reach past the last data period: the plan year for monthly series, the
#: 14th five-year plan (2021-2025) for annual ones.
MONTHLY_HORIZON = 12
ANNUAL_HORIZON = 5
#: Backtest horizons: a year of months; at most 3 years for the short annual series.
MONTHLY_BACKTEST_HORIZON = 12
ANNUAL_BACKTEST_HORIZON = 3


@dataclass(frozen=True)
class Target:
    """A plan target to draw beside a forecast (value in the series' output unit)."""

    period: str
    value: float
    comparison: str
    label: str


@dataclass(frozen=True, eq=False)
class Series:
    """One series ready for fitting.

    Attributes
    ----------
    name, label, label_zh, unit : str
        Identifier (used in the CSVs), English and Chinese labels, output unit.
    y : pandas.Series
        Values in model space on a regular ``PeriodIndex``; NaN = missing or M-flagged.
    freq : str
        ``"M"`` or ``"Y"``.
    season : int or None
        Seasonal period for the seasonal-naive benchmark; None when it does not apply.
    naive : str
        ``"last"`` (carry the last observation) or ``"zero"`` (``y`` = 0, i.e. even accrual
        for the profile).
    kind : str
        Key of the candidate grid in :mod:`jobsim.forecast.models`.
    horizon, backtest_horizon, min_train : int
        Forecast steps, backtest steps, observations needed before the first origin.
    origin_month : int or None
        When set, backtest origins are only this calendar month (the profile's share is
        known only once the year's total is).
    origin_every : int
        Stride between backtest origins (1 = every period).
    transform : str or None
        ``"ytd_share"``: output = ``y + month/12``; None: output = ``y``.
    targets : tuple of Target
        2021 plan targets for the plots.
    memory : pandas.Series
        M-flagged values left out of ``y`` (drawn hollow in plots, never fitted).
    history_targets : pandas.Series
        Earlier years' targets, for context in plots.
    references : pandas.DataFrame
        Extra points for plots only (``period``, ``value``, ``label``).
    notes : tuple of str
        What the data cannot say, in words.
    """

    name: str
    label: str
    label_zh: str
    unit: str
    y: pd.Series
    freq: str
    season: int | None
    naive: str
    kind: str
    horizon: int
    backtest_horizon: int
    min_train: int
    origin_month: int | None = None
    origin_every: int = 1
    transform: str | None = None
    targets: tuple[Target, ...] = ()
    memory: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    history_targets: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    references: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()

    def output(self, values: pd.Series | None = None) -> pd.Series:
        """Values in the published unit (``y`` by default)."""
        values = self.y if values is None else values
        return values + offset(values.index, self.transform)


def offset(index: pd.PeriodIndex, transform: str | None) -> np.ndarray:
    """Return what to add to model-space values to get published values."""
    if transform is None:
        return np.zeros(len(index))
    if transform == "ytd_share":
        return np.asarray(index.month, dtype=float) / 12.0
    raise ValueError(f"unknown transform '{transform}'")


def publish(frame: pd.DataFrame, transform: str | None) -> pd.DataFrame:
    """Model-space forecast columns (indexed by period) in the published unit.

    For the year-to-date share December is 1 by definition, so it is set, not forecast.
    """
    out = frame.add(offset(frame.index, transform), axis=0)
    if transform == "ytd_share":
        out.loc[np.asarray(out.index.month) == 12, :] = 1.0
    return out


# --------------------------------------------------------------------------- checks


def _precheck(
    series: str,
    file: str,
    keys: list[str],
    values: list[str],
    data_dir: Path | None,
    select: Callable[[pd.DataFrame], pd.Series] | None = None,
    needs: tuple[str, ...] = (),
) -> None:
    """Name the series and period for the three common faults before the typed load."""
    raw = _call(series, raw_table, file, data_dir)
    missing = [c for c in [*needs, *keys, *values] if c not in raw.columns]
    if missing:
        raise DataError(f"series '{series}': {file} lacks column(s) {', '.join(missing)}")
    if select is not None:
        raw = raw[select(raw)]
    period = raw[keys].agg("-".join, axis=1)
    dup = period.duplicated()
    if dup.any():
        raise DataError(
            f"series '{series}', period {period[dup].iloc[0]}: duplicated in {file}"
        )
    for col in values:
        cell = raw[col]
        number = pd.to_numeric(cell.where(cell != ""), errors="coerce")
        bad = number.isna() & (cell != "")
        if bad.any():
            where = bad.to_numpy().nonzero()[0][0]
            raise DataError(
                f"series '{series}', period {period.iloc[where]}: {file} column '{col}' "
                f"holds '{cell.iloc[where]}', not a number"
            )


def _call(series: str, fn: Callable, *args, **kwargs):
    """Run a loader accessor, prefixing any DataError with the series name."""
    try:
        return fn(*args, **kwargs)
    except DataError as exc:
        raise DataError(f"series '{series}': {exc}") from exc


def _target(series: str, indicator: str, period: str, data_dir: Path | None) -> Target:
    table = _call(series, plan_targets, "hunan_2021", data_dir)
    row = table[table["indicator"] == indicator]
    if row.empty or not np.isfinite(row["target_model_units"].iloc[0]):
        raise DataError(f"series '{series}': plan_targets.csv has no hunan_2021 '{indicator}'")
    row = row.iloc[0]
    return Target(period, float(row["target_model_units"]), row["comparison"], row["note"])


# --------------------------------------------------------------------------- series


def _unemployment(include_memory: bool, data_dir: Path | None) -> Series:
    name = "cn_surveyed_unemployment_rate"
    file = "national_monthly_surveyed_unemployment.csv"
    _precheck(name, file, ["month"], ["urban_rate_pct"], data_dir)
    y = _call(name, national_monthly_surveyed, "urban_rate_pct",
              include_memory=include_memory, data_dir=data_dir)
    full = _call(name, national_monthly_surveyed, "urban_rate_pct",
                 include_memory=True, data_dir=data_dir)
    memory = full[y.isna() & full.notna()]
    y = y.rename(name).astype(float)
    # The Hunan plan's rate target is the national one ("around 5.5%"), for all of 2021.
    target = _target(name, "surveyed_urban_unemployment_rate", "2021", data_dir)
    return Series(
        name=name, label="China surveyed urban unemployment rate",
        label_zh="全国城镇调查失业率", unit="percent", y=y,
        freq="M", season=12, naive="last", kind="monthly_rate", horizon=MONTHLY_HORIZON,
        backtest_horizon=MONTHLY_BACKTEST_HORIZON, min_train=12, targets=(target,),
        memory=memory,
        notes=(f"{int(y.notna().sum())} of {len(y)} months usable"
               + ("" if include_memory else " (M-flagged months excluded)"),),
    )


def _annual_index(values: pd.Series) -> pd.Series:
    index = pd.PeriodIndex([pd.Period(str(int(v)), freq="Y") for v in values.index], freq="Y")
    out = pd.Series(values.to_numpy(dtype=float), index=index).sort_index()
    full = pd.period_range(out.index.min(), out.index.max(), freq="Y")
    return out.reindex(full)


def _cn_jobs(include_memory: bool, data_dir: Path | None) -> Series:
    name = "cn_new_urban_jobs"
    file = "national_annual.csv"
    _precheck(name, file, ["year"], ["new_urban_jobs_wan", "new_urban_jobs_target_wan"],
              data_dir)
    y = _annual_index(_call(name, national_annual, "new_urban_jobs_wan",
                            include_memory=include_memory, data_dir=data_dir)).rename(name)
    full = _annual_index(_call(name, national_annual, "new_urban_jobs_wan",
                               include_memory=True, data_dir=data_dir))
    targets = _annual_index(_call(name, national_annual, "new_urban_jobs_target_wan",
                                  include_memory=include_memory, data_dir=data_dir))
    return Series(
        name=name, label="China new urban jobs", label_zh="全国城镇新增就业",
        unit="persons", y=y, freq="Y", season=None,
        naive="last", kind="annual", horizon=ANNUAL_HORIZON,
        backtest_horizon=ANNUAL_BACKTEST_HORIZON, min_train=5,
        memory=full[y.isna() & full.notna()], history_targets=targets.dropna(),
        notes=(f"{int(y.notna().sum())} annual values; no 2021 national target in the data",),
    )


_YEAR = re.compile(r"^(\d{4})$")
_SUM = re.compile(r"^(\d{4})\+(\d{4})$")
_YTD = re.compile(r"^(\d{4})-01\.\.(\d{4})-(\d{2})$")


def _hunan_rows(name: str, include_memory: bool, data_dir: Path | None) -> pd.DataFrame:
    _precheck(name, "hunan_indicators.csv", ["period"], ["value"], data_dir,
              select=lambda raw: raw["indicator"] == "new_urban_jobs", needs=("indicator",))
    rows = _call(name, hunan_series, "new_urban_jobs", include_memory=include_memory,
                 data_dir=data_dir)
    for period in rows["period"]:
        ytd = _YTD.match(period)
        if not (_YEAR.match(period) or _SUM.match(period) or (ytd and ytd[1] == ytd[2])):
            raise DataError(f"series '{name}', period {period}: not a year, a 'YYYY+YYYY' "
                            f"sum or a 'YYYY-01..YYYY-MM' year-to-date span")
    return rows


def _hunan_jobs(include_memory: bool, data_dir: Path | None) -> Series:
    name = "hunan_new_urban_jobs"
    rows = _hunan_rows(name, include_memory, data_dir)
    annual = rows[rows["period"].str.match(_YEAR)]
    y = _annual_index(pd.Series(annual["value"].to_numpy(),
                                index=annual["period"].astype(int).to_numpy())).rename(name)
    sums = rows[rows["period"].str.match(_SUM)]
    notes = [f"{int(y.notna().sum())} annual values in {y.index[0]}..{y.index[-1]}: "
             "too few to estimate anything but a naive forecast reliably"]
    notes += [f"{p}: {v:.0f} persons as a sum only (not split between the years)"
              for p, v in zip(sums["period"], sums["value"])]
    past = _call(name, hunan_series, "new_urban_jobs_target", include_memory=include_memory,
                 data_dir=data_dir)
    past = past[past["period"].str.match(_YEAR)]
    past_targets = _annual_index(pd.Series(past["value"].to_numpy(),
                                           index=past["period"].astype(int).to_numpy()))
    return Series(
        name=name, label="Hunan new urban jobs", label_zh="湖南城镇新增就业",
        unit="persons", y=y, freq="Y", season=None,
        naive="last", kind="annual", horizon=ANNUAL_HORIZON,
        backtest_horizon=ANNUAL_BACKTEST_HORIZON, min_train=2,
        targets=(_target(name, "new_urban_jobs", "2021", data_dir),),
        history_targets=past_targets.dropna(), notes=tuple(notes),
    )


def _ytd_share(include_memory: bool, data_dir: Path | None) -> Series:
    name = "cn_new_urban_jobs_ytd_share"
    _precheck(name, "national_ytd_new_urban_jobs.csv", ["year", "through_month"],
              ["cumulative_wan", "year", "through_month"], data_dir)
    ytd = _call(name, national_ytd_new_urban_jobs, include_memory=include_memory,
                data_dir=data_dir)
    annual = _call(name, national_annual, "new_urban_jobs_wan",
                   include_memory=include_memory, data_dir=data_dir)
    ytd = ytd.sort_values(["year", "through_month"]).reset_index(drop=True)
    shares: dict[pd.Period, float] = {}
    dropped: list[str] = []
    for year, rows in ytd.groupby("year", sort=True):
        year = int(year)
        december = rows.loc[rows["through_month"] == 12, "persons"]
        total = annual.get(year, np.nan)
        if not december.empty and np.isfinite(total) and abs(december.iloc[0] - total) > 0.5:
            raise DataError(f"series '{name}', period {year}-12: year-to-date "
                            f"{december.iloc[0]:.0f} differs from the annual total {total:.0f}")
        if not np.isfinite(total):
            total = december.iloc[0] if not december.empty else np.nan
        if not np.isfinite(total):
            dropped.append(str(year))
            continue
        previous = 0.0
        for month, persons in zip(rows["through_month"], rows["persons"]):
            share = persons / total
            if not previous <= share <= 1.0:
                raise DataError(f"series '{name}', period {year}-{int(month):02d}: cumulative "
                                f"share {share:.3f} is not between the previous month's "
                                f"{previous:.3f} and 1")
            previous = share
            if month < 12:  # December is 1 by definition: not an observation
                shares[pd.Period(year=year, month=int(month), freq="M")] = share
    if not shares:
        raise DataError(f"series '{name}': no year has both year-to-date values and a total")
    observed = pd.Series(shares).sort_index()
    index = pd.period_range(f"{observed.index[0].year}-01", f"{observed.index[-1].year}-12",
                            freq="M")
    share = observed.reindex(index)
    y = (share - offset(index, "ytd_share")).rename(name)
    notes = [f"{int(y.notna().sum())} month-end shares over {len(set(index.year))} years"]
    if dropped:
        notes.append(f"years without an annual total, not used: {', '.join(dropped)}")
    return Series(
        name=name, label="China new urban jobs, cumulative share of the year",
        label_zh="全国城镇新增就业累计占全年比重", unit="share", y=y, freq="M", season=12,
        naive="zero", kind="profile",
        horizon=MONTHLY_HORIZON, backtest_horizon=MONTHLY_BACKTEST_HORIZON, min_train=3,
        origin_month=12, transform="ytd_share", references=_hunan_shares(data_dir),
        notes=tuple(notes),
    )


def _hunan_shares(data_dir: Path | None) -> pd.DataFrame:
    """Hunan's year-to-date shares where its annual total is known (plots only)."""
    rows = _hunan_rows("hunan_new_urban_jobs", False, data_dir)
    totals = {int(p): v for p, v in zip(rows["period"], rows["value"]) if _YEAR.match(p)}
    out = []
    for period, value in zip(rows["period"], rows["value"]):
        match = _YTD.match(period)
        if match and int(match[1]) in totals:
            out.append({"period": pd.Period(f"{match[1]}-{match[3]}", freq="M"),
                        "value": value / totals[int(match[1])], "label": "Hunan"})
    return pd.DataFrame(out, columns=["period", "value", "label"])


_LOADERS: dict[str, Callable[[bool, Path | None], Series]] = {
    "cn_surveyed_unemployment_rate": _unemployment,
    "cn_new_urban_jobs": _cn_jobs,
    "hunan_new_urban_jobs": _hunan_jobs,
    "cn_new_urban_jobs_ytd_share": _ytd_share,
}


def load_series(
    name: str, *, include_memory: bool = False, data_dir: Path | None = None
) -> Series:
    """Load one headline series.

    Parameters
    ----------
    name : str
        One of :data:`SERIES`.
    include_memory : bool
        Use M-flagged (memory, unverified) values too. Off by default.
    data_dir : Path, optional
        Folder of data files (tests point it at a modified copy).

    Raises
    ------
    DataError
        On bad data, naming the series and the period.
    """
    if name not in _LOADERS:
        raise KeyError(f"unknown series '{name}' (known: {', '.join(SERIES)})")
    return _LOADERS[name](include_memory, data_dir)


def load_all(*, include_memory: bool = False, data_dir: Path | None = None) -> list[Series]:
    """All headline series, in :data:`SERIES` order."""
    return [load_series(n, include_memory=include_memory, data_dir=data_dir) for n in SERIES]
