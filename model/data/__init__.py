"""Sourced public statistics used by jobsim, and the one loader that reads them.

The CSV files beside this module are copies of ``shared/data/`` (see ``README.md`` here):
every row keeps its source URL and its flag (S stated, D derived, M from memory). This module
is the only place that reads them. It checks columns, types, units, periods and flags, and
converts units at the edge: callers receive persons (not 万) and percent as a float in percent
unless they ask for a fraction.

M-flagged values are memory, not sources: every accessor drops them unless called with
``include_memory=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from jobsim.errors import UserError

__all__ = [
    "DATA_DIR",
    "DataError",
    "Quantity",
    "load_table",
    "hunan",
    "hunan_series",
    "national_annual",
    "national_monthly_surveyed",
    "national_ytd_new_urban_jobs",
    "gdp_growth",
    "plan_targets",
    "policy_parameter",
    "pes_vacancy_ratio",
    "raw_table",
    "UNIT_FACTORS",
]

DATA_DIR = Path(__file__).resolve().parent

FLAGS = frozenset({"S", "D", "M"})

#: Multiplier from a file's unit to the unit the model works in (persons, yuan, percent).
UNIT_FACTORS: dict[str, float] = {
    "wan_persons": 1e4,
    "wan_person_times": 1e4,
    "persons": 1.0,
    "pct": 1.0,
    "yi_yuan": 1e8,
    "wan_yuan": 1e4,
    "yuan_per_month": 1.0,
    "yuan_per_year": 1.0,
    "wan_yuan_per_person": 1e4,
    "yuan_per_person_per_month": 1.0,
    "months": 1.0,
    "families": 1.0,
    "ratio": 1.0,
}

#: Required columns and their kind per file ("str", "num", "flag", "int").
SCHEMAS: dict[str, dict[str, str]] = {
    "hunan_indicators.csv": {
        "indicator": "str", "period": "str", "value": "str", "unit": "str",
        "flag": "flag", "note": "str?", "source": "str?",
    },
    "national_indicators.csv": {
        "indicator": "str", "period": "str", "value": "num", "unit": "str",
        "flag": "flag", "note": "str?", "source": "str?",
    },
    "national_annual.csv": {
        "year": "int", "new_urban_jobs_wan": "num?", "new_urban_jobs_flag": "flag?",
        "new_urban_jobs_target_wan": "num?", "target_flag": "flag?",
        "registered_rate_end_pct": "num?", "surveyed_rate_avg_pct": "num?",
        "surveyed_rate_target_pct": "num?", "source": "str?",
    },
    "national_monthly_surveyed_unemployment.csv": {
        "month": "str", "urban_rate_pct": "num?", "urban_flag": "flag?",
        "city31_rate_pct": "num?", "city31_flag": "flag?", "note": "str?", "source": "str?",
    },
    "national_ytd_new_urban_jobs.csv": {
        "year": "int", "through_month": "int", "cumulative_wan": "num", "flag": "flag",
        "source": "str?",
    },
    "plan_targets.csv": {
        "plan": "str", "indicator": "str", "target": "num?", "unit": "str?",
        "comparison": "str", "note": "str?",
    },
    "gdp_growth.csv": {
        "indicator": "str", "period": "str", "value": "num", "unit": "str", "flag": "flag",
        "note": "str?", "source": "str?",
    },
    "pes_vacancy_ratio.csv": {
        "indicator": "str", "period": "str", "value": "num", "unit": "str",
        "flag": "flag", "note": "str?", "source": "str?",
    },
    "policy_parameters.csv": {
        "instrument": "str", "parameter": "str", "value": "str", "unit": "str",
        "period": "str", "flag": "flag", "note": "str?", "source": "str?",
    },
}

#: Columns that identify a row: a duplicate key is an error.
KEYS: dict[str, tuple[str, ...]] = {
    "hunan_indicators.csv": ("indicator", "period"),
    "national_indicators.csv": ("indicator", "period"),
    "national_annual.csv": ("year",),
    "national_monthly_surveyed_unemployment.csv": ("month",),
    "national_ytd_new_urban_jobs.csv": ("year", "through_month"),
    "plan_targets.csv": ("plan", "indicator"),
    "policy_parameters.csv": ("instrument", "parameter"),
    "gdp_growth.csv": ("indicator", "period"),
    "pes_vacancy_ratio.csv": ("indicator", "period"),
}


class DataError(UserError, ValueError):
    """A data file is missing, malformed, or lacks the value asked for.

    The message always names the file and the field (column, indicator or period).
    """


@dataclass(frozen=True)
class Quantity:
    """One sourced number, already converted to the model's unit."""

    value: float
    unit: str
    flag: str
    source: str
    note: str = ""


