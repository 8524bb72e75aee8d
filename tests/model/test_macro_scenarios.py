"""The shipped demand-shock scenario against the plan, on common random numbers."""

from __future__ import annotations

import pytest
from jobsim.runner import simulate
from jobsim.scenario import load_scenario


@pytest.mark.parametrize("seed", [1, 2])
def test_demand_shock_costs_new_jobs_and_raises_the_rate(seed: int) -> None:
    """plan_2021_demand_shock: fewer new urban jobs and a higher surveyed rate than plan_2021."""
    out = {}
    for name in ("plan_2021", "plan_2021_demand_shock"):
        df = simulate(load_scenario(f"scenarios/{name}.toml"), seed=seed,
                      persons_per_agent=2000).monthly()
        out[name] = (df["new_urban_jobs_cum"].iloc[-1], df["surveyed_unemployment_rate"].mean())
    (jobs, rate), (jobs_shock, rate_shock) = out["plan_2021"], out["plan_2021_demand_shock"]
    assert jobs_shock < jobs and rate_shock > rate
