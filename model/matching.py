"""Matching of searchers and vacancies per segment.

In each segment (non-college, college) matches follow the constant-returns Cobb-Douglas
function of Petrongolo & Pissarides (2001),

    M = min(A * U**alpha * V**(1 - alpha), U, V),

rounded without bias. The M hires are drawn among searchers without replacement with
probability proportional to search weight (efficiency of the group, plus what instruments add),
using exponential keys: the M smallest ``E_i / w_i`` with ``E_i ~ Exp(1)`` (Efraimidis &
Spirakis 2006), ``E_i`` counter-based so a searcher keeps its key in a counterfactual. Each
hire fills a vacancy drawn uniformly among the segment's open slots (keyed the same way).
Only searchers who were already unemployed at the start of the month search.

Search weights (who gets the matches): 1, times ``matching.difficulty_search_efficiency`` for
people with employment difficulty and ``matching.long_term_search_efficiency`` for searchers
unemployed six months or more (the plan's 失业半年以上 category), times what instruments add.

Displacement (Crépon et al. 2013): an instrument that raises its participants' search weight
gives them a gross gain G, the expected extra matches over the same people at their core
weights (``1 - (1 - f)^w`` for a searcher of weight w at the segment's matching rate f). Only a
share ``rho`` of G adds matches; the rest is taken from other searchers. ``rho`` falls in slack
markets: ``rho = search_net_to_gross * (theta / theta_ref)^tightness_elasticity``,
capped at 1, with theta the segment's vacancies per searcher this month and theta_ref the
model's initial (stationary) tightness.
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import Group, State
from jobsim.flows import MonthContext, cover_ui, vacancy_slots
from jobsim.ledger import Flow
from jobsim.rng import Purpose

__all__ = ["matches", "match", "net_to_gross", "core_weights", "gross_extra_matches",
           "LONG_TERM_MONTHS"]

#: Unemployed for half a year or more (the plan's 失业半年以上人员 target group).
LONG_TERM_MONTHS = 6


def matches(u: float, v: float, efficiency: float, elasticity: float) -> float:
    """Expected matches of a segment: A U^alpha V^(1-alpha), capped by U and V."""
    if u <= 0 or v <= 0:
        return 0.0
    return float(min(efficiency * u**elasticity * v ** (1.0 - elasticity), u, v))


def net_to_gross(p, theta: float, theta_ref: float) -> float:
    """Share of search instruments' gross extra matches that are net new matches.

    ``theta_ref`` is the model's initial (stationary) tightness: ``rho`` is
    ``matching.search_net_to_gross`` in a market as tight as at the start.
    """
    base = float(theta_ref) if theta_ref > 0 else 1.0
    rho = float(p["matching.search_net_to_gross"]) * (max(theta, 0.0) / base) ** float(
        p["matching.net_to_gross_tightness_elasticity"])
    return min(rho, 1.0)


def core_weights(w, who: np.ndarray, p) -> np.ndarray:
    """Searchers' relative search efficiency by group and spell (no instrument)."""
    g = np.ones(who.size)
    hard = (w.groups[who] & np.uint8(Group.DIFFICULTY)) > 0
    g[hard] *= float(p["matching.difficulty_search_efficiency"])
    g[w.spell[who] >= LONG_TERM_MONTHS] *= float(p["matching.long_term_search_efficiency"])
    return g


def gross_extra_matches(core: np.ndarray, boost: np.ndarray, rate: float) -> float:
    """Expected extra matches of searchers whose weight instruments raised by ``boost``."""
    up = boost != 1.0
    if not up.any() or rate <= 0:
        return 0.0
    miss = 1.0 - min(rate, 1.0)
    g = core[up]
    return float(np.sum(miss ** g - miss ** (g * boost[up])))


def match(ctx: MonthContext) -> tuple[np.ndarray, float]:
    """Hire searchers into vacancies; returns the hired agents (sorted).

    Parameters
    ----------
    ctx : MonthContext
        The month.

    Returns
    -------
    hired : ndarray
        The hired agents, sorted.
    rate : float
        Matches per searcher this month (the realised job-finding rate by matching).

    Search weights are the core weights (group, spell) times ``ctx.effects.search_weight``
    where instruments raise it; the college segment's matching efficiency is
    ``matching.efficiency x matching.college_efficiency``. Instruments' extra matches are added
    at the net-to-gross share (module docstring).
    """
    w, f, p, d, t = ctx.workers, ctx.firms, ctx.params, ctx.draws, ctx.t
    searching = ctx.ledger.members(State.UNEMPLOYED)
    searching = searching[w.spell[searching] >= 1]
    vac = f.vacancies(ctx.demand_index)
    hired_all = []
    for segment in (0, 1):
        who = searching[w.college[searching] == bool(segment)]
        v_total = int(vac[f.segment == segment].sum())
        efficiency = p["matching.efficiency"] * (p["matching.college_efficiency"] if segment
                                                 else 1.0)
        m_exp = matches(who.size, float(v_total), efficiency, p["matching.elasticity"])
        fx = ctx.effects
        core = core_weights(w, who, p)
        weight = core
        if fx is not None and fx.search_weight is not None and who.size:
            boost = fx.search_weight[who]
            weight = core * boost
            gross = gross_extra_matches(core, boost, m_exp / who.size)
            if gross > 0:
                m_exp = min(m_exp + gross * net_to_gross(p, v_total / who.size, ctx.theta_ref),
                            float(who.size), float(v_total))
        m = int(min(np.floor(m_exp + d.scalar(Purpose.MATCH_COUNT, t, segment)), who.size,
                    v_total))
        if m == 0:
            continue
        keys = -np.log(d.uniform(Purpose.MATCH_KEY, t, who)) / weight
        chosen = who[np.argpartition(keys, m - 1)[:m]] if m < who.size else who
        chosen = chosen[np.argsort(keys[np.searchsorted(who, chosen)], kind="stable")]
        firms = vacancy_slots(ctx, segment, vac, m)
        order = np.argsort(chosen)
        chosen, firms = chosen[order], firms[order]
        w.firm[chosen] = firms
        f.hire(firms)
        hired_all.append(chosen)
    hired = np.concatenate(hired_all) if hired_all else searching[:0]
    ctx.ledger.move(hired, State.EMPLOYED, Flow.MATCH)
    w.registered[hired] = False
    cover_ui(ctx, hired)
    return hired, hired.size / max(searching.size, 1)