def _path(name: str, data_dir: Path | None) -> Path:
    return (data_dir or DATA_DIR) / name


def load_table(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Read one data file and check it against its schema (a copy of the checked table).

    The checked table is kept per file version (path, modification time, size): scenario
    set-up reads the same small tables a hundred times (the macro path reads the growth
    table per draw), and an edited file is read again.

    Parameters
    ----------
    name : str
        File name, e.g. ``"hunan_indicators.csv"``.
    data_dir : Path, optional
        Folder to read from (tests point it at a temporary copy).

    Raises
    ------
    DataError
        Unknown file, missing file, missing column, wrong type, bad flag, duplicate key.
    """
    path = _path(name, data_dir)
    try:
        st = path.stat()
        version = (str(path), st.st_mtime_ns, st.st_size)
    except OSError:  # raw_table reports the missing file
        version = None
    if version is not None and version in _CHECKED:
        return _CHECKED[version].copy()
    out = _load_checked(name, data_dir, path)
    if version is not None:
        _CHECKED[version] = out
    return out.copy()


#: Checked tables by file version (see :func:`load_table`).
_CHECKED: dict[tuple[str, int, int], pd.DataFrame] = {}


def _load_checked(name: str, data_dir: Path | None, path: Path) -> pd.DataFrame:
    frame = raw_table(name, data_dir)
    schema = SCHEMAS[name]
    missing = [col for col in schema if col not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
    out = pd.DataFrame(index=frame.index)
    for col, kind in schema.items():
        optional = kind.endswith("?")
        kind = kind.rstrip("?")
        raw = frame[col].str.strip()
        empty = raw == ""
        if not optional and empty.any():
            row = int(np.flatnonzero(empty.to_numpy())[0]) + 2
            raise DataError(f"{path}: line {row}, column '{col}': value is required")
        if kind in ("num", "int"):
            values = pd.to_numeric(raw.where(~empty), errors="coerce")
            bad = (values.isna() | ~np.isfinite(values.astype(float))) & ~empty
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{path}: line {row + 2}, column '{col}': '{raw.iloc[row]}' is not a finite "
                    "number"
                )
            out[col] = values.astype("Int64") if kind == "int" else values.astype(float)
        elif kind == "flag":
            bad = ~raw.isin(FLAGS) & ~empty
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{path}: line {row + 2}, column '{col}': flag '{raw.iloc[row]}' "
                    f"is not one of S, D, M"
                )
            out[col] = raw
        else:
            out[col] = raw
    if "unit" in schema and name != "plan_targets.csv":
        unknown = ~out["unit"].isin(UNIT_FACTORS) & ~out["unit"].isin(
            ["rule", "total", "pct_of_previous_year_ui_premiums",
             "pct_of_local_minimum_wage_per_month"]
        )
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0])
            raise DataError(
                f"{path}: line {row + 2}, column 'unit': unknown unit '{out['unit'].iloc[row]}'"
            )
    key = list(KEYS[name])
    dup = out.duplicated(subset=key, keep=False)
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        ident = ", ".join(f"{k}={out[k].iloc[row]}" for k in key)
        raise DataError(f"{path}: line {row + 2}: duplicated period/key ({ident})")
    return out


def raw_table(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Return the cells of one data file as stripped strings, before any schema check.

    For callers that want to report a problem in their own terms (a series and a period)
    before the typed accessors run; the typed accessors remain the way to get values.

    Parameters
    ----------
    name : str
        File name, e.g. ``"national_annual.csv"``; must be a known data file.
    data_dir : Path, optional
        Folder to read from (tests point it at a temporary copy).

    Raises
    ------
    DataError
        Unknown file, missing file, or a file that cannot be parsed as CSV.
    """
    if name not in SCHEMAS:
        raise DataError(f"{name}: not a known data file (known: {', '.join(sorted(SCHEMAS))})")
    path = _path(name, data_dir)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"{path}: cannot be parsed as CSV ({exc})") from exc
    return frame.apply(lambda col: col.str.strip())


def _convert(value: str, unit: str, where: str) -> float:
    try:
        number = float(value)
    except ValueError as exc:
        raise DataError(f"{where}: value '{value}' is not a single number") from exc
    if unit not in UNIT_FACTORS:
        raise DataError(f"{where}: unit '{unit}' has no conversion")
    return number * UNIT_FACTORS[unit]


