"""A malformed calibration configuration fails with one ValueError naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobsim import data
from jobsim.calibration.cli import run_calibrate
from jobsim.calibration.config import CalibrationConfigError, load_config
from jobsim.calibration.targets import build_targets


def _error(path: Path) -> str:
    with pytest.raises(ValueError) as info:
        build_targets(load_config(path))
    assert isinstance(info.value, CalibrationConfigError)
    assert str(path) in str(info.value)
    return str(info.value)


@pytest.mark.parametrize(("old", "new", "field"), [
    ("global_popsize = 3", "global_popsize = 3\nspeed = 2", "method.speed"),
    ("replications = 2", "replications = 0", "simulation.replications"),
    ('path = "matching.efficiency"', 'path = "matching.nope"',
     "parameters[1] (matching.nope).path"),
    ("lower = 0.1", "lower = 0.6", "parameters[1] (matching.efficiency)"),
    ("upper = 0.03", "upper = 1.5", "parameters[0] (flows.separation_rate).upper"),
    ("prior_sd = 0.0035", "prior_sd = -1", "parameters[0] (flows.separation_rate).prior_sd"),
    ('kind = "registered_rate"', 'kind = "rate"', "targets[4] (registered_2019_09)"),
    ("sd = 0.3\n", "", "targets[2] (surveyed_mean_2018)"),
    ("plus = [7]", "plus = [13]", "targets[3] (surveyed_autumn_2018)"),
    ("minus = [10, 12]", "minus = [0]", "targets[3] (surveyed_autumn_2018)"),
    ("month = 9", "month = 8", "targets[4] (registered_2019_09)"),
    ("fit = false", "fit = true", "targets[5] (loan_per_founder)"),
    ('"firms.exit_rate" = 0.0', '"firms.exit_rat" = 0.0', "simulation.fixed"),
    ('name = "tiny"', 'name = "tiny one"', "calibration.name"),
])
def test_bad_field_is_named(make_tiny, old, new, field):
    message = _error(make_tiny(replace={old: new}))
    assert f"field '{field}" in message, message


def test_list_parameter_needs_an_index(make_tiny):
    path = make_tiny(replace={'path = "matching.efficiency"':
                              'path = "seasonality.migrant_separation_multiplier"'})
    assert "index" in _error(path)


def test_more_parameters_than_fitted_targets(make_tiny):
    path = make_tiny(replace={"sd = 39000\nsd_basis = \"test\"\n": "sd = 39000\nsd_basis = "
                              "\"test\"\nfit = false\n", "sd = 0.3\nsd_basis = \"test\"\n":
                              "sd = 0.3\nsd_basis = \"test\"\nfit = false\n"})
    assert "not identified" in _error(path)


def test_not_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[calibration\nname = 1", encoding="utf-8")
    assert "not valid TOML" in _error(bad)
    assert "not found" in _error(tmp_path / "absent.toml")


def test_run_calibrate_rejects_before_simulating(make_tiny, tmp_path):
    path = make_tiny(replace={"lower = 0.0085": "lower = 0.05"})
    with pytest.raises(ValueError, match=r"tiny\.toml: field 'parameters\[0\]"):
        run_calibrate(path, tmp_path / "out" / "fit.toml", workers=1)
    assert not (tmp_path / "out" / "fit.toml").exists()
    with pytest.raises(ValueError, match=r"\.toml"):
        run_calibrate(make_tiny(), tmp_path / "fit.json", workers=1)


def test_shipped_hunan_targets_come_from_the_data(hunan_path):
    cfg = load_config(hunan_path)
    moments = {m.name: m for m in build_targets(cfg)}
    assert moments["hunan_jan_jun_share_2018"].value == pytest.approx(100 * 43.91 / 79.45)
    assert moments["hunan_jan_sep_share_2017"].value == pytest.approx(100 * 63.29 / 75.13)
    assert moments["new_urban_jobs_2016"].value == pytest.approx(77.36e4)
    assert moments["new_urban_jobs_jan_sep_2019"].value == pytest.approx(66.76e4)
    assert moments["national_share_2020_02"].value == pytest.approx(100 * 108 / 1186)
    # China's monthly rate: S/D months only (the loader drops M months), through the gap.
    surveyed = data.national_monthly_surveyed()
    assert moments["surveyed_2020_02"].value == pytest.approx(surveyed["2020-02"])
    assert moments["surveyed_2020_02"].gap and not moments["registered_rate_2019_09"].gap
    assert "surveyed_2019_10" not in moments  # flagged M
    bound = moments["hunan_surveyed_within_5pct_2018"]
    assert bound.value == 5.0 and not bound.fit
    # The gap's upper bound is Hunan's 'within 5%' against China's 2018 mean.
    china_2018 = surveyed[[f"2018-{m:02d}" for m in range(1, 13)]].mean()
    assert cfg.spec.proxy_gap.upper == pytest.approx(5.0 - china_2018, abs=0.005)
    assert not moments["loan_per_founder_2018"].fit
    fitted = [m for m in moments.values() if m.fit]
    assert len(cfg.free) <= len(fitted)


def test_target_outside_the_run_is_refused(make_tiny):
    from jobsim.calibration.simulate import make_spec

    cfg = load_config(make_tiny(replace={"years = [2017]": "years = [2014]"}))
    with pytest.raises(ValueError, match="outside the simulated window"):
        make_spec(cfg, build_targets(cfg), 16000)


def test_memory_only_month_is_refused(make_tiny):
    path = make_tiny(replace={"years = [2018]\nplus = [7]": "years = [2019]\nplus = [2]"})
    message = _error(path)
    assert "targets[3] (surveyed_autumn_2018)" in message and "flagged M" in message
