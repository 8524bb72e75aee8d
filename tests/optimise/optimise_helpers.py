"""Tiny optimisations shared by the optimise tests (few futures, coarse scales, one process)."""

from __future__ import annotations

from pathlib import Path

from jobsim.optimise.bounds import Bounds, Futures, Search

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "scenarios" / "plan_2021.toml"
BASELINE = ROOT / "scenarios" / "baseline_2021.toml"
#: The plan's total budget (yuan): the sum of its eleven budgets.
PLAN_TOTAL = 10_306_144_000.0

#: 3 futures, screened at 8000 and confirmed at 4000 persons per agent: a run is a few
#: hundredths of a second.
TINY = Bounds(futures=Futures(replications=3, macro_draws=False, parameter_draws=None,
                              screening_persons_per_agent=8000.0,
                              confirm_persons_per_agent=4000.0),
              search=Search(population=4, confirm_max=3))


def optimise(out: Path, budget: float = PLAN_TOTAL, **kwargs):
    """``run_optimise`` on plan_2021 with the tiny settings, in this process, quietly."""
    from jobsim.optimise import run_optimise

    options = {"evaluations": 8, "workers": 1, "quiet": True, "settings": TINY}
    options.update(kwargs)
    return run_optimise(PLAN, budget, out, **options)
