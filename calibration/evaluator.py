"""Parallel evaluation of simulated moments, cached and checkpointed task by task.

A task is one replication at one parameter point
(:func:`jobsim.calibration.simulate.simulate_replicate`,
a pure function), so results are identical on one process or many. Tasks run on jobsim's one
executor (:mod:`jobsim.executors`: this process, local worker processes, or any other
:class:`~jobsim.executors.Executor`), and every finished task is kept in jobsim's one resume
cache (:class:`jobsim.store.ResultStore`, the store ``jobsim compare`` uses), in the checkpoint
folder, as soon as it is done. A resumed calibration replays the same deterministic algorithm and
finds the finished tasks there, so it continues where it stopped and ends with the same numbers.

**A checkpoint is checked before anything in it is used.** Each task's file carries the full
description of what it computed (the fingerprint of configuration, data and code, the
simulation plan's ``SimSpec``, the replication and the exact parameter values) and a SHA-256
checksum over description and moments; the store checks format, checksum and description, and
the moments' count and types. A file that fails any check (unreadable, truncated, of another
format, changed, another task's, the wrong shape) is not used: a ``CheckpointWarning`` says why,
and the task is recomputed. Never a crash. A checkpoint of another fingerprint is not resumed.

**Workers die with the calibration** (:func:`jobsim.executors.exit_with_parent`): a SIGKILL of
the main process leaves no worker behind.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from jobsim.calibration.simulate import SimSpec, simulate_replicate
from jobsim.executors import Executor, LocalExecutor
from jobsim.store import ResultStore, Unusable
from tqdm import tqdm

__all__ = ["Evaluator", "CheckpointError", "CheckpointWarning", "CHECKPOINT_FORMAT",
           "remove_checkpoint"]

CHECKPOINT_FORMAT = "jobsim-calibration-task/3"


class CheckpointError(ValueError):
    """Kept for callers that catch it; a bad checkpoint now warns and is recomputed."""


class CheckpointWarning(UserWarning):
    """A checkpoint (or some of its entries) was not used and is being recomputed."""


def _spec_key(spec: SimSpec) -> str:
    return hashlib.sha256(repr(spec).encode()).hexdigest()[:24]


def _theta_key(theta: Sequence[float]) -> str:
    return ",".join(float(x).hex() for x in theta)


def _task(args: tuple[str, SimSpec, tuple[float, ...], int]) -> np.ndarray:
    _, spec, theta, replicate = args
    return simulate_replicate(spec, theta, replicate)


def _fingerprint_folder(fingerprint: str) -> str:
    return "f" + hashlib.sha256(fingerprint.encode()).hexdigest()[:16]


def _moments(n: int) -> Callable[[object], list[float]]:
    """The check of a stored payload: ``n`` moments, each a number (NaN allowed)."""
    def check(payload: object) -> list[float]:
        values = payload["moments"] if isinstance(payload, dict) and set(payload) == {
            "moments"} else None
        if not (isinstance(values, list) and len(values) == n
                and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                        for v in values)):
            raise Unusable(f"not a list of {n} moments")
        return [float(v) for v in values]
    return check


def remove_checkpoint(path: Path) -> None:
    """Delete a calibration checkpoint folder (only one jobsim made)."""
    ResultStore(path, CHECKPOINT_FORMAT).remove()


class Evaluator:
    """Evaluate moments at many points, in parallel, through a checkpointed cache.

    Parameters
    ----------
    workers : int
        Processes (1 = in this process); ignored when ``executor`` is given.
    checkpoint : Path, optional
        Folder every finished task is written to (a :class:`jobsim.store.ResultStore`).
    fingerprint : str
        Identifies configuration, data and code; a checkpoint with another fingerprint is not
        resumed.
    resume : bool
        Use the tasks already in the checkpoint; without it an earlier checkpoint is cleared.
    batch_size : int
        Tasks handed to the executor at a time.
    progress : bool
        Show a progress bar (tqdm, on stderr).
    executor : Executor, optional
        Where tasks run (the caller's, left open); default local processes (``workers``).

    Raises
    ------
    jobsim.store.StoreLocked
        Another process is writing the same checkpoint.
    jobsim.errors.OutputError
        ``checkpoint`` is a file, or a folder jobsim did not make.
    """

    def __init__(self, workers: int = 1, checkpoint: Path | None = None, fingerprint: str = "",
                 resume: bool = False, batch_size: int = 24, progress: bool = True,
                 executor: Executor | None = None) -> None:
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
        self._specs: dict[str, str] = {}  # spec key -> full description (repr of the SimSpec)
        self._own_executor = executor is None
        self._executor = executor
        self._bar: tqdm | None = None
        self._counted: set[str] = set()  # tasks already shown on the current stage's bar
        self._store: ResultStore | None = None
        if self.checkpoint is not None:
            self._open(resume)

    # -- checkpoint ---------------------------------------------------------------------
    def _open(self, resume: bool) -> None:
        store = ResultStore(self.checkpoint, CHECKPOINT_FORMAT, warn=self._warn,
                            what="checkpoint entry")
        store.check()  # a user's folder is refused before anything is read or written
        mine = self.checkpoint / _fingerprint_folder(self.fingerprint)
        if resume and not store.files("f*/*/r*.json"):
            self._warn(f"{self.checkpoint}: checkpoint not used (no checkpoint to resume "
                       "from); recomputing")
        elif resume and not mine.is_dir():
            self._warn(f"{self.checkpoint}: checkpoint not used (made with another "
                       "configuration, data or code version); recomputing")
        self._store = store.lock(f"checkpoint {self.checkpoint}")
        if not resume:
            store.clear()  # an earlier run's tasks

    @staticmethod
    def _warn(message: str) -> None:
        warnings.warn(message, CheckpointWarning, stacklevel=4)

    def _name(self, key: str) -> str:
        skey, rep, theta = key.split("|")
        digest = hashlib.sha256(theta.encode()).hexdigest()[:20]
        return f"{_fingerprint_folder(self.fingerprint)}/{skey}/r{int(rep):04d}-{digest}.json"

    def _describe(self, key: str) -> dict:
        skey, rep, theta = key.split("|")
        return {"fingerprint": self.fingerprint, "spec": self._specs[skey],
                "replicate": int(rep), "theta": theta.split(",")}

    def _stored(self, key: str, n_moments: int) -> list[float] | None:
        if self._store is None:
            return None
        return self._store.load(self._name(key), self._describe(key), _moments(n_moments))

    def _keep(self, key: str, values: list[float]) -> None:
        self.cache[key] = values
        if self._store is not None:
            self._store.save(self._name(key), self._describe(key), {"moments": values})

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
        out = self.tasks([(spec, t, r) for t in thetas for r in range(replications)])
        return out.reshape(len(thetas), replications, spec.n_moments)

    def tasks(self, items: Sequence[tuple[SimSpec, Sequence[float], int]]) -> np.ndarray:
        """Moments of arbitrary (plan, point, replicate) tasks: array (tasks, moments).

        Plans may differ between tasks (validation's macro draws) if they have the same moments.
        """
        keys = []
        for spec, t, r in items:
            skey = _spec_key(spec)
            self._specs.setdefault(skey, repr(spec))
            keys.append(f"{skey}|{r}|{_theta_key(t)}")
        todo, queued = [], set()
        for (spec, t, r), key in zip(items, keys):
            if key in self.cache or key in queued:
                continue
            stored = self._stored(key, spec.n_moments)
            if stored is not None:
                self.cache[key] = stored
            else:
                queued.add(key)
                todo.append((key, tuple(float(x) for x in t), r, spec))
        fresh = set(keys) - self._counted
        self._counted |= fresh
        self.reused += len(fresh - queued)
        if self._bar is not None:
            self._bar.update(len(fresh - queued))
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start: start + self.batch_size]
            for item, value in zip(batch, self._run(batch[0][3], batch)):
                self.cache[item[0]] = [float(v) for v in value]
            self.computed += len(batch)
        return np.array([self.cache[k] for k in keys], dtype=float)

    def _run(self, spec: SimSpec, batch: list) -> list[list[float]]:
        """Run a batch on the executor, keeping each task as soon as it is done."""
        args = [(item[0], item[3] if len(item) > 3 else spec, item[1], item[2])
                for item in batch]
        where = {a[0]: i for i, a in enumerate(args)}
        if self._executor is None:
            self._executor = LocalExecutor(self.workers, preload=("jobsim.calibration.simulate",))
        out: list[list[float] | None] = [None] * len(args)
        for (key, *_), value in self._executor.imap_unordered(_task, args):
            out[where[key]] = values = [float(v) for v in value]
            self._keep(key, values)
            if self._bar is not None:
                self._bar.update(1)
        return out  # type: ignore[return-value]

    def close(self) -> None:
        """Shut the worker processes (unless the caller's), the store's lock, the progress bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._own_executor and self._executor is not None:
            self._executor.close()
            self._executor = None
        if self._store is not None:
            self._store.unlock()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
