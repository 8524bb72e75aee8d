"""Monthly flows other than matching: demography, firm turnover, separations, rural moves.

Each rule is a plain function over the columnar agent sets. Draws that a policy can affect are
counter-based (``ctx.draws``: one number per agent, month and purpose, the same in a scenario
and its counterfactual). Deaths, whose population no policy changes, use :func:`bernoulli_mask`
(a generator stream: the living population is the same in every scenario).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from jobsim.agents import Firms, Group, SizeClass, State, Workers
from jobsim.kernels import (
    age_one_month,
    by_age,
    first_per_firm,
    flagged,
    in_counted_firms,
    in_state_below_age,
    nth_true,
    separation_draws,
    vacancy_slot_keys,
    where_equal,
)
from jobsim.ledger import Flow, Ledger
from jobsim.params import ParameterSet
from jobsim.population import Demography, entrant_attributes, stochastic_round
from jobsim.rng import Draws, Purpose, Stream
from jobsim.sorting import stable_argsort

__all__ = ["MonthContext", "Effects", "hire_into_vacancies", "vacancy_slots", "cover_ui",
           "bernoulli_mask", "RETIRING", "demography", "firm_turnover", "separations",
           "rural_moves", "participation", "self_and_flexible_entry", "public_posts",
           "firm_demand", "demand_layoffs", "hiring_climate", "displace",
           "leave_firm", "to_unemployed", "working_age_rural", "RecallTies", "recalls"]

MONTHS_PER_YEAR = 12
ELDERLY_AGE = 60  # NBS age band boundary used by the data (16-59 / 60+)
TERTIARY = 1  # sector code: start-ups are services
#: States whose agents leave the labour force at the statutory retirement age.
RETIRING = (State.EMPLOYED, State.PUBLIC_POST, State.FLEXIBLE, State.SELF_EMPLOYED,
            State.UNEMPLOYED, State.TRAINING, State.INTERNSHIP)


@dataclass
class MonthContext:
    """Everything a rule needs for one month."""

    workers: Workers
    firms: Firms
    ledger: Ledger
    params: ParameterSet
    demography: Demography
    rng: dict[Stream, np.random.Generator]
    draws: Draws
    t: int  # month index within the horizon
    calendar_month: int  # 1..12
    demand_index: float | np.ndarray  # the macro index; per firm once labour costs act
    stripped: bool = False  # no entry, exit, demography or seasonality (steady-state tests)
    effects: Effects | None = None  # what instruments change this month (None: nothing)
    finding_rate: float = 0.0  # last month's matching rate of searchers (instruments read it)
    new_hires: list[np.ndarray] = field(default_factory=list)  # placed by instruments
    graduates: np.ndarray | None = None  # this month's entering graduates (the year's cohort)
    #: (theta / theta_ref)**(1 - alpha): the job-finding rate's response to tightness, applied
    #: to entry into start-ups, flexible work and search, and to rural transfer (1 stripped).
    climate: float = 1.0
    theta_ref: float = 0.0  # initial (stationary) tightness, vacancies / unemployed
    programme_posts: np.ndarray | None = None  # agents in the instrument's posts (not the core's)
    theta: float = 0.0  # this month's tightness (vacancies / unemployed), set by hiring_climate
    recall: RecallTies | None = None  # demand-laid-off workers their firm may recall (None: off)


@dataclass
class RecallTies:
    """Workers laid off because demand fell, and the firm that may take them back.

    A temporary layoff (待岗, 停工): the worker searches (counts as unemployed) but keeps a tie
    to the firm for ``labour_demand.recall_months``; while the firm's demand is back and it has
    vacancies, it recalls its own before it hires anyone (:func:`recalls`). A tie holds only
    through the unemployment spell that the layoff began. Sparse (agents laid off by demand
    only), so it costs nothing at flat demand.
    """

    agent: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    firm: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    since: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))

    def add(self, agents: np.ndarray, firms: np.ndarray, t: int) -> None:
        """Tie ``agents`` (laid off in month ``t``) to ``firms``."""
        self.agent = np.concatenate([self.agent, agents.astype(np.int64)])
        self.firm = np.concatenate([self.firm, firms.astype(np.int32)])
        self.since = np.concatenate([self.since, np.full(agents.size, t, dtype=np.int32)])

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the ties where ``mask`` holds."""
        self.agent, self.firm, self.since = self.agent[mask], self.firm[mask], self.since[mask]


