"""The Python API's scenarios: values that validate like files, variants that do not mutate."""

from __future__ import annotations

import tomllib
from pathlib import Path

import jobsim as jobsim_package
import pytest
from jobsim.api import Scenario
from jobsim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "scenarios" / "plan_2021.toml"


@pytest.fixture(scope="module")
def plan() -> Scenario:
    return Scenario.from_toml(PLAN)


def test_package_exports_the_api():
    for name in ("Scenario", "run", "compare", "Results", "Comparison", "ema_model",
                 "ScenarioError"):
        assert hasattr(jobsim_package, name), name
    assert jobsim_package.Scenario is Scenario
    with pytest.raises(AttributeError):
        jobsim_package.no_such_thing  # noqa: B018


def test_from_toml_reads_the_file_and_its_question(plan):
    loaded = load_scenario(PLAN)
    assert plan.name == "plan_2021"
    assert plan.loaded.spec == loaded.spec
    assert plan.budgets["vocational_training"] == 825000000.0
    assert plan.question.startswith("does the plan as written reach 700,000")


def test_with_budgets_returns_a_new_validated_scenario(plan):
    before = dict(plan.budgets)
    more = plan.with_budgets(hiring_subsidy=3e8, vocational_training=0)
    assert plan.budgets == before  # the original is unchanged
    assert more.budgets["hiring_subsidy"] == 3e8 and more.budgets["vocational_training"] == 0
    kinds = {cls.kind: s for cls, s in more.loaded.instruments}
    assert kinds["hiring_subsidy"].budget_yuan == 3e8
    # everything else is the plan's
    assert {k: v for k, v in more.budgets.items() if k not in ("hiring_subsidy",
            "vocational_training")} == {k: v for k, v in before.items()
                                        if k not in ("hiring_subsidy", "vocational_training")}


def test_with_budgets_adds_an_instrument_with_its_defaults():
    base = Scenario.from_toml(ROOT / "scenarios" / "baseline_2021.toml")
    assert "hiring_subsidy" not in base.budgets
    added = base.with_budgets({"hiring_subsidy": 1e8})
    assert added.budgets["hiring_subsidy"] == 1e8


@pytest.mark.parametrize("change, field", [
    (lambda s: s.with_budgets(hiring_subsidy=-1.0), "instruments.hiring_subsidy.budget_yuan"),
    (lambda s: s.with_budgets(no_such_programme=1.0), "instruments"),
    (lambda s: s.with_overrides({"matching.no_such_parameter": 1.0}),
     "matching.no_such_parameter"),
    (lambda s: s.with_macro([1.0, 1.0]), "macro.demand_index"),
    (lambda s: s.with_settings(seed=-3), "scenario.seed"),
])
def test_bad_variants_raise_the_errors_files_raise(plan, change, field):
    with pytest.raises(ScenarioError) as err:
        change(plan)
    assert field in str(err.value)
    assert "plan_2021" in str(err.value)  # names the scenario it came from


def test_from_dict_gives_the_same_error_as_the_same_file(tmp_path):
    text = PLAN.read_text(encoding="utf-8").replace("budget_yuan = 825000000.0",
                                                    "budget_yuan = -5.0")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("../calibration", str(ROOT / "calibration")), encoding="utf-8")
    with pytest.raises(ScenarioError) as from_file:
        load_scenario(bad)
    with pytest.raises(ScenarioError) as from_dict:
        Scenario.from_dict(tomllib.loads(text), base_dir=PLAN.parent, origin="mine")
    message = str(from_dict.value)
    assert message.startswith("mine")
    tail = str(from_file.value).split(": field ", 1)[1]
    assert message.split(": field ", 1)[1] == tail


def test_from_dict_round_trip_resolves_relative_paths(plan, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # another folder: the parameter path must not depend on it
    again = Scenario.from_dict(plan.to_dict())
    assert again.loaded.spec.instruments == plan.loaded.spec.instruments
    assert again.loaded.params.values() == plan.loaded.params.values()
    written = again.to_toml(tmp_path / "copy.toml")
    assert load_scenario(written).params.values() == plan.loaded.params.values()
    variant = plan.with_budgets(hiring_subsidy=1e8).to_toml(tmp_path / "variant.toml")
    assert Scenario.from_toml(variant).question == plan.question  # the question travels


def test_with_overrides_keyword_form(plan):
    a = plan.with_overrides({"matching.efficiency": 0.4})
    b = plan.with_overrides(matching__efficiency=0.4)
    assert a.loaded.params["matching.efficiency"] == b.loaded.params["matching.efficiency"] == 0.4
