"""Labour demand from output (model/macro.py)."""

from __future__ import annotations

import numpy as np
import pytest
from jobsim import macro


def test_elasticity_is_estimated_with_its_uncertainty() -> None:
    """The record gives a positive elasticity, significant only with 2020 in the sample."""
    e = macro.estimate_elasticity()
    assert 0 < e.value < 1 and e.se > 0 and e.value / e.se > 2
    assert e.nobs == len(e.years) and 2020 in e.years and 2010 not in e.years  # 2010 is M
    assert e.value == pytest.approx(e.jobs_semi_elasticity * 100 * e.jobs_to_employment)
    without = macro.estimate_elasticity(years=tuple(range(2012, 2020)))
    assert abs(without.value) < 2 * without.se  # 2012-2019 alone cannot tell
    prelim = macro.estimate_elasticity("preliminary")
    assert prelim.value == pytest.approx(e.value, abs=e.se)


def test_reference_growth_gives_flat_demand() -> None:
    """Growth at the reference rate keeps demand at 1 for years; faster growth raises it."""
    ref = macro.reference_growth()
    flat = macro.demand_from_growth({str(y): ref for y in range(2021, 2031)}, "2021-01", 120)
    np.testing.assert_allclose(flat, 1.0, atol=1e-12)
    fast = macro.demand_from_growth({"2021": ref + 1}, "2021-01", 12, elasticity=0.2)
    assert np.all(fast > 1) and fast[0] == pytest.approx(np.exp(0.2 * np.log1p((ref + 1) / 100)
                                                                - 0.2 * np.log1p(ref / 100)))


def test_demand_falls_monotonically_with_growth() -> None:
    """Lower growth, lower demand, every month; quarters override their year."""
    low = macro.demand_from_growth({"2021": 5.0}, "2021-01", 12)
    high = macro.demand_from_growth({"2021": 7.0}, "2021-01", 12)
    assert np.all(low < high)
    shock = macro.demand_from_growth({"2021": 7.0, "2021-Q1": -5.0}, "2021-01", 12)
    assert np.all(shock[:3] < high[:3]) and np.all(shock[3:] == high[3:])


def test_observed_2020_path_is_a_first_quarter_trough() -> None:
    """2020 comes by China's quarters (Hunan's are not in the data): Q1 lowest, then up."""
    growth = macro.observed_growth()
    assert "2020-Q1" in growth and "2020" not in growth and "2019" in growth
    d = macro.observed_demand("2014-01", 84)
    y2020 = d[72:]
    assert y2020[1] == y2020.min() < 0.99 and np.all(np.diff(y2020[::3]) >= 0)
    assert np.all(np.abs(d[:72] - 1) < 0.01)  # 2014-2019 near the reference path


def test_bad_growth_input_is_refused() -> None:
    """A missing quarter or a malformed key is an error naming the period."""
    with pytest.raises(ValueError, match="2022-Q1"):
        macro.demand_from_growth({"2021": 7.0}, "2021-06", 12)
    with pytest.raises(ValueError, match="'2021-H1'"):
        macro.demand_from_growth({"2021-H1": 7.0}, "2021-01", 3)


def test_cumulative_to_single_quarters() -> None:
    """Equal-weight conversion recovers the single quarters of 2020 from its cumulatives."""
    single = macro.single_quarters_from_cumulative({1: -6.8, 2: -1.6, 3: 0.7})
    assert single[1] == -6.8 and single[2] == pytest.approx(3.6) and single[3] == pytest.approx(5.3)


def test_growth_target_and_forecast_sd() -> None:
    """2021 targets as announced; the forecast sd includes 2020's surprise."""
    assert macro.growth_target_2021("hunan") == 7.0 and macro.growth_target_2021("china") == 6.0
    assert macro.growth_forecast_sd() > macro.growth_forecast_sd(last_year=2019) > 0


def test_scenario_demand_needs_no_model_fit() -> None:
    """Loading a growth-based scenario and building its demand path imports no statsmodels."""
    import subprocess
    import sys

    code = ("import sys\nfrom jobsim.scenario import load_scenario\n"
            "l = load_scenario('scenarios/plan_2021_demand_shock.toml')\n"
            "d = l.demand_path()\n"
            "assert min(d) < 0.99 and 'statsmodels' not in sys.modules, sys.modules.keys()\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_demand_shock_scenario_is_a_2020_like_shock() -> None:
    """The shipped shock scenario's demand dips in Q1 like 2020's and recovers by Q4."""
    from jobsim.scenario import load_scenario

    shock = np.array(load_scenario("scenarios/plan_2021_demand_shock.toml").demand_path())
    loaded = load_scenario("scenarios/plan_2021.toml")
    plan = np.array(loaded.demand_path())
    eta = loaded.output_elasticity()
    y2020 = macro.observed_demand("2020-01", 12, elasticity=eta)
    assert np.all(shock <= plan) and shock[0] < plan[0]
    # The same quarterly shortfall of output as 2020's, relative to each year's own baseline,
    # within 0.5% of output (compared as output gaps: the demand ratio scales with eta).
    np.testing.assert_allclose(np.log(shock / plan) / eta, np.log(y2020 / y2020[-1]) / eta,
                               atol=0.005)
