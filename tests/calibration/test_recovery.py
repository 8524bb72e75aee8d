"""Recovery on a tiny problem, the coarse global stage against the default scale, fitted files.

The global stage searches on the model at a coarser scale; a test holds it to the default
scale. The fitted file is what scenarios name.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from jobsim.calibration.config import load_config
from jobsim.calibration.evaluator import Evaluator
from jobsim.calibration.fitted import load_meta, sample_parameters
from jobsim.calibration.recovery import interior_truth, recover
from jobsim.calibration.simulate import make_spec
from jobsim.calibration.targets import build_targets
from jobsim.params import ParameterSet
from jobsim.scenario import load_scenario

#: The tiny problem with the February migrant-separation multiplier free instead of matching
#: efficiency, identified by the spring contrast of the surveyed rate.
SPRING = {
    'path = "matching.efficiency"\nlower = 0.1\nupper = 0.45':
        'path = "seasonality.migrant_separation_multiplier"\nindex = 1\nlower = 1.0\nupper = 5.0',
    "plus = [7]\nminus = [10, 12]": "plus = [2, 3]\nminus = [5, 6]",
}


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    """The recovery experiment on the tiny problem (run once for the tests below)."""
    from tests.calibration.conftest import write_tiny

    cfg = load_config(write_tiny(tmp_path_factory.mktemp("tiny"), ppa=2000, replace=SPRING))
    truth = interior_truth(cfg, {"flows.separation_rate": 0.018,
                                 "seasonality.migrant_separation_multiplier[1]": 3.0,
                                 "indicators.new_jobs_recording_share": 0.3})
    with Evaluator(workers=2, progress=False) as ev:
        table, _, _ = recover(cfg, ev, truth)
    return cfg, table


def test_recovers_known_parameters(recovered):
    cfg, table = recovered
    assert np.all(np.isfinite(table["se"])) and np.all(table["se"] > 0)
    # Within three standard errors each (a 0.3% event per parameter if the se are right) ...
    assert np.all(np.abs(table["z"]) < 3), table
    # ... and the standard errors are informative for the recording share. The February
    # multiplier is the weakest (one spring contrast at 2000 persons per agent): on the
    # model after i10m's d1d5e58 its se is 2.5 of a 4-wide range (measured), so only a bound.
    width = np.array([p.upper - p.lower for p in cfg.free])
    assert np.all(table["se"].to_numpy() < width), table
    assert table["se"].to_numpy()[2] < 0.2 * width[2], table


@pytest.mark.xfail(strict=True, reason=(
    "measured on the model with stationary initial vacancies (4138727): the separation rate "
    "moves both separations and the initial vacancy stock (theta0 grows with s^2), and the tiny "
    "problem's moments no longer pin it (se 0.0129 of a 0.0215-wide range; the full fit's se "
    "is 0.0017)"))
def test_tiny_problem_pins_the_separation_rate(recovered):
    cfg, table = recovered
    width = np.array([p.upper - p.lower for p in cfg.free])
    assert table["se"].to_numpy()[0] < 0.2 * width[0], table


def test_coarse_global_stage_agrees_with_default_scale(hunan_path):
    """Moments at 1000 persons per agent agree with 100 within sampling noise.

    (A strict xfail on the model of d1d5e58; it holds again on the model with stationary
    initial vacancies, 4138727.)
    """
    cfg = load_config(hunan_path)
    moments = build_targets(cfg)
    spec = make_spec(cfg, moments, cfg.spec.simulation.persons_per_agent)
    coarse = replace(spec, persons_per_agent=cfg.spec.method.global_persons_per_agent)
    theta = [[0.016, 0.25, 2.5, 0.003, 0.003, 0.02, 0.5, 1.0]]
    with Evaluator(workers=2, progress=False) as ev:
        fine = ev.moments(spec, theta, 2)[0]
        rough = ev.moments(coarse, theta, 6)[0]
    fit = np.array([m.fit for m in moments])
    se = np.sqrt(fine.var(axis=0, ddof=1) / 2 + rough.var(axis=0, ddof=1) / 6)
    sd = np.array([m.sd for m in moments])
    gap = np.abs(fine.mean(axis=0) - rough.mean(axis=0))[fit]
    assert np.all(gap < 4 * se[fit] + 0.1 * sd[fit]), (gap, se[fit])


def test_fitted_file_loads_and_carries_uncertainty(make_tiny, tmp_path):
    from jobsim.calibration.cli import run_calibrate

    out = tmp_path / "fitted" / "tiny_fit.toml"
    summary = run_calibrate(make_tiny(), out, workers=2)
    params = ParameterSet.load(out)
    decl = params.declaration("flows.separation_rate")
    assert decl.provenance == "calibrated" and "tiny_fit.meta.json" in decl.reference
    assert params["flows.separation_rate"] == summary["parameters"]["flows.separation_rate"] \
        or abs(params["flows.separation_rate"] / summary["parameters"]["flows.separation_rate"]
               - 1) < 1e-5
    assert params["firms.exit_rate"] == ParameterSet.load()["firms.exit_rate"]  # not the fixed 0
    meta = load_meta(out)
    for key in ("targets", "method", "seeds", "objective", "version", "covariance", "date"):
        assert key in meta
    report = out.with_name("tiny_fit_report")
    for name in ("report.md", "fit_table.csv", "profiles.png", "morris.csv", "fit.png"):
        assert (report / name).is_file(), name
    # A scenario names the fitted file relative to itself.
    scenario = tmp_path / "scenarios" / "fitted_baseline.toml"
    scenario.parent.mkdir()
    scenario.write_text('[scenario]\nname = "fitted_baseline"\nstart = "2021-01"\nmonths = 2\n'
                        'parameters = "../fitted/tiny_fit.toml"\n', encoding="utf-8")
    loaded = load_scenario(scenario)
    assert loaded.params["matching.efficiency"] == params["matching.efficiency"]
    draws = sample_parameters(out, 5, seed=3)
    for p in meta["parameters"]:
        values = [d[p["path"]] for d in draws]
        assert all(p["lower"] <= v <= p["upper"] for v in values)
    assert len({d["matching.efficiency"] for d in draws}) == 5
