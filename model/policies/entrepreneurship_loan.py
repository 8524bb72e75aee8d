"""Guaranteed start-up loans with interest subsidy 创业担保贷款及贴息 (and one-off start-up subsidy).

Eligible searchers who apply and are funded become self-employed founders; each start-up is a
new micro firm that hires ``jobs_per_founder_gross - 1`` people (the founder is the first
job; Yunnan/Shaanxi/Henan administrative tallies). Supported start-ups survive to 30 months
with probability ``survival_30m`` (Caliendo & Kritikos 2010): the instrument adds the exit
hazard beyond the core's self-employment exit. Net jobs are not imposed: they are what the
model's counterfactual (same run without loans) gives, and the tests hold them to the
evidence's net range. Cost per loan: ``unit_cost_yuan`` (fiscal cost); loan volume is reported.
"""

from __future__ import annotations

import numpy as np

from model.agents import SizeClass, State
from model.flows import MonthContext, leave_firm, to_unemployed
from model.ledger import Flow
from model.policies.base import Instrument, searchers

TERTIARY = 1


class EntrepreneurshipLoan(Instrument):
    """Start-ups with hires and a survival hazard."""

    kind = "entrepreneurship_loan"
    index = 3
    label = "创业担保贷款 / guaranteed start-up loans"

    def prepare(self) -> None:
        v = self.settings.values
        self.hires = float(v["jobs_per_founder_gross"]) - 1.0
        total = 1.0 - float(v["survival_30m"]) ** (1.0 / 30.0)
        self.exit_hazard = max(total - float(self.params["flows.self_employed_exit_rate"]), 0.0)
        self.firm_of: dict[int, np.ndarray] = {}

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        w, f = ctx.workers, ctx.firms
        for c in self.cohorts:
            firms = self.firm_of[c.month]
            running = (w.state[c.members] == State.SELF_EMPLOYED) & f.alive[firms]
            founders, firms = c.members[running], firms[running]
            closing = self.uniform(3, t, founders) < self.exit_hazard
            if not closing.any():
                continue
            dead = np.zeros(f.capacity, dtype=bool)
            dead[firms[closing]] = True
            f.alive[firms[closing]] = False
            staff = np.flatnonzero((w.state[: w.n_used] == State.EMPLOYED)
                                   & (w.firm[: w.n_used] >= 0))
            staff = staff[dead[w.firm[staff]]]
            leave_firm(w, f, staff)
            to_unemployed(ctx, staff, Flow.FIRM_EXIT)
            to_unemployed(ctx, founders[closing], Flow.SELF_EMPLOYMENT_EXIT)

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        w, f = ctx.workers, ctx.firms
        cost = float(self.settings.values["unit_cost_yuan"])
        founders = self.admit(ctx, t, self.eligible(w, searchers(w)), cost)
        if founders.size == 0:
            self.firm_of[t] = founders
            return
        ctx.ledger.move(founders, State.SELF_EMPLOYED, Flow.STARTUP)
        w.registered[founders] = False
        new = f.claim(founders.size)
        f.size_class[new] = SizeClass.MICRO
        f.segment[new] = w.college[founders]
        f.sector[new] = TERTIARY
        f.base_target[new] = self.hires
        f.offset[new] = self.uniform(4, t, new)
        f.employment[new] = 0
        f.alive[new] = True
        self.firm_of[t] = new
        ctx.new_hires.append(founders)

    def outputs(self) -> dict[str, float]:
        loans = self.admitted * self.persons_per_agent
        return {"loans": loans,
                "loan_volume_yuan": loans * float(self.settings.values["loan_size_yuan"])}
