"""Every scenario file loads, runs at small scale, and writes the documented outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from jobsim.cli import main
from jobsim.scenario import ScenarioError, load_scenario

SCENARIOS = sorted(Path("scenarios").glob("*.toml"))
MONTHLY_COLUMNS = {"month", "new_urban_jobs_cum", "surveyed_unemployment_rate",
                   "registered_unemployment_rate", "urban_employed", "urban_unemployed",
                   "natural_attrition"}
ATTRIBUTION_COLUMNS = ["instrument", "spending_yuan", "participants",
                       "attributable_new_urban_jobs", "delta_surveyed_rate_pp",
                       "cost_per_job_yuan"]


def test_there_are_a_baseline_a_plan_and_three_alternatives():
    names = {p.stem for p in SCENARIOS}
    assert {"baseline_2021", "plan_2021"} <= names
    assert len([n for n in names if n.startswith("plan_2021_")]) >= 3


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_runs_and_writes_outputs(path, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--persons-per-agent", "4000"]) == 0
    monthly = pd.read_csv(out / "monthly.csv")
    assert MONTHLY_COLUMNS <= set(monthly.columns)
    assert monthly["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["targets"]["new_urban_jobs"]["met"] in (True, False)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"scenario", "parameters", "seed", "persons_per_agent", "version",
            "git_commit"} <= set(manifest)
    attribution = pd.read_csv(out / "attribution.csv")
    assert list(attribution.columns[:6]) == ATTRIBUTION_COLUMNS
    loaded = load_scenario(path)
    enabled = {cls.kind for cls, s in loaded.instruments if s.budget_yuan > 0}
    assert set(attribution["instrument"]) == enabled
    for kind in enabled:
        assert summary["programmes"][kind]["spending_yuan"] <= (
            summary["programmes"][kind]["budget_yuan"] + 1e-6)


def test_extends_amends_the_base(tmp_path):
    plan = load_scenario("scenarios/plan_2021.toml")
    alt = load_scenario("scenarios/plan_2021_double_loans.toml")
    budgets = {cls.kind: s.budget_yuan for cls, s in alt.instruments}
    base = {cls.kind: s.budget_yuan for cls, s in plan.instruments}
    assert budgets["entrepreneurship_loan"] == 2 * base["entrepreneurship_loan"]
    assert {k: v for k, v in budgets.items() if k != "entrepreneurship_loan"} == {
        k: v for k, v in base.items() if k != "entrepreneurship_loan"}
    loop = tmp_path / "loop.toml"
    loop.write_text('[scenario]\nname = "loop"\nextends = "loop.toml"\n')
    with pytest.raises(ScenarioError, match="circular"):
        load_scenario(loop)
