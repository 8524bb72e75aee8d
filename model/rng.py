"""Randomness: one seed per run, independent draws per purpose, common random numbers.

Two kinds of draws, both derived from the run's seed and replicate:

- **Streams** (numpy Generators, one per purpose) for draws whose count does not depend on the
  scenario: building the population, deaths (the living population is the same whatever the
  policy), the number and attributes of entrants.
- **Counter-based draws** (:class:`Draws`) for everything a policy can touch: each draw is a
  hash of (seed, replicate, purpose, month, agent id), so an agent gets the same number in a
  scenario and in its counterfactual however many other agents drew that month. This is what
  makes "scenario minus counterfactual" a common-random-numbers comparison agent by agent, and
  a zero-budget instrument a bit-for-bit copy of the baseline.

Purposes have fixed numbers (append only; never renumber), so a draw added in one mechanism
never moves the draws of another. The hash is Wellons' ``lowbias32`` on 32-bit words
(compiled in :mod:`jobsim.kernels`: one pass per array of ids).
"""

from __future__ import annotations

from enum import IntEnum
from functools import lru_cache

import numpy as np
from jobsim.kernels import hash_below, hash_bits, hash_uniform
from jobsim.sorting import stable_argsort

__all__ = ["Stream", "Purpose", "streams", "Draws"]


class Stream(IntEnum):
    """Generator streams. Append only; never renumber."""

    POPULATION = 1
    DEMOGRAPHY = 2
    GRADUATES = 10


class Purpose(IntEnum):
    """Counter-based draw purposes. Append only; never renumber."""

    SEPARATION = 1
    SELF_EMPLOYMENT_EXIT = 2
    FLEXIBLE_EXIT = 3
    FIRM_EXIT = 4
    FIRM_ENTRY = 5
    FIRM_OFFSET = 6
    DEMAND_LAYOFF_ORDER = 7
    POST_REFILL_ORDER = 8
    RURAL_TRANSFER = 9
    RURAL_RETURN = 10
    LF_EXIT = 11
    LF_ENTRY = 12
    STARTUP = 13
    FLEXIBLE_ENTRY = 14
    REGISTRATION = 15
    MATCH_COUNT = 16
    MATCH_KEY = 17
    VACANCY_KEY = 18
    UI_COVERAGE = 19
    DIRECT_HIRE_KEY = 20
    FIRM_EXIT_SHARE = 21
    FIRM_EXIT_ORDER = 22
    GRADUATE_FIRM = 23
    RECALL_ORDER = 24
    INSTRUMENT = 1000  # instrument k, sub-purpose j: INSTRUMENT + 16 * k + j


def streams(seed: int, replicate: int = 0) -> dict[Stream, np.random.Generator]:
    """One generator per stream, keyed by (replicate, stream) under ``seed``."""
    return {
        s: np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replicate, int(s))))
        for s in Stream
    }


@lru_cache(maxsize=65536)
def _key(seed: int, replicate: int, purpose: int, month: int) -> np.uint32:
    state = np.random.SeedSequence(seed, spawn_key=(replicate, 7919, purpose, month))
    return np.uint32(state.generate_state(1, np.uint32)[0])


class Draws:
    """Counter-based random numbers of one run: same (purpose, month, id) -> same number."""

    def __init__(self, seed: int, replicate: int = 0) -> None:
        self.seed = int(seed)
        self.replicate = int(replicate)

    def key(self, purpose: int, month: int) -> np.uint32:
        """The 32-bit key of a (purpose, month): a kernel hashing ids itself takes it."""
        return _key(self.seed, self.replicate, int(purpose), int(month))

    @staticmethod
    def threshold(prob: float) -> np.uint32:
        """The 32-bit threshold of an event of probability ``prob``: a word below it."""
        return np.uint32(min(max(int(prob * 4294967296.0), 0), 4294967295))

    def bits(self, purpose: int, month: int, ids: np.ndarray) -> np.ndarray:
        """A uniform 32-bit word per id."""
        return hash_bits(ids, self.key(purpose, month))

    def uniform(self, purpose: int, month: int, ids: np.ndarray) -> np.ndarray:
        """A uniform number in (0, 1) per id."""
        return hash_uniform(ids, self.key(purpose, month))

    def chance(self, purpose: int, month: int, ids: np.ndarray,
               prob: float | np.ndarray) -> np.ndarray:
        """The ids for which an event of probability ``prob`` happens this month."""
        if ids.size == 0:
            return ids
        if np.isscalar(prob):
            if prob <= 0:
                return ids[:0]
            return hash_below(ids, self.key(purpose, month), self.threshold(prob))
        return ids[self.uniform(purpose, month, ids) < prob]

    def scalar(self, purpose: int, month: int, j: int = 0) -> float:
        """One uniform number for a (purpose, month) and index ``j``."""
        return float(self.uniform(purpose, month, np.array([j]))[0])

    def order(self, purpose: int, month: int, ids: np.ndarray) -> np.ndarray:
        """``ids`` in a random order that is stable across scenarios."""
        return ids[stable_argsort(self.bits(purpose, month, ids))]
