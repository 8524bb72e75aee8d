"""Macro and parameter draws: one per replicate, the same in every scenario, off by default."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import SCENARIOS, TINY
from jobsim.compare.cli import plan_tasks
from jobsim.compare.tasks import run_one
from jobsim.params import DEFAULT_PARAMETERS
from jobsim.scenario import load_scenario


def _plan(**kwargs):
    loaded = [load_scenario(p) for p in SCENARIOS]
    return plan_tasks(loaded, 3, seed=None, persons_per_agent=TINY, attribution_replications=0,
                      **kwargs)


def test_default_is_the_scenarios_own_path():
    tasks = _plan()
    assert len({t.demand for t in tasks}) == 1  # baseline and plan share the forecast path
    assert all(t.parameter_overrides == () for t in tasks)


def test_macro_draws_vary_by_replicate_not_by_scenario():
    pytest.importorskip("jobsim.forecast.paths")
    tasks = _plan(macro_draws=True)
    by = {(t.scenario, t.replicate): t.demand for t in tasks}
    assert len({by["plan_2021", r] for r in range(3)}) == 3
    assert all(by["plan_2021", r] == by["baseline_2021", r] for r in range(3))
    assert len({t.key for t in tasks}) == len(tasks)  # the draw is part of the task's identity
    assert run_one(tasks[0]).monthly.shape[0] == 12


def test_parameter_draws_from_a_fitted_file(tmp_path):
    pytest.importorskip("jobsim.calibration.fitted")
    fitted = tmp_path / "fake_fit.toml"
    shutil.copy(DEFAULT_PARAMETERS, fitted)
    meta = {"parameters": [{"path": "flows.job_finding_rate", "index": None, "estimate": 0.25,
                            "lower": 0.15, "upper": 0.40}],
            "covariance": [[0.0004]]}
    (tmp_path / "fake_fit.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    tasks = _plan(parameter_file=fitted)
    by = {(t.scenario, t.replicate): t.parameter_overrides for t in tasks}
    values = [dict(by["plan_2021", r])["flows.job_finding_rate"] for r in range(3)]
    assert len(set(values)) == 3 and all(0.15 <= v <= 0.40 for v in values)
    assert all(by["plan_2021", r] == by["baseline_2021", r] for r in range(3))
    assert run_one(tasks[-1]).monthly.shape[0] == 12
