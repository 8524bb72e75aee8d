"""A Mesa model for ``mesa.batch_run``: a named scenario's plan, every headline indicator.

``LabourMarket`` is the engine; :class:`PlanModel` is the same model built the way
``mesa.batch_run`` calls a model class, with keyword arguments only::

    import mesa
    from jobsim.batch import DemandPath, PlanModel

    if __name__ == "__main__":  # Mesa starts worker processes with spawn: the guard is needed
        rows = mesa.batch_run(PlanModel, parameters={
            "scenario": "plan_2021",                     # defaults: that scenario file
            "hiring_subsidy": [0.0, 3e8, 6e8],           # an instrument's budget, yuan
            "demand_index": DemandPath([1.0, 0.97, 0.97, 0.97] + [1.0] * 8),  # one run, not 12
            "persons_per_agent": 1000,
        }, iterations=5, number_processes=2)

What differs from a bare ``LabourMarket`` (and why):

- **Seeds.** ``seed`` and ``rng`` are Mesa's: with neither, each instance draws its own seed
  (as ``mesa.Model`` does), so ``iterations=n`` gives n different runs; pass
  ``seed=range(n)`` for n different runs that reproduce. The seed used is collected (``seed``).
- **Defaults** come from ``scenario`` (a name in ``scenarios/`` or a path): its parameter set,
  instruments, horizon, scale and macro path; keywords change them (instrument budgets by
  instrument name, parameters as ``section__name``, ``persons_per_agent``).
- **A demand path is one value.** ``batch_run`` turns a list into one run per element, so a
  monthly path goes in a :class:`DemandPath` (not iterable); ``demand_factor`` scales the
  scenario's own path instead.
- **Every headline indicator is collected** (:data:`REPORTERS`): new urban jobs, surveyed and
  registered rates (and the surveyed annual average so far), urban employment and
  unemployment, natural attrition, rural transfers, unemployment-insurance participants, and
  whether the two headline targets are met.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from jobsim.labour_market import LabourMarket
from jobsim.runner import past_of

__all__ = ["PlanModel", "DemandPath", "REPORTERS", "scenario_file"]

_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@dataclass(frozen=True)
class DemandPath:
    """A monthly labour-demand path passed to ``batch_run`` as one value."""

    values: tuple[float, ...]

    def __init__(self, values: Sequence[float]) -> None:
        object.__setattr__(self, "values", tuple(float(v) for v in values))


def scenario_file(scenario: str | Path) -> Path:
    """A scenario's file: a path, or a name of a shipped scenario (``plan_2021``)."""
    path = Path(scenario)
    if path.suffix == ".toml" or path.is_file():
        return path
    return _SCENARIOS / f"{scenario}.toml"


@lru_cache(maxsize=32)
def _base(path: str) -> Any:
    """The scenario, loaded once per process (its forecast macro path resolved once)."""
    from jobsim.api import Scenario

    s = Scenario.from_toml(path)
    return s, tuple(s.loaded.demand_path())


def _last(column: str):
    return lambda m: m.rows[-1][column]


def _year_mean(column: str):
    def report(m: LabourMarket) -> float:
        year = m.rows[-1]["month"][:4]
        values = [r[column] for r in m.rows if r["month"][:4] == year]
        return float(np.mean(values))
    return report


def _targets_met(m: PlanModel) -> dict[str, bool | None]:
    """The two headline targets, judged as :func:`jobsim.results.judge_targets` does."""
    from jobsim.results import judge_targets

    if not m.rows[-1]["month"].endswith("-12"):
        return {"new_urban_jobs": None, "surveyed_urban_unemployment_rate": None}
    judged = judge_targets(m.monthly())
    return {k: judged[k]["met"] for k in ("new_urban_jobs", "surveyed_urban_unemployment_rate")}


