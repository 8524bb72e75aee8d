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


STOCK = """
[[targets]]
name = "urban_employed_2017"
kind = "employment_stock"
years = [2017]
month = 12
indicator = "urban_employed_persons"
period = "2017"
sd = 866800
sd_basis = "test"

[[targets]]
name = "loan_per_founder\""""


def test_employment_stock_reads_the_model_stock_at_the_month(make_tiny):
    """A stock target compares Hunan's 2017 urban employed with the run's 2017-12 stock."""
    path = make_tiny(replace={'[[targets]]\nname = "loan_per_founder"': STOCK.strip()})
    cfg = load_config(path)
    moments = build_targets(cfg)
    stock_moment = next(m for m in moments if m.kind == "employment_stock")
    assert stock_moment.value == pytest.approx(17_335_500)  # 1733.55 wan [S]
    spec = make_spec(cfg, moments, 16000)
    frame, stock = run_path(spec, _params(spec, (0.014, 0.2)), 0)
    e = spec.extract[moments.index(stock_moment)]
    assert frame["month"].iloc[e.years[0] + e.month - 1] == "2017-12"
    value = extract(e, frame, stock)
    assert value == frame["urban_employed"].iloc[11]
    assert 0.5 * stock_moment.value < value < 1.5 * stock_moment.value


def test_employment_stock_of_an_unmeasured_indicator_is_refused(make_tiny):
    from jobsim.calibration.config import CalibrationConfigError

    bad = STOCK.strip().replace('indicator = "urban_employed_persons"',
                                'indicator = "resident_population"')
    path = make_tiny(replace={'[[targets]]\nname = "loan_per_founder"': bad})
    with pytest.raises(CalibrationConfigError) as info:
        load_config(path)
    assert "resident_population" in str(info.value) and str(path) in str(info.value)
