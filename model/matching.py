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
"""

from __future__ import annotations

import numpy as np

from model.agents import State
from model.flows import MonthContext, cover_ui, vacancy_slots
from model.ledger import Flow
from model.rng import Purpose

__all__ = ["matches", "match"]


def matches(u: float, v: float, efficiency: float, elasticity: float) -> float:
    """Expected matches of a segment: A U^alpha V^(1-alpha), capped by U and V."""
    if u <= 0 or v <= 0:
        return 0.0
    return float(min(efficiency * u**elasticity * v ** (1.0 - elasticity), u, v))


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

    Search weights are 1, times ``ctx.effects.search_weight`` where instruments raise it,
    times ``matching.college_efficiency`` for college searchers.
    """
    w, f, p, d, t = ctx.workers, ctx.firms, ctx.params, ctx.draws, ctx.t
    searching = ctx.ledger.members(State.UNEMPLOYED)
    searching = searching[w.spell[searching] >= 1]
    vac = f.vacancies(ctx.demand_index)
    hired_all = []
    for segment in (0, 1):
        who = searching[w.college[searching] == bool(segment)]
        v_total = int(vac[f.segment == segment].sum())
        m_exp = matches(who.size, float(v_total), p["matching.efficiency"],
                        p["matching.elasticity"])
        m = int(min(np.floor(m_exp + d.scalar(Purpose.MATCH_COUNT, t, segment)), who.size,
                    v_total))
        if m == 0:
            continue
        fx = ctx.effects
        weight = (np.ones(who.size) if fx is None or fx.search_weight is None
                  else fx.search_weight[who])
        if segment == 1:
            weight = weight * p["matching.college_efficiency"]
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
