"""The past is one continuous run: targets are slices of one monthly frame; the proxy gap."""

from __future__ import annotations

import numpy as np
import pytest
from jobsim.calibration.config import load_config
from jobsim.calibration.objective import Problem
from jobsim.calibration.simulate import _params, extract, make_spec, run_path
from jobsim.calibration.targets import build_targets
from scipy.optimize import minimize_scalar


def test_targets_are_read_off_one_continuous_run(make_tiny):
    cfg = load_config(make_tiny())
    moments = build_targets(cfg)
    spec = make_spec(cfg, moments, 16000)
    assert spec.start == "2017-01" and spec.months == 36
    frame, stock = run_path(spec, _params(spec, (0.014, 0.2)), 0)
    assert list(frame["month"][[0, 12, 35]]) == ["2017-01", "2018-01", "2019-12"]
    assert stock.size == 37
    by_name = {m.name: e for m, e in zip(moments, spec.extract)}
    jobs = frame["new_urban_jobs"].to_numpy()
    assert extract(by_name["jobs_2018"], frame, stock) == pytest.approx(jobs[12:24].sum())
    assert extract(by_name["jobs_2017"], frame, stock) == pytest.approx(jobs[:12].sum())
    reg = frame["registered_unemployment_rate"].to_numpy()
    assert extract(by_name["registered_2019_09"], frame, stock) == pytest.approx(reg[32])
    # One model instance ran all 36 months: its ledger's stocks chain from month to month.
    stocks = frame[[c for c in frame.columns if c.startswith("stock_")]].to_numpy()
    assert np.all(np.abs(np.diff(stocks.sum(axis=1))) < 0.05 * stocks[0].sum())


def test_proxy_gap_is_the_objective_minimiser(hunan_path):
    cfg = load_config(hunan_path)
    moments = build_targets(cfg)
    pb = Problem.from_config(cfg, moments)
    rng = np.random.default_rng(3)
    raw = pb.data * (1 + 0.03 * rng.standard_normal(pb.data.size))
    raw[pb.gapped] = pb.data[pb.gapped] - 0.2 + 0.1 * rng.standard_normal(pb.gapped.sum())
    raw = np.where(np.isfinite(raw), raw, 1.0)
    scaled = pb.scale(raw, pb.best_share(raw))
    gap = pb.best_gap(scaled)
    g = cfg.spec.proxy_gap

    def j(value: float) -> float:
        use = pb.fit & pb.gapped
        r = (scaled[use] - value - pb.data[use]) / pb.sd[use]
        return float(r @ r + ((value - g.prior_mean) / g.prior_sd) ** 2)

    best = minimize_scalar(j, bounds=(g.lower, g.upper), method="bounded",
                           options={"xatol": 1e-9})
    assert gap == pytest.approx(best.x, abs=1e-6)
    assert -0.3 < gap < -0.1  # the model's rate is 0.2 pp below China's: gap about -0.2
    adjusted, _, used = pb.adjusted(raw)
    assert used == gap
    np.testing.assert_allclose(adjusted[pb.gapped], scaled[pb.gapped] - gap)
    assert pb.n_rows == int(pb.fit.sum()) + len(pb.priors) + 1


def test_spin_up_months_run_first_and_are_never_read(make_tiny):
    cfg = load_config(make_tiny(replace={'start = "2017-01"': 'start = "2017-01"\n'
                                         'spin_up_months = 12'}))
    moments = build_targets(cfg)
    spec = make_spec(cfg, moments, 16000)
    assert spec.start == "2016-01" and spec.months == 48
    assert spec.demand[:12] == (1.0,) * 12  # reference demand while the stocks settle
    frame, stock = run_path(spec, _params(spec, (0.014, 0.2)), 0)
    by_name = {m.name: e for m, e in zip(moments, spec.extract)}
    jobs = frame["new_urban_jobs"].to_numpy()
    assert extract(by_name["jobs_2017"], frame, stock) == pytest.approx(jobs[12:24].sum())
    early = load_config(make_tiny(replace={'start = "2017-01"': 'start = "2018-01"\n'
                                           'spin_up_months = 12'}))
    with pytest.raises(ValueError, match="outside the simulated window"):
        make_spec(early, build_targets(early), 16000)  # jobs_2017 falls in the spin-up