@dataclass
class Effects:
    """Per-month modifiers that instruments set and the core rules read.

    Arrays are allocated only when an instrument needs them and reset to 1 each month, so a
    scenario without instruments (or with zero budgets) runs the exact baseline arithmetic.

    Worker arrays (length: worker capacity)

    ``search_weight``
        Weight in matching (1 = the group's own efficiency only).
    ``separation_multiplier``
        Multiplies the worker's layoff and quit hazards.

    Firm arrays (length: firm capacity)

    ``firm_layoff_multiplier``
        Multiplies the firm's individual layoff hazard.
    ``labour_cost``
        Relative labour cost of the firm, 1 = unchanged (e.g. 0.95 after a 5% cut in employer
        contributions). Desired employment is ``base x demand x labour_cost**eps`` with
        ``eps = cost_elasticity`` (negative: cheaper labour, more of it; the parameter
        ``labour_demand.own_wage_elasticity`` where no instrument converted it),
        so it moves both the firm's vacancies and the layoffs a fall in demand causes.
    ``demand_layoff_multiplier``
        Multiplies the layoffs that a fall of desired employment below employment causes at
        the firm (1 = all the excess is shed at once, 0 = none). Workers kept are excess
        labour: hoarded while the multiplier holds, they have no vacancy to refill, and the
        firm sheds what is still in excess in the first month the multiplier is back at 1.
    """

    search_weight: np.ndarray | None = None  # workers: weight in matching
    separation_multiplier: np.ndarray | None = None  # workers: on layoff and quit hazards
    firm_layoff_multiplier: np.ndarray | None = None  # firms: on the layoff hazard
    labour_cost: np.ndarray | None = None  # firms: relative labour cost (1 = unchanged)
    demand_layoff_multiplier: np.ndarray | None = None  # firms: on demand-driven layoffs
    #: Elasticity of desired employment to ``labour_cost``, converted by the labour-cost
    #: instruments from the evidence's employment elasticity (jobsim.policies.effects
    #: labour_cost_response); None: labour_demand.own_wage_elasticity as it is.
    cost_elasticity: float | None = None

    def reset(self) -> None:
        """Back to neutral at the start of a month."""
        for arr in (self.search_weight, self.separation_multiplier, self.firm_layoff_multiplier,
                    self.labour_cost, self.demand_layoff_multiplier):
            if arr is not None:
                arr.fill(1.0)

    def worker_array(self, name: str, capacity: int) -> np.ndarray:
        """The named worker modifier, allocated (neutral) on first use."""
        if getattr(self, name) is None:
            setattr(self, name, np.ones(capacity, dtype=np.float64))
        return getattr(self, name)

    def fit_firms(self, capacity: int) -> None:
        """Extend the firm modifiers (neutral) after the firm arrays grew."""
        for name in ("firm_layoff_multiplier", "labour_cost", "demand_layoff_multiplier"):
            arr = getattr(self, name)
            if arr is not None and arr.size < capacity:
                setattr(self, name, np.concatenate([arr, np.ones(capacity - arr.size)]))

    def firm_array(self, name: str, capacity: int) -> np.ndarray:
        """Return the named firm modifier, allocated (neutral) on first use."""
        return self.worker_array(name, capacity)

    def demand_factor(self, firms: Firms, elasticity: float) -> np.ndarray | None:
        """Return ``labour_cost**elasticity`` per firm, or None when no labour cost is set."""
        if self.labour_cost is None:
            return None
        return np.power(self.labour_cost[: firms.capacity], elasticity)


def leave_firm(w: Workers, f: Firms, idx: np.ndarray) -> None:
    """Detach workers ``idx`` from their firms and update firm employment."""
    if idx.size == 0:
        return
    f.employment -= np.bincount(w.firm[idx], minlength=f.capacity).astype(np.int32)
    w.firm[idx] = -1


def to_unemployed(ctx: MonthContext, idx: np.ndarray, flow: Flow) -> None:
    """Move agents into search; a share registers with the public employment service."""
    if idx.size == 0:
        return
    w = ctx.workers
    ctx.ledger.move(idx, State.UNEMPLOYED, flow)
    w.urban[idx] = True
    w.registered[idx] = ctx.draws.uniform(Purpose.REGISTRATION, ctx.t, idx) < (
        ctx.demography.registration_rate)


