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
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jobsim.compare.comparison import Comparison, build_comparison
from jobsim.compare.draws import replicate_inputs
from jobsim.compare.executors import Executor, check_executor_arguments, make_executor
from jobsim.compare.store import TaskStore
from jobsim.compare.tasks import Task, TaskResult, run_one, scenario_hash, source_hash, task_cost
from jobsim.results import (
    atomic_dir,
    check_output_dir,
    git_commit,
    is_jobsim_output,
    package_version,
)
from jobsim.scenario import LoadedScenario, ScenarioError, check_scale, load_scenario
from tqdm.auto import tqdm

__all__ = ["run_compare", "plan_tasks", "DEFAULT_ATTRIBUTION_REPLICATIONS"]

#: Replicates per scenario that also run the counterfactuals, unless told otherwise.
DEFAULT_ATTRIBUTION_REPLICATIONS = 10


def _store_root(out: Path) -> Path:
    """Where this comparison's task store is: beside ``out`` while running, or inside it.

    A store left beside ``out`` by an interrupted run is used first; else the store a finished
    run left in ``out/.tasks`` is used where it is (it is never moved out of its folder before
    the new output replaces that folder, so a failed run cannot strand it).
    """
    running = out.parent / f".{out.name}.tasks"
    finished = out / ".tasks"
    if not running.exists() and finished.is_dir() and is_jobsim_output(out):
        return finished
    return running


def _own_fitted_file(ls: LoadedScenario) -> Path | None:
    """The scenario's parameter file if it is a fitted one (it has the fit's metadata)."""
    origin = Path(ls.params.origin)
    meta = origin.with_name(origin.stem + ".meta.json")
    return origin if origin.is_file() and meta.is_file() else None


def plan_tasks(loaded: list[LoadedScenario], replications: int, *, seed: int | None,
               persons_per_agent: float | None, attribution_replications: int,
               macro_draws: bool = False, parameter_file: Path | None = None,
               parameter_files: list[Path | None] | None = None) -> list[Task]:
    """Every (scenario, replicate) task, in scenario then replicate order.

    ``parameter_files`` gives each scenario its own fitted file to draw from (None: no
    parameter draws for it); otherwise ``parameter_file`` serves every scenario.
    """
    files = parameter_files if parameter_files is not None else [parameter_file] * len(loaded)
    code = source_hash()
    tasks = []
    for ls, fitted in zip(loaded, files):
        run = ls.spec.scenario
        s_seed = run.seed if seed is None else int(seed)
        scale = float(run.persons_per_agent if persons_per_agent is None else persons_per_agent)
        digest = scenario_hash(ls)
        demand, params = replicate_inputs(ls, replications, s_seed, macro=macro_draws,
                                          fitted=fitted)
        has_levers = task_cost(ls, True) > 1
        for r in range(replications):
            tasks.append(Task(
                scenario=run.name, path=str(ls.path), scenario_hash=digest, seed=s_seed,
                replicate=r, persons_per_agent=scale,
                with_attribution=has_levers and r < attribution_replications,
                demand=demand[r], parameter_overrides=params[r], code=code, loaded=ls))
    return tasks


def _uncertainty(replications: int, macro: bool, names: list[str],
                 files: list[Path | None]) -> dict[str, str]:
    drawn = {n: f for n, f in zip(names, files) if f is not None}
    if not drawn:
        parameter = "not included (each scenario's own parameter set, no draws)"
    elif len(set(drawn.values())) == 1 and len(drawn) == len(names):
        parameter = (f"calibrated parameters drawn from {next(iter(drawn.values()))}, one set "
                     "per replicate")
    else:
        parts = [f"{n}: drawn from {drawn[n]}" if n in drawn else
                 f"{n}: not included (its parameter file is not a fitted one)" for n in names]
        parameter = "calibrated parameters, one set per replicate; " + "; ".join(parts)
    return {
        "stochastic": f"{replications} replications (independent streams under one seed)",
        "macro": ("demand paths drawn from the forecast (jobsim.forecast.paths), one per "
                  "replicate" if macro else "not included (the scenario's own demand path)"),
        "parameter": parameter,
    }


