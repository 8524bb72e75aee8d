"""Finished replications on disk, so an interrupted comparison resumes where it stopped.

A :class:`jobsim.store.ResultStore` (the one resume cache, shared with the calibration: atomic
files, checksum, task check, lock) whose payload is a replication's tables. One file per task,
named by scenario, scenario hash and replicate (``<scenario>-<hash12>/r0007-<key>.json``). The
key covers everything that can change the numbers (the task: scenario content, seed,
replicate, scale, draws, and the hash of the model's source and its numeric libraries). A
stored file is used only if it passes the store's checks and every frame has the expected
shape; anything else is reported as a warning and recomputed, never used.

Frames are stored as column lists of Python numbers (``json`` writes floats by ``repr``, which
reads back exactly).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from jobsim.compare.tasks import TARGET_FRAME_COLUMNS, Task, TaskResult
from jobsim.store import ResultStore, StoreLocked
from jobsim.store import Unusable as _Corrupt

__all__ = ["TaskStore", "frame_to_json", "frame_from_json", "StoreLocked"]

_KINDS = {"f": "float64", "i": "int64", "u": "int64", "b": "bool"}
_FORMAT = 2  # version of the file layout; another version is recomputed


def frame_to_json(df: pd.DataFrame | None) -> dict[str, Any] | None:
    """A frame as {columns, kinds, data}: exact, readable, no pickle."""
    if df is None:
        return None
    kinds = [df[c].dtype.kind for c in df.columns]
    return {
        "columns": [str(c) for c in df.columns],
        "kinds": kinds,
        "data": [df[c].tolist() for c in df.columns],
    }


def _check_frame(obj: Any, name: str, columns: list[str] | None = None,
                 rows: int | None = None) -> None:
    if not isinstance(obj, dict) or set(obj) != {"columns", "kinds", "data"}:
        raise _Corrupt(f"'{name}' is not a stored table")
    cols, kinds, data = obj["columns"], obj["kinds"], obj["data"]
    if not (isinstance(cols, list) and isinstance(kinds, list) and isinstance(data, list)
            and len(cols) == len(kinds) == len(data)):
        raise _Corrupt(f"'{name}': columns, kinds and data do not match")
    if columns is not None and cols != columns:
        raise _Corrupt(f"'{name}': columns {cols} instead of {columns}")
    lengths = {len(v) if isinstance(v, list) else -1 for v in data}
    if len(lengths) > 1 or -1 in lengths:
        raise _Corrupt(f"'{name}': columns of different lengths")
    if rows is not None and lengths and lengths != {rows}:
        raise _Corrupt(f"'{name}': {lengths.pop()} rows instead of {rows}")
    for col, kind, values in zip(cols, kinds, data):
        if not isinstance(col, str) or kind not in (*_KINDS, "O"):
            raise _Corrupt(f"'{name}': column {col!r} has an unknown kind {kind!r}")
        if kind == "f" and not all(v is None or (isinstance(v, (int, float))
                                                 and not isinstance(v, bool)) for v in values):
            raise _Corrupt(f"'{name}': column {col!r} holds something that is not a number")
        if kind in ("i", "u") and not all(isinstance(v, int) and not isinstance(v, bool)
                                          for v in values):
            raise _Corrupt(f"'{name}': column {col!r} holds something that is not an integer")
        if kind == "b" and not all(isinstance(v, bool) for v in values):
            raise _Corrupt(f"'{name}': column {col!r} holds something that is not true/false")


def frame_from_json(obj: dict[str, Any] | None) -> pd.DataFrame | None:
    """Inverse of :func:`frame_to_json`."""
    if obj is None:
        return None
    cols = {}
    for name, kind, values in zip(obj["columns"], obj["kinds"], obj["data"]):
        dtype = _KINDS.get(kind)
        if dtype == "float64":
            values = [math.nan if v is None else v for v in values]
        cols[name] = pd.Series(values, dtype=dtype) if dtype else pd.Series(values)
    return pd.DataFrame(cols, columns=obj["columns"])


def _task_json(task: Task) -> dict[str, Any]:
    """The task as JSON values (tuples become lists), the way it reads back from a file."""
    return json.loads(json.dumps(task.describe(), allow_nan=True, default=str))


def _same_task(stored: Any, want: dict[str, Any]) -> bool:
    if not isinstance(stored, dict):
        return False
    ignore = {"with_attribution", "path"}  # neither changes the replicate's own numbers
    return ({k: v for k, v in stored.items() if k not in ignore}
            == {k: v for k, v in want.items() if k not in ignore})


class TaskStore:
    """The per-task result files of one comparison, under ``root``.

    ``warn`` receives one line per stored file that was found unusable (and is recomputed).
    """

    def __init__(self, root: Path, warn: Callable[[str], None] | None = None) -> None:
        self._files = ResultStore(root, _FORMAT, warn=warn, what="stored replication")
        self.root = self._files.root

    @property
    def warn(self) -> Callable[[str], None]:
        """Where the store reports a stored file it found unusable."""
        return self._files.warn

    def lock(self, what: str = "this task store") -> TaskStore:
        """Take the store's exclusive lock, or raise :class:`StoreLocked` at once."""
        self._files.lock(what)
        return self

    def unlock(self) -> None:
        """Release the lock."""
        self._files.unlock()

    def __enter__(self) -> TaskStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unlock()

    @staticmethod
    def _name(task: Task) -> str:
        return f"{task.scenario}-{task.scenario_hash[:12]}/r{task.replicate:04d}-{task.key}.json"

    def path(self, task: Task) -> Path:
        """Where the task's result lives."""
        return self.root / self._name(task)

    def load(self, task: Task, months: int | None = None) -> TaskResult | None:
        """The stored result if one answers the task (with attribution if asked), checked.

        ``months``: the horizon, checked against the stored monthly table. A file that fails
        a check is reported through ``warn`` and treated as absent.
        """
        result = self._files.load(self._name(task), _task_json(task),
                                  lambda payload: _result(payload, months), same=_same_task)
        if result is None or (task.with_attribution and result.attribution is None):
            return None
        return result

    def has(self, task: Task, months: int | None = None) -> bool:
        """Whether a stored, checked result answers the task."""
        return self.load(task, months) is not None

    def save(self, task: Task, result: TaskResult) -> Path:
        """Write the result atomically, with its task and checksum; return its path."""
        payload = {"cpu_seconds": result.cpu_seconds,
                   **{name: frame_to_json(df) for name, df in result.frames().items()}}
        return self._files.save(self._name(task), _task_json(task), payload)

    def files(self) -> list[Path]:
        """Every stored result file."""
        return self._files.files()


def _result(payload: Any, months: int | None) -> TaskResult:
    """A stored payload as a result, after checking every table's shape."""
    if not isinstance(payload, dict) or set(payload) != {"cpu_seconds", "monthly", "targets",
                                                          "attribution"}:
        raise _Corrupt("its content has the wrong shape")
    _check_frame(payload["monthly"], "monthly", rows=months)
    _check_frame(payload["targets"], "targets", columns=TARGET_FRAME_COLUMNS)
    if payload["attribution"] is not None:
        _check_frame(payload["attribution"], "attribution")
    if not isinstance(payload["cpu_seconds"], (int, float)):
        raise _Corrupt("'cpu_seconds' is not a number")
    return TaskResult(monthly=frame_from_json(payload["monthly"]),
                      targets=frame_from_json(payload["targets"]),
                      attribution=frame_from_json(payload["attribution"]),
                      cpu_seconds=float(payload["cpu_seconds"]))
