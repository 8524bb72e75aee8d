"""The model's own nowcast: the ABM ensemble conditioned on the year's actuals.

Method: **importance weights** (sequential importance sampling without resampling, one
step). The plan's ensemble runs as ``jobsim compare`` runs it — the same tasks
(:func:`jobsim.compare.cli.plan_tasks`), the same executors, the same (seed, replicate)
streams and macro and parameter draws. Each replicate ``r`` is weighted by how well its
cumulative new urban jobs at month m, ``S_m(r)``, fit Hunan's actual ``A_m``:

    w_r ∝ exp(-(log(A_m / S_m(r)) / sigma_m)^2 / 2)

``sigma_m`` comes from the record, not from a knob: the between-year standard deviation of
the log share of the year's total reached by month m (China's within-year profile, the
years before the nowcast year; a year without a figure at m is interpolated as in
:mod:`jobsim.nowcast.statistical`). It is how far a year's first m months stray from a typical
year — what a model with no year-specific shock cannot know.

**Continuing from month m.** Each replicate's state at month m is the state its own months
1..m produced: on common random numbers a run is deterministic given (seed, replicate), so
re-running months 1..m reproduces it exactly and no state is pickled. The year's total is
the actual plus that replicate's rest of the year: ``A_m + S_12(r) - S_m(r)``.
With no actuals all weights are equal and the nowcast is the plan's ensemble itself.

**Re-planning.** The rest of the year with the budgets as they stand is the plan's own runs.
A named top-up (instrument and yuan) is a scenario that extends the plan with that budget
raised; it runs on the same (seed, replicate) streams and draws, and takes the same weights.
Counter-based draws make its months 1..m identical to the plan's wherever the budget had not
run out by month m; where it had, the replicate is counted and reported.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from jobsim.compare.cli import plan_tasks
from jobsim.compare.executors import make_executor
from jobsim.compare.store import TaskStore
from jobsim.compare.tasks import Task, TaskResult, run_one
from jobsim.data import DataError
from jobsim.nowcast.history import cumulative_record
from jobsim.nowcast.statistical import interpolated, pooled_profile
from jobsim.scenario import LoadedScenario, ScenarioError, load_scenario

__all__ = ["EnsembleSpec", "Ensemble", "run_ensemble", "observation_sd", "weights",
           "weighted_quantile", "topup_scenario_text", "effective_size", "frame_summary",
           "months_differ", "store_dir"]


@dataclass(frozen=True)
class EnsembleSpec:
    """How the plan's ensemble runs (the options of ``jobsim compare``)."""

    replications: int = 100
    seed: int | None = None
    persons_per_agent: float | None = None
    workers: int | None = None
    macro_draws: bool = True
    parameter_draws: Path | None = None
    topup: tuple[str, float] | None = None     # (instrument kind, extra yuan)
    reuse: tuple[Path, ...] = ()   # task stores to read finished replications from (read only)


@dataclass
class Ensemble:
    """Replicates of the plan (and of the top-up), in replicate order."""

    loaded: LoadedScenario
    base: list[TaskResult]
    topup: list[TaskResult] | None = None
    topup_text: str = ""
    topup_kind: str = ""
    uncertainty: dict[str, str] = field(default_factory=dict)
    reused: int = 0                 # replications read from the task store, not re-run
    cpu_seconds_run: float = 0.0    # CPU time of the replications run this time

    def cumulative(self, which: str = "base") -> np.ndarray:
        """Cumulative new urban jobs, replicates x months."""
        runs = self.base if which == "base" else self.topup
        return np.vstack([r.monthly["new_urban_jobs_cum"].to_numpy(float) for r in runs])

    def rate(self, which: str = "base") -> np.ndarray:
        """Surveyed unemployment rate (percent), replicates x months."""
        runs = self.base if which == "base" else self.topup
        return np.vstack([r.monthly["surveyed_unemployment_rate"].to_numpy(float)
                          for r in runs])

    def target_values(self, target: str, which: str = "base") -> np.ndarray:
        """Return a judged target's year-end value per replicate (NaN where not judged)."""
        runs = self.base if which == "base" else self.topup
        out = []
        for r in runs:
            hit = r.targets[r.targets["target"] == target]
            out.append(float(hit["value"].iloc[0]) if len(hit) else np.nan)
        return np.asarray(out)

    @property
    def months(self) -> list[str]:
        """The horizon's months, YYYY-MM."""
        return list(self.base[0].monthly["month"])


