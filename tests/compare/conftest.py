"""Small comparisons shared by the compare tests (2 scenarios, few replications, coarse scale)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = [ROOT / "scenarios" / "baseline_2021.toml", ROOT / "scenarios" / "plan_2021.toml"]
#: About 1.3e4 agents: a run takes a tenth of a second.
TINY = 4000.0
REPLICATIONS = 4
ATTRIBUTION = 2


def compare(out: Path, **kwargs):
    """``run_compare`` on the two scenarios at the tiny scale, quietly."""
    from jobsim.compare import run_compare

    options = {"replications": REPLICATIONS, "persons_per_agent": TINY,
               "attribution_replications": ATTRIBUTION, "workers": 1, "quiet": True}
    options.update(kwargs)
    return run_compare(kwargs.pop("scenarios", SCENARIOS), out, **{
        k: v for k, v in options.items() if k != "scenarios"})


@pytest.fixture(scope="session")
def small_comparison(tmp_path_factory):
    """One comparison in this process: (output folder, Comparison)."""
    out = tmp_path_factory.mktemp("compare") / "small"
    return out, compare(out)
