"""From actuals to ``nowcast.csv`` rows: both methods, and the re-planning variants.

``nowcast.csv`` has one row per (method, plan, series): the required columns ``series, year,
mean, lo80, hi80, lo95, hi95, target, prob_target_met`` first, then ``method``
(``statistical`` or ``abm``), ``plan`` (``as_written``, or the top-up's name), ``through``
(the last month observed, 0 if none), ``comparison`` and ``note``. Counts are the year's
total in persons; the surveyed rate is the annual average in percent, judged on it alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from jobsim.nowcast.actuals import SERIES, Actuals
from jobsim.nowcast.ensemble import (
    Ensemble,
    effective_size,
    frame_summary,
    months_differ,
    observation_sd,
    weights,
)
from jobsim.nowcast.history import target
from jobsim.nowcast.statistical import Forecast, nowcast_cumulative, nowcast_rate

__all__ = ["COLUMNS", "NowcastResult", "statistical_rows", "abm_rows", "STAT_SERIES"]

COLUMNS = ["series", "year", "mean", "lo80", "hi80", "lo95", "hi95", "target",
           "prob_target_met", "method", "plan", "through", "comparison", "note"]

#: Series the statistical method nowcasts (the others have no within-year record).
STAT_SERIES = ("national_new_urban_jobs_ytd", "hunan_new_urban_jobs_ytd",
               "national_surveyed_unemployment_rate")

#: ABM rows: output name -> (target key of the run, actuals series it continues from).
_ABM_TARGETS = {
    "vocational_training_ytd": ("subsidised_vocational_training", "vocational_training_ytd"),
    "youth_internships_ytd": ("youth_internships", "youth_internships_ytd"),
}


@dataclass
class NowcastResult:
    """The rows, and what the report draws (fans of the year's path)."""

    rows: list[dict] = field(default_factory=list)
    paths: dict[str, dict] = field(default_factory=dict)   # series -> fan data
    notes: list[str] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """``nowcast.csv``."""
        return pd.DataFrame(self.rows, columns=COLUMNS)


def _row(series: str, year: int, stats_: dict[str, float], tgt: tuple[float, str, str],
         prob: float, method: str, plan: str, through: int, note: str) -> dict:
    return {"series": series, "year": year, **stats_, "target": tgt[0],
            "prob_target_met": prob, "method": method, "plan": plan, "through": through,
            "comparison": tgt[1], "note": note}


def _fc_stats(fc: Forecast) -> dict[str, float]:
    return {"mean": fc.mean, "lo80": fc.quantile(0.10), "hi80": fc.quantile(0.90),
            "lo95": fc.quantile(0.025), "hi95": fc.quantile(0.975)}


def _profile_fan(fc: Forecast, m: int, observed: pd.Series, year: int) -> dict:
    """Spread the remainder along the pooled profile: the year's path from month m."""
    from jobsim.nowcast.history import cumulative_record
    from jobsim.nowcast.statistical import pooled_profile

    profile = pooled_profile(cumulative_record("national"), year)
    months = np.arange(m, 13)
    frac = (profile[months] - profile[m]) / max(1e-12, 1 - profile[m])
    qs = {q: fc.quantile(q) for q in (0.025, 0.10, 0.5, 0.90, 0.975)}
    band = {q: fc.observed + frac * (v - fc.observed) for q, v in qs.items()}
    return {"months": months.tolist(), "bands": band, "observed": observed}


def statistical_rows(actuals: Actuals, year: int, result: NowcastResult, seed: int = 0) -> None:
    """Append the statistical method's rows (and fans) for the series it covers."""
    for series in STAT_SERIES:
        obs = actuals.series(series)
        m = int(obs.index.max()) if len(obs) else 0
        tgt = target(series, year)
        if SERIES[series].kind == "rate":
            fc = nowcast_rate(year, obs, seed=seed)
        else:
            fc = nowcast_cumulative(series, year, m, float(obs.iloc[-1]) if len(obs) else 0.0)
        if fc is None:
            result.notes.append(f"statistical, {series}: the record before {year} cannot "
                                f"support a nowcast at month {m}")
            continue
        result.rows.append(_row(series, year, _fc_stats(fc), tgt, fc.prob(tgt[0], tgt[1]),
                                "statistical", "as_written", m, fc.note))
        if fc.warning:
            result.notes.append(f"statistical, {fc.warning}")
        if SERIES[series].kind == "cumulative":
            result.paths[f"statistical:{series}"] = _profile_fan(fc, m, obs, year)


def _abm_jobs(ens: Ensemble, which: str, actual: float | None, m: int, w: np.ndarray
              ) -> np.ndarray:
    cum = ens.cumulative(which)
    if actual is None or m == 0:
        return cum[:, -1]
    return actual + cum[:, -1] - cum[:, m - 1]


def abm_rows(ens: Ensemble, actuals: Actuals, year: int, result: NowcastResult) -> dict:
    """Append the ABM rows (as written, and with the top-up); return the weights' summary."""
    hunan = actuals.series("hunan_new_urban_jobs_ytd")
    m = int(hunan.index.max()) if len(hunan) else 0
    actual = float(hunan.iloc[-1]) if len(hunan) else None
    cum = ens.cumulative("base")
    sigma = observation_sd(year, m) if m else float("nan")
    w = weights(cum[:, m - 1] if m else cum[:, -1], actual if m else None, sigma)
    plans = [("as_written", "base")]
    if ens.topup is not None:
        plans.append((f"top_up_{ens.topup_kind}", "topup"))
    tgt_jobs = target("hunan_new_urban_jobs_ytd", year)
    for plan, which in plans:
        jobs = _abm_jobs(ens, which, actual, m, w)
        prob = float(np.sum(w * (jobs >= tgt_jobs[0]))) if np.isfinite(tgt_jobs[0]) else np.nan
        note = (f"importance weights on Hunan's {year}-{m:02d} cumulative, sigma_m = "
                f"{sigma:.3f} (log), effective replicates {effective_size(w):.1f} of {w.size}"
                if m else f"no Hunan actuals: the plan's ensemble, {w.size} replicates")
        result.rows.append(_row("hunan_new_urban_jobs_ytd", year, frame_summary(jobs, w),
                                tgt_jobs, prob, "abm", plan, m, note))
        rate = ens.rate(which).mean(axis=1)
        tgt_rate = target("national_surveyed_unemployment_rate", year)
        prob_r = float(np.sum(w * (rate <= tgt_rate[0]))) if np.isfinite(tgt_rate[0]) else np.nan
        result.rows.append(_row("hunan_surveyed_unemployment_rate", year,
                                frame_summary(rate, w), tgt_rate, prob_r, "abm", plan, m,
                                "Hunan's simulated annual average, weighted; Hunan's rate is "
                                "not published, so no actual conditions it"))
        for series, (key, source) in _ABM_TARGETS.items():
            values = ens.target_values(key, which)
            obs = actuals.series(source)
            if len(obs):  # what is in cannot be undone
                values = np.maximum(values, float(obs.iloc[-1]))
            tgt = target(series, year)
            p = float(np.sum(w * (values >= tgt[0]))) if np.isfinite(tgt[0]) else np.nan
            result.rows.append(_row(series, year, frame_summary(values, w), tgt, p, "abm",
                                    plan, int(obs.index.max()) if len(obs) else 0,
                                    "simulated year-end output, weighted; at least the "
                                    "actual so far"))
        months = np.arange(m, 13)
        paths = cum if which == "base" else ens.cumulative("topup")
        start = np.full(paths.shape[0], actual) if m else np.zeros(paths.shape[0])
        base_m = paths[:, m - 1] if m else np.zeros(paths.shape[0])
        traj = start[:, None] + np.hstack([np.zeros((paths.shape[0], 1)),
                                           paths[:, m:] - base_m[:, None]])
        from jobsim.nowcast.ensemble import weighted_quantile
        bands = {q: np.array([weighted_quantile(traj[:, k], w, q) for k in range(len(months))])
                 for q in (0.025, 0.10, 0.5, 0.90, 0.975)}
        result.paths[f"abm:{plan}:hunan_new_urban_jobs_ytd"] = {
            "months": months.tolist(), "bands": bands, "observed": hunan}
    differ = months_differ(ens, m)
    if differ:
        result.notes.append(f"top-up: in {differ} of {w.size} replicates the budget had run "
                            f"out by month {m}, so the top-up also changes months 1..{m}")
    return {"m": m, "sigma": sigma, "ess": effective_size(w), "n": int(w.size),
            "months_differ": differ}
