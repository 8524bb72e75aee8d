"""Job-retention refund of unemployment-insurance premiums 稳岗返还.

Paid without application to eligible firms; the model has no firm's past layoff rate, so every
live firm with staff (it paid premiums) is eligible at the start, and firms are covered in
random order (a share ``take_up`` of them, while the budget lasts) at
``spending_per_firm_yuan`` per real firm (national totals).

The refund acts for 12 months on the layoffs a fall in demand causes: a covered firm holds a
share ``demand_layoff_reduction`` of the layoffs that a fall in demand below its employment
causes, for as long as the fall lasts (the share of its largest excess since coverage;
short-time-work evidence: about 20% of job losses in a recession, Balleer et al. 2016). The
eligibility rule binds here: a firm whose layoffs since coverage would exceed the control
target (``common.control_target_layoff_rate`` of its staff at coverage;
``common.small_firm_layoff_rate`` for micro and small firms, the rule's firms of 30 insured
staff or fewer) loses the refund's hold and sheds as without it.

It does not lower labour cost. The refund is a share of the premiums the firm paid in the
*previous* year (``policy_parameters.csv``: 60% for small and medium firms, 30% for large
ones), so it is a lump sum fixed before the year begins: an extra worker hired this year does
not raise it, and a worker kept does not either, save through the layoff rule. So it moves
neither desired employment nor the firms' layoff hazard, the margins of the labour-cost
channel (``base.cut_labour_cost``) that the fee cut, hiring subsidies and training in lieu of
work use, whose payments do follow this year's payroll. This is also what the evidence says of
such payments outside a recession: near zero net effect (Hijzen & Martin 2013). Its effect
therefore grows with the downturn: it acts on layoffs that only a downturn makes.
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import SizeClass, State
from jobsim.flows import MonthContext, firm_demand, shed_part
from jobsim.policies.base import Instrument, scale_firms

COVER_MONTHS = 12  # the refund is annual


class JobRetentionRefund(Instrument):
    """Hoarding of demand layoffs in covered firms."""

    kind = "job_retention_refund"
    index = 8
    label = "稳岗返还 / job-retention refund"

    def prepare(self) -> None:
        self.firms: np.ndarray = np.zeros(0, dtype=np.int64)
        self.covered_from = -1
        self.covered_workers = 0
        self.allowance = np.zeros(0)  # layoffs (agents) a firm may make and stay eligible
        self.laid_off = np.zeros(0)  # demand layoffs since coverage (agents, expected)
        self.held = 0.0  # most demand layoffs held in one month (agents, expected)
        self.peak = np.zeros(0)

    def _cover(self, ctx: MonthContext, t: int) -> None:
        f = ctx.firms
        v = self.settings.values
        # The refund returns premiums paid: a firm without staff paid none and is not eligible.
        alive = np.flatnonzero(f.alive & (f.employment > 0))
        alive = alive[self.uniform(5, t, alive) < self.settings.take_up]
        alive = self.draws.order(self.purpose(3), t, alive)
        per_agent = float(v["spending_per_firm_yuan"]) * self.persons_per_agent
        n = min(alive.size, int(np.floor(self.remaining / per_agent + 1e-9)))
        if n < alive.size:
            self.exhausted_month = str(self.calendar[t])
        self.firms = np.sort(alive[:n])
        self.remaining -= n * per_agent
        self.spent += n * per_agent
        self.admitted = n
        self.covered_from = t
        staff = f.employment[self.firms].astype(np.float64)
        self.covered_workers = int(staff.sum())
        small = f.size_class[self.firms] <= SizeClass.SMALL
        limit = np.where(small, float(v["small_firm_layoff_rate"]),
                         float(v["control_target_layoff_rate"]))
        self.allowance = limit * staff
        self.laid_off = np.zeros(self.firms.size)
        self.peak = np.zeros(self.firms.size)  # largest excess of employment over demand

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        if self.covered_from < 0 and self.active(t):
            self._cover(ctx, t)
        if not (self.firms.size and 0 <= t - self.covered_from < COVER_MONTHS):
            return
        f = ctx.firms
        live = f.alive[self.firms]
        # This month's excess of employment over desired employment at the covered firms, at
        # the labour costs set so far this month (the refund is first in the fixed order, so
        # no instrument's cut is in it yet).
        desired = f.targets(firm_demand(ctx))[self.firms]
        excess = np.maximum(f.employment[self.firms] - desired, 0).astype(np.float64)
        excess[~live] = 0.0
        # A covered firm holds a share of the fall in demand for as long as it lasts: of the
        # largest excess since coverage, it keeps ``keep`` (those it already holds are part of
        # this month's excess) and sheds the rest, while its layoffs stay within the rule.
        keep = float(self.settings.values["demand_layoff_reduction"])
        self.peak = np.maximum(self.peak, excess)
        held = np.minimum(keep * self.peak, excess)
        shed = excess - held
        mult = np.where(excess > 0, shed / np.maximum(excess, 1e-12), 1.0)
        # The rule counts the layoffs the firm makes, as flows.demand_layoffs makes them
        # (flows.shed_part). Counting the whole excess again each month it lasts would end
        # the hold within months.
        share = 1.0 if ctx.stripped else float(ctx.params["labour_demand.excess_shed_share"])
        offset = f.offset[self.firms]
        without = shed_part(excess, share, None, offset)
        with_hold = shed_part(excess, share, mult, offset)
        eligible = self.laid_off + with_hold <= self.allowance
        hold = eligible & live & (held > 0)
        scale_firms(ctx, "demand_layoff_multiplier", self.firms[hold], mult[hold])
        self.laid_off += np.where(hold, with_hold, without)
        self.held = max(self.held, float(held[hold].sum()))

    def outputs(self) -> dict[str, float]:
        return {"firms_covered": self.admitted * self.persons_per_agent,
                "workers_covered": self.covered_workers * self.persons_per_agent,
                "demand_layoffs_held": self.held * self.persons_per_agent}

    def summary(self) -> dict:
        out = super().summary()
        out["participants"] = self.covered_workers * self.persons_per_agent
        return out


__all__ = ["JobRetentionRefund", "State"]
