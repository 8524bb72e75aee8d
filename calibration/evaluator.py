"""Parallel evaluation of simulated moments, cached and checkpointed after every batch.

A task is one replication at one parameter point
(:func:`jobsim.calibration.simulate.simulate_replicate`,
a pure function), so results are identical on one process or many. Every result is kept in a
cache keyed by the simulation plan, the replication and the exact parameter values; the cache is
written to the checkpoint file (atomically) after every batch. A resumed calibration replays
the same deterministic algorithm and finds the finished tasks in the cache, so it continues
where it stopped and ends with the same numbers.

**A checkpoint is checked before anything in it is used.** It carries the full description of
every simulation plan it holds (the ``SimSpec``), and each task its plan's key, replication,
parameter values and moment count, with a SHA-256 checksum over description and values; the
whole file carries a checksum too, and the fingerprint of configuration, data and code. A file
that is unreadable, of another format or fingerprint, whose checksums do not match, or any
entry whose description does not reproduce its key or whose values have the wrong shape, is
not used: a ``CheckpointWarning`` says why, and the tasks are recomputed. Never a crash.

**Workers die with the calibration.** Worker processes (spawned) ask the kernel for SIGKILL
when their parent dies (``prctl(PR_SET_PDEATHSIG)`` on Linux) and also watch their parent's
pid, so a SIGKILL of the main process leaves no worker behind.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import math
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
from jobsim.calibration.simulate import SimSpec, simulate_replicate
from tqdm import tqdm

__all__ = ["Evaluator", "CheckpointError", "CheckpointWarning", "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "jobsim-calibration-checkpoint/2"


class CheckpointError(ValueError):
    """Kept for callers that catch it; a bad checkpoint now warns and is recomputed."""


class CheckpointWarning(UserWarning):
    """A checkpoint (or some of its entries) was not used and is being recomputed."""


def _spec_key(spec: SimSpec) -> str:
    return hashlib.sha256(repr(spec).encode()).hexdigest()[:24]


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, allow_nan=True).encode()).hexdigest()


def _entry_checksum(key: str, values: list[float]) -> str:
    return _digest({"key": key, "values": [v.hex() if math.isfinite(v) else repr(v)
                                           for v in values]})


def _watch_parent(parent: int) -> None:  # pragma: no cover - runs in worker processes
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)


def _worker_init(parent: int) -> None:  # pragma: no cover - runs in worker processes
    """Make a worker die with its parent (SIGKILL of the calibration leaves no orphan)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass
    if os.getppid() != parent:  # the parent died before the guard was set
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


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
        self.specs: dict[str, str] = {}  # spec key -> full description (repr of the SimSpec)
        self.computed = 0  # tasks simulated in this session
        self.reused = 0  # tasks served from the cache
        self._pool: Executor | None = None
        self._bar: tqdm | None = None
        self._counted: set[str] = set()  # tasks already shown on the current stage's bar
        self.state: dict = {}
        if resume:
            self._load()

    # -- checkpoint ---------------------------------------------------------------------
    def _reject(self, why: str) -> None:
        warnings.warn(f"{self.checkpoint}: checkpoint not used ({why}); recomputing",
                      CheckpointWarning, stacklevel=3)
        self.cache, self.specs, self.state = {}, {}, {}

    def _load(self) -> None:
        if self.checkpoint is None or not self.checkpoint.is_file():
            self._reject("no checkpoint to resume from")
            return
        try:
            blob = json.loads(self.checkpoint.read_bytes().decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
            self._reject(f"unreadable: {type(exc).__name__}")
            return
        if not isinstance(blob, dict) or blob.get("format") != CHECKPOINT_FORMAT:
            self._reject("not a jobsim calibration checkpoint of this format")
            return
        body = {k: v for k, v in blob.items() if k != "checksum"}
        if blob.get("checksum") != _digest(body):
            self._reject("file checksum does not match its content")
            return
        if blob.get("fingerprint") != self.fingerprint:
            self._reject("made with another configuration, data or code version")
            return
        specs, tasks, state = blob.get("specs"), blob.get("tasks"), blob.get("state")
        if not (isinstance(specs, dict) and isinstance(tasks, dict) and isinstance(state, dict)):
            self._reject("malformed sections")
            return
        bad = 0
        for key, entry in tasks.items():
            try:
                ok = self._valid_entry(key, entry, specs)
            except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
                ok = False
            if ok:
                self.cache[key] = [float(v) for v in entry["values"]]
            else:
                bad += 1
        self.specs = {k: v for k, v in specs.items() if isinstance(v, str)
                      and hashlib.sha256(v.encode()).hexdigest()[:24] == k}
        self.state = state
        if bad:
            warnings.warn(f"{self.checkpoint}: {bad} checkpoint entries failed their checks "
                          "and are recomputed", CheckpointWarning, stacklevel=2)

    @staticmethod
    def _valid_entry(key: str, entry: dict, specs: dict) -> bool:
        """Check that an entry's description reproduces its key and checksum."""
        skey, rep, theta = entry["spec"], entry["replicate"], entry["theta"]
        values = entry["values"]
        desc = specs.get(skey)
        if not isinstance(desc, str) or hashlib.sha256(desc.encode()).hexdigest()[:24] != skey:
            return False
        if not (isinstance(rep, int) and not isinstance(rep, bool) and rep >= 0):
            return False
        if not (isinstance(theta, list) and all(isinstance(t, str) for t in theta)):
            return False
        if key != f"{skey}|{rep}|{','.join(theta)}":
            return False
        if not (isinstance(values, list) and len(values) == entry["n_moments"]
                and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                        for v in values)):
            return False
        if desc.count("Extractor(") != entry["n_moments"]:
            return False
        if any(not math.isfinite(float.fromhex(t)) for t in theta):
            return False
        return entry.get("checksum") == _entry_checksum(key, [float(v) for v in values])

    def save(self) -> None:
        """Write the cache, its task descriptions and checksums to the checkpoint, atomically."""
        if self.checkpoint is None:
            return
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        tasks = {}
        for key, values in self.cache.items():
            skey, rep, theta = key.split("|")
            tasks[key] = {"spec": skey, "replicate": int(rep), "theta": theta.split(","),
                          "n_moments": len(values), "values": values,
                          "checksum": _entry_checksum(key, values)}
        body = {"format": CHECKPOINT_FORMAT, "fingerprint": self.fingerprint,
                "state": self.state, "specs": self.specs, "tasks": tasks}
        blob = {**body, "checksum": _digest(body)}
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
        out = self.tasks([(spec, t, r) for t in thetas for r in range(replications)])
        return out.reshape(len(thetas), replications, spec.n_moments)

    def tasks(self, items: Sequence[tuple[SimSpec, Sequence[float], int]]) -> np.ndarray:
        """Moments of arbitrary (plan, point, replicate) tasks: array (tasks, moments).

        Plans may differ between tasks (validation's macro draws) if they have the same moments.
        """
        keys = []
        for spec, t, r in items:
            skey = _spec_key(spec)
            self.specs.setdefault(skey, repr(spec))
            keys.append(f"{skey}|{r}|{_theta_key(t)}")
        todo, queued = [], set()
        for (spec, t, r), key in zip(items, keys):
            if key not in self.cache and key not in queued:
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
            self.save()
        return np.array([self.cache[k] for k in keys], dtype=float)

    def _run(self, spec: SimSpec, batch: list) -> list[np.ndarray]:
        args = [(item[3] if len(item) > 3 else spec, item[1], item[2]) for item in batch]
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
                                             mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_init,
                                             initargs=(os.getpid(),))
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
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