def bernoulli_mask(mask: np.ndarray, prob: float, rng: np.random.Generator) -> np.ndarray:
    """Indices where ``mask`` holds for which an event of probability ``prob`` happens (sorted).

    Draws the number of events from the binomial and then which agents, without replacement:
    the same law as one uniform per agent, without the index array of a dense mask (deaths
    among 10^7 agents).
    """
    size = int(np.count_nonzero(mask))
    if size == 0 or prob <= 0:
        return np.empty(0, dtype=np.intp)
    if prob >= 1:
        return np.flatnonzero(mask)
    k = rng.binomial(size, prob)
    pick = rng.choice(size, size=k, replace=False)
    pick.sort()
    return nth_true(mask, pick)


def demography(ctx: MonthContext) -> None:
    """Ageing, deaths, retirements, entry of 16-year-olds and of graduates."""
    w, p, rng = ctx.workers, ctx.params, ctx.rng[Stream.DEMOGRAPHY]
    n = w.n_used
    band = age_one_month(w.state[:n], w.age_months[:n], w.spell[:n], State.GONE.value,
                         ELDERLY_AGE * MONTHS_PER_YEAR,
                         int(p["population.age_max"]) * MONTHS_PER_YEAR)
    if ctx.stripped:
        return
    # Graduate status lasts population.graduate_status_years after graduation (Hunan's rule).
    limit = (p["population.college_entry_age"] + p["population.college_years"]
             + p["population.graduate_status_years"]) * MONTHS_PER_YEAR
    w.groups[:n] &= np.where(w.age_months[:n] >= limit, np.uint8(~Group.GRADUATE & 0xFF),
                             np.uint8(0xFF))
    dead = np.concatenate([
        bernoulli_mask(band == 1, p["flows.mortality_under_60"], rng),
        bernoulli_mask(band == 2, p["flows.mortality_60_plus"], rng),
        where_equal(band, 3),
    ])
    leave_firm(w, ctx.firms, dead[w.firm[dead] >= 0])
    ctx.ledger.move(dead, State.GONE, Flow.DEATH)

    # Retirement at the statutory age (the registered-unemployment definition's working age).
    ret_f, ret_m = (int(np.asarray(p[f"population.retirement_age_{sex}"]).astype(np.int16))
                    * MONTHS_PER_YEAR for sex in ("female", "male"))
    retiring = np.sort(np.concatenate([
        by_age(ctx.ledger.members(st), w.age_months, w.female, ret_f, ret_m, False)
        for st in RETIRING]))
    leave_firm(w, ctx.firms, retiring[w.firm[retiring] >= 0])
    ctx.ledger.move(retiring, State.INACTIVE, Flow.RETIREMENT)

    # 16-year-olds who do not go to college enter, mostly still in school: inactive.
    k = ctx.demography.persons_per_agent
    youth = int(stochastic_round(ctx.demography.youth_per_year / MONTHS_PER_YEAR / k, rng))
    idx = w.claim(youth)
    urban = rng.random(youth) < p["population.urban_share_of_inactive"]
    entrant_attributes(w, idx, age_years=16, urban=urban, college=False, groups=0, p=p, rng=rng)
    ctx.ledger.move(idx, State.INACTIVE, Flow.YOUTH_ENTRY)

    # Graduates (June-July): a share already has a job, the rest search.
    share = p["seasonality.graduate_entry_share"][ctx.calendar_month - 1]
    if share > 0:
        grng = ctx.rng[Stream.GRADUATES]
        n_grad = int(stochastic_round(ctx.demography.graduates_per_year * share / k, grng))
        idx = w.claim(n_grad)
        age_years = p["population.college_entry_age"] + p["population.college_years"]
        entrant_attributes(w, idx, age_years=age_years, urban=True, college=True,
                           groups=int(Group.GRADUATE), p=p, rng=grng)
        direct = idx[grng.random(n_grad) < p["population.graduate_first_employment_rate"]]
        # A job found before graduation (campus recruitment) fills an open vacancy: firms
        # hire graduates out of their labour demand, never beyond it. Those without a
        # vacancy search like the rest of the cohort.
        hired = hire_into_vacancies(ctx, direct, Purpose.DIRECT_HIRE_KEY)
        ctx.ledger.move(hired, State.EMPLOYED, Flow.GRADUATE_DIRECT_HIRE)
        cover_ui(ctx, hired)
        ctx.graduates = idx
        searching = np.setdiff1d(idx, hired, assume_unique=True)
        to_unemployed(ctx, searching, Flow.GRADUATE_ENTRY)


def cover_ui(ctx: MonthContext, hired: np.ndarray) -> None:
    """Firm employees join unemployment insurance at the observed coverage rate."""
    w = ctx.workers
    w.ui_covered[hired] = ctx.draws.uniform(Purpose.UI_COVERAGE, ctx.t, hired) < (
        ctx.demography.ui_coverage)