def topup_scenario_text(loaded: LoadedScenario, kind: str, extra_yuan: float) -> str:
    """Write a scenario that extends ``loaded`` with instrument ``kind``'s budget raised."""
    budgets = {cls.kind: s.budget_yuan for cls, s in loaded.instruments}
    if kind not in budgets:
        raise ScenarioError(f"--top-up {kind}: not an instrument of {loaded.path} "
                            f"(it has: {', '.join(sorted(budgets))})")
    if not np.isfinite(extra_yuan) or extra_yuan <= 0:
        raise ScenarioError(f"--top-up {kind}={extra_yuan:g}: the extra budget must be a "
                            f"positive number of yuan")
    name = f"{loaded.spec.scenario.name}_topup_{kind}"
    total = budgets[kind] + extra_yuan
    base = loaded.spec.scenario.parameters
    params = base if base == "default" else str((Path(loaded.path).parent / base).resolve())
    return (f'# Written by jobsim nowcast: {loaded.path.name} with a top-up of {kind}.\n'
            f'[scenario]\nextends = "{Path(loaded.path).resolve()}"\nname = "{name}"\n'
            f'parameters = "{params}"\n'
            f'description = "{loaded.spec.scenario.name} + {extra_yuan:,.0f} yuan of {kind}"\n\n'
            f'[instruments.{kind}]\nbudget_yuan = {total!r}\n')


def _run(tasks: list[Task], workers: int | None, store: TaskStore | None, months: int,
         sources: tuple[TaskStore, ...] = ()
         ) -> tuple[dict[tuple[str, int], TaskResult], int, float]:
    """Run the tasks the store does not answer: every result, how many were reused, CPU s run.

    A stored replication is used only after the store's checks (task, model source and
    libraries, checksum): its numbers are the ones a run would give.
    """
    out: dict[tuple[str, int], TaskResult] = {}
    todo = []
    for task in tasks:
        stored = store.load(task, months) if store is not None else None
        for source in sources:
            if stored is not None:
                break
            stored = source.load(task, months)
            if stored is not None and store is not None:
                store.save(task, stored)  # the next nowcast to this DIR needs no source
        if stored is None:
            todo.append(task)
        else:
            out[(task.scenario, task.replicate)] = stored
    cpu = 0.0
    if todo:
        with make_executor(workers) as executor:
            for task, result in executor.imap_unordered(run_one, todo):
                if store is not None:
                    store.save(task, result)
                out[(task.scenario, task.replicate)] = result
                cpu += result.cpu_seconds
    return out, len(tasks) - len(todo), cpu


def _uncertainty(spec: EnsembleSpec) -> dict[str, str]:
    return {
        "stochastic": f"{spec.replications} replications (independent streams under one seed)",
        "macro": ("demand paths drawn from the forecast, one per replicate" if spec.macro_draws
                  else "not included (the scenario's own demand path)"),
        "parameter": (f"calibrated parameters drawn from {spec.parameter_draws}"
                      if spec.parameter_draws else "not included (the scenario's parameters)"),
    }


def store_dir(path: Path) -> Path:
    """A task store given as itself or as the output folder that holds it (``DIR/.tasks``)."""
    path = Path(path)
    if (path / ".tasks").is_dir():
        return path / ".tasks"
    if path.is_dir():
        return path
    raise ScenarioError(f"--reuse {path}: not a folder (give a jobsim compare or nowcast "
                        f"output folder, or its .tasks folder)")


