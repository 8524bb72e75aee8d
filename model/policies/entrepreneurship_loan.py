"""Guaranteed start-up loans with interest subsidy 创业担保贷款及贴息, one-off start-up subsidy.

Eligible searchers who apply and are funded become self-employed founders; each start-up is a
new micro firm that creates ``jobs_per_founder_gross - 1`` jobs in its first year (the founder
is the first job; Yunnan/Shaanxi/Henan administrative tallies count jobs created, founder
included). The tallies count filled jobs; the model's firm wants positions and fills them
through matching, each at the vacancies' stationary monthly filling rate, so the start-up
wants the positions of which that many are filled within 12 months
(``effects.wanted_for_filled``: a units conversion from the model's steady state, as for the
labour-cost channel; where vacancies fill slowly a start-up wants more than it will fill).
Supported start-ups survive to 30 months with probability ``survival_30m`` (Caliendo &
Kritikos 2010): the instrument adds the exit hazard beyond the core's own exits (a start-up
whose founder leaves closes, and a founder whose firm closes searches again). Net jobs are not
imposed: they are what the counterfactual run without loans gives (``attribution.csv``); the
tests hold jobs created and survival to the evidence. Cost per loan: ``unit_cost_yuan``
(fiscal cost); the loan volume is reported.
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import State
from jobsim.flows import MonthContext, leave_firm, start_businesses, to_unemployed
from jobsim.kernels import in_counted_firms
from jobsim.ledger import Flow
from jobsim.policies.base import Instrument, searchers
from jobsim.policies.effects import wanted_for_filled

FIRST_YEAR = 12  # months: the tallies' jobs are the start-up's first-year hires


class EntrepreneurshipLoan(Instrument):
    """Start-ups with hires and a survival hazard."""

    kind = "entrepreneurship_loan"
    index = 3
    label = "创业担保贷款 / guaranteed start-up loans"

    def prepare(self) -> None:
        v = self.settings.values
        self.hires = wanted_for_filled(self.params, float(v["jobs_per_founder_gross"]) - 1.0,
                                       FIRST_YEAR)
        total = 1.0 - float(v["survival_30m"]) ** (1.0 / 30.0)
        # The core's own exits: self-employment exit, and at 1:1 the firm's exit (with more
        # persons per agent a firm agent loses one of its K firms at a time, not the founder).
        core = float(self.params["flows.self_employed_exit_rate"]) + (
            float(self.params["firms.exit_rate"]) if self.persons_per_agent < 2 else 0.0)
        self.exit_hazard = max(total - core, 0.0)
        self.firm_of: dict[int, np.ndarray] = {}

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        w, f = ctx.workers, ctx.firms
        for c in self.cohorts:
            firms = self.firm_of[c.month]
            founder_in = w.state[c.members] == State.SELF_EMPLOYED.value
            firm_alive = f.alive[firms]
            drawn = self.uniform(3, t, c.members) < self.exit_hazard
            close_firm = firm_alive & (~founder_in | drawn)
            stop_founder = founder_in & (~firm_alive | drawn)
            self._close(ctx, firms[close_firm])
            to_unemployed(ctx, c.members[stop_founder], Flow.SELF_EMPLOYMENT_EXIT)

    def _close(self, ctx: MonthContext, firms: np.ndarray) -> None:
        """Close start-ups: their employees are laid off."""
        if firms.size == 0:
            return
        w, f = ctx.workers, ctx.firms
        dead = np.zeros(f.capacity, dtype=bool)
        dead[firms] = True
        f.alive[firms] = False
        staff = in_counted_firms(ctx.ledger.members(State.EMPLOYED), w.firm, dead)
        leave_firm(w, f, staff)
        to_unemployed(ctx, staff, Flow.FIRM_EXIT)

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        w = ctx.workers
        cost = float(self.settings.values["unit_cost_yuan"])
        founders = self.admit(ctx, t, self.eligible(w, searchers(ctx)), cost)
        if founders.size == 0:
            self.firm_of[t] = founders
            return
        self.firm_of[t] = start_businesses(ctx, founders, self.hires,
                                           lambda new: self.uniform(4, t, new))
        ctx.new_hires.append(founders)

    def outputs(self) -> dict[str, float]:
        loans = self.admitted * self.persons_per_agent
        return {"loans": loans,
                "loan_volume_yuan": loans * float(self.settings.values["loan_size_yuan"])}