def vacancy_slots(ctx: MonthContext, segment: int, vac: np.ndarray, m: int) -> np.ndarray:
    """The firms of ``m`` open vacancies of a segment, drawn without replacement.

    Each open slot (firm f, its k-th vacancy) has a counter-based key, so the same slots are
    drawn in a scenario and its counterfactual as long as the vacancies are the same.
    """
    f = ctx.firms
    firms, keys = vacancy_slot_keys(np.where(f.segment == segment, vac, 0),
                                    ctx.draws.key(Purpose.VACANCY_KEY, ctx.t))
    if m <= 0:
        return firms[:0]
    best = np.argpartition(keys, m - 1)[:m]
    return firms[best[stable_argsort(keys[best])]]


def hire_into_vacancies(ctx: MonthContext, idx: np.ndarray, purpose: int) -> np.ndarray:
    """Place workers into open vacancies of their segment.

    Place ``idx`` into open vacancies of their segment, in a random order keyed by
    ``purpose``; returns those placed (sorted).
    """
    w, f = ctx.workers, ctx.firms
    if idx.size == 0:
        return idx
    vac = f.vacancies(ctx.demand_index)
    placed = []
    for segment in (0, 1):
        who = idx[w.college[idx] == bool(segment)]
        m = min(who.size, int(vac[f.segment == segment].sum()))
        if m == 0:
            continue
        who = ctx.draws.order(purpose, ctx.t, who)[:m]
        chosen = vacancy_slots(ctx, segment, vac, m)
        w.firm[who] = chosen
        f.hire(chosen)
        placed.append(np.sort(who))
    return np.concatenate(placed) if placed else idx[:0]


def _shed(ctx: MonthContext, count: np.ndarray, purpose: int, flow: Flow) -> np.ndarray:
    """Lay off ``count[f]`` employees of each firm f, chosen in counter-based random order.

    Returns the firm each laid-off worker left, in the order of the (sorted) workers.
    """
    w, f = ctx.workers, ctx.firms
    employed = in_counted_firms(ctx.ledger.members(State.EMPLOYED), w.firm, count)
    employed = ctx.draws.order(purpose, ctx.t, employed)
    shed = np.sort(employed[first_per_firm(w.firm[employed], count)])
    left = w.firm[shed].copy()
    leave_firm(w, f, shed)
    to_unemployed(ctx, shed, flow)
    if flow == Flow.DEMAND_LAYOFF and ctx.recall is not None:
        ctx.recall.add(shed, left, ctx.t)
    return left


def firm_turnover(ctx: MonthContext) -> None:
    """Firm exit (its workers are laid off) and entry (demand layoffs: :func:`separations`).

    A firm agent stands for ``persons_per_agent`` firms of its size (K). Each month a number
    of those K firms exits — K x ``firms.exit_rate`` in expectation, rounded without bias —
    taking that share of the agent's desired employment and laying off that share of its
    employees; as many enter in expectation, restoring desired employment (new vacancies).
    At 1:1 (K = 1) this is whole firms exiting, and entrants are new firm agents drawn like a
    random incumbent. Treating a firm agent as K firms keeps exits from being K times lumpier
    than real ones (one large-firm agent is 150,000 jobs at 100 persons per agent).
    """
    f, p, d, t = ctx.firms, ctx.params, ctx.draws, ctx.t
    if not ctx.stripped:
        k = ctx.demography.persons_per_agent
        rate = float(p["firms.exit_rate"])
        alive = np.flatnonzero(f.alive[: f.n_used])
        exits = np.floor(k * rate + d.uniform(Purpose.FIRM_EXIT, t, alive))
        share = np.minimum(exits / k, 1.0)
        hit = share > 0
        closing, share = alive[hit], share[hit]
        if closing.size:
            count = np.zeros(f.capacity, dtype=np.int64)
            count[closing] = np.floor(share * f.employment[closing]
                                      + d.uniform(Purpose.FIRM_EXIT_SHARE, t, closing))
            f.base_target[closing] *= 1.0 - share
            _shed(ctx, count, Purpose.FIRM_EXIT_ORDER, Flow.FIRM_EXIT)
            f.alive[closing[share >= 1.0]] = False
        if k >= 2:
            entries = np.floor(k * rate + d.uniform(Purpose.FIRM_ENTRY, t, alive))
            survivors = f.alive[alive]
            f.base_target[alive[survivors]] *= 1.0 + entries[survivors] / k
        else:  # whole firms enter, like a random incumbent
            n_new = int(np.floor(alive.size * rate + d.scalar(Purpose.FIRM_ENTRY, t, 0)))
            pick = d.uniform(Purpose.FIRM_ENTRY, t, np.arange(1, n_new + 1))
            like = alive[(pick * alive.size).astype(np.int64)]
            new = f.claim(n_new)
            for col in ("size_class", "sector", "segment", "base_target"):
                getattr(f, col)[new] = getattr(f, col)[like]
            f.offset[new] = d.uniform(Purpose.FIRM_OFFSET, t, new)
            f.employment[new] = 0
            f.alive[new] = True


