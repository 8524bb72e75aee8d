"""Where replications run: this process, local worker processes, or a Dask cluster.

One interface, a context manager (EMA Workbench's evaluators): ``imap_unordered(fn, items)``
yields ``(item, fn(item))`` as each finishes. The backend decides only *where* a task runs;
the task decides every number, so 1 process, K processes and Dask give identical results.
"""

from __future__ import annotations

import multiprocessing
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from model.scenario import ScenarioError

__all__ = ["Executor", "LocalExecutor", "DaskExecutor", "make_executor", "available_cores"]

T = TypeVar("T")


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
    worker costs a fork, not a fresh interpreter and a second of imports.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers if workers is not None else available_cores())
        self.description = (f"local, {self.workers} process" + ("es" if self.workers > 1 else "")
                            + (" (this one)" if self.workers == 1 else ""))
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            if "forkserver" in methods:
                ctx.set_forkserver_preload(["model.compare.tasks"])
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
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
                    yield item, fut.result()
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        """Shut the pool down, cancelling what has not started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """A Dask distributed cluster at ``address``.

    Its workers must be able to import jobsim and read the scenario files (a shared checkout).
    """

    def __init__(self, address: str, timeout: float = 20.0) -> None:
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover - a dependency
            raise ScenarioError("--scheduler needs dask[distributed]: pip install "
                                "'dask[distributed]'") from exc
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ScenarioError(f"--scheduler {address}: cannot reach a Dask scheduler there "
                                f"({exc})") from exc
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


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """A Dask executor when ``scheduler`` is given, else local processes."""
    if workers is not None and scheduler is not None:
        raise ScenarioError("give either --workers (local processes) or --scheduler (Dask), "
                            "not both")
    if workers is not None and workers < 1:
        raise ScenarioError(f"--workers must be >= 1, got {workers}")
    if scheduler is not None:
        return DaskExecutor(scheduler)
    return LocalExecutor(workers)
