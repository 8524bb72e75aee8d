"""Process memory tuning for large runs (called by entry points, never at import).

By default glibc serves every allocation above a few MB with a fresh ``mmap`` and returns it to
the system when freed, so each numpy temporary over 10^7 agents is paid again in page faults
every month. Measured at 1:1 Hunan (52 million agents, 12 months, quiet machine): 19.6 s with
the default settings against 14.1 s with freed memory kept in the process, peak memory 1.8
against 2.0 GiB — ``benchmarks/bench_full_scale.py``, figures in ``out/bench``.
"""

from __future__ import annotations

import ctypes
import ctypes.util

__all__ = ["keep_heap"]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters (malloc.h)
_NEVER = 2**31 - 1


def keep_heap() -> bool:
    """Ask glibc to serve large arrays from the heap and keep freed memory; True if accepted.

    A no-op (False) where the C library is not glibc.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _NEVER) and mallopt(_M_TRIM_THRESHOLD, _NEVER))
