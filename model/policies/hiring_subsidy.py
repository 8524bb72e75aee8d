"""Hiring and social-insurance subsidies for target groups 吸纳就业补贴, 社保补贴.

Eligible searchers of the target groups get an entitlement valid for ``entitlement_months``;
a firm that hires them is paid ``unit_cost_yuan`` (committed when the entitlement is issued).
Two channels:

- **search (who is hired)**: while entitled, the searcher's weight in matching is raised
  (firms prefer subsidised hires), solved so that participants' employment is
  ``effect_pp_24m`` above non-participants' on average at 12 and 24 months after entry (the
  evidence's gross effect for participants at 1-2 years, CKW). Part of that gain is
  displacement of other searchers (``matching.search_net_to_gross``);
- **labour cost (how many are hired)**: the subsidy, spread over the subsidised worker's first
  12 months, lowers the hiring firm's labour cost by that worker's share of its staff times
  ``unit_cost / 12 / common.labour_cost_per_worker_month_yuan``; employment responds through
  the one labour-cost channel (``base.cut_labour_cost``: the own-wage elasticity, an employment
  elasticity, on the firm's desired employment and its layoffs). The net new jobs per
  subsidised hire are therefore an outcome (``docs/effects.md`` sets them beside the
  evidence's net share 0.10-0.50), and the rest of the subsidised hires are deadweight and
  substitution.
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import State
from jobsim.flows import MonthContext
from jobsim.policies.base import Instrument, cut_labour_cost, scale_workers, searchers
from jobsim.policies.effects import employment_gap_pp
from scipy.optimize import brentq

SUBSIDY_MONTHS = 12  # the subsidy's cost relief is spread over the hire's first year
EVIDENCE_HORIZONS = (12, 24)  # the gross effect's horizon: 1-2 years after entry
WEIGHT_BOUNDS = (1.0, 20.0)  # search weight while entitled (as effects.solve_phases)


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

        # The evidence is an effect over 1-2 years: the mean of the gaps at its two ends is
        # solved to it. Solved at 24 months alone, an entitlement's gain that fades slowly
        # (few separations and exits, the base set) needs a gap of about 9 pp at 12 months,
        # three times the evidence and outside its range.
        def gap(m: float) -> float:
            phases = [(0, m), (self.window, 1.0)]
            return 0.5 * sum(employment_gap_pp(self.rates, h, phases=phases)
                             for h in EVIDENCE_HORIZONS) - target

        lo, hi = WEIGHT_BOUNDS
        # A target beyond reach (the entitlement's effect fades by 24 months) gets the bound,
        # as in effects.solve_phases, not a silent 1.
        self.multiplier = (lo if gap(lo) >= 0 else hi if gap(hi) <= 0
                           else float(brentq(gap, lo, hi, xtol=1e-8)))
        self.cut = min(float(v["unit_cost_yuan"]) / SUBSIDY_MONTHS
                       / float(v["labour_cost_per_worker_month_yuan"]), 1.0)
        self.subsidised = 0
        self._paid_month: np.ndarray | None = None

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        w, f = ctx.workers, ctx.firms
        if not self.cohorts:
            return
        if self._paid_month is None:
            self._paid_month = np.full(w.capacity, -1, dtype=np.int32)
        entitled = self.members(since_entry=(0, self.window + 1), t=t)
        # Hires of entitled people last month: the firm is paid.
        hired = entitled[(w.state[entitled] == State.EMPLOYED.value)
                         & (self._paid_month[entitled] < 0)]
        self._paid_month[hired] = t
        self.subsidised += hired.size
        # Firms' labour-cost relief for subsidised hires in their first year, still employed.
        paid = self.members()
        paid = paid[(self._paid_month[paid] >= 0) & (t - self._paid_month[paid] < SUBSIDY_MONTHS)
                    & (w.state[paid] == State.EMPLOYED.value) & (w.firm[paid] >= 0)]
        if paid.size:
            count = np.bincount(w.firm[paid], minlength=f.capacity).astype(np.float64)
            firms = np.flatnonzero(count)
            share = np.minimum(count[firms] / np.maximum(f.employment[firms], 1), 1.0)
            cut_labour_cost(ctx, self, firms, 1.0 - self.cut * share)
        still = entitled[w.state[entitled] == State.UNEMPLOYED.value]
        scale_workers(ctx, "search_weight", still, self.multiplier)

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        w = ctx.workers
        issued = self.admit(ctx, t, self.eligible(w, searchers(ctx)),
                            float(self.settings.values["unit_cost_yuan"]))
        scale_workers(ctx, "search_weight", issued, self.multiplier)

    def outputs(self) -> dict[str, float]:
        return {"entitlements": self.admitted * self.persons_per_agent,
                "subsidised_hires": self.subsidised * self.persons_per_agent}