def run_ensemble(scenario: Path, spec: EnsembleSpec, store: TaskStore | None = None
                 ) -> Ensemble:
    """Run the plan's ensemble (and the top-up's) on the compare machinery.

    The ensemble does not depend on the actuals (they only weight it), so with a ``store``
    (the task store of ``jobsim compare``, same file format and checks) a later nowcast of
    the same plan, scale and draws reuses the replications instead of re-running them.
    ``spec.reuse`` adds stores that are only read (e.g. a ``jobsim compare`` of the plan with
    the same replications, scale and draws: its replications are these tasks).
    """
    if spec.replications < 1:
        raise ScenarioError(f"--replications must be >= 1, got {spec.replications}")
    loaded = load_scenario(scenario)
    plan = [loaded]
    text = ""
    with tempfile.TemporaryDirectory(prefix="jobsim-nowcast-") as tmp:
        if spec.topup is not None:
            text = topup_scenario_text(loaded, *spec.topup)
            path = Path(tmp) / "topup.toml"
            path.write_text(text, encoding="utf-8")
            plan.append(load_scenario(path))
        tasks = plan_tasks(plan, spec.replications, seed=spec.seed,
                           persons_per_agent=spec.persons_per_agent,
                           attribution_replications=0, macro_draws=spec.macro_draws,
                           parameter_file=spec.parameter_draws)
        sources = tuple(TaskStore(store_dir(p), warn=store.warn if store else None)
                        for p in spec.reuse)
        results, reused, cpu = _run(tasks, spec.workers, store,
                                    int(loaded.spec.scenario.months), sources)
    names = [ls.spec.scenario.name for ls in plan]
    base = [results[(names[0], r)] for r in range(spec.replications)]
    topup = ([results[(names[1], r)] for r in range(spec.replications)]
             if spec.topup is not None else None)
    kind = spec.topup[0] if spec.topup is not None else ""
    return Ensemble(loaded, base, topup, text, kind, _uncertainty(spec), reused, cpu)


def observation_sd(year: int, m: int) -> float:
    """sigma_m: between-year sd of the log share of the total reached by month m (China)."""
    record = cumulative_record("national")
    profile = pooled_profile(record, year)

    for month in [m] + [k for d in range(1, 12) for k in (m - d, m + d) if 1 <= k <= 11]:
        logs = []
        for y in record.index[record.index < year]:
            total = record.loc[y, 12]
            c = interpolated(record.loc[y], month, profile) if np.isfinite(total) else np.nan
            if np.isfinite(c) and c > 0:
                logs.append(np.log(c / total))
        if len(logs) >= 2:
            return float(np.std(logs, ddof=1))
    raise DataError(f"national_ytd_new_urban_jobs.csv: too few years before {year} to "
                    f"measure the spread of the within-year profile")


def weights(simulated: np.ndarray, actual: float | None, sigma: float) -> np.ndarray:
    """Normalised importance weights of the replicates given the actual (equal if none)."""
    n = simulated.size
    if actual is None:
        return np.full(n, 1.0 / n)
    if actual <= 0 or np.any(simulated <= 0):
        raise DataError("hunan_new_urban_jobs_ytd: the actual and every simulated cumulative "
                        "must be positive to be compared on a log scale")
    loglik = -0.5 * (np.log(actual / simulated) / sigma) ** 2
    w = np.exp(loglik - loglik.max())
    return w / w.sum()


def weighted_quantile(values: np.ndarray, w: np.ndarray, q: float) -> float:
    """Quantile of a weighted sample (linear between the weights' mid-points).

    With equal weights it is numpy's default (linear) quantile, so a nowcast without
    actuals gives the same percentiles as ``jobsim compare``.
    """
    order = np.argsort(values, kind="stable")
    v, ww = values[order], w[order]
    if np.allclose(ww, ww[0]):
        return float(np.quantile(v, q))
    cum = np.cumsum(ww) - 0.5 * ww
    cum = cum / ww.sum()
    return float(np.interp(q, cum, v))


def effective_size(w: np.ndarray) -> float:
    """Kish's effective sample size of normalised weights."""
    return float(1.0 / np.sum(w ** 2))


def frame_summary(values: np.ndarray, w: np.ndarray) -> dict[str, float]:
    """Weighted mean and 80% / 95% intervals."""
    return {"mean": float(np.sum(w * values)),
            "lo80": weighted_quantile(values, w, 0.10), "hi80": weighted_quantile(values, w, 0.90),
            "lo95": weighted_quantile(values, w, 0.025),
            "hi95": weighted_quantile(values, w, 0.975)}


def months_differ(ens: Ensemble, m: int) -> int:
    """Replicates whose top-up run differs from the plan's in months 1..m."""
    if ens.topup is None or m == 0:
        return 0
    a, b = ens.cumulative("base")[:, :m], ens.cumulative("topup")[:, :m]
    return int(np.sum(np.any(a != b, axis=1)))


