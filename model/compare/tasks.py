"""One replication of one scenario: a pure function of a small, hashable task.

A :class:`Task` says everything a run depends on — the scenario (file and content hash), the
seed and replicate, the scale, and any macro or parameter draw this replicate carries — so
:func:`run_one` returns the same numbers in any process, on any executor. Replicates are
independent streams under one seed (``SeedSequence(seed, spawn_key=(replicate, ...))``, see
:mod:`jobsim.rng`); the same (seed, replicate) in two scenarios gives them common random
numbers.

``run_one`` returns small frames only (a year of monthly indicators, the targets judged, the
attribution table), never the model.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jobsim.runner import run_scenario
from jobsim.scenario import LoadedScenario, ScenarioError, load_scenario

__all__ = ["Task", "TaskResult", "run_one", "scenario_hash", "source_hash", "task_cost",
           "TARGET_FRAME_COLUMNS"]

_MODEL_DIR = Path(__file__).resolve().parent.parent
#: Libraries whose version can change a number (the interpreter's is added).
_NUMERIC_LIBRARIES = ("numpy", "numba", "pandas", "scipy", "statsmodels", "mesa")


def source_hash() -> str:
    """SHA-1 of everything a replication's numbers can depend on, besides its task.

    Every file of the ``model`` package (code and data, no exception list: a file forgotten
    in a list would let stale results be reused) and the versions of Python and the numeric
    libraries. A stored replication is reused only if this is equal.
    """
    h = hashlib.sha1()
    for path in sorted(_MODEL_DIR.rglob("*")):
        rel = path.relative_to(_MODEL_DIR)
        if not path.is_file() or "__pycache__" in rel.parts or path.suffix in (".pyc", ".pyo"):
            continue
        h.update(rel.as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    h.update(sys.version.encode())
    for name in _NUMERIC_LIBRARIES:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=absent".encode())
    return h.hexdigest()


def scenario_hash(loaded: LoadedScenario) -> str:
    """SHA-256 of the resolved scenario: its spec, every parameter value, its instruments."""
    content = {
        "spec": loaded.spec.model_dump(mode="json"),
        "parameters": loaded.params.values(),
        "instruments": [[cls.kind, s.budget_yuan, s.take_up, s.groups, s.first_month,
                         s.last_month, s.cap_persons, s.values] for cls, s in loaded.instruments],
    }
    text = json.dumps(content, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Task:
    """One replication of one scenario.

    Parameters
    ----------
    scenario : str
        Scenario name (the key in every output table).
    path : str
        Scenario file, re-read by the worker and checked against ``scenario_hash``.
    scenario_hash : str
        :func:`scenario_hash` of the file as loaded by the caller.
    seed, replicate : int
        The run's seed and replication number.
    persons_per_agent : float
        Scale.
    with_attribution : bool
        Also run one counterfactual per enabled instrument (the attribution table).
    demand : tuple of float, optional
        This replicate's demand path, resolved by the caller (the scenario's own, from the
        forecast if it says ``source = "forecast"``, or a macro draw); ``None`` = resolve it
        here.
    parameter_overrides : tuple of (path, value), optional
        This replicate's parameter draw, applied over the scenario's parameters.
    code : str
        :func:`source_hash` of the code that runs it.
    loaded : LoadedScenario, optional
        The scenario itself, as the caller validated it: a worker runs it without reading
        any file (so a scenario built from a mapping runs anywhere). Not part of the key:
        ``scenario_hash`` stands for it.
    """

    scenario: str
    path: str
    scenario_hash: str
    seed: int
    replicate: int
    persons_per_agent: float
    with_attribution: bool = False
    demand: tuple[float, ...] | None = None
    parameter_overrides: tuple[tuple[str, Any], ...] = field(default=())
    code: str = ""
    loaded: LoadedScenario | None = field(default=None, compare=False, repr=False)

    def describe(self) -> dict[str, Any]:
        """Everything the task says, as plain values (the scenario object stands as its hash)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "loaded"}

    @property
    def key(self) -> str:
        """Identity of the numbers this task produces (attribution or not is the same run)."""
        content = self.describe()
        content.pop("with_attribution")
        content.pop("path")
        text = json.dumps(content, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TaskResult:
    """What one replication returns: small frames, aligned by the task."""

    monthly: pd.DataFrame          # one row per month, indicator columns
    targets: pd.DataFrame          # TARGET_FRAME_COLUMNS; met is 1.0 or 0.0
    attribution: pd.DataFrame | None  # runner.ATTRIBUTION_COLUMNS, when asked for
    cpu_seconds: float = 0.0       # CPU time the task took (provenance, not a result)

    def frames(self) -> dict[str, pd.DataFrame | None]:
        """The frames by name."""
        return {"monthly": self.monthly, "targets": self.targets, "attribution": self.attribution}


_LOADED: dict[tuple[str, str], LoadedScenario] = {}


def _load(task: Task) -> LoadedScenario:
    """The task's scenario, loaded once per process and checked against its hash."""
    cache_key = (task.path, task.scenario_hash)
    if cache_key not in _LOADED:
        loaded = task.loaded if task.loaded is not None else load_scenario(task.path)
        if scenario_hash(loaded) != task.scenario_hash:
            raise ScenarioError(f"{task.path}: the scenario (or its parameter file) changed "
                                f"while the comparison was running; start it again")
        _LOADED[cache_key] = loaded
    return _LOADED[cache_key]


def _with_draws(loaded: LoadedScenario, task: Task) -> LoadedScenario:
    """The scenario with this replicate's macro path and parameter draw put in."""
    if task.demand is None and not task.parameter_overrides:
        return loaded
    update: dict[str, Any] = {}
    if task.demand is not None:
        macro = loaded.spec.macro.model_copy(
            update={"source": "fixed", "demand_index": list(task.demand)})
        update["spec"] = loaded.spec.model_copy(update={"macro": macro})
    if task.parameter_overrides:
        update["params"] = loaded.params.with_overrides(
            dict(task.parameter_overrides), where=f"{task.path} (parameter draw)")
    return loaded.model_copy(update=update)


def task_cost(loaded: LoadedScenario, with_attribution: bool) -> int:
    """Model runs a task takes: one, plus one counterfactual per enabled instrument."""
    enabled = sum(1 for _, s in loaded.instruments if s.budget_yuan > 0)
    return 1 + (enabled if with_attribution else 0)


#: Columns of :attr:`TaskResult.targets`.
TARGET_FRAME_COLUMNS = ["target", "value", "annual_average", "met", "threshold", "comparison",
                        "label"]


def _targets_frame(targets: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for name, t in targets.items():
        if t.get("met") is None:
            continue
        rows.append({"target": name, "value": float(t["value"]),
                     "annual_average": float(t.get("annual_average", np.nan)),
                     "met": float(bool(t["met"])), "threshold": float(t["target"]),
                     "comparison": str(t["comparison"]), "label": str(t["label"])})
    return pd.DataFrame(rows, columns=TARGET_FRAME_COLUMNS)


def run_one(task: Task) -> TaskResult:
    """Run one replication of one scenario (and its counterfactuals when asked)."""
    started = time.process_time()
    loaded = _with_draws(_load(task), task)
    results = run_scenario(loaded, seed=task.seed, persons_per_agent=task.persons_per_agent,
                           replicate=task.replicate, attribution=task.with_attribution)
    return TaskResult(monthly=results.monthly, targets=_targets_frame(results.targets),
                      attribution=results.attribution,
                      cpu_seconds=time.process_time() - started)
