"""Subsidised vocational training 政府补贴性职业技能培训.

Participants come from the programme's three pools, in shares that are declared assumptions
(Hunan's split is not in the data): employed workers' upskilling 岗位技能提升
(``share_employed``: firm employees, who keep working), rural labour before a transfer
(``share_rural``: rural workers, who keep their rural work) and the unemployed (the rest).
Each month's course places are ``take_up`` x the eligible searchers, split by those shares.

Only unemployed trainees leave the labour force during the course (state TRAINING: not
available, so out of the labour force by the ILO criteria; ``monthly.csv`` also reports the
surveyed rate with them counted as unemployed) for ``duration_months``; they leave for a job
at ``lockin_multiplier`` times the searchers' job-finding rate (lock-in). After the course
their search weight and (inversely) their separation hazard are multiplied by phase-specific
factors solved so that their employment gap versus non-participants is the evidence's +1 pp at
12 months and +5 pp at 24 months (Card, Kluve & Weber 2018, evaluations of unemployed
participants; see ``effects.py``). Employed and rural trainees have no employment effect in the
model: the Chinese evidence found is on wages (赵德昭 & 耿之斌 2020, migrant workers +1.88
yuan an hour), not on employment.
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import State
from jobsim.flows import (
    MonthContext,
    cover_ui,
    hire_into_vacancies,
    to_unemployed,
    working_age_rural,
)
from jobsim.ledger import Flow
from jobsim.policies.base import Instrument, scale_workers, searchers
from jobsim.policies.effects import solve_phases


class VocationalTraining(Instrument):
    """Courses with lock-in and effects that grow with time."""

    kind = "vocational_training"
    index = 1
    label = "职业技能培训 / subsidised vocational training"

    def prepare(self) -> None:
        v = self.settings.values
        self.duration = int(v["duration_months"])
        self.lockin = float(v["lockin_multiplier"])
        self.phases = solve_phases(
            self.rates, {12: float(v["effect_pp_12m"]), 24: float(v["effect_pp_24m"])},
            programme_months=self.duration, lockin=self.lockin, tie_separation=True)
        employed, rural = float(v["share_employed"]), float(v["share_rural"])
        total = max(employed + rural, 1.0)  # shares above 1 in all are read as proportions
        self.shares = {"employed": employed / total, "rural": rural / total}
        self.shares["unemployed"] = max(1.0 - self.shares["employed"] - self.shares["rural"],
                                        0.0)

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        if not self.cohorts:
            return
        w = ctx.workers
        for c in self.cohorts:
            if c.state_at_entry.size and c.state_at_entry[0] != State.UNEMPLOYED.value:
                continue  # employed and rural trainees: no employment effect (docstring)
            months_in = t - c.month
            in_course = c.members[w.state[c.members] == State.TRAINING.value]
            if months_in >= self.duration:
                to_unemployed(ctx, in_course, Flow.PROGRAMME_EXIT)
                m = [mult for first, mult in self.phases if first <= months_in][-1]
                scale_workers(ctx, "search_weight", c.members, m)
                scale_workers(ctx, "separation_multiplier", c.members, 1 / m)
            elif in_course.size:
                leave = in_course[self.uniform(3, t, in_course) < self.lockin * ctx.finding_rate]
                hired = hire_into_vacancies(ctx, leave, self.purpose(4))
                ctx.ledger.move(hired, State.EMPLOYED, Flow.PROGRAMME_EXIT)
                cover_ui(ctx, hired)
                ctx.new_hires.append(hired)

    def _pools(self, ctx: MonthContext) -> dict[str, np.ndarray]:
        w = ctx.workers
        rural = working_age_rural(ctx)
        return {"unemployed": self.eligible(w, searchers(ctx)),
                "employed": self.eligible(w, ctx.ledger.members(State.EMPLOYED)),
                "rural": self.eligible(w, rural)}

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        cost = float(self.settings.values["unit_cost_yuan"])
        pools = self._pools(ctx)
        places = self.settings.take_up * pools["unemployed"].size  # this month's places
        # Pools in a fixed order (the unemployed first) share the budget.
        for name in ("unemployed", "employed", "rural"):
            pool, share = pools[name], self.shares[name]
            if share <= 0 or pool.size == 0:
                continue
            rate = min(places * share / pool.size, 1.0)
            admitted = self.admit(ctx, t, pool, cost, take_up=rate)
            if name == "unemployed":
                ctx.ledger.move(admitted, State.TRAINING, Flow.PROGRAMME_ENTRY)
                ctx.workers.registered[admitted] = False

    def outputs(self) -> dict[str, float]:
        by_pool = {name: 0 for name in ("unemployed", "employed", "rural")}
        for c in self.cohorts:
            state = int(c.state_at_entry[0]) if c.state_at_entry.size else -1
            name = {State.UNEMPLOYED.value: "unemployed", State.EMPLOYED.value: "employed",
                    State.RURAL_WORK.value: "rural"}.get(state)
            if name:
                by_pool[name] += c.members.size
        k = self.persons_per_agent
        return {"trainings": self.admitted * k,
                **{f"trainees_{name}": n * k for name, n in by_pool.items()}}
