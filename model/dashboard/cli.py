"""``jobsim dashboard [SCENARIO] [--port P] [--replications N] [--persons-per-agent K]``."""

from __future__ import annotations

import argparse

from jobsim.dashboard import serve
from jobsim.dashboard.compute import Settings
from jobsim.scenario import ScenarioError, load_scenario

__all__ = ["run_dashboard"]


def run_dashboard(args: argparse.Namespace) -> int:
    """Check the scenario (a bad file fails here, exit 2), then serve."""
    settings = Settings()
    scenario = args.scenario if args.scenario is not None else settings.scenario
    load_scenario(scenario)  # the same errors as every command, before a server starts
    if args.replications < 1:
        raise ScenarioError(f"--replications must be >= 1, got {args.replications}")
    settings = Settings(scenario=scenario, replications=args.replications,
                        persons_per_agent=args.persons_per_agent,
                        attribution_replications=min(settings.attribution_replications,
                                                     args.replications))
    return serve(settings, host=args.host, port=args.port)
