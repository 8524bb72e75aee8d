"""Public-welfare posts 公益性岗位.

Hard-to-employ searchers (employment difficulty, poverty-alleviated, fishermen who stopped
fishing) are placed in time-limited posts (state PUBLIC_POST) for ``term_months``, paid
``wage_share_of_minimum_wage`` x minimum wage, committed at entry. After the term they search
again; their search weight is solved so that their employment 12 months after exit is
``effect_pp_after_exit`` away from non-participants' (evidence: 0 pp, CKW "negligible, or even
negative"). Without it, leaving a post straight into search at the same time as everyone of the
cohort would leave them behind through discouraged exits from the labour force.
The programme's posts are its own: the core's rule that ends and refills the existing post
stock after ``flows.public_post_duration_months`` leaves them alone, whatever the term.
"""

from __future__ import annotations

import numpy as np

from model.agents import State
from model.flows import MonthContext, to_unemployed
from model.ledger import Flow
from model.policies.base import Instrument, scale_workers, searchers
from model.policies.effects import solve_phases


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
        self.after = solve_phases(self.rates, {2 * self.term: float(v["effect_pp_after_exit"])},
                                  programme_months=self.term, lockin=0.0)[0][1]
        self._in_post: np.ndarray | None = None

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        w = ctx.workers
        if self._in_post is None:
            self._in_post = np.zeros(w.capacity, dtype=bool)
        ctx.programme_posts = self._in_post  # the core neither ends nor refills these
        for c in self.cohorts:
            if t - c.month == self.term:
                ending = c.members[w.state[c.members] == State.PUBLIC_POST.value]
                to_unemployed(ctx, ending, Flow.PUBLIC_POST_END)
                self._in_post[c.members] = False
        left = self.members(since_entry=(self.term, 10**6), t=t)
        scale_workers(ctx, "search_weight", left, self.after)

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        w = ctx.workers
        placed = self.admit(ctx, t, self.eligible(w, searchers(ctx)), self.cost)
        ctx.ledger.move(placed, State.PUBLIC_POST, Flow.PUBLIC_POST_PLACEMENT)
        self._in_post[placed] = True
        w.registered[placed] = False
        ctx.new_hires.append(placed)

    def outputs(self) -> dict[str, float]:
        return {"posts": self.admitted * self.persons_per_agent}
