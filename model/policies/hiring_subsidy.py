"""Hiring and social-insurance subsidies for target groups 吸纳就业补贴, 社保补贴.

Eligible searchers of the target groups get an entitlement valid for ``entitlement_months``;
a firm that hires them is paid ``unit_cost_yuan`` (committed when the entitlement is issued).
While entitled, their search weight is raised (firms prefer subsidised hires: substitution and
deadweight), solved so that participants' employment is ``effect_pp_24m`` above non-
participants' 12 months after entry (the evidence's gross effect, CKW). Only ``net_share`` of
subsidised hires are net new jobs (Finnish and OECD evidence on deadweight and substitution):
each subsidised hire raises the hiring firm's desired employment by that share.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from model.agents import State
from model.flows import MonthContext
from model.policies.base import Instrument, searchers
from model.policies.effects import employment_gap_pp


class HiringSubsidy(Instrument):
    """Entitlements to a subsidised hire."""

    kind = "hiring_subsidy"
    index = 6
    label = "吸纳就业补贴 / hiring subsidies"
    default_groups = ("graduate", "difficulty", "poverty_alleviated", "migrant", "veteran",
                      "fisherman")

    def prepare(self) -> None:
        v = self.settings.values
        self.window = int(v["entitlement_months"])
        target = float(v["effect_pp_24m"])

        def gap(m: float) -> float:
            return employment_gap_pp(self.rates, 12, phases=[(0, m), (self.window, 1.0)]) - target

        self.multiplier = float(brentq(gap, 1.0, 50.0)) if gap(1.0) < 0 < gap(50.0) else 1.0
        self.subsidised = 0
        self._paid: np.ndarray | None = None

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        w, f = ctx.workers, ctx.firms
        if not self.cohorts:
            return
        if self._paid is None:
            self._paid = np.zeros(w.capacity, dtype=bool)
        entitled = self.members(since_entry=(0, self.window + 1), t=t)
        # Hires of entitled people last month: the firm is paid and adds net jobs.
        hired = entitled[(w.state[entitled] == State.EMPLOYED.value) & ~self._paid[entitled]]
        if hired.size:
            self._paid[hired] = True
            self.subsidised += hired.size
            net = float(self.settings.values["net_share"])
            f.base_target += net * np.bincount(w.firm[hired], minlength=f.capacity)
        still = entitled[w.state[entitled] == State.UNEMPLOYED.value]
        if still.size:
            ctx.effects.worker_array("search_weight", w.capacity)[still] = self.multiplier

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        w = ctx.workers
        issued = self.admit(ctx, t, self.eligible(w, searchers(ctx)),
                            float(self.settings.values["unit_cost_yuan"]))
        if issued.size:
            ctx.effects.worker_array("search_weight", w.capacity)[issued] = self.multiplier

    def outputs(self) -> dict[str, float]:
        return {"entitlements": self.admitted * self.persons_per_agent,
                "subsidised_hires": self.subsidised * self.persons_per_agent}
