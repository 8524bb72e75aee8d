"""Backtest of the statistical nowcast, and the page ``docs/nowcast.md`` that reports it.

For every year 2010-2020 and every month m < 12 the record has a cumulative figure for,
nowcast the year's total from the record before the year and that figure, for China and for
Hunan (where its Jan-Jun and Jan-Sep figures and a total exist). Two benchmarks on the same
targets: even accrual (``C_m * 12 / m``) and last year's share at month m (``C_m / s_m``,
with ``s_m`` from the latest earlier year that published month m). Reported: MAPE by m,
coverage of the 80% and 95% intervals, their mean width; 2020 separately.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from jobsim.nowcast.history import cumulative_record
from jobsim.nowcast.statistical import nowcast_cumulative

__all__ = ["backtest_points", "summarise", "render_markdown", "record_actuals", "FIRST_YEAR",
           "LAST_YEAR"]

FIRST_YEAR, LAST_YEAR = 2010, 2020
_SERIES = {"national": "national_new_urban_jobs_ytd", "hunan": "hunan_new_urban_jobs_ytd"}


@dataclass(frozen=True)
class _Point:
    region: str
    year: int
    m: int


def _last_share(record: pd.DataFrame, year: int, m: int) -> tuple[float, int]:
    for y in range(year - 1, int(record.index.min()) - 1, -1):
        if y in record.index and np.isfinite(record.loc[y, m]) and np.isfinite(record.loc[y, 12]):
            return float(record.loc[y, m] / record.loc[y, 12]), y
    return float("nan"), 0


def backtest_points(first: int = FIRST_YEAR, last: int = LAST_YEAR,
                    calibrate: bool = True) -> pd.DataFrame:
    """One row per (region, year, m): truth, the model's nowcast and interval, benchmarks.

    ``calibrate``: the interval with the recursive out-of-sample recalibration (the method);
    ``False``: the model's interval as stated, without it (the method before it).
    """
    rows = []
    for region, series in _SERIES.items():
        record = cumulative_record(region)
        for year in range(first, last + 1):
            if year not in record.index or not np.isfinite(record.loc[year, 12]):
                continue
            truth = float(record.loc[year, 12])
            for m in range(1, 12):
                c = record.loc[year, m]
                if not np.isfinite(c):
                    continue
                fc = nowcast_cumulative(series, year, m, float(c), calibrate=calibrate)
                share, share_year = _last_share(record, year, m)
                row = {"region": region, "year": year, "m": m, "observed": float(c),
                       "truth": truth, "even": float(c) * 12 / m,
                       "last_share": float(c) / share if np.isfinite(share) else np.nan,
                       "last_share_year": share_year}
                if fc is None:
                    row |= {"model": np.nan}
                else:
                    row |= {"model": fc.mean, "years_used": fc.years_used, "k": fc.k,
                            "sd": fc.sd, "df": fc.df,
                            "lo80": fc.quantile(0.10), "hi80": fc.quantile(0.90),
                            "lo95": fc.quantile(0.025), "hi95": fc.quantile(0.975)}
                rows.append(row)
    frame = pd.DataFrame(rows)
    for k in ("model", "even", "last_share"):
        frame[f"ape_{k}"] = 100 * (frame[k] / frame["truth"] - 1).abs()
    frame["in80"] = (frame["truth"] >= frame["lo80"]) & (frame["truth"] <= frame["hi80"])
    frame["in95"] = (frame["truth"] >= frame["lo95"]) & (frame["truth"] <= frame["hi95"])
    frame["width80_pct"] = 100 * (frame["hi80"] - frame["lo80"]) / frame["truth"]
    frame["width95_pct"] = 100 * (frame["hi95"] - frame["lo95"]) / frame["truth"]
    frame["common"] = frame[["model", "even", "last_share"]].notna().all(axis=1)
    return frame


def summarise(points: pd.DataFrame, by: str = "m") -> pd.DataFrame:
    """MAPE (model and benchmarks, on the points where all three exist), coverage, width."""
    common = points[points["common"]]
    model = points[points["model"].notna()]
    out = pd.DataFrame({
        "points": common.groupby(by).size(),
        "mape_model": common.groupby(by)["ape_model"].mean(),
        "mape_even": common.groupby(by)["ape_even"].mean(),
        "mape_last_share": common.groupby(by)["ape_last_share"].mean(),
        "model_points": model.groupby(by).size(),
        "mape_model_all": model.groupby(by)["ape_model"].mean(),
        "coverage80": model.groupby(by)["in80"].mean(),
        "coverage95": model.groupby(by)["in95"].mean(),
        "width80_pct": model.groupby(by)["width80_pct"].mean(),
        "width95_pct": model.groupby(by)["width95_pct"].mean(),
    })
    return out


def _table(frame: pd.DataFrame, index_name: str) -> str:
    cols = ["points", "mape_model", "mape_even", "mape_last_share", "model_points",
            "mape_model_all", "coverage80", "coverage95", "width80_pct", "width95_pct"]
    head = (f"| {index_name} | points (all 3) | MAPE model % | MAPE even m/12 % | "
            "MAPE last year's share % | points (model) | MAPE model, all its points % | "
            "80% coverage | 95% coverage | 80% width, % of total | 95% width, % of total |")
    lines = [head, "|" + "---|" * (len(cols) + 1)]
    for key, r in frame.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if c in ("points", "model_points"):
                cells.append("0" if not np.isfinite(v) else f"{int(v)}")
            elif c.startswith("coverage"):
                cells.append("–" if not np.isfinite(v) else f"{v:.0%}")
            else:
                cells.append("–" if not np.isfinite(v) else f"{v:.2f}")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _overall(points: pd.DataFrame) -> pd.DataFrame:
    tagged = points.assign(all="all")
    return summarise(tagged, by="all")


def _points_table(points: pd.DataFrame) -> str:
    lines = ["| region | year | m | C_m (万) | total (万) | model (万) | 80% interval (万) | "
             "APE model % | APE even % | APE last share % (year used) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in points.iterrows():
        model = "–" if not np.isfinite(r["model"]) else f"{r['model'] / 1e4:,.1f}"
        interval = ("–" if not np.isfinite(r.get("lo80", np.nan)) else
                    f"{r['lo80'] / 1e4:,.1f} – {r['hi80'] / 1e4:,.1f}")
        last = ("–" if not np.isfinite(r["ape_last_share"]) else
                f"{r['ape_last_share']:.2f} ({int(r['last_share_year'])})")
        ape = "–" if not np.isfinite(r["ape_model"]) else f"{r['ape_model']:.2f}"
        lines.append(f"| {r['region']} | {r['year']} | {r['m']} | {r['observed'] / 1e4:,.1f} | "
                     f"{r['truth'] / 1e4:,.1f} | {model} | {interval} | {ape} | "
                     f"{r['ape_even']:.2f} | {last} |")
    return "\n".join(lines)


def render_markdown(points: pd.DataFrame, extra: str = "") -> str:
    """Render the backtest section of ``docs/nowcast.md``."""
    nat = points[points["region"] == "national"]
    hun = points[points["region"] == "hunan"]
    parts = [
        "### China: all years 2010–2020, by month m", _table(summarise(nat), "m"), "",
        "### China: 2010–2019 (without 2020), by month m",
        _table(summarise(nat[nat["year"] < 2020]), "m"), "",
        "### China: 2020 alone, by month m", _table(summarise(nat[nat["year"] == 2020]), "m"),
        "",
        "### China: all months together", _table(
            pd.concat([_overall(nat).rename(index={"all": "2010–2020"}),
                       _overall(nat[nat["year"] < 2020]).rename(index={"all": "2010–2019"}),
                       _overall(nat[nat["year"] == 2020]).rename(index={"all": "2020"})]),
            "years"), "",
        "### Hunan (Jan–Jun and Jan–Sep figures with a published total)",
        _table(summarise(hun), "m"), "",
        "### Every point", _points_table(points), "",
    ]
    return "\n".join(parts) + extra


def record_actuals(year: int, through: int) -> pd.DataFrame:
    """Build an actuals table (series, period, value, unit) from the shipped record.

    ``year`` up to month ``through``: China's cumulative new urban jobs and surveyed rate
    (S and D months), and Hunan's cumulative where published.
    """
    from jobsim.nowcast.history import rate_record

    rows = []
    for region, series in _SERIES.items():
        record = cumulative_record(region)
        if year not in record.index:
            continue
        for m in range(1, through + 1):
            v = record.loc[year, m]
            if np.isfinite(v):
                rows.append({"series": series, "period": f"{year}-{m:02d}",
                             "value": f"{v:.0f}", "unit": "persons"})
    rates = rate_record()
    for m in range(1, through + 1):
        p = pd.Period(f"{year}-{m:02d}", freq="M")
        if p in rates.index and np.isfinite(rates[p]):
            rows.append({"series": "national_surveyed_unemployment_rate",
                         "period": str(p), "value": f"{rates[p]:g}", "unit": "percent"})
    return pd.DataFrame(rows, columns=["series", "period", "value", "unit"])