def firm_demand(ctx: MonthContext) -> float | np.ndarray:
    """Return this month's multiplier of desired employment.

    The macro index, times ``labour_cost**eps`` per firm where an instrument set a labour cost
    (``eps``: ``Effects.cost_elasticity``, else ``labour_demand.own_wage_elasticity``; the
    scalar itself otherwise: baseline arithmetic).
    """
    fx = ctx.effects
    if fx is None or fx.labour_cost is None:
        return ctx.demand_index
    eps = fx.cost_elasticity
    if eps is None:
        eps = float(ctx.params["labour_demand.own_wage_elasticity"])
    return ctx.demand_index * fx.demand_factor(ctx.firms, eps)


def rounded_part(count: np.ndarray, share: float | np.ndarray, offset: np.ndarray
                 ) -> np.ndarray:
    """``share`` of each firm's ``count``, rounded down after adding the firm's fixed offset.

    The offset (uniform in [0, 1), drawn once per firm) makes the rounding unbiased across
    firms without a new draw; the part never exceeds the count. Demand layoffs use it through
    :func:`shed_part`, once per month and firm.
    """
    return np.minimum(np.floor(count * share + offset), count)


def shed_part(excess: np.ndarray, share: float, hold: np.ndarray | None,
              offset: np.ndarray) -> np.ndarray:
    """Demand layoffs each firm makes this month, rounded once with its fixed offset.

    ``share`` of the firm's ``excess`` (hoarding) times an instrument's ``hold`` multiplier, if
    any. One rounding of the product: rounding the share first and the hold after, with the same
    offset, keeps every one-agent layoff (a firm whose first rounding went up has an offset
    high enough to round up again), so a hold of less than one agent per firm held nothing.
    Instruments that count layoffs (the refund's rule) count them with this function.
    """
    return rounded_part(excess, share if hold is None else share * hold, offset)


def demand_layoffs(ctx: MonthContext) -> None:
    """Shed employment above desired employment.

    At once, unless an instrument's ``demand_layoff_multiplier`` holds some of it: kept
    workers stay excess labour and are shed in a later month if demand has not come back.
    """
    f = ctx.firms
    excess = np.maximum(f.employment - f.targets(ctx.demand_index), 0)
    excess[~f.alive] = 0
    # Labour hoarding: a firm lays off this share of its excess a month and keeps the rest
    # (no vacancies while it has excess, so its own separations shrink it too).
    share = 1.0 if ctx.stripped else float(ctx.params["labour_demand.excess_shed_share"])
    fx = ctx.effects
    hold = (None if fx is None or fx.demand_layoff_multiplier is None
            else fx.demand_layoff_multiplier[: f.capacity])
    if (share < 1.0 or hold is not None) and excess.any():
        excess = shed_part(excess, share, hold, f.offset).astype(np.int64)
    if excess.any():
        _shed(ctx, excess, Purpose.DEMAND_LAYOFF_ORDER, Flow.DEMAND_LAYOFF)