#: Model reporters collected every month (and by ``batch_run`` at the end).
REPORTERS = {
    "month": _last("month"),
    "new_urban_jobs_cum": _last("new_urban_jobs_cum"),
    "surveyed_unemployment_rate": _last("surveyed_unemployment_rate"),
    "surveyed_rate_annual_average": _year_mean("surveyed_unemployment_rate"),
    "registered_unemployment_rate": _last("registered_unemployment_rate"),
    "urban_employed": _last("urban_employed"),
    "urban_unemployed": _last("urban_unemployed"),
    "natural_attrition": _last("natural_attrition"),
    "rural_transfer_new_cum": _last("rural_transfer_new_cum"),
    "ui_participants": _last("ui_participants"),
    "new_urban_jobs_target_met": lambda m: _targets_met(m)["new_urban_jobs"],
    "surveyed_rate_target_met": lambda m: _targets_met(m)["surveyed_urban_unemployment_rate"],
    "spending_yuan": lambda m: float(sum(i.summary()["spending_yuan"] for i in m.instruments)),
}


def _resolve_seed(seed: int | None, rng: Any) -> int:
    """Mesa's rule: a given seed, else one drawn from ``rng`` (fresh entropy if None)."""
    if seed is not None and rng is not None:
        raise ValueError("pass either seed or rng, not both")
    if seed is not None:
        return int(seed)
    return int(np.random.default_rng(rng).integers(np.iinfo(np.int32).max))


class PlanModel(LabourMarket):
    """A scenario's model, built from keyword arguments (for ``mesa.batch_run``).

    Parameters
    ----------
    scenario : str or Path
        A shipped scenario's name (``plan_2021``) or a scenario file: the defaults.
    seed, rng : optional
        Mesa's: the run's seed, or a generator (or seed-like) to draw it from; neither = a
        fresh seed per instance.
    persons_per_agent : float, optional
        Scale (default: the scenario's).
    demand_index : DemandPath or float, optional
        Replaces the scenario's demand path (a float = flat).
    demand_factor : float, optional
        Multiplies the scenario's demand path instead.
    replicate : int
        Replication number under the seed.
    **levers
        ``<instrument>=budget_yuan`` and ``<section>__<parameter>=value``.
    """

    def __init__(self, scenario: str | Path = "plan_2021", *, seed: int | None = None,
                 rng: Any = None, persons_per_agent: float | None = None,
                 demand_index: DemandPath | float | None = None,
                 demand_factor: float | None = None, replicate: int = 0,
                 **levers: float) -> None:
        from jobsim.policies import KINDS

        base, base_path = _base(str(scenario_file(scenario)))
        budgets = {k: float(v) for k, v in levers.items() if k in KINDS}
        overrides = {k.replace("__", "."): v for k, v in levers.items() if "__" in k}
        unknown = set(levers) - set(budgets) - {k for k in levers if "__" in k}
        if unknown:
            raise TypeError(f"PlanModel: unknown keyword(s) {', '.join(sorted(unknown))}: "
                            f"instrument budgets are named {', '.join(KINDS)}")
        s = base.with_budgets(budgets) if budgets else base
        s = s.with_overrides(overrides) if overrides else s
        path = list(base_path)
        if isinstance(demand_index, DemandPath):
            path = list(demand_index.values)
        elif demand_index is not None:
            path = [float(demand_index)] * len(path)
        if demand_factor is not None:
            path = [p * float(demand_factor) for p in path]
        run = s.loaded.spec.scenario
        self.scenario_name = run.name
        scale = run.persons_per_agent if persons_per_agent is None else float(persons_per_agent)
        seed = _resolve_seed(seed, rng)
        super().__init__(
            params=s.loaded.params, start=run.start, months=run.months,
            persons_per_agent=scale, demand_index=path, seed=seed, replicate=replicate,
            instruments=s.loaded.instruments,
            past=past_of(s.loaded, seed=seed, persons_per_agent=scale, replicate=replicate,
                         months=run.months))
        self.datacollector = mesa.DataCollector(
            model_reporters={"seed": lambda m: m.seed_value, **REPORTERS})
