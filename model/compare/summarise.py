"""From replications to the comparison's tables: targets, attribution, monthly indicators.

- ``targets.csv`` — per scenario and plan target: mean, 5th, 50th and 95th percentiles of the
  simulated value over replications, and ``prob_met``, the share of replications in which the
  target is met (the surveyed rate is judged on the annual average *and* December, as
  :func:`jobsim.results.judge_targets` does; its row's statistics are of December, and the row
  ``surveyed_urban_unemployment_rate_annual_average`` gives the annual average alone).
- ``attribution.csv`` — per scenario and instrument: new urban jobs attributable to it (the
  scenario minus the scenario without it, same seed and replicate), mean and 5th/95th
  percentiles over the replications that ran counterfactuals (``replications`` column),
  spending, and cost per attributable job = mean spending / mean attributable jobs (empty
  where the instrument adds less than one job to the gross indicator, or lowers it).
  ``delta_urban_employed_mean`` and ``cost_per_employed_yuan`` give the same for urban
  employment at the end of the horizon.
- ``monthly.parquet`` — every replication's monthly indicators, keyed by scenario and
  replicate.
- ``targets.xlsx``, ``attribution.xlsx`` — the two tables as Excel workbooks
  (:func:`write_excel`), for readers without a CSV habit.

Percentiles are numpy's linear interpolation between order statistics.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["TARGET_COLUMNS", "ATTRIBUTION_COLUMNS", "targets_table", "attribution_summary",
           "monthly_frame", "AVERAGE_SUFFIX", "write_excel"]

TARGET_COLUMNS = ["scenario", "target", "mean", "p05", "p50", "p95", "prob_met"]
ATTRIBUTION_COLUMNS = ["scenario", "instrument", "attributable_new_urban_jobs_mean",
                       "attributable_new_urban_jobs_p05", "attributable_new_urban_jobs_p95",
                       "spending_yuan", "cost_per_job_yuan",
                       "delta_urban_employed_mean", "cost_per_employed_yuan",
                       "delta_surveyed_rate_pp_mean", "replications",
                       "delta_rural_employed_mean", "delta_total_employed_mean",
                       "delta_total_employed_p05", "delta_total_employed_p95",
                       "net_to_gross", "cost_per_total_employed_yuan"]
AVERAGE_SUFFIX = "_annual_average"
#: Below one person a difference is rounding, not a job: no cost per job is given.
MIN_JOBS = 1.0


def _stats(values: np.ndarray) -> dict[str, float]:
    return {"mean": float(np.mean(values)), "p05": float(np.quantile(values, 0.05)),
            "p50": float(np.quantile(values, 0.50)), "p95": float(np.quantile(values, 0.95))}


def _met(values: np.ndarray, threshold: float, comparison: str) -> np.ndarray:
    return values >= threshold if comparison == ">=" else values <= threshold


def targets_table(targets: dict[str, list[pd.DataFrame]]) -> pd.DataFrame:
    """``targets.csv`` from each scenario's per-replicate target frames (in replicate order).

    Each frame has ``target, value, annual_average, met, threshold, comparison`` (see
    :func:`jobsim.compare.tasks.run_one`).
    """
    rows = []
    for scenario, frames in targets.items():
        both = pd.concat(frames, ignore_index=True)
        for name in dict.fromkeys(both["target"]):
            part = both[both["target"] == name]
            rows.append({"scenario": scenario, "target": name,
                         **_stats(part["value"].to_numpy(dtype=float)),
                         "prob_met": float(part["met"].mean())})
            avg = part["annual_average"].to_numpy(dtype=float)
            if np.all(np.isfinite(avg)):
                met = _met(avg, float(part["threshold"].iloc[0]), part["comparison"].iloc[0])
                rows.append({"scenario": scenario, "target": name + AVERAGE_SUFFIX,
                             **_stats(avg), "prob_met": float(np.mean(met))})
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def attribution_summary(attribution: dict[str, list[pd.DataFrame]]) -> pd.DataFrame:
    """``attribution.csv`` from each scenario's per-replicate attribution tables."""
    rows = []
    for scenario, frames in attribution.items():
        frames = [f for f in frames if f is not None]
        if not frames:
            continue
        both = pd.concat(frames, ignore_index=True)
        for instrument in dict.fromkeys(both["instrument"]):
            part = both[both["instrument"] == instrument]
            jobs = part["attributable_new_urban_jobs"].to_numpy(dtype=float)
            employed = part["delta_urban_employed"].to_numpy(dtype=float)
            spending = float(part["spending_yuan"].mean())
            mean_jobs, mean_employed = float(jobs.mean()), float(employed.mean())
            # Urban plus rural work (an organised transfer moves people out of rural work),
            # and the participants' own gain: absent from results stored by older versions.
            total = _column(part, "delta_total_employed")
            mean_total = float(total.mean())
            gross = float(_column(part, "gross_employed").mean())
            rows.append({
                "scenario": scenario, "instrument": instrument,
                "attributable_new_urban_jobs_mean": mean_jobs,
                "attributable_new_urban_jobs_p05": float(np.quantile(jobs, 0.05)),
                "attributable_new_urban_jobs_p95": float(np.quantile(jobs, 0.95)),
                "spending_yuan": spending,
                "cost_per_job_yuan": spending / mean_jobs if mean_jobs >= MIN_JOBS else np.nan,
                "delta_urban_employed_mean": mean_employed,
                "cost_per_employed_yuan": spending / mean_employed
                if mean_employed >= MIN_JOBS else np.nan,
                "delta_surveyed_rate_pp_mean": float(part["delta_surveyed_rate_pp"].mean()),
                "replications": int(len(part)),
                "delta_rural_employed_mean": float(_column(part, "delta_rural_employed").mean()),
                "delta_total_employed_mean": mean_total,
                "delta_total_employed_p05": float(np.quantile(total, 0.05)),
                "delta_total_employed_p95": float(np.quantile(total, 0.95)),
                # A ratio of the means (per-replicate ratios of small differences are noise),
                # given only where every replicate's gross reached one agent (the runner's
                # floor for its own ratio).
                "net_to_gross": mean_total / gross
                if np.isfinite(_column(part, "net_to_gross")).all() and gross >= MIN_JOBS
                else np.nan,
                "cost_per_total_employed_yuan": spending / mean_total
                if mean_total >= MIN_JOBS else np.nan,
            })
    return pd.DataFrame(rows, columns=ATTRIBUTION_COLUMNS)


def _column(part: pd.DataFrame, name: str) -> np.ndarray:
    """A per-replicate attribution column as floats, all NaN where the results lack it."""
    if name not in part:
        return np.full(len(part), np.nan)
    return part[name].to_numpy(dtype=float)


def monthly_frame(monthly: dict[str, list[pd.DataFrame]]) -> pd.DataFrame:
    """Every replication's monthly indicators, keyed by scenario and replicate."""
    parts = []
    for scenario, frames in monthly.items():
        for replicate, frame in enumerate(frames):
            part = frame.copy()
            part.insert(0, "replicate", replicate)
            part.insert(0, "scenario", scenario)
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def write_excel(path: Path | str, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write frames as the sheets of one ``.xlsx`` workbook (openpyxl).

    The comparison writes it inside its atomic output folder (no partial file is ever seen).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
    return path
