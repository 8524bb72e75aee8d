"""Public-welfare posts 公益性岗位.

Hard-to-employ searchers (employment difficulty, poverty-alleviated, fishermen who stopped
fishing) are placed in time-limited posts (state PUBLIC_POST) for ``term_months``, paid
``wage_share_of_minimum_wage`` x minimum wage, committed at entry. After the term they search
again; their search weight is solved, when the cohort leaves, so that their employment 12
months after exit is ``effect_pp_after_exit`` away from non-participants' (evidence: 0 pp, CKW
"negligible, or even negative"), on the matching rates realised since the cohort's entry (the
market they return to is not the one their comparison group started searching in). Without it,
leaving a post straight into search at the same time as everyone of the cohort would leave them
behind through discouraged exits from the labour force. The weight may fall below 1 (stigma or
lost contacts) when the target is below what plain search gives: the evidence's range includes
negative effects.
The programme's posts are its own: the core's rule that ends and refills the existing post
stock after ``flows.public_post_duration_months`` leaves them alone, whatever the term.
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import State
from jobsim.flows import MonthContext, to_unemployed
from jobsim.ledger import Flow
from jobsim.policies.base import Instrument, scale_workers, searchers
from jobsim.policies.effects import employment_gap_pp
from scipy.optimize import brentq

AFTER_EXIT_BOUNDS = (0.1, 20.0)  # search weight after exit: from scarring to strong catch-up


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
        self._in_post: np.ndarray | None = None
        self._rates: list[float] = []  # the searchers' realised matching rate, month by month
        self._after: dict[int, float] = {}  # after-exit search weight of each cohort

    def _after_exit(self, entry: int) -> float:
        """The after-exit weight, solved at exit.

        The after-exit weight, solved at exit on the matching rates since the cohort's entry
        (then the latest): the market a cohort leaves its posts into is not the one its
        comparison group searched in when it started.
        """
        target = float(self.settings.values["effect_pp_after_exit"])
        path = self._rates[entry:] or [self.rates.f_match]

        def gap(m: float) -> float:
            return employment_gap_pp(self.rates, 2 * self.term, phases=[(0, m)],
                                     programme_months=self.term, f_path=path) - target

        lo, hi = AFTER_EXIT_BOUNDS
        if gap(lo) >= 0:
            return lo
        if gap(hi) <= 0:
            return hi
        return float(brentq(gap, lo, hi, xtol=1e-8))

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
        self._rates.append(ctx.finding_rate)
        for c in self.cohorts:
            if t - c.month == self.term:
                self._after[c.month] = self._after_exit(c.month)
            if t - c.month >= self.term:
                scale_workers(ctx, "search_weight", c.members, self._after[c.month])

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