def separations(ctx: MonthContext) -> None:
    """Separate workers from jobs.

    Layoffs where demand fell below employment (:func:`demand_layoffs`), layoffs by firm
    hazard (size class and sector), quits, seasonal migrant separations, exits from
    self-employment and flexible work.
    """
    w, f, p, d, t = ctx.workers, ctx.firms, ctx.params, ctx.draws, ctx.t
    demand_layoffs(ctx)
    s = p["flows.separation_rate"]
    employed = ctx.ledger.members(State.EMPLOYED)
    firm = w.firm[employed]
    per_firm = (np.asarray(p["firms.layoff_multiplier_size"])[f.size_class]
                * np.asarray(p["firms.layoff_multiplier_sector"])[f.sector])
    relative = per_firm[firm]  # the same products, taken per firm rather than per worker
    relative /= relative.mean() if relative.size else 1.0  # multipliers move who, not how many
    # Firm exits are layoffs too: the individual layoff hazard is what is left of the layoff
    # share of separations once exits are counted, so total separations stay at s.
    individual = s * p["flows.layoff_share_of_separations"] - (
        0.0 if ctx.stripped else p["firms.exit_rate"])
    if individual < 0:
        raise ValueError(f"{p.origin}: firms.exit_rate exceeds the layoff part of "
                         "flows.separation_rate")
    layoff_p = individual * relative
    ctx.climate = 1.0 if ctx.stripped else hiring_climate(ctx)
    # Quits follow the outside option (procyclical quits): a worker quits to search when jobs
    # are to be had, so a hiring freeze also freezes quits and a recovery does not rehire them.
    quit_p = s * (1 - p["flows.layoff_share_of_separations"]) * (
        ctx.climate ** float(p["flows.quit_climate_elasticity"]))
    fx = ctx.effects
    if fx is not None and fx.firm_layoff_multiplier is not None:
        layoff_p = layoff_p * fx.firm_layoff_multiplier[firm]
    if fx is not None and fx.separation_multiplier is not None:
        layoff_p = layoff_p * fx.separation_multiplier[employed]
        quit_p = quit_p * fx.separation_multiplier[employed]
    # Spring-Festival separations of migrants: draw in [layoff + quit, layoff + quit + extra),
    # an empty interval when extra <= 0 (and when stripped).
    extra = 0.0 if ctx.stripped else (
        p["seasonality.migrant_separation_multiplier"][ctx.calendar_month - 1] - 1.0) * s
    laid, quits, seasonal_sep = separation_draws(
        employed, d.key(Purpose.SEPARATION, t), layoff_p, np.atleast_1d(quit_p), extra,
        w.rural_hukou)
    for idx, flow in ((laid, Flow.LAYOFF), (quits, Flow.QUIT),
                      (seasonal_sep, Flow.SEASONAL_SEPARATION)):
        leave_firm(w, f, idx)
        to_unemployed(ctx, idx, flow)
    if ctx.stripped:
        return
    members = ctx.ledger.members
    to_unemployed(ctx, d.chance(Purpose.SELF_EMPLOYMENT_EXIT, t, members(State.SELF_EMPLOYED),
                                p["flows.self_employed_exit_rate"]), Flow.SELF_EMPLOYMENT_EXIT)
    to_unemployed(ctx, d.chance(Purpose.FLEXIBLE_EXIT, t, members(State.FLEXIBLE),
                                p["flows.flexible_exit_rate"]), Flow.FLEXIBLE_EXIT)


def recalls(ctx: MonthContext) -> np.ndarray:
    """Firms with vacancies take back the workers they laid off when demand fell.

    Each firm recalls up to its vacancies from its tied workers (:class:`RecallTies`) still
    in the unemployment spell the layoff began and laid off one to
    ``labour_demand.recall_months`` months ago, in counter-based random order; recalls come
    before any hire. A recall resumes the old job: it is not a new urban job (the statistic
    records new employment, :mod:`jobsim.indicators`). Returns the recalled agents (sorted).
    """
    ties = ctx.recall
    if ties is None or ties.agent.size == 0 or ctx.stripped:
        return np.empty(0, dtype=np.int64)
    w, f = ctx.workers, ctx.firms
    age = ctx.t - ties.since
    live = ((w.state[ties.agent] == State.UNEMPLOYED) & (w.spell[ties.agent] == age)
            & (age <= int(ctx.params["labour_demand.recall_months"])))
    ties.keep(live)
    age = age[live]
    vac = f.vacancies(ctx.demand_index)
    # A layoff lasts at least a month: a firm that sheds for demand and loses a quitter in
    # the same month does not take back the worker it has just let go.
    open_ = (vac[ties.firm] > 0) & (age >= 1)
    if not open_.any():
        return np.empty(0, dtype=np.int64)
    pos = np.flatnonzero(open_)
    pos = pos[stable_argsort(ctx.draws.bits(Purpose.RECALL_ORDER, ctx.t, ties.agent[pos]))]
    take = pos[first_per_firm(ties.firm[pos], vac)]
    take = take[np.argsort(ties.agent[take], kind="stable")]
    back, firms = ties.agent[take], ties.firm[take]
    w.firm[back] = firms
    f.hire(firms)
    ctx.ledger.move(back, State.EMPLOYED, Flow.RECALL)
    w.registered[back] = False
    cover_ui(ctx, back)
    mask = np.ones(ties.agent.size, dtype=bool)
    mask[take] = False
    ties.keep(mask)
    return back


