"""From a candidate's outcomes on the futures to its three objectives and their standard errors.

1. ``p_met``: P(both headline targets met) = the share of futures in which 700,000 new urban
   jobs *and* the surveyed rate (annual average and December, as ``jobsim compare`` judges
   it) are met. Standard error ``sqrt(p (1 - p) / n)``.
2. ``gain``: expected gain in total employment at year end (urban employed plus rural work,
   persons, December) over the zero mix on the same future — the baseline, bit for bit.
   Mean of the paired differences; standard error their standard deviation / sqrt(n).
3. ``cost``: cost per additional employed = mean spending / mean gain (yuan per person, the
   ratio of means ``jobsim compare`` uses for cost per employed); standard error by the delta
   method, ``sd(spending_i - cost * gain_i) / (sqrt(n) * mean gain)``. Undefined (NaN) when
   the mean gain is below one person.

pymoo minimises; :func:`minimised` gives ``(-p_met, -gain, cost)`` with an undefined cost
replaced by :data:`NO_COST` so that such a mix is dominated by any that buys employment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["OBJECTIVES", "objectives", "minimised", "non_dominated", "NO_COST", "MIN_GAIN"]

OBJECTIVES = ("p_met", "gain", "cost")
#: Below one person a difference is rounding, not an employed person (as in compare).
MIN_GAIN = 1.0
#: Stand-in cost (yuan per person) for a mix that buys no employment: worse than any real one.
NO_COST = 1e12


def objectives(mix: dict[str, np.ndarray], zero: dict[str, np.ndarray]) -> dict[str, float]:
    """Objectives and standard errors of a mix, given its and the zero mix's outcomes."""
    n = len(mix["both_met"])
    p = float(np.mean(mix["both_met"]))
    diff = mix["total_employed"] - zero["total_employed"]
    urban = mix["urban_employed"] - zero["urban_employed"]
    spend = mix["spending_yuan"]
    gain = float(np.mean(diff))

    def sd(v: np.ndarray) -> float:
        return float(np.std(v, ddof=1)) if n > 1 else float("nan")

    out = {
        "p_met": p, "p_met_se": float(np.sqrt(p * (1 - p) / n)),
        "gain": gain, "gain_se": sd(diff) / np.sqrt(n),
        "cost": float("nan"), "cost_se": float("nan"),
        "p_jobs_met": float(np.mean(mix["jobs_met"])),
        "p_rate_met": float(np.mean(mix["rate_met"])),
        "urban_gain": float(np.mean(urban)),
        "spending_yuan": float(np.mean(spend)),
        "new_urban_jobs": float(np.mean(mix["new_urban_jobs"])),
        "surveyed_rate_average": float(np.mean(mix["surveyed_rate_average"])),
        "futures": n,
    }
    if gain >= MIN_GAIN:
        cost = float(np.mean(spend)) / gain
        out["cost"] = cost
        out["cost_se"] = sd(spend - cost * diff) / (np.sqrt(n) * gain)
    return out


def minimised(obj: dict[str, float]) -> np.ndarray:
    """The objectives as pymoo minimises them: ``(-p_met, -gain, cost)``."""
    cost = obj["cost"] if np.isfinite(obj["cost"]) else NO_COST
    return np.array([-obj["p_met"], -obj["gain"], cost], dtype=float)


def non_dominated(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``table`` (with p_met, gain, cost) that no other row dominates; duplicates once."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    if len(table) == 0:
        return table
    f = np.vstack([minimised(r) for r in table.to_dict("records")])
    front = NonDominatedSorting().do(f, only_non_dominated_front=True)
    kept = table.iloc[np.sort(np.asarray(front, dtype=int))]
    return kept.drop_duplicates(subset=[c for c in kept.columns if c.startswith("budget_")
                                        or c.startswith("start_")])
