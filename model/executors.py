"""Where pure tasks run: this process, local worker processes, or a Dask cluster.

The one executor of jobsim: ensembles (``jobsim compare``, nowcast, optimise, the dashboard)
and the calibration (:class:`jobsim.calibration.evaluator.Evaluator`, so ``jobsim calibrate``
and ``jobsim validate``) all run their tasks here. One interface, a context manager (EMA
Workbench's evaluators): ``imap_unordered(fn, items)`` yields ``(item, fn(item))`` as each
finishes. The backend decides only *where* a task runs; the task decides every number, so 1
process, K processes and Dask give identical results.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import re
import select
import signal
import socket
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from jobsim.scenario import ScenarioError

__all__ = ["Executor", "LocalExecutor", "DaskExecutor", "make_executor", "available_cores",
           "ExecutorError", "check_executor_arguments", "check_scheduler_address",
           "exit_with_parent"]


class ExecutorError(ScenarioError):
    """A bad ``--workers`` or ``--scheduler`` (a user error: exit status 2)."""

T = TypeVar("T")


def exit_with_parent(parent: int) -> None:
    """Worker initialiser: end this worker as soon as the process that started it ends.

    A pool's workers otherwise outlive a killed (SIGKILL) main process and sit idle holding
    their memory. Two guards: the kernel sends SIGKILL when the process that forked this
    worker ends (``prctl(PR_SET_PDEATHSIG)`` on Linux; with a fork server that is the server,
    which itself ends with ``parent``), and a daemon thread waits on ``parent``'s pidfd
    (Linux) or polls it, for when the kernel guard is missing. Ctrl-C is left to the main
    process (which cancels the work and reports it in one line), so a worker prints no
    traceback of its own. Any pool can use it:
    ``ProcessPoolExecutor(..., initializer=exit_with_parent, initargs=(os.getpid(),))``.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - another libc
            pass

    def watch() -> None:
        try:
            fd = os.pidfd_open(parent)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])  # readable when the parent has ended
        else:  # pragma: no cover - not Linux
            while True:
                try:
                    os.kill(parent, 0)
                except OSError:
                    break
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="jobsim-parent-watch", daemon=True).start()


