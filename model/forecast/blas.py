"""Run the Kalman filter with single-threaded BLAS, for the calling thread only.

statsmodels' state-space filter makes many BLAS calls on matrices of a handful of rows
(through SciPy's ``cython_blas``). With SciPy's bundled OpenBLAS threaded, each call pays
thread start-up and synchronisation; on the 2-core machines this project targets, with the
ABM busy on the other core, a full ``jobsim forecast`` ran 8x slower (81 s against 9.5 s).
``openblas_set_num_threads_local`` (OpenBLAS >= 0.3.27) changes the setting of the calling
thread only and returns the previous value, so nothing else in the process is affected.

When SciPy does not use a bundled OpenBLAS (MKL, a system BLAS), this is a no-op.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable

__all__ = ["single_threaded_blas"]


@lru_cache(maxsize=1)
def _setter() -> Callable[[int], int] | None:
    try:
        import scipy
        import scipy.linalg.cython_blas  # noqa: F401  (makes sure the library is loaded)
    except ImportError:
        return None
    libs = Path(scipy.__file__).resolve().parent.parent / "scipy.libs"
    for path in sorted(libs.glob("libscipy_openblas*.so*")):
        try:
            # RTLD_NOLOAD: attach to the copy SciPy already loaded, never load another.
            lib = ctypes.CDLL(str(path), mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
            function = lib.openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        function.restype = ctypes.c_int
        function.argtypes = [ctypes.c_int]
        return function
    return None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Within the block, SciPy's OpenBLAS uses one thread in this thread."""
    setter = _setter()
    if setter is None:
        yield
        return
    previous = setter(1)
    try:
        yield
    finally:
        setter(previous)
