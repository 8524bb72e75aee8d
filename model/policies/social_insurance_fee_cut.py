"""Social-insurance fee cuts 社保降费.

Lower labour cost for all firms while the budget (contributions forgone) lasts: the layoff
hazard is multiplied by ``layoff_multiplier`` and desired employment rises by
``demand_increase`` (once, when the cut starts). Both sizes are assumptions: the evidence file
has no estimate for this instrument (docs/assumptions.md).
"""

from __future__ import annotations

import numpy as np

from model.flows import MonthContext
from model.policies.base import Instrument


class SocialInsuranceFeeCut(Instrument):
    """A small, broad cut in labour cost."""

    kind = "social_insurance_fee_cut"
    index = 9
    label = "社保降费 / social-insurance fee cut"

    def prepare(self) -> None:
        self.started = False
        self.worker_months = 0

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        f = ctx.firms
        v = self.settings.values
        workers = int(f.employment[f.alive].sum())
        cost = workers * self.persons_per_agent * float(v["cost_per_worker_month_yuan"])
        if not self.charge(t, cost):
            return
        self.worker_months += workers
        self.admitted = max(self.admitted, workers)
        if not self.started:
            f.base_target[f.alive] *= 1.0 + float(v["demand_increase"])
            self.started = True
        arr = ctx.effects.firm_layoff_multiplier
        if arr is None:
            arr = ctx.effects.firm_layoff_multiplier = np.ones(f.capacity)
        arr[f.alive] *= float(v["layoff_multiplier"])

    def outputs(self) -> dict[str, float]:
        return {"covered_worker_months": self.worker_months * self.persons_per_agent}
