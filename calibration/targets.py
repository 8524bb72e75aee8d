"""Target moments built from the sourced data, each with its source, flag and weight.

Every target value is computed here from ``jobsim.data`` (the only loader); the configuration
only says *which* moment and *how much it weighs* (its standard deviation and the basis for
it). The kinds:

- ``new_urban_jobs`` — Hunan's annual new urban jobs (persons); two consecutive years give the
  published two-year sum (2015+2016).
- ``new_urban_jobs_ytd`` — Hunan's cumulative new urban jobs from January through a month
  (persons), for a year whose annual figure is not published (Jan–Sep 2019).
- ``new_jobs_cumulative_share`` — Hunan's cumulative new urban jobs through a month as a share
  of the year (H1 2017, H1 2018).
- ``new_jobs_cumulative_share_yoy`` — the same for a year whose cumulative figure is only known
  through the next year's year-on-year growth (2018 Jan–Sep from 2019 Jan–Sep "+2.03% yoy").
- ``national_new_jobs_cumulative_share`` — the national within-year profile (a share is scale
  free, so the national profile stands in for Hunan's).
- ``surveyed_rate_mean`` / ``surveyed_rate_contrast`` — the national surveyed urban
  unemployment rate (S- and D-flagged months only): a year's mean over listed months, or the
  difference of two month-means (the seasonal profile). Hunan's own surveyed rate is not
  published; the national rate stands in with a scale factor of 1 (as the model's initial
  stock already assumes).
- ``registered_rate`` — Hunan's registered urban unemployment rate in a month.
- ``rural_transfer_new`` — Hunan's new rural labour transfer in a year (persons).
- ``rural_transfer_stock_increase`` / ``..._yoy`` — the yearly increase of Hunan's stock of
  transferred rural labour, from two stock observations or from a stated year-on-year growth.
- ``surveyed_rate_month`` — China's surveyed rate in one month (S/D only), standing in for
  Hunan's through the proxy gap (``[proxy_gap]``), as ``surveyed_rate_mean`` does.
- ``hunan_surveyed_upper_bound`` — Hunan's own statement that its surveyed rate stayed
  "within 5%" (2018): an upper bound on the model's annual mean, checked and reported.
- ``employment_stock`` — Hunan's urban employed persons (城镇从业人员) or total employed persons
  (从业人员) at the data's date, against the model's stock in a month of the run. The initial
  population is built from the same 2017 figures but starts the run in 2013 (the stocks are
  undated), so the target says how far the run may drift from them by 2017.
- ``vacancy_ratio_growth`` — the growth of China's vacancy-to-applicant ratio at public
  employment offices (求人倍率) from one quarter to a later one, against the growth of the
  model's vacancies per searcher (quarter means of the months). The offices' ratio counts
  registered flows, not the economy's stocks, so only its change stands in for the model's;
  it says how fast the run's tightness may drift.
- ``programme_output`` — reported only (training completions, loan per supported founder):
  past programmes are not simulated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from jobsim import data
from jobsim.calibration.config import CalibrationConfigError, LoadedConfig, TargetSpec

__all__ = ["Moment", "build_targets", "vacancy_ratio_growth", "LEVEL_KINDS", "GAP_KINDS"]

#: Kinds whose simulated value is proportional to the new-jobs recording share.
LEVEL_KINDS = frozenset({"new_urban_jobs", "new_urban_jobs_ytd"})
#: Kinds compared with China's surveyed rate through the proxy gap (Hunan minus China, pp).
GAP_KINDS = frozenset({"surveyed_rate_mean", "surveyed_rate_month"})
_YOY = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*%\s*yoy")


@dataclass(frozen=True)
class Moment:
    """One target moment with its data value and provenance."""

    name: str
    kind: str
    value: float
    sd: float  # NaN when reported only
    fit: bool
    unit: str
    source: str
    spec: TargetSpec
    months: tuple[int, ...] = ()  # months averaged (surveyed_rate_mean)

    @property
    def level(self) -> bool:
        """True when the simulated value scales with the new-jobs recording share."""
        return self.kind in LEVEL_KINDS

    @property
    def gap(self) -> bool:
        """True when the target is China's rate standing in for Hunan's (the proxy gap)."""
        return self.kind in GAP_KINDS


def _period_of_year(period: str) -> float:
    """Decimal date of a period: ``2014-12`` -> end of Dec 2014; ``2018`` -> end of 2018."""
    if re.fullmatch(r"\d{4}", period):
        return float(period) + 1.0
    year, month = period.split("-")
    return float(year) + int(month) / 12.0


def _yoy(q: data.Quantity, where: str) -> float:
    hit = _YOY.search(q.note)
    if hit is None:
        raise data.DataError(f"{where}: note '{q.note}' states no year-on-year growth")
    return float(hit.group(1)) / 100.0


def _surveyed(year: int, months: list[int], where: str) -> np.ndarray:
    series = data.national_monthly_surveyed()  # S and D months; M months are NaN
    values = []
    for m in months:
        period = pd.Period(f"{year}-{m:02d}", freq="M")
        value = series.get(period, np.nan)
        if not np.isfinite(value):
            raise data.DataError(
                f"{where}: national surveyed rate {period} is missing or flagged M (memory only)")
        values.append(float(value))
    return np.asarray(values)


def _mean_months(t: TargetSpec) -> tuple[int, ...]:
    """Months a ``surveyed_rate_mean`` averages: as listed, else every S/D month of the year."""
    if t.kind == "hunan_surveyed_upper_bound":
        return tuple(range(1, 13))
    if t.kind != "surveyed_rate_mean":
        return ()
    if t.months:
        return tuple(t.months)
    series = data.national_monthly_surveyed()
    return tuple(p.month for p, v in series.items() if p.year == t.years[0] and np.isfinite(v))


def vacancy_ratio_growth(from_quarter: str, to_quarter: str) -> tuple[float, str]:
    """Growth of the offices' vacancy-to-applicant ratio between two quarters, and its source.

    Raises ``data.DataError`` where either quarter is not published.
    """
    a = data.pes_vacancy_ratio(from_quarter)
    b = data.pes_vacancy_ratio(to_quarter)
    return (b.value / a.value,
            f"pes_vacancy_ratio.csv pes_vacancy_applicant_ratio {to_quarter} [{b.flag}] / "
            f"{from_quarter} [{a.flag}]")


def _value(t: TargetSpec) -> tuple[float, str, str]:
    """(value, unit, source description) of one target."""
    y = t.years[0] if t.years else None
    if t.kind == "new_urban_jobs":
        period = str(y) if len(t.years) == 1 else f"{t.years[0]}+{t.years[1]}"
        q = data.hunan("new_urban_jobs", period)
        return q.value, "persons", f"hunan_indicators.csv new_urban_jobs {period} [{q.flag}]"
    if t.kind == "new_urban_jobs_ytd":
        period = f"{y}-01..{y}-{t.through_month:02d}"
        q = data.hunan("new_urban_jobs", period)
        return q.value, "persons", f"hunan_indicators.csv new_urban_jobs {period} [{q.flag}]"
    if t.kind == "new_jobs_cumulative_share":
        part = data.hunan("new_urban_jobs", f"{y}-01..{y}-{t.through_month:02d}")
        year = data.hunan("new_urban_jobs", str(y))
        return (100 * part.value / year.value, "percent",
                f"hunan_indicators.csv new_urban_jobs {y}-01..{y}-{t.through_month:02d} "
                f"[{part.flag}] / {y} [{year.flag}]")
    if t.kind == "new_jobs_cumulative_share_yoy":
        nxt = f"{y + 1}-01..{y + 1}-{t.through_month:02d}"
        part = data.hunan("new_urban_jobs", nxt)
        growth = _yoy(part, f"hunan_indicators.csv new_urban_jobs {nxt}")
        year = data.hunan("new_urban_jobs", str(y))
        return (100 * part.value / (1 + growth) / year.value, "percent",
                f"hunan_indicators.csv new_urban_jobs {nxt} [{part.flag}] / (1 + "
                f"{growth:.2%} yoy, its note) / {y} [{year.flag}]")
    if t.kind == "national_new_jobs_cumulative_share":
        ytd = data.national_ytd_new_urban_jobs()
        rows = ytd[ytd["year"] == y].set_index("through_month")["persons"]
        if t.through_month not in rows.index or 12 not in rows.index:
            raise data.DataError(f"national_ytd_new_urban_jobs.csv: year {y}: through_month "
                                 f"{t.through_month} or 12 missing (or flagged M)")
        return (100 * rows[t.through_month] / rows[12], "percent",
                f"national_ytd_new_urban_jobs.csv {y} through {t.through_month} / through 12")
    if t.kind == "surveyed_rate_mean":
        months = list(_mean_months(t))
        vals = _surveyed(y, months, f"target '{t.name}'")
        return (float(vals.mean()), "percent",
                f"national_monthly_surveyed_unemployment.csv {y} months {months} (S/D only)")
    if t.kind == "surveyed_rate_month":
        value = _surveyed(y, [t.month], f"target '{t.name}'")[0]
        return (float(value), "percent",
                f"national_monthly_surveyed_unemployment.csv {y}-{t.month:02d} (S/D only)")
    if t.kind == "hunan_surveyed_upper_bound":
        q = data.hunan(t.indicator, str(y))
        return (q.value, "percent",
                f"hunan_indicators.csv {t.indicator} {y} [{q.flag}] (an upper bound)")
    if t.kind == "surveyed_rate_contrast":
        plus = _surveyed(y, t.plus, f"target '{t.name}'").mean()
        minus = _surveyed(y, t.minus, f"target '{t.name}'").mean()
        return (float(plus - minus), "pp",
                f"national_monthly_surveyed_unemployment.csv {y}: mean of months {t.plus} "
                f"minus mean of months {t.minus} (S/D only)")
    if t.kind == "registered_rate":
        q = data.hunan("registered_unemployment_rate", f"{y}-{t.month:02d}")
        return (q.value, "percent",
                f"hunan_indicators.csv registered_unemployment_rate {y}-{t.month:02d} [{q.flag}]")
    if t.kind == "rural_transfer_new":
        q = data.hunan("rural_labour_transfer_new", str(y))
        return q.value, "persons", f"hunan_indicators.csv rural_labour_transfer_new {y} [{q.flag}]"
    if t.kind == "rural_transfer_stock_increase":
        a = data.hunan("rural_labour_transfer_stock", t.from_period)
        b = data.hunan("rural_labour_transfer_stock", t.to_period)
        span = _period_of_year(t.to_period) - _period_of_year(t.from_period)
        if span <= 0:
            raise data.DataError(f"target '{t.name}': to_period is not after from_period")
        return ((b.value - a.value) / span, "persons/year",
                f"hunan_indicators.csv rural_labour_transfer_stock ({t.to_period} [{b.flag}] - "
                f"{t.from_period} [{a.flag}]) / {span:.2f} years")
    if t.kind == "rural_transfer_stock_increase_yoy":
        q = data.hunan("rural_labour_transfer_stock", t.period)
        where = f"hunan_indicators.csv rural_labour_transfer_stock {t.period}"
        g = _yoy(q, where)
        return (q.value * g / (1 + g), "persons/year",
                f"{where} [{q.flag}] x g/(1+g), g = {g:.2%} yoy (its note)")
    if t.kind == "employment_stock":
        q = data.hunan(t.indicator, t.period)
        return (q.value, "persons",
                f"hunan_indicators.csv {t.indicator} {t.period} [{q.flag}] (the run's "
                f"{y}-{t.month:02d})")
    if t.kind == "vacancy_ratio_growth":
        value, source = vacancy_ratio_growth(t.from_period, t.to_period)
        return value, "ratio", source
    if t.kind == "programme_output":
        q = data.hunan(t.indicator, t.period)
        if t.per_indicator:
            d = data.hunan(t.per_indicator, t.per_period or t.period)
            return (q.value / d.value, f"{q.unit} per person",
                    f"hunan_indicators.csv {t.indicator} {t.period} [{q.flag}] / "
                    f"{t.per_indicator} {t.per_period or t.period} [{d.flag}]")
        return q.value, q.unit, f"hunan_indicators.csv {t.indicator} {t.period} [{q.flag}]"
    raise AssertionError(t.kind)  # kinds are validated by the schema


def build_targets(cfg: LoadedConfig) -> list[Moment]:
    """Build the configuration's targets with their data values.

    Raises
    ------
    CalibrationConfigError
        A target's data are missing or memory-only (names the file, the target and the data).
    """
    out = []
    for i, t in enumerate(cfg.spec.targets):
        try:
            value, unit, source = _value(t)
        except data.DataError as exc:
            raise CalibrationConfigError(
                f"{cfg.path}: field 'targets[{i}] ({t.name})': {exc}") from exc
        out.append(Moment(name=t.name, kind=t.kind, value=float(value),
                          sd=float(t.sd) if t.sd is not None else float("nan"), fit=t.fit,
                          unit=unit, source=source, spec=t, months=_mean_months(t)))
    return out
