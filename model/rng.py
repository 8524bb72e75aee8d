"""Independent random streams, one per purpose, all derived from one seed.

Each purpose has a fixed number (never renumber, only append), so adding draws to one
mechanism never moves the draws of another. This is what makes "scenario minus
counterfactual" on common random numbers exact: an instrument with zero budget draws only
from its own stream, and the baseline streams are untouched.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = ["Stream", "streams"]


class Stream(IntEnum):
    """Purposes of random draws. Append only; never renumber."""

    POPULATION = 1
    DEMOGRAPHY = 2
    SEPARATIONS = 3
    FIRMS = 4
    MATCHING = 5
    SELF_EMPLOYMENT = 6
    FLEXIBLE = 7
    RURAL = 8
    PARTICIPATION = 9
    GRADUATES = 10
    REGISTRATION = 11
    INSTRUMENTS = 100  # instruments add their own index: INSTRUMENTS + k


def streams(seed: int, replicate: int = 0) -> dict[Stream, np.random.Generator]:
    """One generator per purpose, keyed by (replicate, purpose) under ``seed``."""
    return {
        s: np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replicate, int(s))))
        for s in Stream
    }


def instrument_stream(seed: int, replicate: int, index: int) -> np.random.Generator:
    """The stream of instrument number ``index`` (fixed per instrument kind)."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(replicate, int(Stream.INSTRUMENTS) + index))
    )