def run_compare(
    scenarios: list[Path | LoadedScenario],
    out: Path,
    replications: int = 20,
    workers: int | None = None,
    scheduler: str | None = None,
    seed: int | None = None,
    persons_per_agent: float | None = None,
    *,
    attribution_replications: int | None = None,
    macro_draws: bool = False,
    parameter_draws: Path | bool | None = None,
    progress: bool = True,
    quiet: bool = False,
    command: str | None = None,
) -> Comparison:
    """Compare scenarios over replications; write ``out`` atomically; return the comparison.

    Parameters
    ----------
    scenarios : list of Path or LoadedScenario
        Scenario files, or scenarios already loaded (``load_scenario``,
        ``scenario_from_mapping``); their names must differ.
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
        One forecast demand path per replicate (see :mod:`jobsim.compare.draws`). The command
        line turns it on by default (``--no-macro-draws`` turns it off).
    parameter_draws : Path or bool, optional
        A fitted parameter file: one draw of its calibrated parameters per replicate; ``True``:
        each scenario draws from its own parameter file when that is a fitted one (the
        command line's default; ``--no-parameter-draws`` turns it off); None/False: no draws.
    progress, quiet : bool
        Show a progress bar; print nothing.
    command : str, optional
        The command line, for the manifest.

    Raises
    ------
    jobsim.errors.UserError
        Any bad argument, scenario or output folder, before any simulation; a task store that
        another process is writing.
    """
    started = time.perf_counter()
    out = Path(out)
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))
    # Every argument is checked before anything is loaded, run or touched on disk.
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ScenarioError(f"--replications must be a whole number >= 1, got {replications!r}")
    k = (min(replications, DEFAULT_ATTRIBUTION_REPLICATIONS) if attribution_replications is None
         else attribution_replications)
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= replications:
        raise ScenarioError(f"attribution replications must be in 0..{replications}, got {k!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ScenarioError(f"--seed must be a whole number >= 0, got {seed!r}")
    if not scenarios:
        raise ScenarioError("give at least one scenario file")
    check_executor_arguments(workers, scheduler)
    check_output_dir(out)
    explicit = None
    if parameter_draws not in (None, False, True):
        explicit = Path(parameter_draws)  # type: ignore[arg-type]
        if not explicit.is_file():
            raise ScenarioError(f"--parameter-draws {explicit}: file not found")
    loaded = [p if isinstance(p, LoadedScenario) else load_scenario(p) for p in scenarios]
    names = [ls.spec.scenario.name for ls in loaded]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScenarioError(f"scenario names must differ; given twice: {', '.join(dupes)}")
    if persons_per_agent is not None:
        for ls in loaded:
            check_scale(persons_per_agent, ls.params, "--persons-per-agent")
    files: list[Path | None] = [
        explicit if explicit is not None else
        (_own_fitted_file(ls) if parameter_draws is True else None) for ls in loaded]
    tasks = plan_tasks(loaded, replications, seed=seed, persons_per_agent=persons_per_agent,
                       attribution_replications=k, macro_draws=macro_draws,
                       parameter_files=files)
    months = {ls.spec.scenario.name: ls.spec.scenario.months for ls in loaded}
    by_name = dict(zip(names, loaded))
    cost = {id(t): task_cost(by_name[t.scenario], t.with_attribution) for t in tasks}
    with make_executor(workers, scheduler) as executor, TaskStore(
            _store_root(out), warn=lambda m: log(f"jobsim compare: warning: {m}")).lock(
            f"--out {out}") as store:
        return _run_locked(
            out, store, executor, tasks, loaded, names, cost, months, k=k,
            replications=replications, macro_draws=macro_draws, files=files,
            started=started, log=log, progress=progress, quiet=quiet,
            command=command or "jobsim compare " + " ".join(
                str(p.path if isinstance(p, LoadedScenario) else p) for p in scenarios))


def _run_locked(out: Path, store: TaskStore, executor: Executor, tasks: list[Task],
                loaded: list[LoadedScenario], names: list[str], cost: dict[int, int],
                months: dict[str, int], *, k: int, replications: int, macro_draws: bool,
                files: list[Path | None], started: float, log: Callable[..., None],
                progress: bool, quiet: bool, command: str) -> Comparison:
    """The comparison proper, with the store locked and the executor up."""
    results: dict[str, list[TaskResult | None]] = {n: [] for n in names}
    todo = []
    for task in tasks:
        stored = store.load(task, months[task.scenario])
        results[task.scenario].append(stored)
        if stored is None:
            todo.append(task)
    # Heavy (attribution) tasks first, so the tail of the run is short ones on every worker.
    todo.sort(key=lambda t: -cost[id(t)])
    total_runs = sum(cost[id(t)] for t in tasks)
    todo_runs = sum(cost[id(t)] for t in todo)
    log(f"jobsim compare: {len(names)} scenarios x {replications} replications "
        f"({total_runs} model runs incl. {total_runs - len(tasks)} counterfactuals on "
        f"{k} replicates); {len(tasks) - len(todo)} replications already done, "
        f"{todo_runs} runs to go")
    run_started = time.perf_counter()
    cpu_seconds = 0.0
    per_scenario = {n: 0 for n in names}
    offset = {}
    for t in tasks:
        offset[id(t)] = per_scenario[t.scenario]
        per_scenario[t.scenario] += 1
    with tqdm(total=todo_runs, unit="run", desc="jobsim compare", file=sys.stderr,
              disable=(not progress) or quiet or None, smoothing=0.1) as bar:
        for task, result in executor.imap_unordered(run_one, todo):
            store.save(task, result)
            results[task.scenario][offset[id(task)]] = result
            cpu_seconds += result.cpu_seconds
            bar.update(cost[id(task)])
    backend = executor.description
    run_seconds = time.perf_counter() - run_started
    seeds = sorted({t.seed for t in tasks})
    manifest: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command,
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
        "uncertainty": _uncertainty(replications, macro_draws, names, files),
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
    comparison = build_comparison(results, descriptions, manifest)  # type: ignore[arg-type]
    with atomic_dir(out) as tmp:
        comparison.write(tmp)
        os.replace(store.root, tmp / ".tasks")  # the lock goes with it (same open file)
    manifest["seconds_total"] = round(time.perf_counter() - started, 2)
    if not quiet:
        print(comparison.summary())
        print(f"\nreport: {out / 'report.html'}  (tables: targets.csv, attribution.csv; "
              f"every replication: monthly.parquet)")
    return comparison
