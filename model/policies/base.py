"""The shared interface of the plan's instruments.

An instrument has a budget (yuan), a unit cost, eligibility (status and groups), a monthly
take-up, an active window and effect settings (``model/data/instruments.toml``, overridable per
scenario). Each month the model calls, in order,

- ``before_separations(ctx, t)``: programme exits, and modifiers of separations (refunds,
  subsidies) and of search (after-effects) for this month;
- ``before_matching(ctx, t)``: admissions and placements, after the core's own start-ups and
  flexible entries and before matching;
- ``end_of_month(ctx, t)``: the built-in evaluation.

Admission uses the instrument's own counter-based draws (sub-purposes 0-2 here, 3+ in the
subclasses): an agent's take-up draw is the same in any scenario, and a zero-budget instrument
draws nothing and changes nothing, so the run is the baseline bit for bit. Applicants are
admitted in random order while the budget lasts; the month in which someone is first turned
away for lack of budget is reported. Nobody is admitted twice by the same instrument.

Evaluation: with ``evaluate=True`` every admission month also draws a hold-out control group of
the same size from eligible non-applicants, excluded from later admission, so participants'
and controls' employment can be compared month by month after entry (a built-in randomised
trial; used by the tests that hold effects to the evidence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from jobsim.agents import Group, State, Workers
from jobsim.flows import MonthContext
from jobsim.params import ParameterSet
from jobsim.policies.effects import BaseRates, LabourCostResponse, labour_cost_response
from jobsim.rng import Draws, Purpose

__all__ = ["GROUP_NAMES", "Instrument", "InstrumentSettings", "searchers", "in_groups",
           "scale_workers", "scale_firms", "cut_labour_cost"]

GROUP_NAMES: dict[str, int] = {g.name.lower(): int(g) for g in Group}


def searchers(ctx: MonthContext) -> np.ndarray:
    """Agents searching since before this month (the core's definition of a searcher)."""
    unemployed = ctx.ledger.members(State.UNEMPLOYED)
    return unemployed[ctx.workers.spell[unemployed] >= 1]


def in_groups(w: Workers, idx: np.ndarray, groups: int) -> np.ndarray:
    """Members of ``idx`` in any of the ``groups`` (all of ``idx`` when ``groups`` is 0)."""
    if groups == 0:
        return idx
    return idx[(w.groups[idx] & np.uint8(groups)) > 0]


def scale_workers(ctx: MonthContext, name: str, idx: np.ndarray, m: float) -> None:
    """Multiply this month's worker modifier ``name`` by ``m`` at ``idx`` (unique indices).

    Modifiers compose by multiplication, so instruments acting on the same hazard give the
    same result in any order.
    """
    if idx.size and m != 1.0:
        ctx.effects.worker_array(name, ctx.workers.capacity)[idx] *= m


def scale_firms(ctx: MonthContext, name: str, idx: np.ndarray, m: float | np.ndarray) -> None:
    """Multiply this month's firm modifier ``name`` by ``m`` at ``idx`` (unique indices)."""
    if idx.size == 0:
        return
    arr = getattr(ctx.effects, name)
    if arr is None:
        arr = np.ones(ctx.firms.capacity, dtype=np.float64)
        setattr(ctx.effects, name, arr)
    arr[idx] *= m


def cut_labour_cost(ctx: MonthContext, inst: Instrument, idx: np.ndarray,
                    relative: float | np.ndarray) -> None:
    """Lower the labour cost of firms ``idx`` to ``relative`` (1 = unchanged) this month.

    The one labour-cost channel of the fee cut, refund, hiring subsidy and training in lieu of
    work. The evidence's elasticity is an employment elasticity; it reaches employment on the
    model's two margins, each converted from the model's steady state
    (:func:`jobsim.policies.effects.labour_cost_response`): desired employment rises as
    ``relative**desired_elasticity`` (read by ``flows.firm_demand`` from
    ``Effects.cost_elasticity``) and the firms' layoff hazard falls as
    ``relative**layoff_elasticity``. Cuts of several instruments multiply, so both margins
    compose in any order.
    """
    if idx.size == 0:
        return
    if not np.all(np.isfinite(relative) & (np.asarray(relative) > 0)):
        # A cut of the whole labour cost has no finite response on a constant elasticity:
        # desired employment would be infinite (and its integer cast garbage).
        raise ValueError(f"{inst.kind}: relative labour cost must be positive and finite, got "
                         f"min {np.min(relative)!r}")
    r = inst.cost_response
    scale_firms(ctx, "labour_cost", idx, relative)
    ctx.effects.cost_elasticity = r.desired_elasticity
    if r.layoff_elasticity:
        scale_firms(ctx, "firm_layoff_multiplier", idx,
                    np.power(relative, r.layoff_elasticity))


@dataclass
class InstrumentSettings:
    """What a scenario says of one instrument, resolved against the defaults."""

    budget_yuan: float
    take_up: float
    groups: int  # Group flags, 0 = no group restriction
    first_month: int  # index into the horizon
    last_month: int  # inclusive
    cap_persons: float | None
    values: dict[str, Any]  # kind-specific settings (unit costs, durations, effects)


@dataclass
class Cohort:
    """Agents admitted in one month, with their controls."""

    month: int
    members: np.ndarray
    controls: np.ndarray
    state_at_entry: np.ndarray
    groups_at_entry: np.ndarray  # group flags change later (graduate status expires)


@dataclass
class Instrument:
    """Base of every instrument; subclasses implement the hooks they need."""

    kind: ClassVar[str] = ""
    index: ClassVar[int] = 0  # fixed random-stream number; never renumber
    label: ClassVar[str] = ""  # 中文 / English
    default_groups: ClassVar[tuple[str, ...]] = ()

    settings: InstrumentSettings
    calendar: pd.PeriodIndex
    persons_per_agent: float
    params: ParameterSet
    seed: int
    replicate: int = 0
    evaluate: bool = False
    lf_entry_rate: float = 0.0  # the model's labour-force entry hazard (flows.lf_entry_rate)
    draws: Draws = field(init=False)
    remaining: float = field(init=False)
    spent: float = field(init=False, default=0.0)
    admitted: int = field(init=False, default=0)  # agents
    exhausted_month: str | None = field(init=False, default=None)
    cohorts: list[Cohort] = field(init=False, default_factory=list)
    monthly_spent: list[float] = field(init=False, default_factory=list)
    _seen: np.ndarray | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.draws = Draws(self.seed, self.replicate)
        self.remaining = float(self.settings.budget_yuan)
        self.rates = BaseRates.from_params(self.params, self.lf_entry_rate)
        self.prepare()

    @cached_property
    def cost_response(self) -> LabourCostResponse:
        """The labour-cost channel's two margins at this parameter set (:func:`cut_labour_cost`)."""
        return labour_cost_response(
            self.params, float(self.settings.values["labour_cost_separation_share"]))

    # -- to override --------------------------------------------------------------------
    def prepare(self) -> None:
        """Derive the instrument's hazards from its settings (once, at construction)."""

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        """Exits and this month's modifiers."""

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        """Admissions and placements."""

    def outputs(self) -> dict[str, float]:
        """Programme outputs beyond spending and participants (persons, yuan)."""
        return {}

    # -- shared -------------------------------------------------------------------------
    def purpose(self, j: int) -> int:
        """Counter-based draw purpose ``j`` of this instrument (see :class:`jobsim.rng.Purpose`)."""
        return int(Purpose.INSTRUMENT) + 16 * self.index + j

    def uniform(self, j: int, t: int, ids: np.ndarray) -> np.ndarray:
        """The instrument's counter-based uniforms for ``ids`` (same in a counterfactual)."""
        return self.draws.uniform(self.purpose(j), t, ids)

    @property
    def enabled(self) -> bool:
        """An instrument with no money does nothing at all."""
        return self.settings.budget_yuan > 0

    def active(self, t: int) -> bool:
        """Within the active window and with money left."""
        return self.enabled and self.settings.first_month <= t <= self.settings.last_month

    def eligible(self, w: Workers, idx: np.ndarray) -> np.ndarray:
        """Members of ``idx`` in the instrument's groups, not admitted or held out before."""
        idx = in_groups(w, idx, self.settings.groups)
        if self._seen is not None and idx.size:
            idx = idx[~self._seen[idx]]
        return idx

    def admit(self, ctx: MonthContext, t: int, candidates: np.ndarray,
              cost_per_person: float, take_up: float | None = None) -> np.ndarray:
        """Draw applicants by take-up and admit them while the budget lasts.

        Draw applicants by take-up (the instrument's, or ``take_up``), admit in random
        order while the budget lasts.
        """
        if not self.active(t) or candidates.size == 0:
            return candidates[:0]
        w = ctx.workers
        if self._seen is None:
            self._seen = np.zeros(w.capacity, dtype=bool)
        rate = self.settings.take_up if take_up is None else take_up
        applying = self.uniform(0, t, candidates) < rate
        applicants = self.draws.order(self.purpose(1), t, candidates[applying])
        cost_agent = cost_per_person * self.persons_per_agent
        affordable = int(np.floor(self.remaining / cost_agent + 1e-9)) if cost_agent > 0 else (
            applicants.size)
        n = min(applicants.size, affordable)
        if self.settings.cap_persons is not None:
            cap_agents = int(self.settings.cap_persons / self.persons_per_agent
                             - self.admitted + 1e-9)
            n = min(n, max(cap_agents, 0))
        if n < applicants.size and affordable < applicants.size and self.exhausted_month is None:
            self.exhausted_month = str(self.calendar[t])
        chosen = np.sort(applicants[:n])
        self.remaining -= n * cost_agent
        self.spent += n * cost_agent
        self.admitted += n
        self._seen[chosen] = True
        controls = chosen[:0]
        if self.evaluate and n:
            pool = candidates[~applying]
            pool = pool[~self._seen[pool]]
            controls = np.sort(self.draws.order(self.purpose(2), t, pool)[:n])
            self._seen[controls] = True
        if n:
            self.cohorts.append(Cohort(t, chosen, controls, w.state[chosen].copy(),
                                       w.groups[chosen].copy()))
        return chosen

    def charge(self, t: int, amount: float) -> bool:
        """Pay ``amount`` if the budget allows; otherwise record exhaustion and refuse."""
        if not self.active(t):
            return False
        if amount > self.remaining + 1e-6:
            if self.exhausted_month is None:
                self.exhausted_month = str(self.calendar[t])
            return False
        self.remaining -= amount
        self.spent += amount
        return True

    def members(self, since_entry: tuple[int, int] | None = None, t: int = 0) -> np.ndarray:
        """Participants of all cohorts (optionally with months since entry in [lo, hi))."""
        parts = [c.members for c in self.cohorts
                 if since_entry is None or since_entry[0] <= t - c.month < since_entry[1]]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def end_of_month(self, ctx: MonthContext, t: int) -> None:
        """Record spending (the budget check of the tests reads it)."""
        self.monthly_spent.append(self.spent)

    def summary(self) -> dict[str, Any]:
        """Spending, participants and outputs, in yuan and persons."""
        return {
            "instrument": self.kind,
            "label": self.label,
            "budget_yuan": self.settings.budget_yuan,
            "spending_yuan": self.spent,
            "participants": self.admitted * self.persons_per_agent,
            "budget_exhausted_month": self.exhausted_month,
            **self.outputs(),
        }