def available_cores() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Executor(ABC):
    """Runs a pure function over items; a context manager that owns its workers."""

    #: What the provenance says about the backend.
    description: str = ""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers."""

    @abstractmethod
    def imap_unordered(self, fn: Callable[[T], Any], items: Iterable[T]) -> Iterator[tuple[T, Any]]:
        """``(item, fn(item))`` for every item, in order of completion; items go in order."""


class LocalExecutor(Executor):
    """Run here (``workers=1``) or on a pool of local processes.

    Worker processes start from a fork server that has imported the model once, so each
    worker costs a fork, not a fresh interpreter and a second of imports. ``preload`` names
    the modules the fork server imports (the tasks' module); it is a hint only, honoured by
    the first fork server of the process, and never changes a number. Every worker runs
    :func:`exit_with_parent`, so a killed main process leaves no worker behind.
    """

    def __init__(self, workers: int | None = None,
                 preload: Sequence[str] = ("jobsim.compare.tasks",)) -> None:
        self.workers = max(1, workers if workers is not None else available_cores())
        self.preload = list(preload)
        self.description = (f"local, {self.workers} process" + ("es" if self.workers > 1 else "")
                            + (" (this one)" if self.workers == 1 else ""))
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            if "forkserver" in methods:
                ctx.set_forkserver_preload(self.preload)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                             initializer=exit_with_parent, initargs=(os.getpid(),))
        return self._pool

    def imap_unordered(self, fn: Callable[[T], Any], items: Iterable[T]) -> Iterator[tuple[T, Any]]:
        """Run in order here, or keep every worker busy with at most 2 tasks queued each."""
        items = list(items)
        if self.workers == 1:
            for item in items:
                yield item, fn(item)
            return
        pool = self._get_pool()
        pending: dict[Future, T] = {}
        queue = iter(items)
        limit = 2 * self.workers
        try:
            while True:
                while len(pending) < limit:
                    item = next(queue, None)
                    if item is None:
                        break
                    pending[pool.submit(fn, item)] = item
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    item = pending.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        raise ExecutorError(_broken_pool_message()) from None
                    yield item, result
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        """Shut the pool down, cancelling what has not started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _broken_pool_message() -> str:
    """Why local workers die at start, most often, and what to do."""
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    if script and os.path.basename(script) in ("jobsim", "__main__.py"):
        script = None  # the command line guards its entry point
    hint = (f" Python starts each worker by importing the main script ({script}), so a "
            "script that runs a comparison at import time starts it again in every worker, "
            "which multiprocessing refuses: put the call under "
            "`if __name__ == \"__main__\":`, or use executor=1." if script else "")
    return ("a local worker process ended abruptly (killed, out of memory, or failed to "
            f"start).{hint}")


class DaskExecutor(Executor):
    """A Dask distributed cluster at ``address``.

    Its workers must be able to import jobsim and read the scenario files (a shared checkout).
    """

    def __init__(self, address: str, timeout: float = 10.0) -> None:
        check_scheduler_address(address)
        _probe(address, timeout)
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover - a dependency
            raise ScenarioError("--scheduler needs dask[distributed]: pip install "
                                "'dask[distributed]'") from exc
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"--scheduler {address}: cannot reach a Dask scheduler there "
                                f"within {timeout:g} s ({exc})") from None
        n = len(self.client.scheduler_info().get("workers", {}))
        self.description = f"Dask cluster at {address} ({n} workers)"

    def imap_unordered(self, fn: Callable[[T], Any], items: Iterable[T]) -> Iterator[tuple[T, Any]]:
        """Submit everything with decreasing priority (the caller's order); yield as done."""
        from dask.distributed import as_completed

        items = list(items)
        futures = {}
        for k, item in enumerate(items):
            fut = self.client.submit(fn, item, pure=False, priority=len(items) - k)
            futures[fut] = item
        try:
            for fut in as_completed(list(futures), loop=self.client.loop):
                yield futures[fut], fut.result()
        finally:
            self.client.cancel(list(futures))

    def close(self) -> None:
        """Disconnect (the cluster stays up)."""
        self.client.close()


_ADDRESS = re.compile(r"^(?:(tcp|tls|inproc|ucx|ws|wss)://)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+)"
                      r":(\d{1,5})$")


def check_scheduler_address(address: object) -> str:
    """``address`` if it has the form of a Dask scheduler address (``tcp://host:port``)."""
    match = _ADDRESS.match(address) if isinstance(address, str) else None
    if match is None or not 1 <= int(match.group(3)) <= 65535:
        raise ExecutorError(f"--scheduler {address!r}: not a Dask scheduler address; give "
                            "one like tcp://127.0.0.1:8786")
    return address


def _probe(address: str, timeout: float) -> None:
    """Fail at once when nothing listens at a TCP scheduler address (Dask would retry)."""
    match = _ADDRESS.match(address)
    if match is None or match.group(1) not in (None, "tcp"):
        return
    host, port = match.group(2).strip("[]"), int(match.group(3))
    try:
        socket.create_connection((host, port), timeout=min(timeout, 5.0)).close()
    except OSError as exc:
        raise ExecutorError(f"--scheduler {address}: no Dask scheduler answers there "
                            f"({exc.strerror or exc})") from None


def check_executor_arguments(workers: object = None, scheduler: object = None) -> None:
    """Check ``--workers`` and ``--scheduler`` without starting or reaching anything."""
    if workers is not None and scheduler is not None:
        raise ExecutorError("give either --workers (local processes) or --scheduler (Dask), "
                            "not both")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ExecutorError(f"--workers must be a whole number >= 1, got {workers!r}")
    if scheduler is not None:
        check_scheduler_address(scheduler)


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """A Dask executor when ``scheduler`` is given, else local processes."""
    check_executor_arguments(workers, scheduler)
    if scheduler is not None:
        return DaskExecutor(scheduler)
    return LocalExecutor(workers)
