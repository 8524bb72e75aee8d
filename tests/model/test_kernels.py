"""Each compiled kernel returns exactly what its numpy expression returns.

The numpy expressions here are the ones the kernels replaced in the model; the kernels exist
for speed only, so any difference is a bug. The ledger's per-state lists are checked against
a scan of every agent after every month of a run with all the plan's instruments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from jobsim import kernels as k
from jobsim.agents import N_STATES, State
from jobsim.labour_market import LabourMarket
from jobsim.rng import Draws
from jobsim.scenario import load_scenario
from jobsim.sorting import stable_argsort

ROOT = Path(__file__).resolve().parents[2]

codes = hnp.arrays(np.int8, st.integers(0, 300), elements=st.integers(0, N_STATES - 1))
masks = hnp.arrays(np.bool_, st.integers(0, 300))
ids_of = st.integers(0, 2**31 - 1).map(lambda s: np.random.default_rng(s))


def lowbias32(ids: np.ndarray, key: np.uint32) -> np.ndarray:
    """The counter-based hash written with numpy operations (uint32 wrap-around)."""
    z = ids.astype(np.uint32)
    z *= np.uint32(0x9E3779B9)
    z += key
    z ^= z >> np.uint32(16)
    z *= np.uint32(0x7FEB352D)
    z ^= z >> np.uint32(15)
    z *= np.uint32(0x846CA68B)
    z ^= z >> np.uint32(16)
    return z


@settings(max_examples=60, deadline=None)
@given(codes, st.integers(-2, N_STATES + 1))
def test_where_equal(a, value):
    assert np.array_equal(k.where_equal(a, value), np.flatnonzero(a == value))


@settings(max_examples=60, deadline=None)
@given(masks, ids_of)
def test_nth_true(mask, rng):
    total = int(mask.sum())
    ranks = np.sort(rng.choice(total, size=rng.integers(0, total + 1), replace=False))
    assert np.array_equal(k.nth_true(mask, ranks), np.flatnonzero(mask)[ranks])


@settings(max_examples=40, deadline=None)
@given(ids_of)
def test_firm_selection(rng):
    n_firms = int(rng.integers(1, 30))
    firm_of = rng.integers(0, n_firms, size=int(rng.integers(0, 400))).astype(np.int32)
    count = rng.integers(0, 5, size=n_firms).astype(np.int64)
    ids = np.arange(firm_of.size)
    assert np.array_equal(k.in_counted_firms(ids, firm_of, count),
                          ids[count[firm_of[ids]] > 0])
    # The first count[f] of each firm in the given order: rank within firm after a stable
    # sort by firm (what _shed did before).
    order = np.argsort(firm_of, kind="stable")
    sorted_firms = firm_of[order]
    rank = np.arange(sorted_firms.size) - np.searchsorted(sorted_firms, sorted_firms)
    expected = np.zeros(firm_of.size, dtype=bool)
    expected[order[rank < count[sorted_firms]]] = True
    assert np.array_equal(k.first_per_firm(firm_of, count), expected)


@settings(max_examples=60, deadline=None)
@given(ids_of, st.integers(0, N_STATES - 1), st.sampled_from([0, 3, 40, 400]))
def test_refresh_members(rng, code, moves):
    state = rng.integers(0, N_STATES, size=int(rng.integers(1, 3000))).astype(np.int8)
    members = np.flatnonzero(state == code)
    touched = rng.integers(0, state.size, size=moves)  # with repeats, as moves append
    state[touched] = rng.integers(0, N_STATES, size=moves)
    got = k.refresh_members(members, np.sort(touched), state, code)
    assert np.array_equal(got, np.flatnonzero(state == code))


@settings(max_examples=40, deadline=None)
@given(ids_of, st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_hashes(rng, key, prob):
    ids = rng.integers(0, 2**40, size=int(rng.integers(0, 500)))  # wraps like astype(uint32)
    key = np.uint32(key)
    words = lowbias32(ids, key)
    assert np.array_equal(k.hash_bits(ids, key), words)
    assert np.array_equal(k.hash_uniform(ids, key), (words.astype(np.float64) + 0.5) / 2**32)
    threshold = Draws.threshold(prob)
    assert np.array_equal(k.hash_below(ids, key, threshold), ids[words < threshold])


def test_draws_use_the_key_of_purpose_and_month():
    d = Draws(seed=7, replicate=2)
    ids = np.arange(1000)
    assert np.array_equal(d.bits(5, 3, ids), lowbias32(ids, d.key(5, 3)))
    assert not np.array_equal(d.bits(5, 3, ids), d.bits(5, 4, ids))
    assert not np.array_equal(d.bits(5, 3, ids), Draws(seed=7, replicate=3).bits(5, 3, ids))


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.uint8, st.integers(0, 300)), codes)
def test_histograms(values, a):
    ids = np.arange(values.size)[::-1]
    assert np.array_equal(k.byte_histogram(ids, values), np.bincount(values, minlength=256))
    assert np.array_equal(k.code_counts(a), np.bincount(a, minlength=256))


@settings(max_examples=40, deadline=None)
@given(ids_of)
def test_age_one_month(rng):
    n = int(rng.integers(0, 500))
    state = rng.integers(0, N_STATES, size=n).astype(np.int8)
    age = rng.integers(190, 1030, size=n).astype(np.int16)
    spell = rng.integers(0, 100, size=n).astype(np.int16)
    gone, old, top = int(State.GONE), 720, 1020
    alive = state != gone
    age2, spell2 = age + alive, spell + alive
    band = k.age_one_month(state, age, spell, gone, old, top)
    assert np.array_equal(age, age2) and np.array_equal(spell, spell2)
    assert np.array_equal(band == 1, alive & (age2 < old))
    assert np.array_equal(band == 2, alive & (age2 >= old) & (age2 < top))
    assert np.array_equal(band == 3, alive & (age2 >= top))
    assert np.array_equal(band == 0, ~alive)


@settings(max_examples=40, deadline=None)
@given(ids_of, st.floats(500, 800), st.floats(500, 800), st.floats(0, 1))
def test_age_and_flag_selections(rng, limit_f, limit_m, prob):
    n = int(rng.integers(0, 500))
    state = rng.integers(0, N_STATES, size=n).astype(np.int8)
    age = rng.integers(190, 1030, size=n).astype(np.int16)
    female = rng.random(n) < 0.5
    ids = np.flatnonzero(rng.random(n) < 0.6)
    limit = np.where(female[ids], limit_f, limit_m)
    below = ids[age[ids] < limit]
    assert np.array_equal(k.by_age(ids, age, female, limit_f, limit_m, True), below)
    assert np.array_equal(k.by_age(ids, age, female, limit_f, limit_m, False),
                          ids[age[ids] >= limit])
    assert np.array_equal(k.flagged(ids, female), ids[female[ids]])
    key, threshold = np.uint32(12345), Draws.threshold(prob)
    code = int(State.RURAL_WORK)
    everyone = np.arange(n)
    young = everyone[(state == code) & (age < np.where(female, limit_f, limit_m))]
    assert np.array_equal(
        k.in_state_below_age(state, code, age, female, limit_f, limit_m, True, key, threshold),
        young[lowbias32(young, key) < threshold])
    assert np.array_equal(k.in_state_below_age(state, code, age, female, limit_f, limit_m),
                          young)


@settings(max_examples=40, deadline=None)
@given(ids_of, st.floats(-0.01, 0.3), st.booleans())
def test_separation_draws(rng, extra, per_worker_quits):
    n = int(rng.integers(0, 2000))
    employed = np.sort(rng.choice(3 * n + 1, size=n, replace=False))
    hukou = rng.random(3 * n + 1) < 0.4
    layoff_p = rng.random(n) * 0.2
    quit_p = rng.random(n) * 0.2 if per_worker_quits else np.array([0.05])
    key = np.uint32(rng.integers(0, 2**32))
    draw = (lowbias32(employed, key).astype(np.float64) + 0.5) / 2**32
    lq = layoff_p + (quit_p if per_worker_quits else quit_p[0])
    laid, quits, seasonal = k.separation_draws(employed, key, layoff_p, quit_p, extra, hukou)
    assert np.array_equal(laid, employed[draw < layoff_p])
    assert np.array_equal(quits, employed[(draw >= layoff_p) & (draw < lq)])
    expected = (employed[hukou[employed] & (draw >= lq) & (draw < lq + extra)] if extra > 0
                else employed[:0])
    assert np.array_equal(seasonal, expected)


@settings(max_examples=40, deadline=None)
@given(ids_of)
def test_vacancy_slot_keys(rng):
    v = rng.integers(0, 90, size=int(rng.integers(0, 60)))
    key = np.uint32(rng.integers(0, 2**32))
    firms = np.repeat(np.arange(v.size), v)
    rank = np.arange(firms.size) - np.repeat(np.cumsum(v) - v, v)
    got_firms, got_keys = k.vacancy_slot_keys(v, key)
    assert np.array_equal(got_firms, firms)
    assert np.array_equal(got_keys, lowbias32(firms.astype(np.int64) * 64
                                              + np.minimum(rank, 63), key))


@settings(max_examples=40, deadline=None)
@given(ids_of)
def test_stable_argsort(rng):
    keys = rng.integers(0, rng.choice([4, 2**32]), size=int(rng.integers(0, 500)))
    keys = keys.astype(np.uint32)
    assert np.array_equal(stable_argsort(keys), np.argsort(keys, kind="stable"))


def test_ledger_lists_follow_every_move():
    """With every instrument of the 2021 plan moving people, each state's list kept by the
    ledger equals a scan of all agents after every month.
    """
    loaded = load_scenario(ROOT / "scenarios" / "plan_2021.toml")
    run = loaded.spec.scenario
    model = LabourMarket(params=loaded.params, start=run.start, months=run.months,
                         persons_per_agent=4000, seed=5, instruments=loaded.instruments,
                         demand_index=loaded.demand_path())
    for _ in range(run.months):
        model.step()
        w = model.workers
        for s in State:
            if s is State.GONE:
                continue
            listed = model.ledger.members(s)
            assert not listed.flags.writeable
            assert np.array_equal(listed, np.flatnonzero(w.state[: w.n_used] == s.value)), s
