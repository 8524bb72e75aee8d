"""Youth internships 就业见习.

Registered unemployed graduates (within two years of leaving school, Hunan's rule) are placed
with a host firm for ``duration_months`` (state INTERNSHIP: paid an allowance, so employed by
the ILO criteria, but not a new urban job). The host retains a share ``retention`` as employees
(the host creates the post); the others search with a search weight solved so that their
employment 12 months after leaving is ``effect_pp_not_retained`` above non-participants'.
Cost: ``subsidy_share_of_minimum_wage`` x minimum wage x months, committed at entry.
Interns keep their own group flags (an intern admitted under wider eligible groups is not
made a graduate), and only searchers whose segment has a live host firm are admitted.
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import State
from jobsim.flows import MonthContext, cover_ui, to_unemployed
from jobsim.ledger import Flow
from jobsim.policies.base import Instrument, scale_workers, searchers
from jobsim.policies.effects import solve_phases


class YouthInternship(Instrument):
    """Placement with a host, retention, better search after."""

    kind = "youth_internship"
    index = 2
    label = "就业见习 / youth internships"
    default_groups = ("graduate",)

    def prepare(self) -> None:
        v = self.settings.values
        self.duration = int(v["duration_months"])
        self.retention = float(v["retention"])
        self.multiplier = solve_phases(self.rates, {12: float(v["effect_pp_not_retained"])})[0][1]
        self.cost = (float(v["subsidy_share_of_minimum_wage"]) * float(v["minimum_wage"])
                     * self.duration)
        self.host: dict[int, np.ndarray] = {}
        self.not_retained: list[np.ndarray] = []
        self.retained = 0

    def before_separations(self, ctx: MonthContext, t: int) -> None:
        w, f = ctx.workers, ctx.firms
        for c in self.cohorts:
            if t - c.month != self.duration:
                continue
            here = w.state[c.members] == State.INTERNSHIP.value
            interns, hosts = c.members[here], self.host[c.month][here]
            keep = (self.uniform(3, t, interns) < self.retention) & f.alive[hosts]
            ctx.ledger.move(interns[keep], State.EMPLOYED, Flow.PROGRAMME_EXIT)
            w.firm[interns[keep]] = hosts[keep]
            f.hire(hosts[keep])
            f.base_target += np.bincount(hosts[keep], minlength=f.capacity)
            cover_ui(ctx, interns[keep])
            self.retained += int(keep.sum())
            to_unemployed(ctx, interns[~keep], Flow.PROGRAMME_EXIT)
            self.not_retained.append(interns[~keep])
        if self.not_retained:
            leavers = np.concatenate(self.not_retained)
            scale_workers(ctx, "search_weight", leavers, self.multiplier)

    def before_matching(self, ctx: MonthContext, t: int) -> None:
        if not self.active(t):
            return
        w, f = ctx.workers, ctx.firms
        pool = searchers(ctx)
        pool = pool[w.registered[pool]]
        # Only searchers whose segment has a live host firm can be placed (no default host).
        hosts_of = {seg: np.flatnonzero(f.alive & (f.segment == seg)) for seg in (0, 1)}
        placeable = np.zeros(pool.size, dtype=bool)
        for seg, alive in hosts_of.items():
            if alive.size:
                placeable |= w.college[pool] == bool(seg)
        admitted = self.admit(ctx, t, self.eligible(w, pool[placeable]), self.cost)
        if admitted.size == 0:
            return
        hosts = np.full(admitted.size, -1, dtype=np.int64)
        for seg, alive in hosts_of.items():
            mine = w.college[admitted] == bool(seg)
            if mine.any() and alive.size:
                pick = self.uniform(4, t, admitted[mine])
                hosts[mine] = alive[(pick * alive.size).astype(np.int64)]
        self.host[t] = hosts
        ctx.ledger.move(admitted, State.INTERNSHIP, Flow.PROGRAMME_ENTRY)
        w.registered[admitted] = False

    def outputs(self) -> dict[str, float]:
        return {"internships": self.admitted * self.persons_per_agent,
                "interns_retained": self.retained * self.persons_per_agent}
