"""Training in lieu of work 以工代训.

Small and micro firms are paid ``subsidy_per_month_yuan`` for each target-group employee they
keep and train, for ``duration_months``. Two effects:

- **labour cost** (demand): the subsidy lowers the firm's labour cost by the subsidised
  employees' share of its staff times ``subsidy / common.labour_cost_per_worker_month_yuan``;
  employment responds through the one labour-cost channel (``base.cut_labour_cost``: desired
  employment and layoffs), like the fee cut's;
- **retention** (who): while subsidised, a share ``net_share`` of the employee's separation
  hazard is prevented (the firm keeps the trained worker, a condition of payment; the
  hiring-subsidy evidence on deadweight: about three quarters would have stayed anyway). The
  firm's desired employment is not raised by it, so a kept participant is a vacancy not opened
  for someone else: only the labour-cost channel adds jobs.
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import SizeClass, State
from jobsim.flows import MonthContext
from jobsim.kernels import in_counted_firms
from jobsim.policies.base import Instrument, cut_labour_cost, scale_workers


class TrainingInLieuOfWork(Instrument):
    """Retention subsidy for target-group employees of small firms."""

    kind = "training_in_lieu_of_work"
    index = 7
    label = "以工代训 / training in lieu of work"
    default_groups = ("migrant", "graduate", "difficulty", "poverty_alleviated")

    def prepare(self) -> None:
        v = self.settings.values
        self.duration = int(v["duration_months"])
        self.cost = float(v["subsidy_per_month_yuan"]) * self.duration
        self.multiplier = 1.0 - float(v["net_share"])
        self.cut = min(float(v["subsidy_per_month_yuan"])
                       / float(v["labour_cost_per_worker_month_yuan"]), 1.0)

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        w, f = ctx.workers, ctx.firms
        if self.active(t):
            small = in_counted_firms(ctx.ledger.members(State.EMPLOYED), w.firm,
                                     f.size_class <= SizeClass.SMALL)
            self.admit(ctx, t, self.eligible(w, small), self.cost)
        current = self.members(since_entry=(0, self.duration), t=t)
        scale_workers(ctx, "separation_multiplier", current, self.multiplier)
        at_firm = current[(w.state[current] == State.EMPLOYED.value) & (w.firm[current] >= 0)]
        if at_firm.size:
            subsidised = np.bincount(w.firm[at_firm], minlength=f.capacity).astype(np.float64)
            firms = np.flatnonzero(subsidised)
            share = subsidised[firms] / np.maximum(f.employment[firms], 1)
            cut_labour_cost(ctx, self, firms, 1.0 - self.cut * np.minimum(share, 1.0))

    def outputs(self) -> dict[str, float]:
        return {"workers_subsidised": self.admitted * self.persons_per_agent}
