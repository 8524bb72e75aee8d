"""``jobsim compare``: every scenario N times, on one executor, into one atomic output folder.

Plan: one task per (scenario, replicate); replicate ``r`` of every scenario uses the same
seed and ``r`` (common random numbers). The first ``attribution_replications`` replicates of
each scenario with instruments also run one counterfactual per instrument. Tasks already in
the store (same scenario hash, replicate, draws and model source) are not run again, so an
interrupted comparison resumes where it stopped.

Where things are: the store lives in ``.<DIR>.tasks/`` beside ``DIR`` while a comparison
runs, and moves into ``DIR/.tasks/`` with the outputs; ``DIR`` itself appears in one rename
when everything is written (no partial ``DIR`` after an error or a kill).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from model.compare.comparison import Comparison, build_comparison
from model.compare.draws import macro_factors, parameter_draws
from model.compare.executors import make_executor
from model.compare.store import TaskStore
from model.compare.tasks import Task, TaskResult, run_one, scenario_hash, source_hash, task_cost
from model.results import atomic_dir, git_commit, package_version
from model.scenario import LoadedScenario, ScenarioError, load_scenario

__all__ = ["run_compare", "plan_tasks", "DEFAULT_ATTRIBUTION_REPLICATIONS"]

#: Replicates per scenario that also run the counterfactuals, unless told otherwise.
DEFAULT_ATTRIBUTION_REPLICATIONS = 10


def _check_out(out: Path) -> None:
    """Fail before any work if ``out`` is a folder that is not a jobsim output."""
    if out.exists() and (not out.is_dir() or (
            not (out / "manifest.json").is_file() and any(out.iterdir()))):
        raise FileExistsError(f"{out}: exists and is not a jobsim output folder; "
                              f"choose another --out")


def _store_root(out: Path) -> Path:
    """The running store beside ``out``, adopting the one a finished run left inside it."""
    running = out.parent / f".{out.name}.tasks"
    finished = out / ".tasks"
    if finished.is_dir() and not running.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(finished, running)
    return running


def plan_tasks(loaded: list[LoadedScenario], replications: int, *, seed: int | None,
               persons_per_agent: float | None, attribution_replications: int,
               macro_draws: bool = False, parameter_file: Path | None = None) -> list[Task]:
    """Every (scenario, replicate) task, in scenario then replicate order."""
    code = source_hash()
    tasks = []
    for ls in loaded:
        run = ls.spec.scenario
        s_seed = run.seed if seed is None else int(seed)
        scale = float(run.persons_per_agent if persons_per_agent is None else persons_per_agent)
        digest = scenario_hash(ls)
        # Resolved here, once: workers never fit the forecast a scenario's path may come from.
        own = tuple(ls.demand_path())
        demand = [own] * replications
        if macro_draws:
            demand = [tuple(d * f for d, f in zip(own, factors))
                      for factors in macro_factors(ls, replications, s_seed)]
        params = ([()] * replications if parameter_file is None
                  else parameter_draws(ls, parameter_file, replications, s_seed))
        has_levers = task_cost(ls, True) > 1
        for r in range(replications):
            tasks.append(Task(
                scenario=run.name, path=str(ls.path), scenario_hash=digest, seed=s_seed,
                replicate=r, persons_per_agent=scale,
                with_attribution=has_levers and r < attribution_replications,
                demand=demand[r], parameter_overrides=params[r], code=code))
    return tasks


def _uncertainty(replications: int, macro: bool, parameter_file: Path | None) -> dict[str, str]:
    return {
        "stochastic": f"{replications} replications (independent streams under one seed)",
        "macro": ("demand paths drawn from the forecast (model.forecast.paths), one per "
                  "replicate" if macro else "not included (the scenario's own demand path)"),
        "parameter": (f"calibrated parameters drawn from {parameter_file}, one set per "
                      f"replicate" if parameter_file else
                      "not included (the scenario's parameter set)"),
    }


def run_compare(
    scenarios: list[Path],
    out: Path,
    replications: int = 20,
    workers: int | None = None,
    scheduler: str | None = None,
    seed: int | None = None,
    persons_per_agent: float | None = None,
    *,
    attribution_replications: int | None = None,
    macro_draws: bool = False,
    parameter_draws: Path | None = None,
    progress: bool = True,
    quiet: bool = False,
) -> Comparison:
    """Compare scenarios over replications; write ``out`` atomically; return the comparison.

    Parameters
    ----------
    scenarios : list of Path
        Scenario files; their names must differ.
    out : Path
        Output folder (replaced if it holds a previous jobsim output).
    replications : int
        Replications per scenario, replicates ``0..N-1``.
    workers : int, optional
        Local processes (default: the CPUs available; 1 = this process).
    scheduler : str, optional
        Address of a Dask scheduler to run on instead.
    seed, persons_per_agent : optional
        Override every scenario's seed and scale.
    attribution_replications : int, optional
        Replicates per scenario that also run the counterfactuals (default
        ``min(replications, 10)``; 0 = no attribution).
    macro_draws : bool
        One forecast demand path per replicate (see :mod:`model.compare.draws`).
    parameter_draws : Path, optional
        A fitted parameter file: one draw of its calibrated parameters per replicate.
    progress, quiet : bool
        Show a progress bar; print nothing.
    """
    started = time.perf_counter()
    out = Path(out)
    if replications < 1:
        raise ScenarioError(f"--replications must be >= 1, got {replications}")
    k = (min(replications, DEFAULT_ATTRIBUTION_REPLICATIONS) if attribution_replications is None
         else int(attribution_replications))
    if not 0 <= k <= replications:
        raise ScenarioError(f"attribution replications must be in 0..{replications}, got {k}")
    if not scenarios:
        raise ScenarioError("give at least one scenario file")
    loaded = [load_scenario(p) for p in scenarios]
    names = [ls.spec.scenario.name for ls in loaded]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScenarioError(f"scenario names must differ; given twice: {', '.join(dupes)}")
    _check_out(out)
    tasks = plan_tasks(loaded, replications, seed=seed, persons_per_agent=persons_per_agent,
                       attribution_replications=k, macro_draws=macro_draws,
                       parameter_file=parameter_draws)
    by_name = dict(zip(names, loaded))
    cost = {id(t): task_cost(by_name[t.scenario], t.with_attribution) for t in tasks}
    store = TaskStore(_store_root(out))
    todo = [t for t in tasks if not store.has(t)]
    # Heavy (attribution) tasks first, so the tail of the run is short ones on every worker.
    todo.sort(key=lambda t: -cost[id(t)])
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))
    total_runs = sum(cost[id(t)] for t in tasks)
    todo_runs = sum(cost[id(t)] for t in todo)
    log(f"jobsim compare: {len(names)} scenarios x {replications} replications "
        f"({total_runs} model runs incl. {total_runs - len(tasks)} counterfactuals on "
        f"{k} replicates); {len(tasks) - len(todo)} replications already done, "
        f"{todo_runs} runs to go")
    run_started = time.perf_counter()
    cpu_seconds = 0.0
    with make_executor(workers, scheduler) as executor, tqdm(
            total=todo_runs, unit="run", desc="jobsim compare", file=sys.stderr,
            disable=(not progress) or quiet or None, smoothing=0.1) as bar:
        for task, result in executor.imap_unordered(run_one, todo):
            store.save(task, result)
            cpu_seconds += result.cpu_seconds
            bar.update(cost[id(task)])
        backend = executor.description
    run_seconds = time.perf_counter() - run_started
    results: dict[str, list[TaskResult]] = {n: [] for n in names}
    for task in tasks:
        stored = store.load(task)
        if stored is None:  # pragma: no cover - the store was changed under us
            raise RuntimeError(f"{store.path(task)}: result missing after the run")
        results[task.scenario].append(stored)
    seeds = sorted({t.seed for t in tasks})
    manifest: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "jobsim compare " + " ".join(str(p) for p in scenarios),
        "scenarios": [{"name": ls.spec.scenario.name, "path": str(ls.path),
                       "description": ls.spec.scenario.description,
                       "hash": scenario_hash(ls), "seed": t.seed}
                      for ls, t in zip(loaded, tasks[::replications])],
        "replications": replications,
        "attribution_replications": k,
        "attribution_runs": total_runs - len(tasks),
        "persons_per_agent": tasks[0].persons_per_agent,
        "horizon": ", ".join(sorted({f"{ls.spec.scenario.start} + {ls.spec.scenario.months} "
                                     f"months" for ls in loaded})),
        "common_random_numbers": (f"yes: every scenario uses seed {seeds[0]}, replicates "
                                  f"0..{replications - 1}" if len(seeds) == 1 else
                                  f"no: the scenarios' seeds differ ({seeds})"),
        "uncertainty": _uncertainty(replications, macro_draws, parameter_draws),
        "executor": backend,
        "model_runs_this_time": todo_runs,
        "replications_reused": len(tasks) - len(todo),
        "seconds_running": round(run_seconds, 2),
        "cpu_seconds_in_tasks": round(cpu_seconds, 2),
        "version": package_version(),
        "git_commit": git_commit(),
        "model_source_sha1": tasks[0].code,
        "percentiles": "numpy linear interpolation over replications",
    }
    descriptions = {ls.spec.scenario.name: ls.spec.scenario.description for ls in loaded}
    comparison = build_comparison(results, descriptions, manifest)
    with atomic_dir(out) as tmp:
        comparison.write(tmp)
        os.replace(store.root, tmp / ".tasks")
    manifest["seconds_total"] = round(time.perf_counter() - started, 2)
    if not quiet:
        print(comparison.summary())
        print(f"\nreport: {out / 'report.html'}  (tables: targets.csv, attribution.csv; "
              f"every replication: monthly.parquet)")
    return comparison
