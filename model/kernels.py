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

__all__ = ["where_equal", "nth_true", "in_counted_firms", "first_per_firm", "refresh_members",
           "hash_bits", "hash_uniform", "hash_below", "byte_histogram", "code_counts",
           "age_one_month", "by_age", "flagged", "separation_draws", "vacancy_slot_keys",
           "in_state_below_age"]

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
    """Agents whose firm has a positive count.

    ``ids[count[firm[ids]] > 0]`` for agents ``ids`` that all have a firm (``count`` may
    be a boolean per firm).
    """
    out = np.empty_like(ids)
    k = 0
    for i in range(ids.size):
        out[k] = ids[i]
        k += count[firm[ids[i]]] > 0
    return out[:k].copy()


@_jit
def first_per_firm(firm_of: np.ndarray, count: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Mask of the first ``count[f]`` entries of each firm f.

    Mask of the first ``count[f]`` entries of each firm f, in the order given: the same
    entries as ranking within firm after a stable sort by firm.
    """
    taken = np.zeros(count.size, np.int64)
    out = np.zeros(firm_of.size, np.bool_)
    for i in range(firm_of.size):
        f = firm_of[i]
        if taken[f] < count[f]:
            out[i] = True
            taken[f] += 1
    return out


# Counter-based random numbers (jobsim.rng.Draws): Wellons' lowbias32 hash of
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
def _gallop(a: np.ndarray, lo: int, hi: int, x: int) -> int:  # pragma: no cover - compiled
    """Galloping search for the first position with a[p] >= x.

    First position p in [lo, hi) with a[p] >= x (hi if none), for ascending ``a``: doubling
    steps from lo, then bisection, so a short way costs a few comparisons.
    """
    step = 1
    top = lo
    while top < hi and a[top] < x:
        lo = top + 1
        top = lo + step
        step *= 2
    if top > hi:
        top = hi
    while lo < top:
        mid = (lo + top) >> 1
        if a[mid] < x:
            lo = mid + 1
        else:
            top = mid
    return lo


@_jit
def refresh_members(members: np.ndarray, touched: np.ndarray, state: np.ndarray,
                    code: int) -> np.ndarray:  # pragma: no cover - compiled
    """A state's agent list brought up to date: ``np.flatnonzero(state == code)``.

    ``members`` (ascending) was exact before some moves; ``touched`` (ascending, repeats
    allowed) holds every agent those moves took out of or into the state. The untouched runs
    between touched agents are block-copied; each touched agent is found by a galloping search
    and kept if its state is ``code``.
    """
    nm = members.size
    out = np.empty(nm + touched.size, np.intp)
    i = o = 0
    last = -1
    for j in range(touched.size):
        a = touched[j]
        if a == last:
            continue
        last = a
        p = _gallop(members, i, nm, a)
        out[o:o + p - i] = members[i:p]
        o += p - i
        i = p
        if i < nm and members[i] == a:
            i += 1
        if state[a] == code:
            out[o] = a
            o += 1
    out[o:o + nm - i] = members[i:]
    o += nm - i
    return out[:o]


@_jit
def byte_histogram(ids: np.ndarray, values: np.ndarray) -> np.ndarray:  # pragma: no cover
    """``np.bincount(values[ids], minlength=256)`` for one-byte ``values`` (group flags)."""
    # Four partial histograms: consecutive equal values would otherwise wait on each other's
    # increment (most agents carry no flag at all).
    part = np.zeros((4, 256), np.int64)
    m = ids.size - ids.size % 4
    for i in range(0, m, 4):
        part[0, values[ids[i]]] += 1
        part[1, values[ids[i + 1]]] += 1
        part[2, values[ids[i + 2]]] += 1
        part[3, values[ids[i + 3]]] += 1
    for i in range(m, ids.size):
        part[0, values[ids[i]]] += 1
    return part.sum(axis=0)


@_jit
def code_counts(codes: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Counts of each one-byte code, 256 bins (a negative int8 code counts as code + 256)."""
    part = np.zeros((4, 256), np.int64)
    m = codes.size - codes.size % 4
    for i in range(0, m, 4):
        part[0, np.uint8(codes[i])] += 1
        part[1, np.uint8(codes[i + 1])] += 1
        part[2, np.uint8(codes[i + 2])] += 1
        part[3, np.uint8(codes[i + 3])] += 1
    for i in range(m, codes.size):
        part[0, np.uint8(codes[i])] += 1
    return part.sum(axis=0)


@_jit
def age_one_month(state: np.ndarray, age: np.ndarray, spell: np.ndarray, gone: int,
                  old_age: int, top_age: int) -> np.ndarray:  # pragma: no cover - compiled
    """Age every living agent by a month and return its age band.

    Age every living agent (not ``gone``) by a month, in place, and return its band after
    ageing: 0 not alive, 1 below ``old_age``, 2 from ``old_age``, 3 at or over ``top_age``.
    """
    band = np.empty(state.size, np.uint8)
    for i in range(state.size):
        alive = state[i] != gone
        a = age[i] + alive
        age[i] = a
        spell[i] += alive
        band[i] = alive * (1 + (a >= old_age) + (a >= top_age))
    return band


@_jit
def by_age(ids: np.ndarray, age: np.ndarray, female: np.ndarray, limit_female: float,
           limit_male: float, below: bool) -> np.ndarray:  # pragma: no cover - compiled
    """Agents below (or at least) the age limit of their sex.

    The ``ids`` whose age is below (``below``) or at least (else) the limit of their sex:
    ``ids[(age[ids] < np.where(female[ids], limit_female, limit_male)) == below]``.
    """
    out = np.empty_like(ids)
    k = 0
    for i in range(ids.size):
        v = ids[i]
        limit = limit_female if female[v] else limit_male
        out[k] = v
        k += (age[v] < limit) == below
    return out[:k]


@_jit
def flagged(ids: np.ndarray, flag: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``ids[flag[ids]]`` for a boolean column ``flag``."""
    out = np.empty_like(ids)
    k = 0
    for i in range(ids.size):
        out[k] = ids[i]
        k += flag[ids[i]]
    return out[:k]


@_jit
def separation_draws(employed: np.ndarray, key: np.uint32, layoff_p: np.ndarray,
                     quit_p: np.ndarray, extra: float,
                     rural_hukou: np.ndarray):  # pragma: no cover - compiled
    """Split employed workers into layoffs, quits and seasonal separations.

    Split ``employed`` by one uniform draw each (as ``Draws.uniform``): laid off if below
    ``layoff_p``, quitting if below ``layoff_p + quit_p``, and, for rural-hukou workers,
    leaving for the Spring Festival if below that plus ``extra``. ``quit_p`` holds one
    probability per worker or one for all.
    """
    n = employed.size
    laid = np.empty(n, np.intp)
    quits = np.empty(n, np.intp)
    seasonal = np.empty(n, np.intp)
    a = b = c = 0
    for i in range(n):
        v = employed[i]
        u = (np.float64(_lowbias32(v, key)) + 0.5) * _TO_UNIT
        lp = layoff_p[i]
        lq = lp + (quit_p[i] if quit_p.size == n else quit_p[0])
        laid[a] = v
        a += u < lp
        quits[b] = v
        b += (u >= lp) & (u < lq)
        seasonal[c] = v
        c += rural_hukou[v] & (u >= lq) & (u < lq + extra)
    return laid[:a], quits[:b], seasonal[:c]


@_jit
def vacancy_slot_keys(vacancies: np.ndarray, key: np.uint32):  # pragma: no cover - compiled
    """One entry per open vacancy: its firm and its 32-bit key.

    One entry per open vacancy: its firm and its 32-bit key, the hash of the slot id
    ``firm * 64 + min(rank within the firm, 63)`` (as ``Draws.bits``).
    """
    total = 0
    for f in range(vacancies.size):
        total += max(vacancies[f], 0)
    firms = np.empty(total, np.intp)
    keys = np.empty(total, np.uint32)
    o = 0
    for f in range(vacancies.size):
        for r in range(vacancies[f]):
            firms[o] = f
            keys[o] = _lowbias32(np.int64(f) * 64 + min(r, 63), key)
            o += 1
    return firms, keys


@_jit
def in_state_below_age(state: np.ndarray, code: int, age: np.ndarray, female: np.ndarray,
                       limit_female: float, limit_male: float, draw: bool = False,
                       key: np.uint32 = np.uint32(0),
                       threshold: np.uint32 = np.uint32(0)) -> np.ndarray:  # pragma: no cover
    """Agents in a state below the age limit of their sex, optionally drawn.

    The agents in state ``code`` below the age limit of their sex, ascending; with ``draw``,
    only those whose 32-bit draw is below ``threshold`` (as ``Draws.chance``). One pass over
    all agents, for a state too large to keep a list of.
    """
    out = np.empty(state.size, np.intp)
    k = 0
    for i in range(state.size):
        if state[i] == code:  # agents of a state sit in long runs: a well-predicted branch
            limit = limit_female if female[i] else limit_male
            out[k] = i
            k += (age[i] < limit) & ((not draw) or _lowbias32(i, key) < threshold)
    return out[:k].copy()
