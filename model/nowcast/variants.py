"""Alternative interval models of the national remainder, scored on the same backtest.

Why the statistical nowcast's interval has the shape it has: each variant gives a predictive
of ``rho_m(y)`` (the rest of the year over last year's total) at every backtest origin, from
the record before y only, with the same location (the local level of
:func:`jobsim.nowcast.statistical.remainder_forecast`); only the spread differs.

- ``as_stated``: the model before recalibration (pooled scale, months left ``g(m)``,
  Student t with the pooled degrees of freedom, ``sqrt(1 + 1/n)`` for the estimated mean).
- ``recalibrated``: the method (``as_stated`` with the recursive out-of-sample
  recalibration, :func:`jobsim.nowcast.statistical.recalibration`).
- ``months_left_squared``: variance proportional to ``g(m)^2`` (one pace shock on the whole
  rest of the year) instead of ``g(m)`` (independent monthly increments).
- ``cauchy``: ``as_stated`` with one degree of freedom, the heaviest tails of the t family
  (a heavier-tailed model than the record's degrees of freedom justify).
- ``own_month``: each month's own spread over the years (no pooling), t with n - 1 df.
- ``mle_normal``: the local level's own predictive at its maximum-likelihood variances,
  normal: no allowance for estimating them (what ignoring parameter uncertainty gives).

Scores (Gneiting & Raftery 2007): coverage of the central 80% and 95% intervals, the mean
log predictive density of the realised ``rho_m`` (higher is better), and the mean interval
score of the 80% interval in percent of the year's total (width plus ``2/alpha`` times the
miss; lower is better).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from jobsim.nowcast.backtest import FIRST_YEAR, LAST_YEAR
from jobsim.nowcast.history import cumulative_record
from jobsim.nowcast.statistical import (
    _recalibration_cached,
    normal_score,
    origins,
    pooled_scale,
    remainder_forecast,
    remainder_history,
)
from scipy import stats

__all__ = ["VARIANTS", "variant_points", "variant_table"]

VARIANTS = {
    "recalibrated": "the method: as stated, recalibrated on earlier origins",
    "as_stated": "as stated (the model before recalibration)",
    "months_left_squared": "variance ∝ g(m)² (one shock on the rest of the year)",
    "cauchy": "as stated with 1 degree of freedom (Cauchy: the heaviest-tailed t)",
    "own_month": "each month's own spread, no pooling",
    "mle_normal": "local level at its MLE, normal (no parameter uncertainty)",
}


def _spread(record: pd.DataFrame, year: int, m: int, name: str
            ) -> tuple[float, float, float, float] | None:
    """(location, scale, df, k) of one variant's predictive of rho_m(year)."""
    fc = remainder_forecast(record, year, m)
    if fc is None:
        return None
    if name == "as_stated":
        return fc.mean, fc.scale, fc.df, 1.0
    if name == "recalibrated":
        return fc.mean, fc.scale, fc.df, _recalibration_cached(record, year, fc.df)[0]
    if name == "cauchy":
        return fc.mean, fc.scale, 1.0, 1.0
    if name == "months_left_squared":
        sigma, df = pooled_scale(record, year, power=2)
        return fc.mean, sigma * (12 - m) / 12 * np.sqrt(1 + 1 / fc.years), df, 1.0
    rho = remainder_history(record, year, m).dropna().to_numpy(float)
    if name == "own_month":
        return fc.mean, rho.std(ddof=1) * np.sqrt(1 + 1 / rho.size), rho.size - 1.0, 1.0
    if name == "mle_normal":
        return fc.mean, fc.ll_sd, np.inf, 1.0
    raise ValueError(name)  # pragma: no cover - a programming error


def _quantile(loc: float, scale: float, df: float, k: float, q: float) -> float:
    return loc + scale * float(stats.t.ppf(stats.norm.cdf(k * stats.norm.ppf(q)), df))


def _log_density(x: float, loc: float, scale: float, df: float, k: float) -> float:
    z = (x - loc) / scale
    base = float(stats.t.logpdf(z, df)) - np.log(scale)
    if k == 1.0:
        return base
    u = normal_score(z, df)
    return base + float(stats.norm.logpdf(u / k) - np.log(k) - stats.norm.logpdf(u))


def variant_points(first: int = FIRST_YEAR, last: int = LAST_YEAR) -> pd.DataFrame:
    """One row per (variant, national backtest origin) with its scores."""
    record = cumulative_record("national")
    rows = []
    for year, m, realised in origins(record, range(first, last + 1)):
        prev = record.loc[year - 1, 12]
        total = record.loc[year, 12]
        for name in VARIANTS:
            spec = _spread(record, year, m, name)
            if spec is None:
                continue
            lo80, hi80, lo95, hi95 = (_quantile(*spec, q) for q in (0.1, 0.9, 0.025, 0.975))
            miss = max(lo80 - realised, 0.0) + max(realised - hi80, 0.0)
            rows.append({
                "variant": name, "year": year, "m": m,
                "in80": lo80 <= realised <= hi80, "in95": lo95 <= realised <= hi95,
                "log_score": _log_density(realised, *spec),
                "interval_score80": 100 * prev * (hi80 - lo80 + 2 / 0.2 * miss) / total,
            })
    return pd.DataFrame(rows)


def variant_table(points: pd.DataFrame) -> str:
    """Markdown: each variant's scores on 2010–2019, on 2020 and on all years."""
    head = ("| interval model | 80% cov. 2010–19 | 95% cov. 2010–19 | 80% cov. 2020 | "
            "95% cov. 2020 | 80% cov. all | 95% cov. all | log score 2010–19 | "
            "log score 2020 | interval score 80%, 2010–19 | interval score 80%, 2020 |")
    lines = [head, "|" + "---|" * 11]
    for name, label in VARIANTS.items():
        v = points[points["variant"] == name]
        ex, y20 = v[v["year"] < 2020], v[v["year"] == 2020]
        lines.append(
            f"| `{name}`: {label} | {ex['in80'].mean():.0%} | {ex['in95'].mean():.0%} | "
            f"{y20['in80'].mean():.0%} | {y20['in95'].mean():.0%} | {v['in80'].mean():.0%} | "
            f"{v['in95'].mean():.0%} | {ex['log_score'].mean():.2f} | "
            f"{y20['log_score'].mean():.2f} | {ex['interval_score80'].mean():.2f} | "
            f"{y20['interval_score80'].mean():.2f} |")
    return "\n".join(lines)
