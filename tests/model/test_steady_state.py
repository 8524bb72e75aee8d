"""Known answer: the stripped model's unemployment converges to search theory's steady state.

Stripped = constant separation hazard s, matching per segment, no demography, entry, exit,
seasonality or other channels. Per segment, with firm-employment E, searchers U (E + U = L
fixed) and target employment T (vacancies V = T - E + separations at matching time),
the steady state solves  s E = A U^a (T - E + s E)^(1-a),  and then U / (E + U) = s / (s + f)
with f = M / U the job-finding rate.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from model.agents import URBAN_EMPLOYMENT, State
from model.labour_market import LabourMarket
from model.matching import matches


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
