"""What the dashboard computes equals ``compare`` of the same settings (no browser needed)."""

from __future__ import annotations

from pathlib import Path

from jobsim.api import Scenario, compare
from jobsim.dashboard.compute import Settings, evaluate

ROOT = Path(__file__).resolve().parents[2]


def test_evaluate_equals_compare_and_reports_progress():
    settings = Settings(replications=3, persons_per_agent=4000.0, attribution_replications=1)
    plan = Scenario.from_toml(settings.scenario)
    seen: list[float] = []
    answer = evaluate(plan, {"hiring_subsidy": 6e8}, settings, progress=seen.append)
    direct = compare([plan.with_budgets(hiring_subsidy=6e8)], executor=1,
                     **settings.compare_options())
    assert answer.prob_jobs == direct.prob_met("new_urban_jobs")[plan.name]
    assert answer.prob_rate == direct.prob_met("surveyed_urban_unemployment_rate")[plan.name]
    assert answer.budgets["hiring_subsidy"] == 6e8
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 3
    assert set(answer.figures) == {"jobs_fan", "unemployment_fan", "attribution"}
    assert set(answer.attribution["instrument"]) == set(plan.budgets)
