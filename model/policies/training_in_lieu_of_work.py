"""Training in lieu of work 以工代训.

Small and micro firms are paid ``subsidy_per_month_yuan`` for each target-group employee they
keep and train, for ``duration_months``. While subsidised, a share ``net_share`` of the
employee's separation hazard is prevented (the hiring-subsidy evidence on deadweight: about
three quarters of subsidised outcomes would have happened anyway).
"""

from __future__ import annotations

from model.agents import SizeClass, State
from model.flows import MonthContext
from model.kernels import in_counted_firms
from model.policies.base import Instrument


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

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        w, f = ctx.workers, ctx.firms
        if self.active(t):
            small = in_counted_firms(ctx.ledger.members(State.EMPLOYED), w.firm,
                                     f.size_class <= SizeClass.SMALL)
            self.admit(ctx, t, self.eligible(w, small), self.cost)
        current = self.members(since_entry=(0, self.duration), t=t)
        if current.size:
            ctx.effects.worker_array("separation_multiplier", w.capacity)[current] = (
                self.multiplier)

    def outputs(self) -> dict[str, float]:
        return {"workers_subsidised": self.admitted * self.persons_per_agent}
