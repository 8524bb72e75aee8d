"""Plain-Mesa yardstick: the columnar model's monthly rules, one Python object per worker.

These are the rules of :class:`jobsim.labour_market.LabourMarket` written the usual Mesa way
(DESIGN §2, "Mesa"): every worker is a :class:`mesa.Agent` with a ``step()`` method holding its
monthly rules, scheduled with ``model.agents.shuffle_do("step")``; firms are plain Python
objects. It exists only to be timed against the columnar model (``benchmarks/bench_speed.py``),
so it is built FROM a columnar model's population (same people, ages, states, firms,
attributes) and reads every number from the same :class:`~jobsim.params.ParameterSet` and
:class:`~jobsim.population.Demography`.

Rules per month, per agent, in the columnar model's order (``model/flows.py``,
``model/matching.py``), each event drawn with one ``random()`` per agent and hazard:

- ageing (age and spell + 1); death by the mortality hazard of the age band, certain at
  ``population.age_max``; retirement at the statutory age of the agent's sex;
- firm workers: laid off when their firm exited; otherwise one draw against the layoff hazard
  (separation rate x layoff share - firm exit rate, times the firm's size x sector multiplier
  normalised by its mean over the employed), the quit hazard and, for rural-hukou workers, the
  Spring-Festival extra separations of the month;
- exits from self-employment and flexible work; the end of public-post terms;
- rural workers below retirement age start off-farm search (transfer); rural-hukou urban
  workers return to rural work;
- searchers leave the labour force; inactive people of working age start searching;
- searchers start a business (a new micro firm with vacancies) or take flexible work, else
  search;
- new searchers register with the public employment service with the solved registration rate.

Then, at model level: the public-post programme refills its vacated posts from searchers with
employment difficulty; youth and (June-July) graduates enter, a share of graduates hired
directly; matching per segment computes ``M = min(A U^a V^(1-a), U, V)`` from the counts of
searchers and vacancies (rounded without bias) and hires each searcher with probability M/U into
a random open vacancy of the segment; finally one pass over the agents measures the month's
indicators (stocks, surveyed and registered rates, the key groups), as ``jobsim.indicators``
does for the columnar model.

Simplified (documented, not hidden): firm exit and entry are one draw per firm (entrants copy a
random incumbent); layoffs where demand falls below employment are omitted (with a constant
demand index of 1, as benchmarked, the columnar model sheds nobody either); the public-post
refill and the month's entrants come after the agents' steps rather than between the flows;
the stock-flow ledger is a counter per flow, without the origin x destination table; indicators
count moves into urban employment but not the administrative recording share. Random draws
differ from the columnar model (Python's ``random`` per agent, not numpy streams), so results
agree in law, not bit for bit.
"""

from __future__ import annotations

import math
from collections import Counter

import mesa
from jobsim.agents import Group, State
from jobsim.labour_market import LabourMarket
from jobsim.ledger import Flow
from jobsim.matching import matches

__all__ = ["Firm", "Worker", "PlainMesaLabourMarket"]

MONTHS_PER_YEAR = 12
ELDERLY_AGE = 60  # the data's age band boundary (as model/flows.py)

EMPLOYED, SELF_EMPLOYED, FLEXIBLE, PUBLIC_POST = (
    int(State.EMPLOYED), int(State.SELF_EMPLOYED), int(State.FLEXIBLE), int(State.PUBLIC_POST))
TRAINING, INTERNSHIP, UNEMPLOYED, INACTIVE = (
    int(State.TRAINING), int(State.INTERNSHIP), int(State.UNEMPLOYED), int(State.INACTIVE))
RURAL_WORK, GONE = int(State.RURAL_WORK), int(State.GONE)
RETIRING = frozenset({EMPLOYED, PUBLIC_POST, FLEXIBLE, SELF_EMPLOYED, UNEMPLOYED, TRAINING,
                      INTERNSHIP})
URBAN_WORKERS = frozenset({EMPLOYED, FLEXIBLE, SELF_EMPLOYED, UNEMPLOYED})
URBAN_EMPLOYMENT = frozenset({EMPLOYED, SELF_EMPLOYED, FLEXIBLE, PUBLIC_POST, INTERNSHIP})
REGISTER_EMPLOYMENT = frozenset({EMPLOYED, SELF_EMPLOYED, PUBLIC_POST})


