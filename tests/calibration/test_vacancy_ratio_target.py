"""The vacancy-ratio target: the offices' 求人倍率 growth against the run's tightness drift."""

from __future__ import annotations

import pytest
from jobsim.calibration.config import CalibrationConfigError, load_config
from jobsim.calibration.simulate import _params, extract, make_spec, run_path
from jobsim.calibration.targets import build_targets

RATIO = """
[[targets]]
name = "vacancy_ratio_growth_2019"
kind = "vacancy_ratio_growth"
years = [2019]
from_period = "2017Q4"
to_period = "2019Q4"
sd = 0.05
sd_basis = "test"

[[targets]]
name = "loan_per_founder\""""

_AT = '[[targets]]\nname = "loan_per_founder"'


def _moment(make_tiny, text: str = RATIO, extra: dict[str, str] | None = None, **kw):
    cfg = load_config(make_tiny(replace={_AT: text.strip(), **(extra or {})}, **kw))
    moments = build_targets(cfg)
    return cfg, moments, next(m for m in moments if m.kind == "vacancy_ratio_growth")


def test_target_is_the_growth_of_the_offices_ratio(make_tiny):
    _, _, m = _moment(make_tiny)
    assert m.value == pytest.approx(1.27 / 1.22)  # 2019Q4 [D] over 2017Q4 [S]
    assert "pes_vacancy_ratio.csv" in m.source and "2019Q4 [D]" in m.source


def test_moment_reads_the_quarter_means_of_the_run_s_tightness(make_tiny):
    cfg, moments, m = _moment(make_tiny)
    spec = make_spec(cfg, moments, 16000)
    frame, stock = run_path(spec, _params(spec, (0.014, 0.2)), 0)
    e = spec.extract[moments.index(m)]
    theta = frame.set_index("month")["vacancy_tightness"]
    expected = (theta[["2019-10", "2019-11", "2019-12"]].mean()
                / theta[["2017-10", "2017-11", "2017-12"]].mean())
    assert extract(e, frame, stock) == pytest.approx(expected)


def test_a_faster_drain_from_search_raises_the_tightness_drift(make_tiny):
    """Searchers who leave search leave their vacancies open: the moment measures the drift."""
    def growth(exit_rate: float) -> float:
        fixed = 'fixed = { "firms.exit_rate" = 0.0 }'
        cfg, moments, m = _moment(make_tiny, ppa=4000, extra={fixed: fixed.replace(
            "0.0 }", f'0.0, "flows.lf_exit_rate" = {exit_rate} }}')})
        spec = make_spec(cfg, moments, 4000)
        frame, stock = run_path(spec, _params(spec, (0.014, 0.2)), 0)
        return extract(spec.extract[moments.index(m)], frame, stock)

    assert growth(0.30) > growth(0.02) + 0.05


@pytest.mark.parametrize("field, bad, message", [
    ("from_period", '"2017-12"', "not a quarter"),
    ("to_period", '"2016Q4"', "not after"),
    ("years", "[2018]", "year of to_period"),
])
def test_malformed_ratio_target_is_refused_naming_the_file(make_tiny, field, bad, message):
    old = {"from_period": 'from_period = "2017Q4"', "to_period": 'to_period = "2019Q4"',
           "years": "years = [2019]"}[field]
    path = make_tiny(replace={_AT: RATIO.strip().replace(old, f"{field} = {bad}", 1)})
    with pytest.raises(CalibrationConfigError) as info:
        load_config(path)
    assert message in str(info.value) and str(path) in str(info.value)
