"""Subsidised vocational training 政府补贴性职业技能培训.

Eligible searchers enter a course (state TRAINING: not available, so out of the labour force
by the ILO criteria) for ``duration_months``; during the course they leave for a job at
``lockin_multiplier`` times the searchers' job-finding rate (lock-in). After the course their
search weight and (inversely) their separation hazard are multiplied by phase-specific factors
solved so that the employment gap versus non-participants is the evidence's +1 pp at 12 months
and +5 pp at 24 months (Card, Kluve & Weber 2018; see ``effects.py``).
"""

from __future__ import annotations

from model.agents import State
from model.flows import MonthContext, cover_ui, hire_into_vacancies, to_unemployed
from model.ledger import Flow
from model.policies.base import Instrument, searchers
from model.policies.effects import solve_phases


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

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        if not self.cohorts:
            return
        w = ctx.workers
        for c in self.cohorts:
            months_in = t - c.month
            in_course = c.members[w.state[c.members] == State.TRAINING.value]
            if months_in >= self.duration:
                to_unemployed(ctx, in_course, Flow.PROGRAMME_EXIT)
                m = [mult for first, mult in self.phases if first <= months_in][-1]
                ctx.effects.worker_array("search_weight", w.capacity)[c.members] = m
                ctx.effects.worker_array("separation_multiplier", w.capacity)[c.members] = 1 / m
            elif in_course.size:
                leave = in_course[self.uniform(3, t, in_course) < self.lockin * ctx.finding_rate]
                hired = hire_into_vacancies(ctx, leave, self.purpose(4))
                ctx.ledger.move(hired, State.EMPLOYED, Flow.PROGRAMME_EXIT)
                cover_ui(ctx, hired)
                ctx.new_hires.append(hired)

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        cost = float(self.settings.values["unit_cost_yuan"])
        admitted = self.admit(ctx, t, self.eligible(ctx.workers, searchers(ctx)), cost)
        ctx.ledger.move(admitted, State.TRAINING, Flow.PROGRAMME_ENTRY)
        ctx.workers.registered[admitted] = False

    def outputs(self) -> dict[str, float]:
        return {"trainings": self.admitted * self.persons_per_agent}
