"""Public employment services 公共就业服务, 职业介绍.

Registered searchers who are served (counselling, referrals, job fairs) search with a weight
solved so that their employment is ``effect_pp`` above non-participants' 12 months after
(evidence: +2 pp, flat over time, CKW 2010). The effect lasts for the rest of the horizon.
"""

from __future__ import annotations

from jobsim.flows import MonthContext
from jobsim.policies.base import Instrument, scale_workers, searchers
from jobsim.policies.effects import solve_phases


class PublicEmploymentServices(Instrument):
    """Better matching for registered seekers."""

    kind = "public_employment_services"
    index = 5
    label = "公共就业服务 / public employment services"

    def prepare(self) -> None:
        self.multiplier = solve_phases(
            self.rates, {12: float(self.settings.values["effect_pp"])})[0][1]

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        scale_workers(ctx, "search_weight", self.members(), self.multiplier)

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        w = ctx.workers
        pool = searchers(ctx)
        pool = pool[w.registered[pool]]
        served = self.admit(ctx, t, self.eligible(w, pool),
                            float(self.settings.values["unit_cost_yuan"]))
        scale_workers(ctx, "search_weight", served, self.multiplier)

    def outputs(self) -> dict[str, float]:
        return {"job_seekers_served": self.admitted * self.persons_per_agent}
