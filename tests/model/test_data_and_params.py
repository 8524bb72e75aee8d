"""Every data-backed parameter equals what the loader computes from model/data; units convert."""

from __future__ import annotations

import math

import pytest
from jobsim import data
from jobsim.calibration import recording_share
from jobsim.data import DataError
from jobsim.params import ParameterSet

DATA_BACKED = {
    "population.resident_population": lambda: data.hunan("resident_population", "2019-12").value,
    "population.share_16_59":
        lambda: data.hunan("population_share_age_16_59", "2019-12").value / 100,
    "population.share_60_plus":
        lambda: data.hunan("population_share_age_60_plus", "2019-12").value / 100,
    "population.share_under_16":
        lambda: data.hunan("population_share_age_under_16", "2019-12").value / 100,
    "population.total_employed": lambda: data.hunan("employed_persons_total", "2017-12").value,
    "population.urban_employed": lambda: data.hunan("urban_employed_persons", "2017").value,
    "population.initial_surveyed_rate": lambda: float(data.national_monthly_surveyed()["2020-12"]),
    "population.initial_registered_rate":
        lambda: data.hunan("registered_unemployment_rate", "2019-09").value,
    "population.ui_participants":
        lambda: data.hunan("unemployment_insurance_participants", "2018-11").value,
    "population.graduate_first_employment_rate":
        lambda: data.hunan("graduates_first_employment_rate", "2019-08").value / 100,
    "population.hunan_share_of_national": lambda: round(
        data.hunan("new_urban_jobs", "2018").value
        / data.national_annual("new_urban_jobs_wan")[2018], 3),
}


@pytest.mark.parametrize("path", sorted(DATA_BACKED))
def test_data_backed_parameter_matches_data(params, path):
    assert math.isclose(params[path], DATA_BACKED[path](), rel_tol=1e-9)


def test_derived_parameters_recompute(params):
    f = params["flows.job_finding_rate"]
    u = params["population.initial_surveyed_rate"] / 100
    assert math.isclose(params["flows.separation_rate"], f * u / (1 - u), rel_tol=1e-4)
    theta, alpha = params["matching.initial_tightness"], params["matching.elasticity"]
    assert math.isclose(params["matching.efficiency"], f / theta ** (1 - alpha), rel_tol=1e-5)
    assert math.isclose(params["population.urban_share_of_inactive"], 1733.55 / 4890.22,
                        rel_tol=1e-3)
    from jobsim import macro  # the base elasticity is the record's regression, converted

    assert math.isclose(params["labour_demand.output_elasticity"],
                        macro.estimate_elasticity().value, rel_tol=1e-5)


def test_every_parameter_is_declared_with_provenance(params):
    for path in params:
        decl = params.declaration(path)
        assert decl.reference.strip(), path
    assert {k for k, _ in params.assumptions()}  # assumptions are listed, not hidden


def test_assumptions_doc_lists_every_assumption(params):
    from jobsim.policies import INSTRUMENT_DEFAULTS

    text = open("docs/assumptions.md", encoding="utf-8").read()
    for declared in (params, ParameterSet.load(INSTRUMENT_DEFAULTS)):
        for path, _ in declared.assumptions():
            assert f"`{path}`" in text, f"{path} missing from docs/assumptions.md"


def test_recording_share_calibration_reproduces_shipped_value(params):
    share, target, _ = recording_share.fit(replications=4)
    assert params.declaration("indicators.new_jobs_recording_share").provenance == "calibrated"
    assert math.isclose(params["indicators.new_jobs_recording_share"], round(share, 6),
                        rel_tol=1e-9)
    assert math.isclose(target, (75.13 + 79.45 + 72.4) / 3 * 1e4, rel_tol=1e-9)


def test_units_convert_to_persons_and_percent():
    q = data.hunan("new_urban_jobs", "2018")
    assert q.value == 794_500 and q.unit == "persons" and q.flag == "S"
    assert data.hunan("registered_unemployment_rate", "2014-12").unit == "percent"


def test_memory_values_are_excluded_unless_asked():
    series = data.national_monthly_surveyed()
    assert math.isnan(series["2019-10"])  # M-flagged (2018-04 is S since the data revision)
    assert data.national_monthly_surveyed(include_memory=True)["2019-10"] == 5.1
    with pytest.raises(DataError, match="flagged M"):
        data.hunan("minimum_wage_tiers", "2019-10..2022-03")


def test_parameter_set_round_trips_through_toml(params, tmp_path):
    path = tmp_path / "p.toml"
    params.save(path)
    again = ParameterSet.load(path)
    assert again.values() == params.values()
