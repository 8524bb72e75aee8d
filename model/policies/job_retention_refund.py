"""Job-retention refund of unemployment-insurance premiums 稳岗返还.

Paid without application to eligible firms (layoff rate at or below the control target);
the model does not track each firm's past layoff rate, so every live firm is eligible and firms
are covered in random order while the budget lasts, at ``spending_per_firm_yuan`` per real
firm (national 2021 totals). Covered firms' layoff hazard falls for 12 months by
``jobs_saved_per_worker_year``/12 per worker-month (evidence 0.02 jobs saved per covered worker:
near zero outside a recession, Hijzen & Martin 2013).
"""

from __future__ import annotations

import numpy as np

from model.agents import State
from model.flows import MonthContext
from model.policies.base import Instrument

COVER_MONTHS = 12  # the refund is annual


class JobRetentionRefund(Instrument):
    """Lower layoff hazard in covered firms."""

    kind = "job_retention_refund"
    index = 8
    label = "稳岗返还 / job-retention refund"

    def prepare(self) -> None:
        p = self.params
        layoff = (p["flows.separation_rate"] * p["flows.layoff_share_of_separations"]
                  - p["firms.exit_rate"])
        saved = float(self.settings.values["jobs_saved_per_worker_year"]) / 12.0
        self.multiplier = max(1.0 - saved / layoff, 0.0) if layoff > 0 else 1.0
        self.firms: np.ndarray = np.zeros(0, dtype=np.int64)
        self.covered_from = -1
        self.covered_workers = 0

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        f = ctx.firms
        if self.covered_from < 0 and self.active(t):
            alive = np.flatnonzero(f.alive)
            alive = self.draws.order(self.purpose(3), t, alive)
            per_agent = float(self.settings.values["spending_per_firm_yuan"]) * (
                self.persons_per_agent)
            n = min(alive.size, int(np.floor(self.remaining / per_agent + 1e-9)))
            if n < alive.size:
                self.exhausted_month = str(self.calendar[t])
            self.firms = np.sort(alive[:n])
            self.remaining -= n * per_agent
            self.spent += n * per_agent
            self.admitted = n
            self.covered_from = t
            self.covered_workers = int(f.employment[self.firms].sum())
        if self.firms.size and 0 <= t - self.covered_from < COVER_MONTHS:
            arr = ctx.effects.firm_layoff_multiplier
            if arr is None:
                arr = ctx.effects.firm_layoff_multiplier = np.ones(f.capacity)
            arr[self.firms] = self.multiplier

    def outputs(self) -> dict[str, float]:
        return {"firms_covered": self.admitted * self.persons_per_agent,
                "workers_covered": self.covered_workers * self.persons_per_agent}

    def summary(self) -> dict:
        out = super().summary()
        out["participants"] = self.covered_workers * self.persons_per_agent
        return out


__all__ = ["JobRetentionRefund", "State"]