def public_posts(ctx: MonthContext) -> None:
    """End public posts after their term and refill the existing programme's posts.

    Posts end after their term; the existing programme refills its posts from the
    unemployed with employment difficulty (placements beyond that are instruments).
    """
    if ctx.stripped:
        return
    w, p = ctx.workers, ctx.params
    posts = ctx.ledger.members(State.PUBLIC_POST)
    if ctx.programme_posts is not None:  # the instrument ends and refills its own posts
        posts = posts[~ctx.programme_posts[posts]]
    ending = posts[w.spell[posts] >= int(p["flows.public_post_duration_months"])]
    to_unemployed(ctx, ending, Flow.PUBLIC_POST_END)
    pool = ctx.ledger.members(State.UNEMPLOYED)
    pool = pool[((w.groups[pool] & Group.DIFFICULTY.value) > 0) & (w.spell[pool] >= 1)]
    take = np.sort(ctx.draws.order(Purpose.POST_REFILL_ORDER, ctx.t, pool)[: ending.size])
    ctx.ledger.move(take, State.PUBLIC_POST, Flow.PUBLIC_POST_PLACEMENT)
    w.registered[take] = False


def working_age_rural(ctx: MonthContext, key: np.uint32 | None = None,
                      threshold: np.uint32 = np.uint32(0)) -> np.ndarray:
    """Rural workers below the statutory retirement age of their sex, ascending.

    With ``key``, only those whose counter-based draw under it is below ``threshold`` (one
    compiled pass over all agents: rural work is too large a state to keep a list of).
    """
    w, p = ctx.workers, ctx.params
    n = w.n_used
    args = (w.state[:n], State.RURAL_WORK.value, w.age_months[:n], w.female[:n],
            p["population.retirement_age_female"] * MONTHS_PER_YEAR,
            p["population.retirement_age_male"] * MONTHS_PER_YEAR)
    if key is None:
        return in_state_below_age(*args)
    return in_state_below_age(*args, True, key, threshold)


def rural_moves(ctx: MonthContext) -> None:
    """Rural workers below retirement age start off-farm search; migrants return home."""
    if ctx.stripped:
        return
    w, p, d, t = ctx.workers, ctx.params, ctx.draws, ctx.t
    members = ctx.ledger.members
    movers = working_age_rural(
        ctx, d.key(Purpose.RURAL_TRANSFER, t),
        # Migrants move when urban jobs are to be had (Harris-Todaro): the transfer hazard
        # follows the hiring climate, so urbanisation slows when urban labour demand does.
        d.threshold(min(p["rural.transfer_rate"] * ctx.climate, 1.0)))
    to_unemployed(ctx, movers, Flow.RURAL_TRANSFER)
    w.transfer_pending[movers] = True
    w.groups[movers] |= np.uint8(Group.MIGRANT)
    migrants = np.concatenate([flagged(members(st), w.rural_hukou) for st in (
        State.EMPLOYED, State.FLEXIBLE, State.SELF_EMPLOYED, State.UNEMPLOYED)])
    back = np.sort(d.chance(Purpose.RURAL_RETURN, t, migrants, p["rural.return_rate"]))
    leave_firm(w, ctx.firms, back[w.firm[back] >= 0])
    return_home(ctx, back)


def return_home(ctx: MonthContext, back: np.ndarray) -> None:
    """Move agents (out of any firm) back to rural work: they are no longer migrant workers."""
    w = ctx.workers
    ctx.ledger.move(back, State.RURAL_WORK, Flow.RURAL_RETURN)
    w.urban[back] = False
    w.groups[back] &= np.uint8(~Group.MIGRANT & 0xFF)
    w.registered[back] = False
    w.transfer_pending[back] = False


def participation(ctx: MonthContext) -> None:
    """Searchers give up; inactive people of working age start searching.

    A rural worker whose off-farm search has not yet found work (a pending transfer) and who
    gives up goes back to the farm, not into inactivity: the transfer failed and the family
    farm is still there. Everyone else who gives up leaves the labour force.
    """
    if ctx.stripped:
        return
    w, p, d, t = ctx.workers, ctx.params, ctx.draws, ctx.t
    searching = ctx.ledger.members(State.UNEMPLOYED)
    giving_up = d.chance(Purpose.LF_EXIT, t, searching[w.spell[searching] >= 1],
                         p["flows.lf_exit_rate"])
    failed = w.transfer_pending[giving_up]
    return_home(ctx, giving_up[failed])
    quitters = giving_up[~failed]
    ctx.ledger.move(quitters, State.INACTIVE, Flow.LF_EXIT)
    w.registered[quitters] = False
    eligible = by_age(ctx.ledger.members(State.INACTIVE), w.age_months, w.female,
                      p["population.retirement_age_female"] * MONTHS_PER_YEAR,
                      p["population.retirement_age_male"] * MONTHS_PER_YEAR, True)
    eligible = eligible[w.spell[eligible] >= 1]
    # Entry into search follows the hiring climate (discouraged workers wait for better times).
    rate = min(p["flows.lf_entry_rate"] * ctx.climate, 1.0)
    to_unemployed(ctx, d.chance(Purpose.LF_ENTRY, t, eligible, rate), Flow.LF_ENTRY)


