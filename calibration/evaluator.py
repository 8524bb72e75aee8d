"""Parallel evaluation of simulated moments, cached and checkpointed after every batch.

A task is one replication at one parameter point (:func:`calibration.simulate.simulate_replicate`,
a pure function), so results are identical on one process or many. Every result is kept in a
cache keyed by the simulation plan, the replication and the exact parameter values; the cache is
written to the checkpoint file (atomically) after every batch. A resumed calibration replays
the same deterministic algorithm and finds the finished tasks in the cache, so it continues
where it stopped and ends with the same numbers.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
from tqdm import tqdm

from calibration.simulate import SimSpec, simulate_replicate

__all__ = ["Evaluator", "CheckpointError"]


class CheckpointError(ValueError):
    """A checkpoint cannot be resumed (missing, unreadable, or made by another configuration)."""


def _spec_key(spec: SimSpec) -> str:
    return hashlib.sha1(repr(spec).encode()).hexdigest()[:16]


def _theta_key(theta: Sequence[float]) -> str:
    return ",".join(float(x).hex() for x in theta)


def _task(args: tuple[SimSpec, tuple[float, ...], int]) -> np.ndarray:
    spec, theta, replicate = args
    return simulate_replicate(spec, theta, replicate)


class Evaluator:
    """Evaluate moments at many points, in parallel, through a checkpointed cache.

    Parameters
    ----------
    workers : int
        Processes (1 = in this process).
    checkpoint : Path, optional
        File the cache is written to after every batch.
    fingerprint : str
        Identifies configuration, data and code; a checkpoint with another fingerprint is not
        resumed.
    resume : bool
        Load the checkpoint first.
    batch_size : int
        Tasks per batch (a checkpoint follows each batch).
    progress : bool
        Show a progress bar (tqdm, on stderr).
    """

    def __init__(self, workers: int = 1, checkpoint: Path | None = None, fingerprint: str = "",
                 resume: bool = False, batch_size: int = 24, progress: bool = True) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = int(workers)
        self.checkpoint = Path(checkpoint) if checkpoint is not None else None
        self.fingerprint = fingerprint
        self.batch_size = max(1, int(batch_size))
        self.progress = progress
        self.cache: dict[str, list[float]] = {}
        self.computed = 0  # tasks simulated in this session
        self.reused = 0  # tasks served from the cache
        self._pool: Executor | None = None
        self._bar: tqdm | None = None
        self._counted: set[str] = set()  # tasks already shown on the current stage's bar
        self.state: dict = {}
        if resume:
            self._load()

    # -- checkpoint ---------------------------------------------------------------------
    def _load(self) -> None:
        if self.checkpoint is None or not self.checkpoint.is_file():
            raise CheckpointError(f"{self.checkpoint}: no checkpoint to resume from")
        try:
            blob = json.loads(self.checkpoint.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"{self.checkpoint}: unreadable checkpoint ({exc})") from exc
        if blob.get("fingerprint") != self.fingerprint:
            raise CheckpointError(
                f"{self.checkpoint}: made with another configuration, data or code version; "
                "run without --resume to start afresh")
        self.cache = {k: list(v) for k, v in blob.get("cache", {}).items()}
        self.state = blob.get("state", {})

    def save(self) -> None:
        """Write the cache (and stage notes) to the checkpoint, atomically."""
        if self.checkpoint is None:
            return
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        blob = {"fingerprint": self.fingerprint, "state": self.state, "cache": self.cache}
        fd, tmp = tempfile.mkstemp(dir=self.checkpoint.parent, prefix=".ckpt-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(blob, fh)
            os.replace(tmp, self.checkpoint)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # -- progress -----------------------------------------------------------------------
    def stage(self, name: str, total: int | None = None) -> None:
        """Start a progress bar for one stage of the calibration."""
        if self._bar is not None:
            self._bar.close()
        self._bar = tqdm(total=total, desc=name, unit="run", disable=not self.progress,
                         dynamic_ncols=True, leave=True)
        self._counted = set()

    def note(self, **fields: float | str) -> None:
        """Show fields (best objective, ...) on the progress bar."""
        if self._bar is not None:
            self._bar.set_postfix(fields, refresh=False)

    # -- evaluation ---------------------------------------------------------------------
    def moments(self, spec: SimSpec, thetas: Sequence[Sequence[float]], replications: int
                ) -> np.ndarray:
        """Moments of every replication at every point: array (points, replications, moments)."""
        skey = _spec_key(spec)
        keys = [[f"{skey}|{r}|{_theta_key(t)}" for r in range(replications)] for t in thetas]
        todo, queued = [], set()
        for t, row in zip(thetas, keys):
            for r, key in enumerate(row):
                if key not in self.cache and key not in queued:
                    queued.add(key)
                    todo.append((key, tuple(float(x) for x in t), r))
        fresh = {k for row in keys for k in row} - self._counted
        self._counted |= fresh
        self.reused += len(fresh - queued)
        if self._bar is not None:
            self._bar.update(len(fresh - queued))
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start: start + self.batch_size]
            for (key, _, _), value in zip(batch, self._run(spec, batch)):
                self.cache[key] = [float(v) for v in value]
            self.computed += len(batch)
            self.save()
        return np.array([[self.cache[k] for k in row] for row in keys], dtype=float)

    def _run(self, spec: SimSpec, batch: list) -> list[np.ndarray]:
        args = [(spec, theta, r) for _, theta, r in batch]
        if self.workers == 1:
            out = []
            for a in args:
                out.append(_task(a))
                if self._bar is not None:
                    self._bar.update(1)
            return out
        if self._pool is None:
            # spawn: independent of who imported what (Mesa forces spawn at import anyway).
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=multiprocessing.get_context("spawn"))
        futures = {self._pool.submit(_task, a): i for i, a in enumerate(args)}
        out: list[np.ndarray | None] = [None] * len(args)
        for fut in as_completed(futures):
            out[futures[fut]] = fut.result()
            if self._bar is not None:
                self._bar.update(1)
        return out  # type: ignore[return-value]

    def close(self) -> None:
        """Shut the worker pool and the progress bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