def hunan(
    indicator: str,
    period: str,
    *,
    include_memory: bool = False,
    data_dir: Path | None = None,
) -> Quantity:
    """One Hunan value in model units (persons, yuan, percent).

    Raises
    ------
    DataError
        If the indicator/period is absent, or only memory-flagged and ``include_memory`` is off.
    """
    row, where = _one_row("hunan_indicators.csv", indicator, period, include_memory, data_dir)
    value = _convert(row["value"], row["unit"], where)
    unit = "percent" if row["unit"] == "pct" else (
        "persons" if "person" in row["unit"] else "yuan" if "yuan" in row["unit"] else row["unit"]
    )
    return Quantity(value, unit, row["flag"], row["source"], row["note"])


def _one_row(name: str, indicator: str, period: str, include_memory: bool,
             data_dir: Path | None) -> tuple[pd.Series, str]:
    """The row of one indicator and period of a long-format file, and where it is."""
    table = load_table(name, data_dir)
    rows = table[(table["indicator"] == indicator) & (table["period"] == period)]
    where = f"{name}: indicator '{indicator}', period '{period}'"
    if rows.empty:
        raise DataError(f"{where}: not in the data")
    row = rows.iloc[0]
    if row["flag"] == "M" and not include_memory:
        raise DataError(f"{where}: flagged M (memory only); pass include_memory=True to use it")
    return row, where


def _indicator_rows(name: str, indicator: str, include_memory: bool,
                    data_dir: Path | None) -> pd.DataFrame:
    """Rows of one indicator of a long-format file (M-flagged rows only if asked)."""
    table = load_table(name, data_dir)
    rows = table[table["indicator"] == indicator]
    if not include_memory:
        rows = rows[rows["flag"] != "M"]
    if rows.empty:
        raise DataError(f"{name}: indicator '{indicator}': no usable rows")
    return rows


def hunan_series(
    indicator: str, *, include_memory: bool = False, data_dir: Path | None = None
) -> pd.DataFrame:
    """All periods of one Hunan indicator: columns period, value (model units), flag, source."""
    rows = _indicator_rows("hunan_indicators.csv", indicator, include_memory, data_dir)
    values = [
        _convert(v, u, f"hunan_indicators.csv: indicator '{indicator}', period '{p}'")
        for v, u, p in zip(rows["value"], rows["unit"], rows["period"])
    ]
    return pd.DataFrame(
        {"period": rows["period"].to_numpy(), "value": values,
         "flag": rows["flag"].to_numpy(), "source": rows["source"].to_numpy()}
    )


def national_annual(
    column: str, *, include_memory: bool = False, data_dir: Path | None = None
) -> pd.Series:
    """One column of ``national_annual.csv`` indexed by year, in persons or percent.

    Columns ending in ``_wan`` are returned in persons. Values whose flag column says M are
    NaN unless ``include_memory``; missing years stay NaN.
    """
    table = load_table("national_annual.csv", data_dir)
    if column not in table.columns or column in ("year", "source") or column.endswith("_flag"):
        raise DataError(f"national_annual.csv: no numeric column '{column}'")
    values = table[column].astype(float).copy()
    flag_col = {
        "new_urban_jobs_wan": "new_urban_jobs_flag",
        "new_urban_jobs_target_wan": "target_flag",
    }.get(column)
    if flag_col and not include_memory:
        values[table[flag_col] == "M"] = np.nan
    if column.endswith("_wan"):
        values = values * UNIT_FACTORS["wan_persons"]
    series = pd.Series(values.to_numpy(), index=table["year"].astype(int).to_numpy(), name=column)
    series.index.name = "year"
    return series


def national_monthly_surveyed(
    column: str = "urban_rate_pct", *, include_memory: bool = False, data_dir: Path | None = None
) -> pd.Series:
    """China's monthly surveyed urban unemployment rate (percent), monthly PeriodIndex.

    M-flagged months are NaN unless ``include_memory``; the index has no holes.
    """
    table = load_table("national_monthly_surveyed_unemployment.csv", data_dir)
    flag_col = {"urban_rate_pct": "urban_flag", "city31_rate_pct": "city31_flag"}.get(column)
    if flag_col is None:
        raise DataError(f"national_monthly_surveyed_unemployment.csv: no rate column '{column}'")
    try:
        index = pd.PeriodIndex(table["month"], freq="M")
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"national_monthly_surveyed_unemployment.csv: column 'month' has a malformed period"
            f" ({exc})"
        ) from exc
    values = table[column].astype(float).copy()
    if not include_memory:
        values[table[flag_col] == "M"] = np.nan
    series = pd.Series(values.to_numpy(), index=index, name=column).sort_index()
    full = pd.period_range(series.index.min(), series.index.max(), freq="M")
    return series.reindex(full)


