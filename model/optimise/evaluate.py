"""Running a candidate mix on the uncertain futures: a pure function of a small, hashable run.

A *future* is one replicate of the ensemble machinery of :mod:`jobsim.compare`: a seed and
replicate number (the model's stochastic streams), a demand path (a macro draw from
:func:`jobsim.compare.draws.macro_factors`) and a parameter draw
(:func:`jobsim.compare.draws.parameter_draws`). Every candidate is judged on the same futures:
common random numbers, so two candidates differ only through their budgets. The targets are
judged as ``jobsim compare`` judges them (:func:`jobsim.results.judge_targets`, through
:func:`jobsim.runner.run_scenario`).

A run re-reads the scenario in the worker (once per process), checks its hash, sets the
candidate's budgets (and start months) on the scenario's own instruments, and returns a few
numbers, never the model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from jobsim.compare.draws import replicate_inputs
from jobsim.compare.tasks import scenario_hash
from jobsim.optimise.space import Mix, Space
from jobsim.runner import run_scenario
from jobsim.scenario import LoadedScenario, ScenarioError, load_scenario

__all__ = ["Future", "MixRun", "OUTCOMES", "make_futures", "run_mix", "with_mix"]

#: What one run returns, per future.
OUTCOMES = ("new_urban_jobs", "surveyed_rate_average", "surveyed_rate_december", "jobs_met",
            "rate_met", "both_met", "urban_employed", "total_employed", "spending_yuan")


@dataclass(frozen=True)
class Future:
    """One uncertain future: streams, demand path and parameter draw."""

    seed: int
    replicate: int
    demand: tuple[float, ...]
    parameter_overrides: tuple[tuple[str, Any], ...] = ()


def make_futures(loaded: LoadedScenario, n: int, seed: int, *, macro: bool,
                 parameter_file: Any | None) -> list[Future]:
    """The ``n`` futures of ``seed``: replicates 0..n-1 with their macro and parameter draws."""
    demand, params = replicate_inputs(loaded, n, seed, macro=macro, fitted=parameter_file)
    return [Future(seed=seed, replicate=r, demand=demand[r], parameter_overrides=params[r])
            for r in range(n)]


def futures_key(futures: list[Future]) -> str:
    """Identity of a set of futures (their seeds, paths and draws)."""
    text = json.dumps([dataclasses.asdict(f) for f in futures], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class MixRun:
    """One candidate mix on one future at one scale."""

    path: str
    scenario_hash: str
    budgets: tuple[float, ...]
    starts: tuple[int | None, ...]
    scale_caps: bool
    future: Future
    persons_per_agent: float
    code: str = field(default="")


_LOADED: dict[tuple[str, str], LoadedScenario] = {}


def _load(run: MixRun) -> LoadedScenario:
    key = (run.path, run.scenario_hash)
    if key not in _LOADED:
        loaded = load_scenario(run.path)
        if scenario_hash(loaded) != run.scenario_hash:
            raise ScenarioError(f"{run.path}: the scenario (or its parameter file) changed while "
                                f"the optimisation was running; start it again")
        _LOADED[key] = loaded
    return _LOADED[key]


def with_mix(loaded: LoadedScenario, mix: Mix, *, scale_caps: bool) -> LoadedScenario:
    """The scenario with the mix's budgets (and start months) on its own instruments.

    With ``scale_caps`` a participant cap (``max_participants``) scales with the budget: the
    scenario's cap is what its budget buys at its unit cost, so a budget k times larger buys
    k times the participants. An instrument without a cap keeps none.
    """
    if len(mix.budgets) != len(loaded.instruments):
        raise ValueError(f"{len(mix.budgets)} budgets for {len(loaded.instruments)} instruments")
    pairs = []
    for (cls, s), b, start in zip(loaded.instruments, mix.budgets, mix.starts):
        cap = s.cap_persons
        if scale_caps and cap is not None and s.budget_yuan > 0:
            cap = cap * b / s.budget_yuan
        update: dict[str, Any] = {"budget_yuan": float(b), "cap_persons": cap}
        if start is not None:
            update["first_month"] = int(start)
        pairs.append((cls, dataclasses.replace(s, **update)))
    return loaded.model_copy(update={"instruments": pairs})


def _with_future(loaded: LoadedScenario, future: Future, where: str) -> LoadedScenario:
    macro = loaded.spec.macro.model_copy(update={"source": "fixed",
                                                 "demand_index": list(future.demand)})
    update: dict[str, Any] = {"spec": loaded.spec.model_copy(update={"macro": macro})}
    if future.parameter_overrides:
        update["params"] = loaded.params.with_overrides(
            dict(future.parameter_overrides), where=f"{where} (parameter draw)")
    return loaded.model_copy(update=update)


def outcomes(results: Any) -> dict[str, float]:
    """The numbers the objectives need, from one run's results."""
    m = results.monthly
    t = results.targets
    jobs, rate = t["new_urban_jobs"], t["surveyed_urban_unemployment_rate"]
    spending = sum(float(v.get("spending_yuan", 0.0)) for v in results.programmes.values()
                   if isinstance(v, dict) and "spending_yuan" in v)
    urban = float(m["urban_employed"].iloc[-1])
    return {
        "new_urban_jobs": float(jobs["value"]),
        "surveyed_rate_average": float(rate["annual_average"]),
        "surveyed_rate_december": float(rate["value"]),
        "jobs_met": float(bool(jobs["met"])),
        "rate_met": float(bool(rate["met"])),
        "both_met": float(bool(jobs["met"]) and bool(rate["met"])),
        "urban_employed": urban,
        "total_employed": urban + float(m["stock_rural_work"].iloc[-1]),
        "spending_yuan": spending,
    }


def run_mix(run: MixRun) -> tuple[dict[str, float], float]:
    """Simulate one mix on one future; its outcomes and the CPU seconds it took."""
    started = time.process_time()
    loaded = _load(run)
    mix = Mix(budgets=run.budgets, starts=run.starts)
    scenario = _with_future(with_mix(loaded, mix, scale_caps=run.scale_caps), run.future,
                            run.path)
    results = run_scenario(scenario, seed=run.future.seed,
                           persons_per_agent=run.persons_per_agent,
                           replicate=run.future.replicate, attribution=False)
    return outcomes(results), time.process_time() - started


def mix_key(space: Space, mix: Mix, digest: str, futures: str, scale: float, code: str) -> str:
    """Identity of a mix's results: scenario, budgets, starts, futures, scale and model code."""
    text = json.dumps({"scenario": digest, "budgets": list(mix.budgets),
                       "starts": list(mix.starts), "caps": space.scale_caps,
                       "futures": futures, "scale": scale, "code": code}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def code_hash() -> str:
    """Hash of everything that can change a stored mix's numbers.

    Hash of everything that can change a stored mix's numbers: the compare store's
    :func:`jobsim.compare.tasks.source_hash` (every file of ``model/``, no exception list, and
    the numeric libraries' versions), so a forgotten file can never let a stale mix be reused.
    """
    from jobsim.compare.tasks import source_hash

    return source_hash()


def stack(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Per-future outcome dicts -> one array per outcome (future order)."""
    return {k: np.array([r[k] for r in rows], dtype=float) for k in OUTCOMES}
