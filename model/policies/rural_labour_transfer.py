"""Rural labour transfer and labour cooperation 劳务协作, 点对点返岗.

Rural workers below retirement age join organised, point-to-point transfers: each is matched
to an open urban vacancy of their segment before leaving, and moves only if one is found (the
others stay in their rural work; the service's cost is spent on them all). A share
``deadweight`` of each month's organised transfers are people who were moving anyway: they are
taken from this month's spontaneous movers (already searching) and placed, so the programme
pays for them without adding movers.

A rural worker is employed (rural work counts in total employment), so a transfer changes
where a person works, not whether: total employment can only fall, by the urban searchers
whose vacancies the transfers take. ``attribution.csv`` reports the rural and total
employment effects beside the urban ones.
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import Group, State
from jobsim.flows import MonthContext, cover_ui, hire_into_vacancies, working_age_rural
from jobsim.ledger import Flow
from jobsim.policies.base import Instrument


class RuralLabourTransfer(Instrument):
    """Organised rural-to-urban placement."""

    kind = "rural_labour_transfer"
    index = 10
    label = "劳务协作 / organised rural labour transfer"

    def prepare(self) -> None:
        self.placed = 0

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        w = ctx.workers
        rural = working_age_rural(ctx)
        unemployed = ctx.ledger.members(State.UNEMPLOYED)
        movers_now = unemployed[(w.spell[unemployed] == 0) & w.transfer_pending[unemployed]]
        joined = self.admit(ctx, t, self.eligible(w, rural),
                            float(self.settings.values["unit_cost_yuan"]))
        if joined.size == 0:
            return
        # Of the organised transfers, (1 - deadweight) are extra movers; the others were moving
        # anyway and are taken from this month's spontaneous movers (who stay counted once).
        n_extra = int(round(joined.size * (1 - float(self.settings.values["deadweight"]))))
        extra = np.sort(self.draws.order(self.purpose(3), t, joined)[:n_extra])
        n_anyway = min(joined.size - n_extra, movers_now.size)
        moving_anyway = np.sort(self.draws.order(self.purpose(4), t, movers_now)[:n_anyway])
        organised = np.sort(np.concatenate([moving_anyway, extra]))
        hired = hire_into_vacancies(ctx, organised, self.purpose(5))
        from_rural = hired[w.state[hired] == State.RURAL_WORK.value]
        from_search = hired[w.state[hired] == State.UNEMPLOYED.value]
        ctx.ledger.move(from_rural, State.EMPLOYED, Flow.RURAL_TRANSFER)
        ctx.ledger.move(from_search, State.EMPLOYED, Flow.MATCH)
        w.urban[from_rural] = True
        w.transfer_pending[from_rural] = True  # completed this month (counted once)
        w.groups[from_rural] |= np.uint8(Group.MIGRANT)
        w.rural_hukou[from_rural] = True
        w.registered[hired] = False
        cover_ui(ctx, hired)
        ctx.new_hires.append(hired)
        self.placed += hired.size

    def outputs(self) -> dict[str, float]:
        return {"organised_transfers": self.admitted * self.persons_per_agent,
                "placed_in_jobs": self.placed * self.persons_per_agent}
