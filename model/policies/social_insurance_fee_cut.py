"""Social-insurance fee cuts 社保降费.

Lower labour cost for all live firms while the budget (contributions forgone) lasts. The cut per
worker-month, ``cost_per_worker_month_yuan``, against the labour cost of a worker-month
(``common.labour_cost_per_worker_month_yuan``) is the relative fall in every firm's labour cost;
employment responds through the one own-wage elasticity of labour demand
(``labour_demand.own_wage_elasticity``, evidence_priors.md: -0.3, range -0.1 to -0.6), an
employment elasticity, converted from the model's steady state onto its two margins
(``base.cut_labour_cost``, ``effects.labour_cost_response``): more desired employment (more
vacancies, fewer layoffs where demand falls) and a lower layoff hazard. The cut is paid on
every job, including the jobs that exist anyway: its deadweight is everything but the jobs
the elasticity adds (``docs/effects.md`` states it).
"""

from __future__ import annotations

import numpy as np
from jobsim.flows import MonthContext
from jobsim.policies.base import Instrument, cut_labour_cost


class SocialInsuranceFeeCut(Instrument):
    """A small, broad cut in labour cost."""

    kind = "social_insurance_fee_cut"
    index = 9
    label = "社保降费 / social-insurance fee cut"

    def prepare(self) -> None:
        v = self.settings.values
        self.relative_cost = 1.0 - float(v["cost_per_worker_month_yuan"]) / float(
            v["labour_cost_per_worker_month_yuan"])
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
        cut_labour_cost(ctx, self, np.flatnonzero(f.alive), self.relative_cost)

    def outputs(self) -> dict[str, float]:
        return {"covered_worker_months": self.worker_months * self.persons_per_agent,
                "relative_labour_cost": self.relative_cost}
