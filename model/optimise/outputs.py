"""What an optimisation writes: the front, the recommended scenario, the tables behind them.

- ``pareto.csv``: one row per non-dominated mix at the confirming scale (default 100 persons
  per agent): ``budget_<instrument>`` (yuan), ``start_<instrument>`` where start months were
  searched, ``total_budget_yuan``, the objectives ``p_met``, ``gain``, ``cost`` and their
  standard errors ``*_se``, then ``p_jobs_met``, ``p_rate_met``, ``urban_gain``,
  ``spending_yuan``, ``new_urban_jobs``, ``surveyed_rate_average`` (means over futures),
  ``futures``, ``persons_per_agent``, ``is_plan`` (the plan scaled to the budget) and
  ``recommended``.
- ``recommended.toml``: a scenario that ``jobsim run`` and ``jobsim compare`` accept. It
  ``extends`` the input scenario (a path relative to the output folder) and sets each
  instrument's ``budget_yuan`` (and ``max_participants`` when caps scale with the budget,
  ``months`` when start months were searched) to the recommended mix.
- ``screening.csv``: every candidate the search evaluated, at the screening scale.

The rule that picks the recommended mix (:func:`recommend`): the highest P(met) on the
confirmed front; ties broken by the larger employment gain, then by the lower cost per
additional employed.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w
from jobsim.optimise.space import Mix, Space

__all__ = ["recommend", "recommended_toml", "RULE", "mix_of_row"]

RULE = ("highest P(both headline targets met) on the confirmed front; ties broken by the "
        "larger expected gain in total employment, then by the lower cost per additional "
        "employed")


def recommend(front: pd.DataFrame) -> int:
    """Row position of the recommended mix in ``front`` (see :data:`RULE`)."""
    cost = front["cost"].to_numpy(dtype=float)
    cost = np.where(np.isfinite(cost), cost, np.inf)
    order = np.lexsort((cost, -front["gain"].to_numpy(dtype=float),
                        -front["p_met"].to_numpy(dtype=float)))
    return int(order[0])


def mix_of_row(space: Space, row: pd.Series) -> Mix:
    """The mix a table row describes."""
    budgets = tuple(float(row[f"budget_{k}"]) for k in space.kinds)
    starts: list[int | None] = [None] * len(space.kinds)
    for k in space.start_of:
        starts[k] = space.calendar.index(str(row[f"start_{space.kinds[k]}"]))
    return Mix(budgets=budgets, starts=tuple(starts))


def recommended_toml(space: Space, loaded, mix: Mix, out: Path, row: pd.Series,
                     command: str) -> str:
    """The recommended scenario's text: the input scenario extended with the mix's budgets."""
    base = Path(loaded.path).resolve()
    rel = os.path.relpath(base, Path(out).resolve())
    name = loaded.spec.scenario.name
    instruments: dict[str, dict] = {}
    for (cls, s), b, start in zip(loaded.instruments, mix.budgets, mix.starts):
        table: dict[str, object] = {
            "budget_yuan": float(b),
            "budget_basis": (f"jobsim optimise: {b / s.budget_yuan:.3f} x the budget of {name}"
                             if s.budget_yuan > 0 else "jobsim optimise")}
        if space.scale_caps and s.cap_persons is not None and s.budget_yuan > 0:
            table["max_participants"] = float(s.cap_persons * b / s.budget_yuan)
        if start is not None:
            table["months"] = [space.calendar[int(start)], space.calendar[s.last_month]]
        instruments[cls.kind] = table
    run: dict[str, object] = {
        "name": f"{name}_optimised",
        "description": (f"{name} with the mix jobsim optimise recommends for a total budget "
                        f"of {space.budget:,.0f} yuan"),
        "extends": Path(rel).as_posix(),
    }
    # A scenario's parameter file is read relative to the file that names it, and an
    # extending file inherits the name: restate it relative to the output folder.
    params = loaded.spec.scenario.parameters
    if params != "default":
        run["parameters"] = Path(os.path.relpath((base.parent / params).resolve(),
                                                 Path(out).resolve())).as_posix()
    doc = {"scenario": run, "instruments": instruments}

    def fmt(x: float, digits: int = 3) -> str:
        return "undefined" if not math.isfinite(x) else f"{x:,.{digits}f}"

    header = [
        f"Written by: {command}",
        f"Rule: {RULE}.",
        f"P(both targets met) {fmt(row['p_met'])} (se {fmt(row['p_met_se'])}); gain in total "
        f"employment {fmt(row['gain'], 0)} persons (se {fmt(row['gain_se'], 0)}); cost per "
        f"additional employed {fmt(row['cost'], 0)} yuan (se {fmt(row['cost_se'], 0)}); over "
        f"{int(row['futures'])} futures at {row['persons_per_agent']:g} persons per agent.",
        "Budgets sum to "
        f"{mix.total:,.0f} yuan (never more than the total {space.budget:,.0f}).",
    ]
    return "".join(f"# {h}\n" for h in header) + "\n" + tomli_w.dumps(doc)
