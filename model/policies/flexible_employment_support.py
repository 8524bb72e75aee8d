"""Support for flexible employment 灵活就业, 新就业形态 (social-insurance subsidy, flexible work).

Eligible searchers take supported flexible work. A share ``deadweight`` of supported entrants
are people who took flexible work this month anyway (taken from the core's entrants); the rest
are additional entrants. Effect sizes are assumptions: the evidence file has none.
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import State
from jobsim.flows import MonthContext
from jobsim.ledger import Flow
from jobsim.policies.base import Instrument, searchers


class FlexibleEmploymentSupport(Instrument):
    """Easier entry into flexible work for target groups."""

    kind = "flexible_employment_support"
    index = 11
    label = "灵活就业支持 / flexible-employment support"
    default_groups = ("difficulty", "graduate", "poverty_alleviated", "migrant")

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        w = ctx.workers
        supported = self.admit(ctx, t, self.eligible(w, searchers(ctx)),
                               float(self.settings.values["unit_cost_yuan"]))
        if supported.size == 0:
            return
        # A share would have taken flexible work anyway: they are paid for but not moved by
        # the programme (the core's own flexible entry already moves people like them).
        keep = int(round(supported.size * (1 - float(self.settings.values["deadweight"]))))
        extra = np.sort(self.draws.order(self.purpose(3), t, supported)[:keep])
        ctx.ledger.move(extra, State.FLEXIBLE, Flow.FLEXIBLE_ENTRY)
        w.registered[extra] = False
        ctx.new_hires.append(extra)

    def outputs(self) -> dict[str, float]:
        return {"supported_flexible_workers": self.admitted * self.persons_per_agent}
