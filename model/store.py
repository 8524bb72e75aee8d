"""Finished tasks on disk, checked before reuse: the one resume cache of jobsim.

``jobsim compare`` (:class:`jobsim.compare.store.TaskStore`: a replication's tables) and the
calibration (:class:`jobsim.calibration.evaluator.Evaluator`: a replication's moments, so
``jobsim calibrate`` and ``jobsim validate``) keep every finished task here, so an interrupted
run resumes where it stopped and ends with the same numbers.

One JSON file per task, ``{"format", "task", "checksum", "payload"}``, written through
:func:`jobsim.results.atomic_write` (durably): a file is either complete or absent, even after a
kill. ``task`` is the full description of what was computed; ``checksum`` is the SHA-256 of
task and payload. A stored file is used only if it parses, has exactly those keys and the
store's format, its checksum matches, its task is the one asked for, and the caller's check of
the payload passes (shape, types). Anything else (a corrupt, edited, truncated, copied or
swapped file) is reported through ``warn`` and treated as absent, so the task is recomputed:
never used, never a crash. A checksum anyone can recompute guards against accidents, not
forgery: a value edited *and* re-checksummed passes when its shape is right.

One process at a time writes a store: :meth:`ResultStore.lock` takes an exclusive lock and a
second writer fails at once. The folder carries a marker, so :meth:`ResultStore.check`,
:meth:`ResultStore.clear` and :meth:`ResultStore.remove` never touch a folder a store did not
make.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from jobsim.errors import OutputError
from jobsim.results import atomic_write

__all__ = ["ResultStore", "StoreLocked", "Unusable", "canonical_json"]

T = TypeVar("T")

#: The file that marks a folder as a result store (and so removable by jobsim).
STORE_MARKER = ".jobsim-store"


class StoreLocked(OutputError):
    """Another process is writing the same store."""


class Unusable(Exception):
    """A stored file that must not be used (the message says why); raised by payload checks."""


def canonical_json(obj: Any) -> bytes:
    """``obj`` as JSON with sorted keys and no spaces: what a checksum is taken over."""
    return json.dumps(obj, sort_keys=True, allow_nan=True, separators=(",", ":")).encode()


def _as_read_back(obj: Any) -> Any:
    """``obj`` as it reads back from a file (tuples become lists, keys strings)."""
    return json.loads(json.dumps(obj, allow_nan=True))


def _checksum(task: Any, payload: Any) -> str:
    return hashlib.sha256(canonical_json({"task": task, "payload": payload})).hexdigest()


class ResultStore:
    """The checked result files of one kind (``format``) under ``root``.

    Parameters
    ----------
    root : Path
        The store's folder (created on the first lock or save).
    format : str or int
        Identifies the payload layout; a file of another format is recomputed.
    warn : callable, optional
        Receives one line per stored file found unusable.
    what : str
        What a file holds, for those lines ("stored replication").
    """

    def __init__(self, root: Path, format: str | int, warn: Callable[[str], None] | None = None,
                 what: str = "stored result") -> None:
        self.root = Path(root)
        self.format = format
        self.warn = warn or (lambda message: None)
        self.what = what
        self._lock_fd: int | None = None

    # -- the folder ------------------------------------------------------------------
    def check(self) -> None:
        """Fail (:class:`OutputError`) unless ``root`` is absent, empty or a store's folder.

        For a root a user may choose (a calibration's checkpoint beside its ``--out``): call it
        before :meth:`lock`, which writes into the folder.
        """
        root = self.root
        if root.is_symlink() or (root.exists() and not root.is_dir()):
            raise OutputError(f"{root}: is a file or a link, not a jobsim store; move it away")
        if root.is_dir() and not (root / STORE_MARKER).is_file() and any(root.iterdir()):
            raise OutputError(f"{root}: exists and is not a jobsim store (no {STORE_MARKER} "
                              "marker); jobsim never changes it; move it away")

    def clear(self) -> None:
        """Delete every stored file (an earlier run's); only while holding the lock."""
        if self._lock_fd is None:
            raise RuntimeError("clear() needs the store's lock")
        self.check()
        for child in self.root.iterdir():
            if child.name in (".lock", STORE_MARKER):
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()

    def _make_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not (self.root / STORE_MARKER).is_file():
                atomic_write(self.root / STORE_MARKER, f"result store of jobsim "
                             f"({self.format}); safe to delete\n")
        except OSError as exc:
            raise OutputError(f"{self.root}: cannot create the store "
                              f"({exc.strerror or exc})") from None

    def lock(self, what: str = "this store") -> ResultStore:
        """Take the store's exclusive lock, or raise :class:`StoreLocked` at once."""
        self._make_root()
        try:
            fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"{self.root}: cannot create the store "
                              f"({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreLocked(f"{what}: another jobsim process is writing to it ({self.root} "
                              "is locked); wait for it to finish or choose another --out"
                              ) from None
        self._lock_fd = fd
        return self

    def unlock(self) -> None:
        """Release the lock (closing the file releases it; so does the process ending)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unlock()

    # -- files ------------------------------------------------------------------------
    def _read(self, path: Path, task: Any, check: Callable[[Any], T],
              same: Callable[[Any, Any], bool]) -> T:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise Unusable(f"unreadable ({type(exc).__name__})") from None
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):
            raise Unusable("not valid JSON") from None
        if not isinstance(obj, dict) or set(obj) != {"format", "task", "checksum", "payload"}:
            raise Unusable("not a jobsim result file")
        if obj["format"] != self.format:
            raise Unusable(f"file format {obj['format']!r}, not {self.format!r}")
        if obj["checksum"] != _checksum(obj["task"], obj["payload"]):
            raise Unusable("checksum mismatch (the file was changed after it was written)")
        if not same(obj["task"], _as_read_back(task)):
            raise Unusable("it holds another task's result")
        try:
            return check(obj["payload"])
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
            raise Unusable(f"its content has the wrong shape ({type(exc).__name__})") from None

    def load(self, name: str, task: Any, check: Callable[[Any], T],
             same: Callable[[Any, Any], bool] | None = None) -> T | None:
        """The checked payload stored as ``name`` for ``task``, or None.

        ``check(payload)`` returns the value to use, or raises :class:`Unusable` (or a
        ``TypeError``/``ValueError``/``KeyError``) when the payload has the wrong shape.
        ``same(stored_task, task)`` says whether a stored task answers this one (default:
        equal as JSON). A missing file is silently None; an unusable one is reported through
        ``warn`` and is None too.
        """
        path = self.root / name
        if not path.is_file():
            return None
        try:
            return self._read(path, task, check, same or (lambda a, b: a == b))
        except Unusable as why:
            self.warn(f"{path}: {self.what} not used, it is recomputed: {why}")
            return None

    def save(self, name: str, task: Any, payload: Any) -> Path:
        """Write ``task`` and ``payload`` (JSON values) atomically as ``name``; its path."""
        self._make_root()
        task, payload = _as_read_back(task), _as_read_back(payload)
        obj = {"format": self.format, "task": task, "checksum": _checksum(task, payload),
               "payload": payload}
        path = self.root / name
        atomic_write(path, json.dumps(obj, allow_nan=True) + "\n", durable=True)
        return path

    def files(self, pattern: str = "*/r*.json") -> list[Path]:
        """Every stored result file."""
        return sorted(self.root.glob(pattern)) if self.root.is_dir() else []

    def remove(self) -> None:
        """Delete the store's folder; refuse (:class:`OutputError`) one no store made."""
        if not self.root.exists() and not self.root.is_symlink():
            return
        self.check()
        shutil.rmtree(self.root)
