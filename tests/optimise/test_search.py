"""The search itself, on a stand-in objective (no model runs): feasible, distinct, seeded."""

from __future__ import annotations

import numpy as np
import pytest
from jobsim.optimise.bounds import Bounds, Search
from jobsim.optimise.search import search
from jobsim.optimise.space import build_space
from jobsim.scenario import load_scenario
from optimise_helpers import PLAN, PLAN_TOTAL

#: Persons per million yuan of each instrument, in the plan's order: a linear stand-in with
#: the signs and rough sizes of docs/optimise.md's fit (some instruments buy nothing).
YIELD = np.array([2.0, 80.0, 280.0, -5.0, 1.0, 5.0, 0.0, 60.0, 30.0, 100.0, 90.0])


class LinearEvaluator:
    """Stands in for MixEvaluator: objectives of a linear gain, counting what it is asked."""

    def __init__(self, space) -> None:
        self.space = space
        self.asked: list = []

    def objectives(self, mixes, scale):
        self.asked.extend(mixes)
        out = []
        for mix in mixes:
            gain = float(YIELD @ np.array(mix.budgets)) / 1e6
            cost = mix.total / gain if gain >= 1 else float("nan")
            out.append({"p_met": min(1.0, round(20 * max(gain, 0) / 60_000) / 20),
                        "gain": gain, "cost": cost})
        return out


@pytest.fixture(scope="module")
def space():
    return build_space(load_scenario(PLAN), Bounds(), PLAN_TOTAL / 2)


@pytest.mark.parametrize("algorithm", ["nsga2", "sms-emoa"])
def test_search_evaluates_as_many_distinct_feasible_mixes_as_asked(space, algorithm):
    ev = LinearEvaluator(space)
    settings = Search(population=12, offspring=4, algorithm=algorithm)
    mixes = search(ev, settings, evaluations=40, seed=7, scale=1000.0)
    assert len(mixes) == 40 and ev.asked == mixes
    assert len(set(mixes)) == 40  # no evaluation spent on a mix already evaluated
    for mix in mixes:
        b = np.array(mix.budgets)
        assert b.sum() <= space.budget and np.all(b >= space.lower) and np.all(b <= space.upper)
    # The first generation: the plan at the budget, then the corner mixes, then draws.
    corners = [m for m in space.corner_mixes() if m != space.plan_mix()]
    assert mixes[0] == space.plan_mix()
    assert len(corners) == 11  # one instrument alone, each (the proportional one is the plan)
    for mix, corner in zip(mixes[1:12], corners):  # the encoding is exact to a yuan
        assert np.allclose(mix.budgets, corner.budgets, atol=1.0)


def test_same_seed_same_candidates_other_seed_others(space):
    settings = Search(population=12, offspring=4)
    a = search(LinearEvaluator(space), settings, evaluations=30, seed=3, scale=1000.0)
    b = search(LinearEvaluator(space), settings, evaluations=30, seed=3, scale=1000.0)
    c = search(LinearEvaluator(space), settings, evaluations=30, seed=4, scale=1000.0)
    assert a == b
    assert a[:12] == c[:12] and a[12:] != c[12:]  # the seeded generation is the same


def test_without_corners_the_first_generation_is_the_plan_and_draws(space):
    settings = Search(population=8, offspring=8, corner_mixes=False)
    mixes = search(LinearEvaluator(space), settings, evaluations=16, seed=3, scale=1000.0)
    assert mixes[0] == space.plan_mix()
    funded = [int((np.array(m.budgets) > 0).sum()) for m in mixes[1:8]]
    assert min(funded) == len(space.kinds)  # uniform draws fund every instrument


def test_the_second_generation_is_the_greedy_path_by_gain_per_yuan(space):
    ev = LinearEvaluator(space)
    mixes = search(ev, Search(population=12, offspring=4), evaluations=40, seed=7, scale=1000.0)
    order = [int(i) for i in np.argsort(-YIELD, kind="stable") if YIELD[i] > 0]
    path = space.ranked_mixes(order)
    assert 2 <= len(path) <= len(order) - 1
    for mix, want in zip(mixes[12:12 + len(path)], path):
        assert np.allclose(mix.budgets, want.budgets, atol=1.0)
    # Along the path: nested funding, spending rising to at most the budget, every budget at a
    # bound but the last one funded (a vertex of the feasible set).
    spent = [m.total for m in path]
    assert spent == sorted(spent) and spent[-1] <= space.budget
    for k, mix in enumerate(path):
        b = np.array(mix.budgets)
        assert np.count_nonzero(b) == k + 2
        inner = (b > space.lower) & (b < space.upper)
        assert inner.sum() <= 1 and (not inner.any() or inner[order[k + 1]])
    # Under a linear gain, no mix of the whole search has a lower cost at as much gain.
    def gain(m):
        return float(YIELD @ np.array(m.budgets)) / 1e6

    for m in path:
        assert not any(gain(o) >= gain(m) + 1 and o.total < m.total - 1 for o in mixes)
