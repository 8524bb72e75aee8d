"""The tiny optimisation shared by the optimise tests."""

from __future__ import annotations

import pytest
from optimise_helpers import optimise


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """One tiny optimisation at the plan's budget: (output folder, OptimiseResult)."""
    out = tmp_path_factory.mktemp("optimise") / "tiny"
    return out, optimise(out)