class Firm:
    """An urban firm (plain object): size class, sector, segment, target and employment."""

    __slots__ = ("size_class", "sector", "segment", "base_target", "offset", "employment",
                 "alive", "relative")

    def __init__(self, size_class: int, sector: int, segment: int, base_target: float,
                 offset: float, employment: int, alive: bool, relative: float) -> None:
        self.size_class = size_class
        self.sector = sector
        self.segment = segment
        self.base_target = base_target
        self.offset = offset
        self.employment = employment
        self.alive = alive
        self.relative = relative  # size-class x sector layoff multiplier

    def vacancies(self, demand_index: float) -> int:
        """Open vacancies (as ``Firms.vacancies``)."""
        if not self.alive:
            return 0
        return max(math.floor(self.base_target * demand_index + self.offset) - self.employment,
                   0)


class Worker(mesa.Agent):
    """One worker agent; ``step`` applies the month's individual rules in order."""

    def __init__(self, model: PlainMesaLabourMarket, state: int, age: int, female: bool,
                 urban: bool, rural_hukou: bool, college: bool, groups: int, firm: Firm | None,
                 registered: bool, ui_covered: bool, spell: int, transfer_pending: bool) -> None:
        super().__init__(model)
        self.state = state
        self.age = age
        self.female = female
        self.urban = urban
        self.rural_hukou = rural_hukou
        self.college = college
        self.groups = groups
        self.firm = firm
        self.registered = registered
        self.ui_covered = ui_covered
        self.spell = spell
        self.transfer_pending = transfer_pending

    # -- moves --------------------------------------------------------------------------
    def move(self, to: int, flow: Flow) -> None:
        """Change state under a named flow (the ledger's counter); resets the spell."""
        self.model.flow_counts[flow] += 1
        self.model.transitions[(self.state, to)] += 1
        self.state = to
        self.spell = 0

    def leave_firm(self) -> None:
        """Detach from the firm, if any."""
        if self.firm is not None:
            self.firm.employment -= 1
            self.firm = None

    def to_unemployed(self, flow: Flow) -> None:
        """Start searching; register with the public employment service with some chance."""
        self.move(UNEMPLOYED, flow)
        self.urban = True
        self.registered = self.random.random() < self.model.registration_rate

    # -- the month ----------------------------------------------------------------------
    def step(self) -> None:
        """Ageing, death, retirement, separations, rural moves, participation, entry."""
        m = self.model
        rand = self.random.random
        self.age += 1
        self.spell += 1

        # Deaths and retirement.
        age = self.age
        if age >= m.top_age or rand() < (m.mortality_old if age >= m.old_age
                                         else m.mortality_young):
            self.leave_firm()
            self.move(GONE, Flow.DEATH)
            self.remove()
            return
        if self.state in RETIRING and age >= (m.retire_f if self.female else m.retire_m):
            self.leave_firm()
            self.move(INACTIVE, Flow.RETIREMENT)

        # Separations.
        state = self.state
        if state == EMPLOYED:
            firm = self.firm
            if not firm.alive:
                self.leave_firm()
                self.to_unemployed(Flow.FIRM_EXIT)
            else:
                draw = rand()
                layoff = m.individual_layoff * firm.relative / m.relative_mean
                if draw < layoff:
                    self.leave_firm()
                    self.to_unemployed(Flow.LAYOFF)
                elif draw < layoff + m.quit_rate:
                    self.leave_firm()
                    self.to_unemployed(Flow.QUIT)
                elif self.rural_hukou and draw < layoff + m.quit_rate + m.seasonal_extra:
                    self.leave_firm()
                    self.to_unemployed(Flow.SEASONAL_SEPARATION)
        elif state == SELF_EMPLOYED:
            if rand() < m.self_employed_exit:
                self.to_unemployed(Flow.SELF_EMPLOYMENT_EXIT)
        elif state == FLEXIBLE:
            if rand() < m.flexible_exit:
                self.to_unemployed(Flow.FLEXIBLE_EXIT)
        elif state == PUBLIC_POST and self.spell >= m.post_term:
            self.to_unemployed(Flow.PUBLIC_POST_END)
            m.posts_to_fill += 1

        # Rural moves.
        below_retirement = age < (m.retire_f_rural if self.female else m.retire_m_rural)
        if self.state == RURAL_WORK:
            if below_retirement and rand() < m.transfer_rate:
                self.to_unemployed(Flow.RURAL_TRANSFER)
                self.transfer_pending = True
                self.groups |= int(Group.MIGRANT)
        if self.state in URBAN_WORKERS and self.rural_hukou and rand() < m.return_rate:
            self.leave_firm()
            self.move(RURAL_WORK, Flow.RURAL_RETURN)
            self.urban = False
            self.registered = False
            self.transfer_pending = False

        # Participation.
        if self.state == UNEMPLOYED:
            if self.spell >= 1 and rand() < m.lf_exit:
                self.move(INACTIVE, Flow.LF_EXIT)
                self.registered = False
        elif self.state == INACTIVE:
            if below_retirement and self.spell >= 1 and rand() < m.lf_entry:
                self.to_unemployed(Flow.LF_ENTRY)

        # Start-ups, flexible work, or search.
        if self.state == UNEMPLOYED and self.spell >= 1:
            if rand() < m.startup_rate:
                self.move(SELF_EMPLOYED, Flow.STARTUP)
                self.registered = False
                m.new_firm(segment=int(self.college))
                m.newly.append(self)
            elif rand() < m.flexible_entry:
                self.move(FLEXIBLE, Flow.FLEXIBLE_ENTRY)
                self.registered = False
                m.newly.append(self)
            else:
                m.searchers[int(self.college)].append(self)

    def hire(self, firm: Firm, flow: Flow) -> None:
        """Take a vacancy of ``firm``."""
        self.firm = firm
        firm.employment += 1
        self.move(EMPLOYED, flow)
        self.registered = False
        self.ui_covered = self.random.random() < self.model.ui_coverage
        self.model.newly.append(self)