def start_businesses(ctx: MonthContext, founders: np.ndarray, hires: float,
                     offsets: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Turn founders into self-employed owners of new micro firms.

    Founders become self-employed; each opens a micro services firm wanting ``hires``
    employees, its rounding offset drawn by ``offsets(new firm ids)``. Returns the new firms,
    aligned with ``founders``.
    """
    w, f = ctx.workers, ctx.firms
    ctx.ledger.move(founders, State.SELF_EMPLOYED, Flow.STARTUP)
    w.registered[founders] = False
    new = f.claim(founders.size)
    f.size_class[new] = SizeClass.MICRO
    f.segment[new] = w.college[founders]
    f.sector[new] = TERTIARY
    f.base_target[new] = hires
    f.offset[new] = offsets(new)
    f.employment[new] = 0
    f.alive[new] = True
    return new


def hiring_climate(ctx: MonthContext) -> float:
    """Return ``(theta / theta_ref)**(1 - alpha)``: the job-finding rate relative to normal.

    ``theta`` is this month's vacancies (at this month's demand) per unemployed searcher,
    ``theta_ref`` the initial population's, which is the stationary tightness
    (:func:`jobsim.population.stationary_tightness`), so the climate is 1 at flat demand;
    ``alpha`` the matching elasticity. 1 when the reference is unknown (a context built
    outside the model).
    """
    u = ctx.ledger.members(State.UNEMPLOYED).size
    v = float(ctx.firms.vacancies(ctx.demand_index).sum())
    ctx.theta = v / u if u else 0.0
    if ctx.theta_ref <= 0 or u == 0:
        return 1.0
    return float((ctx.theta / ctx.theta_ref) ** (1.0 - ctx.params["matching.elasticity"]))


def displace(f: Firms, new: np.ndarray) -> None:
    """Take new firms' desired employment out of the incumbents' (demand is given by output).

    A start-up's hires serve demand that incumbents served before: desired employment of all
    firms together is unchanged, so start-ups reallocate labour demand and never grow the
    economy for good.
    """
    if new.size == 0:
        return
    added = float(f.base_target[new].sum())
    incumbents = f.alive.copy()
    incumbents[new] = False
    total = float(f.base_target[incumbents].sum())
    if total > added > 0:
        f.base_target[incumbents] *= 1.0 - added / total


def self_and_flexible_entry(ctx: MonthContext) -> tuple[np.ndarray, np.ndarray]:
    """Start-ups (each a new micro firm hiring) and flexible-work entry of searchers."""
    w, p = ctx.workers, ctx.params
    searching = ctx.ledger.members(State.UNEMPLOYED)
    searching = searching[w.spell[searching] >= 1]
    if ctx.stripped:
        return searching[:0], searching[:0]
    # Entry into start-ups and flexible work meets the same demand as wage jobs: its hazard
    # moves with tightness like the job-finding rate, so the flow follows U^a V^(1-a) and
    # does not grow with unemployment alone in a downturn.
    climate = ctx.climate
    founders = ctx.draws.chance(Purpose.STARTUP, ctx.t, searching,
                                min(p["flows.startup_rate"] * climate, 1.0))
    new = start_businesses(ctx, founders, p["firms.startup_hires_per_founder"],
                           lambda new: ctx.draws.uniform(Purpose.FIRM_OFFSET, ctx.t, new))
    displace(ctx.firms, new)
    rest = np.setdiff1d(searching, founders, assume_unique=True)
    flex = ctx.draws.chance(Purpose.FLEXIBLE_ENTRY, ctx.t, rest,
                            min(p["flows.flexible_entry_rate"] * climate, 1.0))
    ctx.ledger.move(flex, State.FLEXIBLE, Flow.FLEXIBLE_ENTRY)
    w.registered[flex] = False
    return founders, flex
