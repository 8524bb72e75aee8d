"""Public-welfare posts 公益性岗位.

Hard-to-employ searchers (employment difficulty, poverty-alleviated, fishermen who stopped
fishing) are placed in time-limited posts (state PUBLIC_POST) for ``term_months``, paid
``wage_share_of_minimum_wage`` x minimum wage, committed at entry. After the term they search
again with no after-effect (evidence: 0 pp, CKW "negligible, or even negative").
"""

from __future__ import annotations

from model.agents import State
from model.flows import MonthContext, to_unemployed
from model.ledger import Flow
from model.policies.base import Instrument, searchers


class PublicWelfarePosts(Instrument):
    """Budget- and time-limited direct placement."""

    kind = "public_welfare_posts"
    index = 4
    label = "公益性岗位 / public-welfare posts"
    default_groups = ("difficulty", "poverty_alleviated", "fisherman")

    def prepare(self) -> None:
        v = self.settings.values
        self.term = int(v["term_months"])
        self.cost = float(v["wage_share_of_minimum_wage"]) * float(v["minimum_wage"]) * self.term

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        w = ctx.workers
        for c in self.cohorts:
            if t - c.month == self.term:
                ending = c.members[w.state[c.members] == State.PUBLIC_POST]
                to_unemployed(ctx, ending, Flow.PUBLIC_POST_END)

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        w = ctx.workers
        placed = self.admit(ctx, t, self.eligible(w, searchers(w)), self.cost)
        ctx.ledger.move(placed, State.PUBLIC_POST, Flow.PUBLIC_POST_PLACEMENT)
        w.registered[placed] = False
        ctx.new_hires.append(placed)

    def outputs(self) -> dict[str, float]:
        return {"posts": self.admitted * self.persons_per_agent}
