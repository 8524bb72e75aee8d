"""The year's actual figures as they arrive: read and check an actuals CSV.

An actuals file has the columns ``series, period, value, unit``, one row per published figure.
``period`` is ``YYYY-MM``, the end of the window (cumulative series run from January of that
year). ``unit`` says what ``value`` is in: ``persons`` or ``wan_persons`` (万, converted to
persons) for counts, ``percent`` for rates. Every row is checked before anything is computed,
and the first problem stops the nowcast with a :class:`~jobsim.data.DataError` naming the
file, the line and the field; nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from jobsim.data import UNIT_FACTORS, DataError

__all__ = ["SERIES", "Actuals", "SeriesInfo", "read_actuals", "empty_actuals"]

COLUMNS = ("series", "period", "value", "unit")


@dataclass(frozen=True)
class SeriesInfo:
    """What an actuals series is: its kind, its unit, and its labels."""

    kind: str          # "cumulative" (from January) or "rate" (one month's value)
    unit: str          # "persons" or "percent"
    label: str         # "中文 / English"


#: The series an actuals file may carry.
SERIES: dict[str, SeriesInfo] = {
    "national_new_urban_jobs_ytd": SeriesInfo(
        "cumulative", "persons", "全国城镇新增就业（累计）/ China, new urban jobs (year to date)"),
    "hunan_new_urban_jobs_ytd": SeriesInfo(
        "cumulative", "persons", "湖南城镇新增就业（累计）/ Hunan, new urban jobs (year to date)"),
    "national_surveyed_unemployment_rate": SeriesInfo(
        "rate", "percent", "全国城镇调查失业率 / China, surveyed urban unemployment rate"),
    "vocational_training_ytd": SeriesInfo(
        "cumulative", "persons",
        "政府补贴性职业技能培训（累计）/ Hunan, subsidised vocational training (year to date)"),
    "youth_internships_ytd": SeriesInfo(
        "cumulative", "persons", "青年见习（累计）/ Hunan, youth internships (year to date)"),
}

#: Units accepted per kind of series, with their factor to the series' unit.
_UNITS = {
    "persons": {"persons": 1.0, "wan_persons": UNIT_FACTORS["wan_persons"],
                "person_times": 1.0, "wan_person_times": UNIT_FACTORS["wan_person_times"]},
    "percent": {"percent": 1.0, "pct": 1.0},
}

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Actuals:
    """Checked actuals of one year: a tidy frame (series, month, value in the series' unit)."""

    path: str
    year: int | None                 # None when the file has no rows
    frame: pd.DataFrame              # series, period, month (1..12), value

    def series(self, name: str) -> pd.Series:
        """One series' values indexed by month (1..12), sorted; empty if absent."""
        rows = self.frame[self.frame["series"] == name]
        return pd.Series(rows["value"].to_numpy(float), index=rows["month"].to_numpy(int),
                         name=name).sort_index()

    def last_month(self, name: str | None = None) -> int:
        """Return the latest month observed (of one series, or of any); 0 when none."""
        rows = self.frame if name is None else self.frame[self.frame["series"] == name]
        return int(rows["month"].max()) if len(rows) else 0

    @property
    def names(self) -> list[str]:
        """Series present, in the order of :data:`SERIES`."""
        present = set(self.frame["series"])
        return [s for s in SERIES if s in present]


def empty_actuals(path: str = "(none)") -> Actuals:
    """No actual figures: the nowcast is the plan's own forecast."""
    return Actuals(path, None, pd.DataFrame(columns=["series", "period", "month", "value"]))


def read_actuals(path: Path | str, *, scenario_year: int, scenario_last_month: str,
                 last_data_year: int) -> Actuals:
    """Read and check an actuals file.

    Parameters
    ----------
    path : Path or str
        The CSV file.
    scenario_year : int
        The year the scenario simulates (its first month's year).
    scenario_last_month : str
        The scenario's last month, ``YYYY-MM``: no actual may lie after it.
    last_data_year : int
        The last year of the shipped record. A past year (up to it) can be nowcast from the
        record before it (backtests, the 2020 example); a later year must be the scenario's.

    Raises
    ------
    DataError
        Missing file or column; unknown series; malformed period, value or unit; a value
        without unit; a month after the scenario's horizon or a year beyond the data; two
        years in one file; a duplicated (series, period); a falling cumulative; a rate outside
        0..100. The message names the file, the line and the field.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: actuals file not found")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be parsed as CSV ({exc})") from exc
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} "
                        f"(expected {', '.join(COLUMNS)})")
    extra = [c for c in raw.columns if c not in COLUMNS]
    if extra:
        raise DataError(f"{path}: unknown column(s) {', '.join(extra)} "
                        f"(expected {', '.join(COLUMNS)})")
    raw = raw.apply(lambda col: col.str.strip())
    rows = []
    horizon_end = pd.Period(scenario_last_month, freq="M")
    year: int | None = None
    first_line = 0
    for k, rec in enumerate(raw.to_dict("records")):
        line = k + 2
        where = f"{path}: line {line}"
        name = rec["series"]
        if name not in SERIES:
            raise DataError(f"{where}, field 'series': unknown series '{name}' "
                            f"(known: {', '.join(SERIES)})")
        info = SERIES[name]
        match = _PERIOD.match(rec["period"])
        if not match or not 1 <= int(match[2]) <= 12:
            raise DataError(f"{where}, field 'period': '{rec['period']}' is not a month "
                            f"YYYY-MM")
        y, m = int(match[1]), int(match[2])
        if pd.Period(rec["period"], freq="M") > horizon_end:
            raise DataError(f"{where}, field 'period': {rec['period']} is in the future of the "
                            f"scenario's year (its last month is {scenario_last_month})")
        if y > last_data_year and y != scenario_year:
            raise DataError(f"{where}, field 'period': {rec['period']} is beyond the data "
                            f"(the record ends in {last_data_year}) and not in the scenario's "
                            f"year {scenario_year}")
        if year is None:
            year, first_line = y, line
        elif y != year:
            raise DataError(f"{where}, field 'period': {rec['period']} is in {y}, but line "
                            f"{first_line} is in {year}: one file holds one year")
        unit = rec["unit"]
        if unit == "":
            raise DataError(f"{where}, field 'unit': value '{rec['value']}' has no unit "
                            f"(give one of {', '.join(_UNITS[info.unit])})")
        if unit not in _UNITS[info.unit]:
            raise DataError(f"{where}, field 'unit': '{unit}' is not a unit of {name} "
                            f"(give one of {', '.join(_UNITS[info.unit])})")
        try:
            value = float(rec["value"])
        except ValueError:
            raise DataError(f"{where}, field 'value': '{rec['value']}' is not a number") from None
        if not np.isfinite(value) or value < 0:
            raise DataError(f"{where}, field 'value': {rec['value']} must be a finite number "
                            f">= 0")
        value *= _UNITS[info.unit][unit]
        if info.kind == "rate" and value > 100:
            raise DataError(f"{where}, field 'value': a rate of {value:g}% is not a percentage")
        rows.append({"series": name, "period": rec["period"], "month": m, "value": value,
                     "line": line})
    frame = pd.DataFrame(rows, columns=["series", "period", "month", "value", "line"])
    dup = frame.duplicated(subset=["series", "period"], keep="first")
    if dup.any():
        r = frame[dup].iloc[0]
        first = frame[(frame["series"] == r["series"]) & (frame["period"] == r["period"])]
        raise DataError(f"{path}: line {r['line']}, field 'period': {r['series']} "
                        f"{r['period']} is given twice (also line {first['line'].iloc[0]})")
    for name, part in frame.groupby("series", sort=False):
        if SERIES[name].kind != "cumulative":
            continue
        part = part.sort_values("month")
        falls = np.flatnonzero(np.diff(part["value"].to_numpy()) < 0)
        if falls.size:
            after, before = part.iloc[falls[0] + 1], part.iloc[falls[0]]
            raise DataError(
                f"{path}: line {after['line']}, field 'value': {name} falls from "
                f"{before['value']:,.0f} ({before['period']}, line {before['line']}) to "
                f"{after['value']:,.0f} ({after['period']}): a cumulative from January "
                f"cannot fall")
    frame = frame.drop(columns="line").sort_values(["series", "month"]).reset_index(drop=True)
    return Actuals(str(path), year, frame)
