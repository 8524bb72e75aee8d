"""Malformed input: one clear message naming file and field, exit status 2, no output folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from jobsim.cli import main
from jobsim.data import DataError, load_table

FITTED = Path("calibration/fitted/hunan_2020.toml").resolve()
GOOD = Path("scenarios/baseline_2021.toml").read_text(encoding="utf-8").replace(
    "../calibration/fitted/hunan_2020.toml", str(FITTED))

CASES = {
    "unknown_key": (GOOD.replace("months = 12", "months = 12\ncolour = 3"), "colour", "colour"),
    "wrong_type": (GOOD.replace("months = 12", 'months = "twelve"'), "scenario.months",
                   "months ="),
    "bad_month": (GOOD.replace('start = "2021-01"', 'start = "2021-13"'), "scenario.start",
                  "start ="),
    "negative_demand": (GOOD.replace("demand_index = 1.0", "demand_index = -0.5"),
                        "macro.demand_index", None),
    "share_above_one": (GOOD + '\n[overrides]\n"population.share_female" = 1.5\n',
                        "population.share_female", None),
    "unknown_parameter": (GOOD + '\n[overrides]\n"flows.no_such_rate" = 0.1\n',
                          "flows.no_such_rate", None),
    "wrong_length": (GOOD.replace("demand_index = 1.0", "demand_index = [1.0, 1.0]"),
                     "macro.demand_index", None),
    "not_toml": ("[scenario\nname = 1", "not valid TOML", None),
    "past_then_a_gap": (GOOD.replace('start = "2021-01"', 'start = "2021-03"'),
                        "scenario.initial_state", "initial_state ="),
    "unknown_initial_state": (GOOD.replace('initial_state = "calibrated_past"',
                                           'initial_state = "yesterday"'),
                              "scenario.initial_state", "initial_state ="),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_scenario(case, tmp_path, capsys):
    text, field, key = CASES[case]
    line = None if key is None else next(
        i + 1 for i, row in enumerate(text.splitlines()) if row.startswith(key))
    path = tmp_path / f"{case}.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err  # one message
    assert str(path) in err and field in err, err
    if line is not None:
        assert f"line {line}" in err, err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]  # no temporary leftovers either


def test_missing_parameter_file_is_named(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(GOOD.replace(str(FITTED), "nowhere/params.toml"), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "field 'scenario.parameters'" in err and "nowhere/params.toml" in err
    assert not (tmp_path / "o").exists()


def test_missing_scenario_file(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")]) == 2
    assert "nope.toml: scenario file not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_negative_seed_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        main(["run", "scenarios/baseline_2021.toml", "--out", str(tmp_path / "o"),
              "--seed", "-1"])


def test_out_folder_that_is_not_ours_is_not_overwritten(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    assert main(["run", "scenarios/baseline_2021.toml", "--out", str(mine),
                 "--persons-per-agent", "5000"]) == 2
    assert (mine / "thesis.tex").read_text() == "precious"


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    src = Path("model/data")
    for f in src.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def test_data_missing_column(data_copy):
    path = data_copy / "national_annual.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    with pytest.raises(DataError, match=r"national_annual.csv: missing column\(s\) source"):
        load_table("national_annual.csv", data_copy)


def test_data_duplicated_period(data_copy):
    path = data_copy / "national_monthly_surveyed_unemployment.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + [lines[3]]) + "\n")
    with pytest.raises(DataError, match="duplicated period/key \\(month=2018-03\\)"):
        load_table("national_monthly_surveyed_unemployment.csv", data_copy)


def test_data_non_numeric_value(data_copy):
    path = data_copy / "national_ytd_new_urban_jobs.csv"
    path.write_text(path.read_text().replace("2018,10,1200", "2018,10,about 1200"))
    with pytest.raises(DataError, match="line 23, column 'cumulative_wan': 'about 1200'"):
        load_table("national_ytd_new_urban_jobs.csv", data_copy)


def test_data_bad_flag(data_copy):
    path = data_copy / "hunan_indicators.csv"
    path.write_text(path.read_text().replace("82.68,wan_persons,S", "82.68,wan_persons,X"))
    with pytest.raises(DataError, match="flag 'X'"):
        load_table("hunan_indicators.csv", data_copy)
