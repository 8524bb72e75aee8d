"""Run a scenario: scenario -> model -> results (with the manifest that reproduces it)."""

from __future__ import annotations

from model.labour_market import LabourMarket
from model.results import Results, git_commit, judge_targets, package_version
from model.scenario import LoadedScenario

__all__ = ["run_scenario"]


def run_scenario(
    loaded: LoadedScenario,
    *,
    seed: int | None = None,
    persons_per_agent: float | None = None,
    replicate: int = 0,
) -> Results:
    """Simulate one scenario once; command-line values override the file's seed and scale."""
    run = loaded.spec.scenario
    seed = run.seed if seed is None else seed
    scale = run.persons_per_agent if persons_per_agent is None else persons_per_agent
    model = LabourMarket(
        params=loaded.params, start=run.start, months=run.months, persons_per_agent=scale,
        demand_index=loaded.demand_path(), seed=seed, replicate=replicate,
    )
    monthly = model.run()
    manifest = {
        "scenario": {"path": str(loaded.path), "resolved": loaded.spec.model_dump(mode="json"),
                     "text": loaded.text},
        "parameters": {"origin": loaded.params.origin, "values": loaded.params.values()},
        "seed": seed,
        "replicate": replicate,
        "persons_per_agent": scale,
        "version": package_version(),
        "git_commit": git_commit(),
        "indicator_definitions": "National Bureau of Statistics; see model/indicators.py",
    }
    return Results(monthly=monthly, manifest=manifest, targets=judge_targets(monthly))
