"""Hostile scenario files, parameter files and flags: each one stops before any work.

Every case asserts a non-zero exit, one message naming the file, the real line (of the right
table, or of the ``extends`` base where the mistake is) and the field, no traceback, no output
folder, and the user's files unchanged byte for byte.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hostile import BASE, ROOT, add_line, cli, set_value, snapshot, user_folder  # noqa: F401

PARAMETERS = (ROOT / "model" / "data" / "parameters.toml").read_text(encoding="utf-8")

S, V, Y = "scenario", "vocational_training", "youth_internship"
IV, IY = f"instruments.{V}", f"instruments.{Y}"

#: name -> (table, key, new value, field named in the message). The line is that key's.
VALUE_CASES: dict[str, tuple[str, str, str, str]] = {
    "months_text": (S, "months", '"12"', "scenario.months"),
    "months_bool": (S, "months", "true", "scenario.months"),
    "months_fraction": (S, "months", "12.5", "scenario.months"),
    "months_zero": (S, "months", "0", "scenario.months"),
    "months_negative": (S, "months", "-3", "scenario.months"),
    "months_huge": (S, "months", "100000", "scenario.months"),
    "months_nan": (S, "months", "nan", "scenario.months"),
    "start_month_13": (S, "start", '"2021-13"', "scenario.start"),
    "start_number": (S, "start", "202101", "scenario.start"),
    "start_empty": (S, "start", '""', "scenario.start"),
    "name_number": (S, "name", "3", "scenario.name"),
    "name_spaces": (S, "name", '"my plan!"', "scenario.name"),
    "scale_text": (S, "persons_per_agent", '"20000"', "scenario.persons_per_agent"),
    "scale_bool": (S, "persons_per_agent", "true", "scenario.persons_per_agent"),
    "scale_zero": (S, "persons_per_agent", "0", "scenario.persons_per_agent"),
    "scale_negative": (S, "persons_per_agent", "-5.0", "scenario.persons_per_agent"),
    "scale_inf": (S, "persons_per_agent", "inf", "scenario.persons_per_agent"),
    "scale_nan": (S, "persons_per_agent", "nan", "scenario.persons_per_agent"),
    "scale_1e12": (S, "persons_per_agent", "1e12", "scenario.persons_per_agent"),
    "scale_1e300": (S, "persons_per_agent", "1e300", "scenario.persons_per_agent"),
    "scale_above_population": (S, "persons_per_agent", "100000", "scenario.persons_per_agent"),
    "seed_negative": (S, "seed", "-1", "scenario.seed"),
    "seed_text": (S, "seed", '"1"', "scenario.seed"),
    "seed_fraction": (S, "seed", "1.5", "scenario.seed"),
    "seed_bool": (S, "seed", "true", "scenario.seed"),
    "parameters_missing": (S, "parameters", '"nowhere/params.toml"', "scenario.parameters"),
    "parameters_number": (S, "parameters", "3", "scenario.parameters"),
    "demand_negative": ("macro", "demand_index", "-0.5", "macro.demand_index"),
    "demand_zero": ("macro", "demand_index", "0.0", "macro.demand_index"),
    "demand_inf": ("macro", "demand_index", "inf", "macro.demand_index"),
    "demand_nan": ("macro", "demand_index", "nan", "macro.demand_index"),
    "demand_1e300": ("macro", "demand_index", "1e300", "macro.demand_index"),
    "demand_text": ("macro", "demand_index", '"1.0"', "macro.demand_index"),
    "demand_bool": ("macro", "demand_index", "true", "macro.demand_index"),
    "demand_short_list": ("macro", "demand_index", "[1.0, 1.0]", "macro.demand_index"),
    "demand_list_with_text": ("macro", "demand_index", '[1.0, "x"' + ", 1.0" * 10 + "]",
                              "macro.demand_index"),
    "demand_list_with_nan": ("macro", "demand_index", "[1.0, nan" + ", 1.0" * 10 + "]",
                             "macro.demand_index"),
    "budget_text": (IV, "budget_yuan", '"825000000.0"', f"{IV}.budget_yuan"),
    "budget_bool": (IV, "budget_yuan", "true", f"{IV}.budget_yuan"),
    "budget_negative": (IV, "budget_yuan", "-1.0", f"{IV}.budget_yuan"),
    "budget_inf": (IV, "budget_yuan", "inf", f"{IV}.budget_yuan"),
    "budget_nan": (IV, "budget_yuan", "nan", f"{IV}.budget_yuan"),
    "budget_1e300": (IV, "budget_yuan", "1e300", f"{IV}.budget_yuan"),
    "take_up_text": (IV, "take_up", '"0.08"', f"{IV}.take_up"),
    "take_up_above_one": (IV, "take_up", "1.5", f"{IV}.take_up"),
    "take_up_negative": (IV, "take_up", "-0.1", f"{IV}.take_up"),
    "take_up_nan": (IV, "take_up", "nan", f"{IV}.take_up"),
    "take_up_bool": (IV, "take_up", "true", f"{IV}.take_up"),
    # The second instrument's take_up: the line must be its own table's, not the first one's.
    "youth_take_up_text": (IY, "take_up", '"0.15"', f"{IY}.take_up"),
    "youth_take_up_above_one": (IY, "take_up", "2.0", f"{IY}.take_up"),
    "cap_inf": (IV, "max_participants", "inf", f"{IV}.max_participants"),
    "cap_1e300": (IV, "max_participants", "1e300", f"{IV}.max_participants"),
    "cap_above_population": (IV, "max_participants", "1e12", f"{IV}.max_participants"),
    "cap_negative": (IV, "max_participants", "-1", f"{IV}.max_participants"),
    "cap_text": (IV, "max_participants", '"5"', f"{IV}.max_participants"),
    "groups_empty": (IY, "eligible_groups", "[]", f"{IY}.eligible_groups"),
    "groups_unknown": (IY, "eligible_groups", '["astronauts"]', f"{IY}.eligible_groups"),
    "groups_not_a_list": (IY, "eligible_groups", '"graduate"', f"{IY}.eligible_groups"),
}

#: name -> (table, line to add, field named in the message). The line is the added one's.
ADDED_CASES: dict[str, tuple[str, str, str]] = {
    "unknown_scenario_key": (S, "colour = 3", "scenario.colour"),
    "unknown_instrument_key": (IV, "colour = 3", f"{IV}.colour"),
    "unknown_macro_source": ("macro", 'source = "guess"', "macro.source"),
    "months_window_short": (IV, 'months = ["2021-03"]', f"{IV}.months"),
    "months_window_bad_month": (IV, 'months = ["2021-13", "2021-12"]', f"{IV}.months"),
    "months_window_outside": (IV, 'months = ["2020-01", "2021-12"]', f"{IV}.months"),
    "months_window_reversed": (IV, 'months = ["2021-12", "2021-03"]', f"{IV}.months"),
    "extends_missing": (S, 'extends = "no_such_base.toml"', "scenario.extends"),
    "extends_number": (S, "extends", "scenario.extends"),
    "override_unknown": ("overrides", '"flows.no_such_rate" = 0.1',
                         "overrides.flows.no_such_rate"),
    "override_share_above_one": ("overrides", '"population.share_female" = 1.5',
                                 "overrides.population.share_female"),
    "override_efficiency_inf": ("overrides", '"matching.efficiency" = inf',
                                "overrides.matching.efficiency"),
    "override_nan": ("overrides", '"flows.separation_rate" = nan',
                     "overrides.flows.separation_rate"),
    "override_text": ("overrides", '"flows.separation_rate" = "0.02"',
                      "overrides.flows.separation_rate"),
    "override_bool_for_number": ("overrides", '"flows.separation_rate" = true',
                                 "overrides.flows.separation_rate"),
    "override_list_length": ("overrides", '"firms.sector_employment_share" = [1.0]',
                             "overrides.firms.sector_employment_share"),
    "override_list_shares_sum": ("overrides", '"firms.sector_employment_share" = [0.9, 0.9]',
                                 "overrides.firms.sector_employment_share"),
    "override_age_shares_sum": ("overrides", '"population.share_16_59" = 0.9',
                                "overrides.population.share_16_59"),
    "override_zero_population": ("overrides", '"population.resident_population" = 0',
                                 "overrides.population.resident_population"),
    "override_zero_post_duration": ("overrides", '"flows.public_post_duration_months" = 0',
                                    "overrides.flows.public_post_duration_months"),
    "override_bad_key": ("overrides", '"Flows Rate" = 0.1', "overrides"),
    "setting_unknown": (f"{IV}.settings", "colour = 3", f"{IV}.settings.colour"),
    "setting_effect_1e9": (f"{IV}.settings", "effect_pp_24m = 1e9",
                           f"{IV}.settings.effect_pp_24m"),
    "setting_unit_cost_nan": (f"{IV}.settings", "unit_cost_yuan = nan",
                              f"{IV}.settings.unit_cost_yuan"),
    "setting_text": (f"{IV}.settings", 'effect_pp_24m = "5"', f"{IV}.settings.effect_pp_24m"),
    "setting_outside_range": (f"{IV}.settings", "lockin_multiplier = 0.99",
                              f"{IV}.settings.lockin_multiplier"),
    "unknown_instrument": ("instruments.free_money", "budget_yuan = 1.0", "instruments"),
}
ADDED_CASES["extends_number"] = (S, "extends = 5", "scenario.extends")

#: name -> (parameter table, key, new value or None to delete the table, field named).
PARAMETER_CASES: dict[str, tuple[str, str, str | None, str]] = {
    "param_text": ("flows.separation_rate", "value", '"0.02"', "flows.separation_rate"),
    "param_nan": ("flows.separation_rate", "value", "nan", "flows.separation_rate"),
    "param_inf": ("matching.efficiency", "value", "inf", "matching.efficiency"),
    "param_absurd_efficiency": ("matching.efficiency", "value", "1e6", "matching.efficiency"),
    "param_bool": ("flows.separation_rate", "value", "true", "flows.separation_rate"),
    "param_share_above_one": ("population.share_female", "value", "1.5",
                              "population.share_female"),
    "param_rate_negative": ("flows.separation_rate", "value", "-0.01", "flows.separation_rate"),
    "param_zero_population": ("population.resident_population", "value", "0.0",
                              "population.resident_population"),
    "param_zero_post_duration": ("flows.public_post_duration_months", "value", "0",
                                 "flows.public_post_duration_months"),
    "param_list_length": ("firms.sector_employment_share", "value", "[1.0]",
                          "firms.sector_employment_share"),
    "param_list_shares_sum": ("firms.sector_employment_share", "value", "[0.7, 0.7]",
                              "firms.sector_employment_share"),
    "param_age_shares_sum": ("population.share_16_59", "value", "0.9",
                             "population.share_16_59"),
    "param_unit_changed": ("flows.separation_rate", "unit", '"per_year"',
                           "flows.separation_rate"),
    "param_bad_provenance": ("flows.separation_rate", "provenance", '"hearsay"',
                             "flows.separation_rate"),
    "param_missing": ("flows.separation_rate", "value", None, "flows.separation_rate"),
    "param_percent_above_100": ("population.initial_surveyed_rate", "value", "150.0",
                                "population.initial_surveyed_rate"),
}


def _check(code: int, err: str, *, file: Path, field: str, line: int | None,
           before: dict[str, str], folder: Path) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "pydantic" not in err.lower(), err
    assert err.startswith("jobsim: error: "), err
    assert str(file) in err, err
    assert f"'{field}" in err or f"{field}" in err, err
    if line is not None:
        mine = [row for row in err.splitlines() if str(file) in row]
        assert any(f"line {line}:" in row for row in mine), err
    assert not (folder / "out").exists()
    assert snapshot(folder) == before


def _run_case(folder: Path, text: str | bytes, capsys, name: str = "s.toml") -> tuple:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    before = snapshot(folder)
    code, err = cli(["run", path, "--out", folder / "out"], capsys)
    return path, before, code, err


@pytest.mark.parametrize("case", sorted(VALUE_CASES))
def test_bad_value(case, user_folder, capsys):  # noqa: F811
    table, key, value, field = VALUE_CASES[case]
    text, line = set_value(BASE, table, key, value)
    path, before, code, err = _run_case(user_folder, text, capsys)
    _check(code, err, file=path, field=field, line=line, before=before, folder=user_folder)


@pytest.mark.parametrize("case", sorted(ADDED_CASES))
def test_bad_addition(case, user_folder, capsys):  # noqa: F811
    table, row, field = ADDED_CASES[case]
    text, line = add_line(BASE, table, row)
    if case == "unknown_instrument":
        line -= 1  # the table itself is unknown: its header's line
    path, before, code, err = _run_case(user_folder, text, capsys)
    _check(code, err, file=path, field=field, line=line, before=before, folder=user_folder)


def _parameter_file(name: str, key: str, value: str | None) -> tuple[str, int | None]:
    group, param = name.split(".", 1)
    text = PARAMETERS
    if value is None:
        pattern = re.compile(rf"^\[{re.escape(name)}\]\n(?:(?!\[).*\n)*", re.MULTILINE)
        assert pattern.search(text)
        return pattern.sub("", text, count=1), None
    return set_value(text, name, key, value)


@pytest.mark.parametrize("case", sorted(PARAMETER_CASES))
def test_bad_parameter_file(case, user_folder, capsys):  # noqa: F811
    name, key, value, field = PARAMETER_CASES[case]
    text, line = _parameter_file(name, key, value)
    if case == "param_age_shares_sum":  # the group is reported at its first member
        line = set_value(text, "population.share_under_16", "value", "0.2143")[1]
    params = user_folder / "my_parameters.toml"
    params.write_text(text, encoding="utf-8")
    scenario, _ = set_value(BASE, S, "parameters", '"my_parameters.toml"')
    path, before, code, err = _run_case(user_folder, scenario, capsys)
    _check(code, err, file=params, field=field, line=line, before=before, folder=user_folder)


def test_unknown_parameter_in_file(user_folder, capsys):  # noqa: F811
    params = user_folder / "p.toml"
    params.write_text(PARAMETERS + '\n[flows.made_up_rate]\nvalue = 0.1\nunit = "per_month"\n'
                      'provenance = "assumption"\nreference = "none"\n', encoding="utf-8")
    line = len(PARAMETERS.splitlines()) + 2
    scenario, _ = set_value(BASE, S, "parameters", '"p.toml"')
    path, before, code, err = _run_case(user_folder, scenario, capsys)
    _check(code, err, file=params, field="flows.made_up_rate", line=line, before=before,
           folder=user_folder)
    assert "unknown" in err


ENCODING_CASES = {
    "binary": b"\x00\x01\x02\xff\xfe" * 20,
    "latin1": BASE.replace('"adversarial"', '"adversarial"\ndescription = "caf\xe9"').encode(
        "latin-1"),
    "not_toml": b"[scenario\nname = 1\n",
    "empty": b"",
    "no_scenario_table": b"[macro]\ndemand_index = 1.0\n",
}


@pytest.mark.parametrize("case", sorted(ENCODING_CASES))
def test_unreadable_scenario(case, user_folder, capsys):  # noqa: F811
    data = ENCODING_CASES[case]
    line = {"latin1": 3, "not_toml": 1}.get(case)
    field = {"empty": "scenario", "no_scenario_table": "scenario"}.get(case, "")
    path, before, code, err = _run_case(user_folder, data, capsys)
    _check(code, err, file=path, field=field, line=line, before=before, folder=user_folder)


@pytest.mark.parametrize("case", ["binary", "latin1", "not_toml"])
def test_unreadable_parameter_file(case, user_folder, capsys):  # noqa: F811
    params = user_folder / "p.toml"
    params.write_bytes(ENCODING_CASES[case])
    scenario, _ = set_value(BASE, S, "parameters", '"p.toml"')
    path, before, code, err = _run_case(user_folder, scenario, capsys)
    _check(code, err, file=params, field="", line=None, before=before, folder=user_folder)


def test_byte_order_mark_is_accepted(tmp_path):
    from jobsim.scenario import load_scenario

    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert load_scenario(path).spec.scenario.name == "adversarial"


def test_every_error_at_once(user_folder, capsys):  # noqa: F811
    text, l1 = set_value(BASE, IV, "take_up", '"0.08"')
    text, l2 = set_value(text, IY, "take_up", "1.5")
    text, l3 = set_value(text, S, "months", '"12"')
    path, before, code, err = _run_case(user_folder, text, capsys)
    for line, field in ((l1, f"{IV}.take_up"), (l2, f"{IY}.take_up"), (l3, "scenario.months")):
        assert f"line {line}: field '{field}'" in err, err
    assert "more)" not in err
    _check(code, err, file=path, field="scenario.months", line=l3, before=before,
           folder=user_folder)


# -- extends: errors are blamed on the file where they are -------------------------------

def test_error_in_base_is_blamed_on_the_base(user_folder, capsys):  # noqa: F811
    base_text, line = set_value(BASE, IY, "take_up", '"0.15"')
    base = user_folder / "base.toml"
    base.write_text(base_text, encoding="utf-8")
    child = '[scenario]\nextends = "base.toml"\nname = "child"\n'
    path, before, code, err = _run_case(user_folder, child, capsys, "child.toml")
    _check(code, err, file=base, field=f"{IY}.take_up", line=line, before=before,
           folder=user_folder)
    assert f"{path}," not in err  # the child is not blamed


@pytest.mark.parametrize("case", ["binary", "not_toml"])
def test_unreadable_base(case, user_folder, capsys):  # noqa: F811
    base = user_folder / "base.toml"
    base.write_bytes(ENCODING_CASES[case])
    child = '[scenario]\nextends = "base.toml"\nname = "child"\n'
    path, before, code, err = _run_case(user_folder, child, capsys, "child.toml")
    _check(code, err, file=base, field="", line=None, before=before, folder=user_folder)


def test_circular_extends(user_folder, capsys):  # noqa: F811
    (user_folder / "a.toml").write_text('[scenario]\nextends = "s.toml"\nname = "a"\n',
                                        encoding="utf-8")
    child = '[scenario]\nextends = "a.toml"\nname = "child"\n'
    path, before, code, err = _run_case(user_folder, child, capsys)
    assert "circular" in err
    _check(code, err, file=user_folder / "a.toml", field="scenario.extends", line=2,
           before=before, folder=user_folder)


def test_extends_resolves_the_base_parameters_against_the_base(tmp_path, monkeypatch):
    """A scenario outside the project extends plan_2021 by its full path (issue #14 item 3)."""
    from jobsim.scenario import load_scenario

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "variant.toml").write_text(
        f'[scenario]\nextends = "{ROOT / "scenarios" / "plan_2021.toml"}"\nname = "variant"\n'
        '[instruments.hiring_subsidy]\nbudget_yuan = 3e8\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    loaded = load_scenario(Path("mine/variant.toml"))
    fitted = (ROOT / "calibration" / "fitted" / "hunan_2020.toml").resolve()
    assert Path(loaded.params.origin).resolve() == fitted
    assert loaded.spec.instruments["hiring_subsidy"].budget_yuan == 3e8
    assert loaded.spec.instruments["vocational_training"].budget_yuan == 825000000.0


def test_mapping_gets_the_same_errors_as_a_file(tmp_path):
    import tomllib

    from jobsim.scenario import ScenarioError, scenario_from_mapping

    text, _ = set_value(BASE, IY, "take_up", '"0.15"')
    data = tomllib.loads(text)
    with pytest.raises(ScenarioError) as exc:
        scenario_from_mapping(data, origin="my dict", base_dir=tmp_path)
    assert str(exc.value) == f"my dict: field '{IY}.take_up': must be a number, not the text " \
                             "'0.15'"
    good = scenario_from_mapping(tomllib.loads(BASE), origin="my dict", base_dir=tmp_path)
    assert good.spec.scenario.name == "adversarial"


# -- flags ---------------------------------------------------------------------------------

def _scenario(folder: Path) -> Path:
    path = folder / "s.toml"
    path.write_text(BASE, encoding="utf-8")
    return path


FLAG_CASES = {
    "run_scale_nan": (["run", "{s}", "--persons-per-agent", "nan"], "--persons-per-agent"),
    "run_scale_inf": (["run", "{s}", "--persons-per-agent", "inf"], "--persons-per-agent"),
    "run_scale_zero": (["run", "{s}", "--persons-per-agent", "0"], "--persons-per-agent"),
    "run_scale_text": (["run", "{s}", "--persons-per-agent", "many"], "--persons-per-agent"),
    "run_scale_1e12": (["run", "{s}", "--persons-per-agent", "1e12"], "--persons-per-agent"),
    "run_seed_negative": (["run", "{s}", "--seed", "-1"], "--seed"),
    "run_seed_text": (["run", "{s}", "--seed", "x"], "--seed"),
    "compare_workers_zero": (["compare", "{s}", "--workers", "0"], "--workers"),
    "compare_workers_negative": (["compare", "{s}", "--workers", "-2"], "--workers"),
    "compare_replications_zero": (["compare", "{s}", "--replications", "0"], "--replications"),
    "compare_replications_text": (["compare", "{s}", "--replications", "ten"],
                                  "--replications"),
    "compare_attribution_too_many": (["compare", "{s}", "--replications", "2",
                                      "--attribution-replications", "5"],
                                     "attribution replications"),
    "compare_scheduler_garbage": (["compare", "{s}", "--scheduler", "not an address"],
                                  "--scheduler"),
    "compare_scheduler_port": (["compare", "{s}", "--scheduler", "tcp://127.0.0.1:99999"],
                               "--scheduler"),
    "compare_workers_and_scheduler": (["compare", "{s}", "--workers", "2", "--scheduler",
                                       "tcp://127.0.0.1:8786"], "not both"),
    "compare_parameter_draws_missing": (["compare", "{s}", "--parameter-draws",
                                         "{d}/nope.toml"], "--parameter-draws"),
    "compare_both_draw_flags": (["compare", "{s}", "--parameter-draws", "{s}",
                                 "--no-parameter-draws"], "--no-parameter-draws"),
    "compare_same_scenario_twice": (["compare", "{s}", "{s}"], "given twice"),
    "compare_scale_nan": (["compare", "{s}", "--persons-per-agent", "nan"],
                          "--persons-per-agent"),
    "compare_scale_1e12": (["compare", "{s}", "--persons-per-agent", "1e12"],
                           "--persons-per-agent"),
    "run_missing_scenario": (["run", "{d}/nope.toml"], "nope.toml"),
    "run_scenario_is_a_folder": (["run", "{d}/keep"], "keep"),
    "run_out_is_a_file": (["run", "{s}", "--out", "{d}/notes.txt"], "notes.txt"),
    "run_out_foreign_with_manifest": (["run", "{s}", "--out", "{d}/keep"], "keep"),
    "compare_out_is_a_file": (["compare", "{s}", "--out", "{d}/notes.txt"], "notes.txt"),
    "compare_out_foreign_with_manifest": (["compare", "{s}", "--out", "{d}/keep"], "keep"),
    "run_out_under_a_file": (["run", "{s}", "--out", "{d}/notes.txt/out"], "notes.txt"),
    "forecast_out_foreign_with_manifest": (["forecast", "--out", "{d}/keep"], "keep"),
    "forecast_out_is_a_file": (["forecast", "--out", "{d}/notes.txt"], "notes.txt"),
    "calibrate_out_is_a_user_file": (["calibrate", "{s}", "--out", "{d}/notes.txt"],
                                     "notes.txt"),
    "calibrate_out_is_a_folder": (["calibrate", "{s}", "--out", "{d}/keep"], "keep"),
}


@pytest.mark.parametrize("case", sorted(FLAG_CASES))
def test_bad_flag(case, user_folder, capsys):  # noqa: F811
    argv, named = FLAG_CASES[case]
    scenario = _scenario(user_folder)
    before = snapshot(user_folder)
    argv = [a.format(s=scenario, d=user_folder) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(user_folder / "out")]
    code, err = cli(argv, capsys)
    assert code == 2, err
    assert "Traceback" not in err and named in err, err
    assert err.count("\n") <= 3, err  # a usage line or two at most, not a dump
    assert not (user_folder / "out").exists()
    assert not list(user_folder.glob(".out*")) and not list(user_folder.glob(".keep*"))
    assert snapshot(user_folder) == before
