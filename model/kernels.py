"""Compiled scans over the agent columns, for the few selections numpy does in several passes.

Each kernel returns exactly what the numpy expression in its docstring returns (the tests
compare them), so using one never changes a result. They pay off because most selections are
sparse: a month asks for the unemployed (2% of agents), the employees of the few firms that
shrink, a few hundred deaths among half a million people. numpy builds a boolean mask over
every agent and then walks all of it to collect indices (~0.4 ms per 5x10^5 agents); these
kernels test eight one-byte codes at a time (one 64-bit word) and look at single agents only in
words that hold a match.

Compiled with numba (DESIGN §8: "numba where a per-agent rule cannot be vectorised"); the
machine code is cached next to this file, so only the first run on a machine pays the compile.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["where_equal", "nth_true", "in_counted_firms", "first_per_firm"]

_ONES = np.uint64(0x0101010101010101)  # 0x01 in every byte
_HIGH = np.uint64(0x8080808080808080)  # the top bit of every byte
_SUM_SHIFT = np.uint64(56)

_jit = numba.njit(cache=True, boundscheck=False, nogil=True)


@_jit
def where_equal(codes: np.ndarray, value: int) -> np.ndarray:  # pragma: no cover - compiled
    """``np.flatnonzero(codes == value)`` for a one-byte code array."""
    n = codes.size
    out = np.empty(n, np.intp)
    k = 0
    nw = n // 8
    words = codes[: nw * 8].view(np.uint64)
    pattern = np.uint64(value & 0xFF) * _ONES
    for j in range(nw):
        x = words[j] ^ pattern
        if (x - _ONES) & ~x & _HIGH:  # some byte of x is zero: some code equals value
            base = j * 8
            for b in range(8):
                out[k] = base + b
                k += codes[base + b] == value
    for i in range(nw * 8, n):
        out[k] = i
        k += codes[i] == value
    return out[:k].copy()


@_jit
def nth_true(mask: np.ndarray, ranks: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``np.flatnonzero(mask)[ranks]`` for sorted ``ranks`` (a boolean ``mask``)."""
    k = ranks.size
    out = np.empty(k, np.intp)
    if k == 0:
        return out
    n = mask.size
    nw = n // 8
    words = mask[: nw * 8].view(np.uint64)
    j = 0
    seen = 0  # true entries before the current word
    for w in range(nw):
        # Booleans are bytes 0 or 1, so the word times 0x0101... sums them in its top byte.
        count = np.int64((words[w] * _ONES) >> _SUM_SHIFT)
        if seen + count <= ranks[j]:
            seen += count
            continue
        base = w * 8
        for b in range(8):
            if mask[base + b]:
                while j < k and ranks[j] == seen:
                    out[j] = base + b
                    j += 1
                seen += 1
        if j == k:
            return out
    for i in range(nw * 8, n):
        if mask[i]:
            while j < k and ranks[j] == seen:
                out[j] = i
                j += 1
            seen += 1
    if j != k:
        raise ValueError("nth_true: a rank is beyond the number of true entries")
    return out


@_jit
def in_counted_firms(ids: np.ndarray, firm: np.ndarray,
                     count: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``ids[count[firm[ids]] > 0]`` for agents ``ids`` that all have a firm."""
    out = np.empty_like(ids)
    k = 0
    for i in range(ids.size):
        out[k] = ids[i]
        k += count[firm[ids[i]]] > 0
    return out[:k].copy()


@_jit
def first_per_firm(firm_of: np.ndarray, count: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Mask of the first ``count[f]`` entries of each firm f, in the order given: the same
    entries as ranking within firm after a stable sort by firm."""
    taken = np.zeros(count.size, np.int64)
    out = np.zeros(firm_of.size, np.bool_)
    for i in range(firm_of.size):
        f = firm_of[i]
        if taken[f] < count[f]:
            out[i] = True
            taken[f] += 1
    return out


# Counter-based random numbers (model.rng.Draws): Wellons' lowbias32 hash of
# ``id * 0x9E3779B9 + key`` in 32-bit arithmetic. One pass instead of numpy's ten temporaries;
# the same words bit for bit.
_PHI = np.uint32(0x9E3779B9)
_M1 = np.uint32(0x7FEB352D)
_M2 = np.uint32(0x846CA68B)
_S16, _S15 = np.uint32(16), np.uint32(15)
_TO_UNIT = 1.0 / 4294967296.0


@_jit
def _lowbias32(i, key):  # pragma: no cover - compiled
    z = np.uint32(np.uint32(i) * _PHI + key)
    z ^= z >> _S16
    z = np.uint32(z * _M1)
    z ^= z >> _S15
    z = np.uint32(z * _M2)
    z ^= z >> _S16
    return z


@_jit
def hash_bits(ids: np.ndarray, key: np.uint32) -> np.ndarray:  # pragma: no cover - compiled
    """A uniform 32-bit word per id."""
    out = np.empty(ids.size, np.uint32)
    for i in range(ids.size):
        out[i] = _lowbias32(ids[i], key)
    return out


@_jit
def hash_uniform(ids: np.ndarray, key: np.uint32) -> np.ndarray:  # pragma: no cover - compiled
    """A uniform number in (0, 1) per id: (word + 1/2) / 2**32."""
    out = np.empty(ids.size, np.float64)
    for i in range(ids.size):
        out[i] = (np.float64(_lowbias32(ids[i], key)) + 0.5) * _TO_UNIT
    return out


@_jit
def hash_below(ids: np.ndarray, key: np.uint32,
               threshold: np.uint32) -> np.ndarray:  # pragma: no cover - compiled
    """The ids whose word is below ``threshold``, in the order given."""
    out = np.empty_like(ids)
    k = 0
    for i in range(ids.size):
        out[k] = ids[i]
        k += _lowbias32(ids[i], key) < threshold
    return out[:k].copy()


@_jit
def refresh_members(members: np.ndarray, arriving: np.ndarray, state: np.ndarray,
                    code: int) -> np.ndarray:  # pragma: no cover - compiled
    """The agents of ``members`` and ``arriving`` (both ascending) whose state is ``code``,
    ascending and without repeats: a list of a state's agents brought up to date."""
    kept = np.empty(members.size, np.intp)
    k = 0
    for i in range(members.size):  # branch-free: most members stay
        v = members[i]
        kept[k] = v
        k += state[v] == code
    out = np.empty(k + arriving.size, np.intp)
    i = o = 0
    last = -1
    for j in range(arriving.size):  # few: merge each by binary search and a block copy
        a = arriving[j]
        if a == last or state[a] != code:
            continue
        last = a
        p = i + np.searchsorted(kept[i:k], a)
        out[o:o + p - i] = kept[i:p]
        o += p - i
        i = p
        if i < k and kept[i] == a:  # left and came back: already kept
            continue
        out[o] = a
        o += 1
    out[o:o + k - i] = kept[i:k]
    o += k - i
    return out[:o].copy()
