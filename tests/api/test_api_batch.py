"""``mesa.batch_run`` on the plan: different iterations, scenario defaults, one demand path."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import mesa
import pytest
from jobsim.batch import REPORTERS, DemandPath, PlanModel
from jobsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TINY = 4000.0
SHOCK = DemandPath([1.0, 0.97, 0.97, 0.97] + [1.0] * 8)


def _batch(**parameters):
    """End-of-run rows of a batch in this process."""
    options = {"scenario": "plan_2021", "persons_per_agent": TINY}
    options.update(parameters)
    iterations = options.pop("iterations", 1)
    return mesa.batch_run(PlanModel, parameters=options, iterations=iterations,
                          number_processes=1, display_progress=False)


def test_iterations_differ_and_every_headline_indicator_is_collected():
    rows = _batch(iterations=2)
    assert len(rows) == 2
    assert rows[0]["seed"] != rows[1]["seed"]
    # Fresh seeds each run: at this scale one indicator can coincide (urban employment to the
    # agent), the year's path of averages and flows does not.
    assert rows[0]["surveyed_rate_annual_average"] != rows[1]["surveyed_rate_annual_average"]
    for name in REPORTERS:
        assert name in rows[0], name
    assert rows[0]["month"] == "2021-12"  # the collected row is the end of the year
    assert isinstance(rows[0]["surveyed_rate_target_met"], bool)


def test_seeds_given_reproduce():
    a, b = _batch(seed=[3, 4]), _batch(seed=[3, 4])
    assert a == b
    assert a[0]["urban_employed"] != a[1]["urban_employed"]


def test_a_demand_path_is_one_run_and_lowers_demand():
    rows = _batch(seed=5, demand_index=[DemandPath([1.0] * 12), SHOCK])
    assert len(rows) == 2  # two paths, not 24 runs
    # At this scale one seed's December difference is a few agents either way (the dip ends
    # in April): the shock lowers urban employment summed over six seeds.
    rows = _batch(seed=list(range(1, 7)), demand_index=[DemandPath([1.0] * 12), SHOCK])
    assert len(rows) == 12
    flat = sum(r["urban_employed"] for r in rows if r["demand_index"].values[1] == 1.0)
    shock = sum(r["urban_employed"] for r in rows if r["demand_index"].values[1] < 1.0)
    assert shock < flat


def test_defaults_come_from_the_named_scenario():
    plan = load_scenario(ROOT / "scenarios" / "plan_2021.toml")
    m = PlanModel("plan_2021", seed=1, persons_per_agent=TINY)
    # The model holds its instruments in the fixed documented order, whatever the file's.
    assert {i.kind: i.settings.budget_yuan for i in m.instruments} == {
        cls.kind: s.budget_yuan for cls, s in plan.instruments}
    assert m.params.values() == plan.params.values()
    assert list(m.demand) == plan.demand_path()
    more = PlanModel("plan_2021", seed=1, persons_per_agent=TINY, hiring_subsidy=5e8)
    assert {i.kind: i.settings.budget_yuan for i in more.instruments}["hiring_subsidy"] == 5e8
    with pytest.raises(TypeError, match="unknown keyword"):
        PlanModel("plan_2021", seed=1, persons_per_agent=TINY, hiring_subsidyy=5e8)


def test_readme_example_runs_on_two_processes(tmp_path):
    script = tmp_path / "batch_example.py"
    script.write_text(textwrap.dedent(f"""
        import json
        import mesa
        from jobsim.batch import DemandPath, PlanModel

        if __name__ == "__main__":
            rows = mesa.batch_run(PlanModel, parameters={{
                "scenario": "plan_2021", "hiring_subsidy": [0.0, 3e8],
                "demand_index": DemandPath([1.0, 0.97, 0.97, 0.97] + [1.0] * 8),
                "persons_per_agent": {TINY}, "seed": 7,
            }}, iterations=1, number_processes=2, display_progress=False)
            print(json.dumps(sorted(r["spending_yuan"] for r in rows)))
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    low, high = json.loads(done.stdout.strip().splitlines()[-1])
    assert high > low
