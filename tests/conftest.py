"""Shared fixtures: small, fast model runs."""

from __future__ import annotations

import pytest
from jobsim.params import ParameterSet

# Scales used in tests: ~2.7e4 agents at 2000 persons per agent (a month takes milliseconds).
SMALL = 2000.0


@pytest.fixture(scope="session")
def params() -> ParameterSet:
    """The base parameter set."""
    return ParameterSet.load()