def national_ytd_new_urban_jobs(
    *, include_memory: bool = False, data_dir: Path | None = None
) -> pd.DataFrame:
    """China's cumulative new urban jobs within the year: year, through_month, persons, flag."""
    table = load_table("national_ytd_new_urban_jobs.csv", data_dir)
    if not include_memory:
        table = table[table["flag"] != "M"]
    bad = (table["through_month"] < 1) | (table["through_month"] > 12)
    if bad.any():
        row = table[bad].iloc[0]
        raise DataError(
            f"national_ytd_new_urban_jobs.csv: year {row['year']}: through_month "
            f"{row['through_month']} outside 1..12"
        )
    out = table[["year", "through_month", "flag"]].copy()
    out["persons"] = table["cumulative_wan"] * UNIT_FACTORS["wan_persons"]
    return out.reset_index(drop=True)


def plan_targets(plan: str = "hunan_2021", data_dir: Path | None = None) -> pd.DataFrame:
    """Targets of one plan, with ``target_model_units`` in persons or percent."""
    table = load_table("plan_targets.csv", data_dir)
    rows = table[table["plan"] == plan].copy()
    if rows.empty:
        raise DataError(f"plan_targets.csv: no targets for plan '{plan}'")
    factors = rows["unit"].map(lambda u: UNIT_FACTORS.get(u, np.nan) if u else np.nan)
    rows["target_model_units"] = rows["target"] * factors
    return rows.reset_index(drop=True)


def policy_parameter(
    instrument: str, parameter: str, *, include_memory: bool = False,
    data_dir: Path | None = None,
) -> Quantity:
    """One numeric rule of an instrument from ``policy_parameters.csv``."""
    table = load_table("policy_parameters.csv", data_dir)
    rows = table[(table["instrument"] == instrument) & (table["parameter"] == parameter)]
    where = f"policy_parameters.csv: {instrument}.{parameter}"
    if rows.empty:
        raise DataError(f"{where}: not in the data")
    row = rows.iloc[0]
    if row["flag"] == "M" and not include_memory:
        raise DataError(f"{where}: flagged M (memory only); pass include_memory=True to use it")
    unit = row["unit"]
    factor = UNIT_FACTORS.get(unit, 1.0)
    try:
        value = float(row["value"]) * factor
    except ValueError as exc:
        raise DataError(f"{where}: value '{row['value']}' is not a single number") from exc
    return Quantity(value, unit, row["flag"], row["source"], row["note"])


def gdp_growth(
    indicator: str, *, include_memory: bool = False, data_dir: Path | None = None
) -> pd.DataFrame:
    """Rows of one real-GDP-growth indicator (percent): columns period, value, flag, source.

    Periods are ``YYYY`` (a year), ``YYYY-MM..YYYY-MM`` (cumulative from January, or one
    quarter for the ``_single_quarter`` indicators) or ``YYYY..YYYY`` (a span's average).
    """
    rows = _indicator_rows("gdp_growth.csv", indicator, include_memory, data_dir)
    bad = rows["unit"] != "pct"
    if bad.any():
        raise DataError(f"gdp_growth.csv: indicator '{indicator}', period "
                        f"'{rows['period'][bad].iloc[0]}': unit must be pct")
    return rows[["period", "value", "flag", "source"]].reset_index(drop=True)


def pes_vacancy_ratio(period: str, *, include_memory: bool = False,
                      data_dir: Path | None = None) -> Quantity:
    """China's vacancy-to-applicant ratio at public employment offices (求人倍率) in a quarter.

    ``period`` is ``YYYYQn`` (or ``YYYY`` for a year). The ratio counts the vacancies and the
    applicants registered at the offices in the quarter (flows), not the economy's stocks.

    Raises
    ------
    DataError
        If the period is absent, or only memory-flagged and ``include_memory`` is off.
    """
    row, _ = _one_row("pes_vacancy_ratio.csv", "pes_vacancy_applicant_ratio", period,
                      include_memory, data_dir)
    return Quantity(float(row["value"]), "ratio", row["flag"], row["source"], row["note"])
