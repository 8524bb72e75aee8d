"""The decision space: bounds, the budget constraint, its repair."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobsim.optimise.bounds import Bounds, InstrumentBounds
from jobsim.optimise.space import build_space
from jobsim.scenario import ScenarioError, load_scenario
from optimise_helpers import PLAN, PLAN_TOTAL


@pytest.fixture(scope="module")
def plan():
    return load_scenario(PLAN)


def test_default_bounds_are_zero_to_three_times_the_scenario(plan):
    space = build_space(plan, Bounds(), PLAN_TOTAL)
    written = np.array([s.budget_yuan for _, s in plan.instruments])
    assert np.all(space.lower == 0)
    assert np.allclose(space.upper, np.floor(3 * written))
    assert space.written.sum() == PLAN_TOTAL


@settings(max_examples=200, deadline=None)
@given(budget=st.floats(0, 5e10), seed=st.integers(0, 2**32 - 1),
       spread=st.floats(0.01, 10.0))
def test_repair_never_exceeds_the_budget_nor_the_bounds(budget, seed, spread):
    plan = load_scenario(PLAN)
    floors = {"hiring_subsidy": InstrumentBounds(min_yuan=float(min(budget, 1e8) // 2))}
    space = build_space(plan, Bounds(instruments=floors), budget)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.5, 1.5, size=(50, space.n_var)) * space.upper * spread
    fixed = space.repair(x)
    n = len(space.kinds)
    assert np.all(fixed[:, :n].sum(axis=1) <= space.budget)
    assert np.all(fixed[:, :n] >= space.lower) and np.all(fixed[:, :n] <= space.upper)
    assert np.all(fixed[:, :n] == np.floor(fixed[:, :n]))  # whole yuan
    for row in fixed:
        assert space.mix(row).total <= space.budget
    # Repair is idempotent: a feasible candidate is left alone.
    assert np.array_equal(space.repair(fixed), fixed)


def test_mix_refuses_an_unrepaired_candidate(plan):
    space = build_space(plan, Bounds(), 1e9)
    with pytest.raises(AssertionError, match="outside the feasible set"):
        space.mix(space.upper)


def test_plan_mix_keeps_the_plan_shares(plan):
    space = build_space(plan, Bounds(), PLAN_TOTAL / 2)
    mix = space.plan_mix()
    assert mix.total <= PLAN_TOTAL / 2
    assert np.allclose(np.array(mix.budgets), space.written / 2, atol=1.0)
    zero = build_space(plan, Bounds(), 0.0)
    assert zero.plan_mix().total == 0 and zero.zero().total == 0


def test_start_month_variables(plan):
    bounds = Bounds(instruments={"vocational_training": InstrumentBounds(
        start_months=["2021-02", "2021-06"])})
    space = build_space(plan, bounds, PLAN_TOTAL)
    assert space.n_var == len(space.kinds) + 1
    x = space.repair(np.concatenate([space.upper, [9.7]]))
    mix = space.mix(x)
    k = space.kinds.index("vocational_training")
    assert mix.starts[k] == 5 and all(s is None for j, s in enumerate(mix.starts) if j != k)
    # The search encoding carries the start month after the shares and the total fraction.
    assert space.n_search_var == len(space.kinds) + 2
    z = np.concatenate([np.ones(len(space.kinds)), [0.5], [0.2]])
    assert space.mix(space.decode(z)).starts[k] == 1


def test_bad_bounds_name_the_field(plan):
    with pytest.raises(ScenarioError, match="instruments.no_such_thing"):
        build_space(plan, Bounds(instruments={"no_such_thing": InstrumentBounds()}), 1e9)
    with pytest.raises(ScenarioError, match="floors"):
        build_space(plan, Bounds(instruments={"hiring_subsidy": InstrumentBounds(
            min_yuan=2e9, max_yuan=3e9)}), 1e9)
    with pytest.raises(ScenarioError, match="--budget"):
        build_space(plan, Bounds(), -1.0)
    with pytest.raises(ScenarioError, match="start_months"):
        build_space(plan, Bounds(instruments={"hiring_subsidy": InstrumentBounds(
            start_months=["2022-01", "2022-02"])}), 1e9)


@settings(max_examples=200, deadline=None)
@given(budget=st.floats(0, 5e10), seed=st.integers(0, 2**32 - 1))
def test_every_search_point_decodes_to_a_feasible_mix_spending_its_fraction(budget, seed):
    plan = load_scenario(PLAN)
    floors = {"hiring_subsidy": InstrumentBounds(min_yuan=float(min(budget, 1e8) // 2))}
    space = build_space(plan, Bounds(instruments=floors), budget)
    rng = np.random.default_rng(seed)
    z = rng.uniform(space.search_xl, space.search_xu, size=(50, space.n_search_var))
    z[:5, :len(space.kinds)] = 0.0                 # all shares zero: equal shares
    z[5:10, rng.integers(len(space.kinds))] = 0.0  # one instrument not funded
    x = space.decode(z)
    n = len(space.kinds)
    assert np.all(x[:, :n].sum(axis=1) <= space.budget)
    assert np.all(x[:, :n] >= space.lower) and np.all(x[:, :n] <= space.upper)
    assert np.all(x[:, :n] == np.floor(x[:, :n]))
    assert np.array_equal(space.repair(x), x)  # already feasible: repair changes nothing
    above = x[:, :n].sum(axis=1) - space.lower.sum()
    target = z[:, n] * space.room
    # The total fraction is what is spent (to a yuan per instrument), unless every funded
    # instrument is full.
    funded = np.where(z[:, :n].sum(axis=1, keepdims=True) > 0, z[:, :n] > 0, True)
    room_funded = ((space.upper - space.lower) * funded).sum(axis=1)
    # Within float precision: totals near 3e10 yuan carry rounding of about 1e-4 yuan
    # (hypothesis found budget 30,918,432,000, seed 3517: 0.00014 yuan over), far below a yuan.
    assert np.all(above <= target * (1 + 1e-12) + 1e-6)
    assert np.all((above >= target - n - 1e-6 * target) | (above >= room_funded - n))
    # A zero share funds nothing above the floor (when another share is positive).
    rows = np.nonzero((z[:, :n] == 0).any(axis=1) & (z[:, :n] > 0).any(axis=1))[0]
    for r in rows:
        off = z[r, :n] == 0
        assert np.all(x[r, :n][off] == space.lower[off])


def test_shares_in_proportion_and_full_instruments_pass_on_their_excess(plan):
    space = build_space(plan, Bounds(), PLAN_TOTAL)
    n = len(space.kinds)
    z = np.zeros(n + 1)
    z[[0, 1]] = 1.0          # vocational training and youth internships, equal shares
    z[n] = 1e9 / space.room  # 1 billion yuan
    x = space.decode(z)
    k = space.kinds.index("youth_internship")
    assert x[k] == space.upper[k]            # internships are full (214.6 m yuan) ...
    assert x[0] == np.floor(1e9 - space.upper[k])  # ... and training gets the rest
    assert np.all(x[2:n] == 0)


def test_encode_decode_gives_back_the_plan_and_the_zero_mix(plan):
    for budget in (PLAN_TOTAL, PLAN_TOTAL / 2, 2 * PLAN_TOTAL, 0.0):
        space = build_space(plan, Bounds(), budget)
        for mix in (space.plan_mix(), space.zero()):
            x = space.vector(mix)
            assert np.abs(space.decode(space.encode(x)) - x).max() <= 1.0


@settings(max_examples=100, deadline=None)
@given(budget=st.floats(1e6, 5e10), floor=st.floats(0, 2e8))
def test_corner_mixes_are_feasible_vertices(budget, floor):
    """Every corner mix is feasible, and each is a vertex: all budgets at a bound but one."""
    plan = load_scenario(PLAN)
    floors = {"hiring_subsidy": InstrumentBounds(min_yuan=float(min(floor, budget / 2)))}
    space = build_space(plan, Bounds(instruments=floors), budget)
    corners = space.corner_mixes()
    assert len(corners) == len(set(corners))
    cap = space.upper - space.lower
    for mix in corners:
        b = np.array(mix.budgets)
        assert b.sum() <= space.budget
        assert np.all(b >= space.lower) and np.all(b <= space.upper)
        assert mix.starts == (None,) * len(b)
    # First: every range at the same fraction (the largest the budget allows), to a yuan.
    fraction = min(1.0, space.room / cap.sum())
    assert np.allclose(np.array(corners[0].budgets), space.lower + cap * fraction, atol=1.0)
    # Then one instrument alone, as far as its range and the budget go, the others at floor.
    singles = [np.array(m.budgets) - space.lower for m in corners[1:]]
    for above in singles:
        (funded,) = np.nonzero(above > 0)
        assert len(funded) == 1
        i = funded[0]
        assert abs(above[i] - min(cap[i], space.room)) <= 1.0
    assert len({int(np.argmax(a)) for a in singles}) == len(singles)


def test_corner_mixes_at_the_plan_budget(plan):
    """At the plan's budget (bounds three times the plan) the proportional corner is the plan."""
    space = build_space(plan, Bounds(), PLAN_TOTAL)
    corners = space.corner_mixes()
    assert corners[0] == space.plan_mix()
    assert len(corners) == 1 + len(space.kinds)
    fee_cut = space.kinds.index("social_insurance_fee_cut")
    # The fee cut's range (21.6 billion yuan) is above the budget: alone it gets all of it.
    assert corners[1 + fee_cut].total == space.budget
