"""``run`` and ``compare`` through the API: the same numbers as the files and the CLI give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jobsim.api import Comparison, Results, Scenario, compare, run
from jobsim.compare import run_compare

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "scenarios" / "plan_2021.toml"
BASE = ROOT / "scenarios" / "baseline_2021.toml"
TINY = 4000.0


@pytest.fixture(scope="module")
def plan() -> Scenario:
    return Scenario.from_toml(PLAN)


@pytest.fixture(scope="module")
def result(plan) -> Results:
    return run(plan.with_budgets(hiring_subsidy=3e8), persons_per_agent=TINY)


def test_run_gives_frames(result):
    assert list(result.monthly["month"])[-1] == "2021-12"
    t = result.targets
    assert t.loc["new_urban_jobs", "threshold"] == 700000.0
    assert t.loc["new_urban_jobs", "value"] == result.monthly["new_urban_jobs_cum"].iloc[-1]
    assert bool(t.loc["new_urban_jobs", "met"]) == (t.loc["new_urban_jobs", "value"] >= 700000)
    assert "hiring_subsidy" in set(result.attribution["instrument"])


def test_a_bigger_budget_is_spent(plan, result):
    small = run(plan.with_budgets(hiring_subsidy=1e7), persons_per_agent=TINY,
                attribution=False)
    spent = result.programmes["hiring_subsidy"]["spending_yuan"]
    assert spent > small.programmes["hiring_subsidy"]["spending_yuan"]
    assert small.programmes["hiring_subsidy"]["spending_yuan"] <= 1e7 + 1e-6


def test_zero_budget_is_the_scenario_without_the_instrument(plan):
    data = plan.to_dict()
    del data["instruments"]["hiring_subsidy"]
    without = Scenario.from_dict(data)
    a = run(without, persons_per_agent=TINY, attribution=False).monthly
    b = run(plan.with_budgets(hiring_subsidy=0), persons_per_agent=TINY,
            attribution=False).monthly
    pd.testing.assert_frame_equal(a, b)


def test_results_save_load_and_excel(result, tmp_path):
    back = Results.load(result.save(tmp_path / "run"))
    pd.testing.assert_frame_equal(back.monthly, result.monthly, check_exact=False,
                                  rtol=1e-6, atol=1e-5)
    pd.testing.assert_frame_equal(back.targets, result.targets)
    xlsx = result.to_excel(tmp_path / "run.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"targets", "monthly", "attribution"}
    np.testing.assert_allclose(sheets["monthly"]["new_urban_jobs_cum"],
                               result.monthly["new_urban_jobs_cum"])
    fig = result.plot()
    assert len(fig.axes) == 2


def test_compare_equals_the_files_compare(plan, tmp_path):
    variant = plan.with_budgets(hiring_subsidy=3e8).with_name("plan_more_hiring")
    options = {"replications": 2, "persons_per_agent": TINY, "attribution_replications": 1}
    c = compare([BASE, variant], executor=1, **options)
    assert isinstance(c, Comparison) and c.scenarios == ["baseline_2021", "plan_more_hiring"]
    # the same variant written as a file, through the CLI's function
    text = PLAN.read_text(encoding="utf-8").replace('name = "plan_2021"',
                                                    'name = "plan_more_hiring"')
    text = text.replace('"../calibration', f'"{ROOT}/calibration')
    text += "\n[instruments.hiring_subsidy]\nbudget_yuan = 3e8\n" if \
        "[instruments.hiring_subsidy]" not in text else ""
    path = tmp_path / "variant.toml"
    path.write_text(text, encoding="utf-8")
    files = Scenario.from_toml(path).with_budgets(hiring_subsidy=3e8)
    # the CLI's defaults: full uncertainty (macro and parameter draws), as the API's
    direct = run_compare([BASE, files.to_toml(tmp_path / "v2.toml")], tmp_path / "out",
                         workers=1, quiet=True, macro_draws=True, parameter_draws=True,
                         **options)
    pd.testing.assert_frame_equal(c.targets, direct.targets)
    saved = Comparison.load(c.save(tmp_path / "saved"))
    pd.testing.assert_frame_equal(saved.targets, c.targets, check_exact=False, rtol=1e-6, atol=1e-5)
    assert (tmp_path / "saved" / "targets.xlsx").is_file()
    assert (tmp_path / "saved" / "report.html").is_file()
    assert c.prob_met("new_urban_jobs").keys() == {"baseline_2021", "plan_more_hiring"}


@pytest.mark.parametrize("bad", [1e12, 0.5, 0, -100.0, float("nan"), float("inf"), True, "100"])
def test_scale_is_bounded_from_python(plan, bad, monkeypatch):
    """``persons_per_agent`` from Python meets the CLI's bound, before any simulation."""
    import jobsim.runner
    from jobsim.errors import UserError
    from jobsim.runner import run_scenario

    def never(*args, **kwargs):
        raise AssertionError("the simulation ran before the scale was checked")

    monkeypatch.setattr(jobsim.runner, "simulate", never)
    resident = plan.loaded.params["population.resident_population"]
    expect = (r"persons_per_agent: must be a number" if isinstance(bad, (bool, str)) else
              rf"persons_per_agent: must lie in \[1, {resident / 1000:,.0f}\] \(at least 1,000 "
              rf"agents for {resident:,.0f} residents\)")
    with pytest.raises(UserError, match=expect):
        run(plan, persons_per_agent=bad)
    with pytest.raises(UserError, match=expect):
        run_scenario(plan.loaded, persons_per_agent=bad)


def test_scale_at_the_bound_and_numpy_numbers_run(plan):
    """The largest scale the bound allows runs; numpy numbers are numbers."""
    resident = plan.loaded.params["population.resident_population"]
    r = run(plan, persons_per_agent=np.float64(resident / 1000), attribution=False)
    assert r.manifest["persons_per_agent"] == resident / 1000
    assert np.isfinite(r.monthly["surveyed_unemployment_rate"]).all()