class PlainMesaLabourMarket(mesa.Model):
    """The same monthly rules, agent by agent, on a copy of a columnar model's population.

    Parameters
    ----------
    source : LabourMarket
        A freshly built columnar model; its workers, firms, parameters, demography, calendar
        and demand path are copied.
    seed : int
        Seed of Python's ``random`` used for every draw.
    """

    def __init__(self, source: LabourMarket, seed: int = 0) -> None:
        super().__init__(seed=seed)
        p = self.params = source.params
        d = source.demography
        self.calendar = source.calendar
        self.demand = [float(x) for x in source.demand]
        self.persons_per_agent = source.persons_per_agent
        self.horizon = source.horizon
        self.month = 0
        # Parameters, read once (the columnar rules read the same paths).
        self.top_age = int(p["population.age_max"]) * MONTHS_PER_YEAR
        self.old_age = ELDERLY_AGE * MONTHS_PER_YEAR
        self.mortality_young = p["flows.mortality_under_60"]
        self.mortality_old = p["flows.mortality_60_plus"]
        self.retire_f = int(p["population.retirement_age_female"]) * MONTHS_PER_YEAR
        self.retire_m = int(p["population.retirement_age_male"]) * MONTHS_PER_YEAR
        self.retire_f_rural = p["population.retirement_age_female"] * MONTHS_PER_YEAR
        self.retire_m_rural = p["population.retirement_age_male"] * MONTHS_PER_YEAR
        s = p["flows.separation_rate"]
        self.separation_rate = s
        self.individual_layoff = s * p["flows.layoff_share_of_separations"] - p["firms.exit_rate"]
        self.quit_rate = s * (1 - p["flows.layoff_share_of_separations"])
        self.self_employed_exit = p["flows.self_employed_exit_rate"]
        self.flexible_exit = p["flows.flexible_exit_rate"]
        self.post_term = int(p["flows.public_post_duration_months"])
        self.transfer_rate = p["rural.transfer_rate"]
        self.return_rate = p["rural.return_rate"]
        self.lf_exit = p["flows.lf_exit_rate"]
        self.lf_entry = p["flows.lf_entry_rate"]
        self.startup_rate = p["flows.startup_rate"]
        self.flexible_entry = p["flows.flexible_entry_rate"]
        self.firm_exit = p["firms.exit_rate"]
        self.registration_rate = d.registration_rate
        self.ui_coverage = d.ui_coverage
        self.demography = d
        self.size_multiplier = list(p["firms.layoff_multiplier_size"])
        self.sector_multiplier = list(p["firms.layoff_multiplier_sector"])

        # Firms, then workers, copied attribute by attribute.
        f = source.firms
        self.firms: list[Firm] = [
            Firm(int(f.size_class[j]), int(f.sector[j]), int(f.segment[j]),
                 float(f.base_target[j]), float(f.offset[j]), int(f.employment[j]),
                 bool(f.alive[j]),
                 self.size_multiplier[int(f.size_class[j])]
                 * self.sector_multiplier[int(f.sector[j])])
            for j in range(f.n_used)
        ]
        w = source.workers
        cols = [getattr(w, name)[: w.n_used].tolist() for name in (
            "state", "age_months", "female", "urban", "rural_hukou", "college", "groups",
            "firm", "registered", "ui_covered", "spell", "transfer_pending")]
        for (state, age, female, urban, hukou, college, groups, firm, registered, ui, spell,
             pending) in zip(*cols, strict=True):
            if state == GONE:
                continue
            Worker(self, state, age, female, urban, hukou, college, groups,
                   self.firms[firm] if firm >= 0 else None, registered, ui, spell, pending)

        self.flow_counts: Counter[Flow] = Counter()
        self.transitions: Counter[tuple[int, int]] = Counter()
        self.rows: list[dict[str, float]] = []
        self.agent_steps = 0

    # -- helpers ------------------------------------------------------------------------
    def new_firm(self, segment: int) -> Firm:
        """Create a founder's micro firm (as ``flows.self_and_flexible_entry``)."""
        firm = Firm(0, 1, segment, self.params["firms.startup_hires_per_founder"],
                    self.random.random(), 0, True,
                    self.size_multiplier[0] * self.sector_multiplier[1])
        self.firms.append(firm)
        return firm

    def _stochastic_round(self, x: float) -> int:
        return int(math.floor(x + self.random.random()))

    def _firm_turnover(self) -> None:
        """Firm exit and entry, one draw each per firm."""
        alive = [f for f in self.firms if f.alive]
        rand = self.random.random
        for firm in alive:
            if rand() < self.firm_exit:
                firm.alive = False
        for _ in alive:
            if rand() < self.firm_exit:
                like = alive[int(rand() * len(alive))]
                self.firms.append(Firm(like.size_class, like.sector, like.segment,
                                       like.base_target, rand(), 0, True, like.relative))

    def _entrants(self, calendar_month: int, demand_index: float) -> None:
        """Youth (inactive) and, in June-July, graduates (a share hired directly)."""
        p, rand, k = self.params, self.random.random, self.persons_per_agent
        for _ in range(self._stochastic_round(
                self.demography.youth_per_year / MONTHS_PER_YEAR / k)):
            urban = rand() < p["population.urban_share_of_inactive"]
            agent = Worker(self, INACTIVE, 16 * MONTHS_PER_YEAR,
                           rand() < p["population.share_female"], urban, not urban, False, 0,
                           None, False, False, 0, False)
            self.flow_counts[Flow.YOUTH_ENTRY] += 1
            self.transitions[(GONE, agent.state)] += 1
        share = p["seasonality.graduate_entry_share"][calendar_month - 1]
        if share <= 0:
            return
        age = int((p["population.college_entry_age"] + p["population.college_years"])
                  * MONTHS_PER_YEAR)
        slots = self._vacancy_slots(1, demand_index)
        for _ in range(self._stochastic_round(self.demography.graduates_per_year * share / k)):
            agent = Worker(self, GONE, age, rand() < p["population.share_female"], True,
                           rand() < p["population.share_rural_hukou_urban"], True,
                           int(Group.GRADUATE), None, False, False, 0, False)
            if rand() < p["population.graduate_first_employment_rate"] and slots:
                agent.hire(self._take(slots), Flow.GRADUATE_DIRECT_HIRE)
            else:
                agent.to_unemployed(Flow.GRADUATE_ENTRY)

    def _vacancy_slots(self, segment: int, demand_index: float) -> list[Firm]:
        """One entry per open vacancy of the segment."""
        slots: list[Firm] = []
        for firm in self.firms:
            if firm.segment == segment:
                v = firm.vacancies(demand_index)
                if v:
                    slots.extend([firm] * v)
        return slots

    def _take(self, slots: list[Firm]) -> Firm:
        """Remove and return a random slot."""
        j = int(self.random.random() * len(slots))
        firm = slots[j]
        slots[j] = slots[-1]
        slots.pop()
        return firm

    def _refill_posts(self) -> None:
        """Refill vacated public posts from searchers with employment difficulty."""
        if not self.posts_to_fill:
            return
        pool = [a for seg in self.searchers for a in seg
                if a.groups & int(Group.DIFFICULTY)]
        take = self.random.sample(pool, min(self.posts_to_fill, len(pool)))
        for agent in take:
            self.searchers[int(agent.college)].remove(agent)
            agent.move(PUBLIC_POST, Flow.PUBLIC_POST_PLACEMENT)
            agent.registered = False

    def _match(self, demand_index: float) -> None:
        """Cobb-Douglas matches per segment; each searcher hired with probability M/U."""
        p = self.params
        for segment in (0, 1):
            searchers = self.searchers[segment]
            slots = self._vacancy_slots(segment, demand_index)
            u, v = len(searchers), len(slots)
            expected = matches(u, v, p["matching.efficiency"], p["matching.elasticity"])
            m = min(self._stochastic_round(expected), u, v)
            if m == 0:
                continue
            prob = m / u
            rand = self.random.random
            for agent in searchers:
                if slots and rand() < prob:
                    agent.hire(self._take(slots), Flow.MATCH)

    def _measure(self) -> dict[str, float]:
        """One pass over the agents: the month's stocks and indicators."""
        k = self.persons_per_agent
        stocks: Counter[int] = Counter()
        registered = 0
        ui = 0
        group_emp: Counter[int] = Counter()
        group_unemp: Counter[int] = Counter()
        groups = [int(g) for g in Group]
        for agent in self.agents:
            st = agent.state
            stocks[st] += 1
            if st == UNEMPLOYED:
                registered += agent.registered
                for g in groups:
                    if agent.groups & g:
                        group_unemp[g] += 1
            elif st in URBAN_EMPLOYMENT:
                if st == EMPLOYED:
                    ui += agent.ui_covered
                for g in groups:
                    if agent.groups & g:
                        group_emp[g] += 1
        employed = sum(stocks[s] for s in URBAN_EMPLOYMENT)
        unemployed = stocks[UNEMPLOYED]
        reg_employed = sum(stocks[s] for s in REGISTER_EMPLOYMENT)
        newly = sum(n for (a, b), n in self.transitions.items()
                    if b in URBAN_EMPLOYMENT and a not in URBAN_EMPLOYMENT)
        row = {
            "urban_employed": employed * k,
            "urban_unemployed": unemployed * k,
            "surveyed_unemployment_rate": 100.0 * unemployed / max(employed + unemployed, 1),
            "registered_unemployment_rate":
                100.0 * registered / max(reg_employed + registered, 1),
            "newly_employed_urban": newly * k,
            "ui_participants": ui * k,
        }
        for s in State:
            if s != State.GONE:
                row[f"stock_{s.name.lower()}"] = stocks[int(s)] * k
        for fl in Flow:
            row[f"flow_{fl.name.lower()}"] = self.flow_counts[fl] * k
        for g in Group:
            row[f"group_{g.name.lower()}_employed"] = group_emp[int(g)] * k
            row[f"group_{g.name.lower()}_unemployed"] = group_unemp[int(g)] * k
        return row

    # -- the month ----------------------------------------------------------------------
    def step(self) -> None:
        """One month: firm turnover, every agent's step, entrants, posts, matching, indicators."""
        if self.month >= self.horizon:
            self.running = False
            return
        period = self.calendar[self.month]
        demand = self.demand[self.month]
        self.flow_counts.clear()
        self.transitions.clear()
        self.searchers: list[list[Worker]] = [[], []]
        self.newly: list[Worker] = []
        self.posts_to_fill = 0
        self.seasonal_extra = (
            self.params["seasonality.migrant_separation_multiplier"][period.month - 1] - 1.0
        ) * self.separation_rate
        self._firm_turnover()
        employed = [f for f in self.firms if f.alive and f.employment > 0]
        total = sum(f.employment for f in employed)
        self.relative_mean = (sum(f.employment * f.relative for f in employed) / total
                              if total else 1.0)
        self.agent_steps += len(self.agents)
        self.agents.shuffle_do("step")
        self._entrants(period.month, demand)
        self._refill_posts()
        self._match(demand)
        for agent in self.newly:  # rural transfers complete on taking off-farm work
            agent.transfer_pending = False
        self.rows.append({"month": str(period), **self._measure()})
        self.month += 1
        if self.month >= self.horizon:
            self.running = False

    def run(self) -> list[dict[str, float]]:
        """Run the whole horizon; one row per month."""
        while self.month < self.horizon:
            self.step()
        return self.rows
