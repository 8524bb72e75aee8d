"""The model's calibrated past (jobsim.past) is the run the calibration fits, month by month."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from jobsim import data, past
from jobsim.calibration.config import RECORDING_SHARE, load_config
from jobsim.calibration.simulate import _params, make_spec, run_path
from jobsim.calibration.targets import build_targets
from jobsim.params import ParameterSet

FITTED = Path(__file__).resolve().parents[2] / "calibration" / "fitted" / "hunan_2020.toml"


def test_the_configuration_defines_the_models_past(hunan_path):
    sim = load_config(hunan_path).spec.simulation
    assert (sim.start, sim.end) == (past.OBSERVED_START, past.PAST_END)
    assert str(pd.Period(sim.start, freq="M") - sim.spin_up_months) == past.PAST_START
    assert sim.spin_up_months == past.SETTLE_MONTHS
    assert sim.demand == "macro" and not sim.demand_index
    assert sim.fixed == {"population.initial_registered_rate":
                         data.hunan(*past.OPENING_REGISTER).value}


def test_the_past_run_reproduces_the_calibrations_run_at_the_fitted_values(hunan_path):
    cfg = load_config(hunan_path)
    spec = make_spec(cfg, build_targets(cfg), 4000, seed=7)
    fitted = ParameterSet.load(FITTED)
    theta = tuple(fitted[path] if index is None else fitted[path][index]
                  for path, index in spec.free)
    frame, _ = run_path(spec, _params(spec, theta), 2)
    # The calibration runs at recording share 1 (the share is concentrated out of the fit).
    params = fitted.with_overrides({RECORDING_SHARE: 1.0})
    model = past.run_past(params, persons_per_agent=4000, seed=7, replicate=2, months_after=12)
    assert model.month_index == past.PAST_MONTHS
    pd.testing.assert_frame_equal(model.monthly(), frame)
