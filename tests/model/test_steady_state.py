"""Known answer: the stripped model's unemployment converges to search theory's steady state.

Stripped = constant separation hazard s, matching per segment, no demography, entry, exit,
seasonality or other channels. Per segment, with firm-employment E, searchers U (E + U = L
fixed) and target employment T (vacancies V = T - E + separations at matching time),
the steady state solves  s E = A U^a (T - E + s E)^(1-a),  and then U / (E + U) = s / (s + f)
with f = M / U the job-finding rate.
"""

from __future__ import annotations

import numpy as np
import pytest
from jobsim.agents import URBAN_EMPLOYMENT, State
from jobsim.labour_market import LabourMarket
from jobsim.matching import matches
from scipy.optimize import brentq


def _analytic_unemployed(model: LabourMarket) -> tuple[float, float]:
    """Steady-state searchers and job-finding rate summed over segments (agents)."""
    p, w, f = model.params, model.workers, model.firms
    s, a, alpha = p["flows.separation_rate"], p["matching.efficiency"], p["matching.elasticity"]
    n = w.n_used
    u_total = m_total = 0.0
    for seg in (0, 1):
        in_seg = w.college[:n] == bool(seg)
        e0 = np.count_nonzero(in_seg & (w.state[:n] == State.EMPLOYED))
        u0 = np.count_nonzero(in_seg & (w.state[:n] == State.UNEMPLOYED))
        target = f.targets(1.0)[(f.segment == seg) & f.alive].sum()
        labour = e0 + u0

        def gap(e: float) -> float:
            return s * e - matches(labour - e, target - e + s * e, a, alpha)

        e_star = brentq(gap, 1e-9, labour - 1e-9)
        u_total += labour - e_star
        m_total += s * e_star
    return u_total, m_total / u_total


def test_stripped_model_converges_to_search_steady_state(params):
    model = LabourMarket(params=params, months=60, persons_per_agent=100, seed=7, stripped=True)
    u_star, f_star = _analytic_unemployed(model)
    other_employed = sum(model.stock(s) for s in URBAN_EMPLOYMENT if s != State.EMPLOYED)
    labour = model.stock(State.EMPLOYED) + model.stock(State.UNEMPLOYED)
    monthly = model.run()
    tail = monthly.iloc[-24:]
    simulated_u = tail["urban_unemployed"].mean() / model.persons_per_agent
    # Sampling error: binomial flows of ~3e3 agents a month; 24 months averaged.
    se = np.sqrt(u_star) / np.sqrt(24) * 3
    assert abs(simulated_u - u_star) < 4 * se, (simulated_u, u_star)

    s = params["flows.separation_rate"]
    firm_u_rate = u_star / labour
    assert np.isclose(firm_u_rate, s / (s + f_star), rtol=1e-9)
    # The simulated rate among firm workers and searchers matches s/(s+f) within sampling error.
    simulated_rate = simulated_u / labour
    assert abs(simulated_rate - s / (s + f_star)) < 4 * se / labour
    # And the published rate counts the other urban employed in its denominator.
    expected_surveyed = 100 * u_star / (labour + other_employed)
    assert abs(tail["surveyed_unemployment_rate"].mean() - expected_surveyed) < 0.05


# ---------------------------------------------------------------- demand shocks and long runs
SHOCK_SCALE = 2000.0
DEPTHS = (1.0, 0.95, 0.90, 0.85)


def _shocked(params, depth: float, window: range) -> tuple[float, float]:
    """December's cumulative new urban jobs and the mean surveyed rate under a shock."""
    demand = [depth if m in window else 1.0 for m in range(12)]
    df = LabourMarket(params=params, months=12, persons_per_agent=SHOCK_SCALE, seed=1,
                      demand_index=demand).run()
    return float(df["new_urban_jobs_cum"].iloc[-1]), float(df["surveyed_unemployment_rate"].mean())


def test_year_long_shock_costs_new_jobs_and_raises_the_rate_monotonically(params):
    """Deeper year-long demand shocks: fewer new urban jobs, a higher surveyed rate."""
    jobs, rate = zip(*(_shocked(params, d, range(12)) for d in DEPTHS))
    assert all(a > b for a, b in zip(jobs, jobs[1:])), jobs
    assert all(a < b for a, b in zip(rate, rate[1:])), rate


def test_three_month_shock_and_recovery_leave_fewer_new_jobs_than_flat_demand(params):
    """A February-April shock that recovers: the rate rises with depth, new jobs fall.

    The year ends with fewer new urban jobs than flat demand at every depth.
    """
    jobs, rate = zip(*(_shocked(params, d, range(1, 4)) for d in DEPTHS))
    assert all(a < b for a, b in zip(rate, rate[1:])), rate
    assert all(j < jobs[0] for j in jobs[1:]), jobs


def test_three_month_shock_new_jobs_fall_monotonically_at_every_depth(params):
    """The bar: new urban jobs fall monotonically with depth 1.0/0.95/0.90/0.85.

    Workers laid off because demand fell are recalled by their firm when it recovers (a
    resumed job, not a new one) and quits freeze with hiring, so the recovery does not
    rehire the shock's layoffs as new jobs.
    """
    jobs = [_shocked(params, d, range(1, 4))[0] for d in DEPTHS]
    assert all(a > b for a, b in zip(jobs, jobs[1:])), jobs


def test_flat_demand_keeps_desired_employment_for_ten_years(params):
    """Flat demand 2021-2030: firms' desired employment within 1% a year of its start.

    Graduates hired at graduation fill vacancies, start-ups displace incumbents.
    """
    model = LabourMarket(params=params, start="2021-01", months=120, persons_per_agent=4000,
                         seed=2)
    f = model.firms

    def desired() -> float:
        n = f.n_used
        return float(f.targets(1.0)[:n][f.alive[:n]].sum())

    start = desired()
    for year in range(1, 11):
        for _ in range(12):
            model.step()
        assert abs(desired() / start - 1) <= 0.01 * year, (year, desired() / start)


@pytest.mark.xfail(strict=True, reason="bar not met: a closed economy at flat urban demand "
                   "(docs/assumptions.md): entrants to urban search exceed urban exits, and the "
                   "fitted set sends the excess out of the labour force (exit from search 11.0% "
                   "a month, entry 0.2%); urban retirees add to the stock. Fitted set: 4.6% -> "
                   "33.8% by 2030, below retirement age 3.9% -> 32.8% (benchmarks/"
                   "macro_response.py; a stationary entry hazard tried and reverted: "
                   "docs/calibration.md, Not done)")
def test_flat_demand_keeps_the_inactive_share_for_ten_years(params):
    """The bar: the inactive share of people 16+ within 1% a year of its start."""
    model = LabourMarket(params=params, start="2021-01", months=120, persons_per_agent=4000,
                         seed=2)
    w = model.workers

    def share() -> float:
        st = w.state[: w.n_used]
        return np.count_nonzero(st == State.INACTIVE) / np.count_nonzero(st != State.GONE)

    start = share()
    for year in range(1, 11):
        for _ in range(12):
            model.step()
        assert abs(share() / start - 1) <= 0.01 * year, (year, share() / start)
