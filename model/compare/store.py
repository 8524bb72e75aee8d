"""Finished replications on disk, so an interrupted comparison resumes where it stopped.

One JSON file per task, named by scenario, scenario hash and replicate
(``<scenario>-<hash12>/r0007-<key>.json``), written to a temporary file and renamed into
place: a file is either complete or absent, even after a kill. The key also covers the seed,
the scale, the replicate's draws and the model's source hash, so a stored result is reused
only when it would come out the same. Frames are stored as column lists of Python numbers
(``json`` writes floats by ``repr``, which reads back exactly).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from model.compare.tasks import Task, TaskResult
from model.results import atomic_write

__all__ = ["TaskStore", "frame_to_json", "frame_from_json"]

_KINDS = {"f": "float64", "i": "int64", "u": "int64", "b": "bool"}


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


class TaskStore:
    """The per-task result files of one comparison, under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, task: Task) -> Path:
        """Where the task's result lives."""
        folder = f"{task.scenario}-{task.scenario_hash[:12]}"
        return self.root / folder / f"r{task.replicate:04d}-{task.key}.json"

    def load(self, task: Task) -> TaskResult | None:
        """The stored result, if there is one that answers the task (with attribution if asked)."""
        path = self.path(task)
        if not path.is_file():
            return None
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # unreadable: run again (writes are atomic, so this is not expected)
        if task.with_attribution and obj.get("attribution") is None:
            return None
        return TaskResult(monthly=frame_from_json(obj["monthly"]),
                          targets=frame_from_json(obj["targets"]),
                          attribution=frame_from_json(obj.get("attribution")),
                          cpu_seconds=float(obj.get("cpu_seconds", 0.0)))

    def has(self, task: Task) -> bool:
        """Whether a stored result answers the task."""
        return self.load(task) is not None

    def save(self, task: Task, result: TaskResult) -> Path:
        """Write the result atomically; return its path."""
        obj = {"task": {k: v for k, v in task.__dict__.items()},
               "cpu_seconds": result.cpu_seconds,
               **{name: frame_to_json(df) for name, df in result.frames().items()}}
        path = self.path(task)
        atomic_write(path, json.dumps(obj, allow_nan=True) + "\n", durable=True)
        return path

    def files(self) -> list[Path]:
        """Every stored result file."""
        return sorted(self.root.glob("*/r*.json")) if self.root.is_dir() else []
