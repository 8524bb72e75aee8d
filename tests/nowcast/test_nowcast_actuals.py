"""Bad or inconsistent actuals: one clear error naming file, line and field; exit 2; no output."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobsim.cli import main
from jobsim.nowcast.backtest import record_actuals

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios" / "actuals" / "china_2020_jan_jun.csv"
PLAN = ROOT / "scenarios" / "plan_2021.toml"

HEADER = "series,period,value,unit\n"
GOOD = "national_new_urban_jobs_ytd,2020-02,1080000,persons\n"

CASES = {
    "falling cumulative": (
        HEADER + GOOD + "national_new_urban_jobs_ytd,2020-03,1000000,persons\n",
        ["line 3", "field 'value'", "falls from 1,080,000 (2020-02, line 2)"]),
    "month in the future of the scenario's year": (
        HEADER + "hunan_new_urban_jobs_ytd,2022-01,50000,persons\n",
        ["line 2", "field 'period'", "in the future of the scenario's year"]),
    "year beyond the data, not the scenario's": (
        HEADER + "hunan_new_urban_jobs_ytd,2019-05,50000,persons\n"
        "hunan_new_urban_jobs_ytd,2021-06,50000,persons\n",
        ["line 3", "field 'period'", "one file holds one year"]),
    "value without unit": (
        HEADER + "national_new_urban_jobs_ytd,2020-02,108,\n",
        ["line 2", "field 'unit'", "has no unit"]),
    "unit of another kind": (
        HEADER + "national_surveyed_unemployment_rate,2020-02,6.2,persons\n",
        ["line 2", "field 'unit'", "not a unit of national_surveyed_unemployment_rate"]),
    "unknown series": (
        HEADER + GOOD + "hunan_new_jobs,2020-03,1,persons\n",
        ["line 3", "field 'series'", "unknown series 'hunan_new_jobs'"]),
    "malformed period": (
        HEADER + "national_new_urban_jobs_ytd,2020-13,1080000,persons\n",
        ["line 2", "field 'period'", "not a month"]),
    "value not a number": (
        HEADER + "national_new_urban_jobs_ytd,2020-02,108万,persons\n",
        ["line 2", "field 'value'", "not a number"]),
    "negative value": (
        HEADER + "national_new_urban_jobs_ytd,2020-02,-5,persons\n",
        ["line 2", "field 'value'", ">= 0"]),
    "rate above 100": (
        HEADER + "national_surveyed_unemployment_rate,2020-02,620,percent\n",
        ["line 2", "field 'value'", "not a percentage"]),
    "duplicate period": (
        HEADER + GOOD + GOOD,
        ["line 3", "given twice (also line 2)"]),
    "missing column": (
        "series,period,value\n" + "national_new_urban_jobs_ytd,2020-02,1080000\n",
        ["missing column(s) unit"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_actuals_exit_2_naming_line_and_field(case, tmp_path, capsys):
    """Each bad input stops with exit 2, names file, line and field, and writes nothing."""
    text, expected = CASES[case]
    path = tmp_path / "actuals.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["nowcast", "--actuals", str(path), "--out", str(out), "--scenario", str(PLAN),
                 "--method", "statistical"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("jobsim: error: ") and "Traceback" not in err
    assert str(path) in err
    for part in expected:
        assert part in err, (part, err)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]  # nothing written beside it either


def test_missing_actuals_file(tmp_path, capsys):
    """A missing actuals file is a clear error."""
    code = main(["nowcast", "--actuals", str(tmp_path / "nope.csv"), "--out",
                 str(tmp_path / "out"), "--scenario", str(PLAN)])
    assert code == 2 and "actuals file not found" in capsys.readouterr().err


def test_shipped_actuals_are_the_record():
    """The shipped Jan-Jun 2020 file is exactly what the record gives (and can be rebuilt)."""
    shipped = SHIPPED.read_text(encoding="utf-8")
    rebuilt = record_actuals(2020, 6).to_csv(index=False)
    assert shipped == rebuilt
    assert "national_new_urban_jobs_ytd,2020-06,5640000,persons" in shipped


def test_wan_is_converted_to_persons(tmp_path):
    """Counts given in 万 are read in persons."""
    from jobsim.nowcast.actuals import read_actuals

    path = tmp_path / "a.csv"
    path.write_text(HEADER + "hunan_new_urban_jobs_ytd,2021-06,43.91,wan_persons\n",
                    encoding="utf-8")
    acts = read_actuals(path, scenario_year=2021, scenario_last_month="2021-12",
                        last_data_year=2020)
    assert acts.year == 2021
    assert acts.series("hunan_new_urban_jobs_ytd").to_dict() == {6: pytest.approx(439100.0)}
