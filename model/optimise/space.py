"""The decision space: budgets within bounds, start months, and the one budget constraint.

Each instrument's budget lies within its bounds, optionally with its start month; the budgets
sum to at most the total budget, never more.

A candidate is a vector ``x``: one budget per instrument of the scenario (yuan, in the
scenario's order), then one start-month index per instrument whose bounds ask for it.
:meth:`Space.repair` maps any vector into the feasible set: clip to the bounds, then, if the
budgets sum to more than the total, shrink each budget's part above its floor by one common
factor, then round down to whole yuan. Rounding down after shrinking can only lower the sum,
so a repaired candidate never exceeds the total; :meth:`Space.mix` checks it again and refuses
one that does (a bug, not an input error).

The search does not move in budget space but in an encoding of it (:meth:`Space.decode`): one
share per instrument in [0, 1] and one *total fraction* in [0, 1], then the start-month
indices. The total fraction says how much of the room (the total budget above the floors,
or all the instruments' ranges together when they are smaller) is spent; the shares say how
it is divided, proportionally, an instrument whose range is full passing its excess on to the
others (water-filling). Every point of that box is a feasible mix, so crossover and mutation
never leave the feasible set and no repair has to shrink a candidate; a uniform draw in the
box spends the budget evenly over the instruments instead of in proportion to their ranges.
(In budget space a uniform draw spends about two thirds of the plan's budget on the fee cut,
whose range is 21.6 of the ranges' 30.9 billion yuan, and the repair's shrinking then takes
the small instruments down with it.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from jobsim.optimise.bounds import Bounds
from jobsim.scenario import LoadedScenario, ScenarioError

__all__ = ["Mix", "Space", "build_space"]


@dataclass(frozen=True)
class Mix:
    """One candidate: budgets (yuan, scenario order) and start-month indices (None = as written)."""

    budgets: tuple[float, ...]
    starts: tuple[int | None, ...]

    @property
    def total(self) -> float:
        """Sum of the budgets (yuan)."""
        return float(sum(self.budgets))


@dataclass(frozen=True)
class Space:
    """Bounds, start windows and the total budget of one optimisation."""

    kinds: tuple[str, ...]
    lower: np.ndarray                 # yuan, whole
    upper: np.ndarray                 # yuan, whole
    written: np.ndarray               # the scenario's own budgets (yuan)
    start_of: tuple[int, ...]         # instrument index of each start variable
    start_lower: np.ndarray           # month index
    start_upper: np.ndarray
    start_written: np.ndarray         # the scenario's own start month of each start variable
    budget: float                     # total, yuan
    calendar: tuple[str, ...]         # YYYY-MM of the horizon
    scale_caps: bool

    @property
    def n_var(self) -> int:
        """Number of decision variables."""
        return len(self.kinds) + len(self.start_of)

    @property
    def room(self) -> float:
        """What the total fraction 1 spends above the floors (yuan)."""
        return float(min(self.budget - self.lower.sum(), (self.upper - self.lower).sum()))

    @property
    def n_search_var(self) -> int:
        """Variables of the search encoding: shares, the total fraction, start months."""
        return len(self.kinds) + 1 + len(self.start_of)

    @property
    def search_xl(self) -> np.ndarray:
        """Lower bounds of the search encoding."""
        return np.concatenate([np.zeros(len(self.kinds) + 1), self.start_lower]).astype(float)

    @property
    def search_xu(self) -> np.ndarray:
        """Upper bounds of the search encoding."""
        return np.concatenate([np.ones(len(self.kinds) + 1), self.start_upper]).astype(float)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Search encoding (rows) -> feasible candidate vectors (whole yuan, repaired).

        Above its floor, instrument i gets ``min(range_i, level x share_i)``, the level such
        that the amounts sum to ``fraction x room`` (or every instrument with a share is full).
        All shares zero counts as equal shares. The sum is at most the room, so the budget is
        never exceeded even before :meth:`repair` (clip, whole yuan) guards it.
        """
        z = np.array(z, dtype=float, copy=True)
        one = z.ndim == 1
        z = np.atleast_2d(z)
        n = len(self.kinds)
        shares = np.clip(np.nan_to_num(z[:, :n], nan=0.0), 0.0, 1.0)
        fraction = np.clip(np.nan_to_num(z[:, n], nan=0.0), 0.0, 1.0)
        cap = self.upper - self.lower
        out = np.empty((len(z), n))
        for row in range(len(z)):
            out[row] = _water_fill(shares[row], cap, fraction[row] * self.room)
        x = np.concatenate([self.lower + out, z[:, n + 1:]], axis=1)
        x = self.repair(x)
        return x[0] if one else x

    def encode(self, x: np.ndarray) -> np.ndarray:
        """A feasible candidate vector -> a search point that :meth:`decode` maps back.

        To within a yuan per instrument (decoding rounds down).
        """
        x = np.asarray(x, dtype=float)
        n = len(self.kinds)
        above = x[:n] - self.lower
        top = above.max() if n else 0.0
        shares = above / top if top > 0 else np.zeros(n)
        fraction = min(1.0, above.sum() / self.room) if self.room > 0 else 0.0
        return np.concatenate([shares, [fraction], x[n:]])

    @property
    def xl(self) -> np.ndarray:
        """Lower bounds of x."""
        return np.concatenate([self.lower, self.start_lower]).astype(float)

    @property
    def xu(self) -> np.ndarray:
        """Upper bounds of x."""
        return np.concatenate([self.upper, self.start_upper]).astype(float)

    def repair(self, x: np.ndarray) -> np.ndarray:
        """Any vector (or rows of vectors) -> feasible: bounds, sum <= budget, whole yuan."""
        x = np.array(x, dtype=float, copy=True)
        one = x.ndim == 1
        x = np.atleast_2d(x)
        n = len(self.kinds)
        b = np.clip(np.nan_to_num(x[:, :n], nan=0.0), self.lower, self.upper)
        room = self.budget - float(self.lower.sum())
        above = b - self.lower
        excess = above.sum(axis=1)
        over = excess > room
        if np.any(over):
            factor = np.where(over, room / np.where(excess > 0, excess, 1.0), 1.0)
            b = self.lower + above * factor[:, None]
        b = np.maximum(np.floor(b), self.lower)
        # Floating point can leave a yuan too many after the floor; take it off the largest.
        for row in np.nonzero(b.sum(axis=1) > self.budget)[0]:
            while b[row].sum() > self.budget:
                k = int(np.argmax(b[row] - self.lower))
                b[row, k] -= math.ceil(b[row].sum() - self.budget)
        x[:, :n] = b
        if self.start_of:
            x[:, n:] = np.clip(np.rint(x[:, n:]), self.start_lower, self.start_upper)
        return x[0] if one else x

    def mix(self, x: np.ndarray) -> Mix:
        """The candidate of a repaired vector; refuses one above the total budget."""
        x = np.asarray(x, dtype=float)
        n = len(self.kinds)
        budgets = tuple(float(v) for v in x[:n])
        if sum(budgets) > self.budget or np.any(x[:n] < self.lower) or np.any(
                x[:n] > self.upper):
            raise AssertionError(f"candidate outside the feasible set (sum {sum(budgets):,.0f} "
                                 f"yuan, budget {self.budget:,.0f}): repair first")
        starts: list[int | None] = [None] * n
        for j, k in enumerate(self.start_of):
            starts[k] = int(x[n + j])
        return Mix(budgets=budgets, starts=tuple(starts))

    def vector(self, mix: Mix) -> np.ndarray:
        """Inverse of :meth:`mix`."""
        starts = [mix.starts[k] for k in self.start_of]
        return np.array(list(mix.budgets) + [float(s) for s in starts], dtype=float)

    def zero(self) -> Mix:
        """The mix that funds nothing (at the floors: the floors when they are not zero)."""
        return self.mix(self.repair(np.concatenate([self.lower, self.start_lower])))

    def plan_mix(self) -> Mix:
        """The scenario's own mix, scaled to the total budget (the plan at the same budget).

        Each instrument keeps its share of the scenario's total; a scenario total of zero
        gives the zero mix. The result is repaired, so bounds that the scaled plan would
        break are kept (and the mix then differs from the plan's proportions).
        """
        total = float(self.written.sum())
        scaled = self.written * (self.budget / total) if total > 0 else self.written * 0
        return self._at_written_starts(scaled)

    def _at_written_starts(self, budgets: np.ndarray) -> Mix:
        """The mix of ``budgets`` (repaired) at the scenario's own start months."""
        return self.mix(self.repair(np.concatenate([budgets, self.start_written])))

    def corner_mixes(self) -> list[Mix]:
        """Vertices of the feasible polytope that a planner would write, for the first generation.

        The feasible budgets are the polytope ``lower <= b <= upper, sum(b) <= budget``. The
        employment gain is close to linear in the budgets and the cost per additional employed
        is spending over gain (linear-fractional), and both kinds of objective reach their
        optima at vertices of such a polytope, where every budget is at a bound except at most
        one. Two families of vertices are given, in this order:

        1. *every instrument in proportion to its range* (``lower + range x min(1, room /
           sum of ranges)``): all instruments at their upper bounds when the budget allows,
           the same fraction of every range otherwise;
        2. *one instrument alone*: instrument i at ``lower_i + min(range_i, room)``, the others
           at their floors (the vertices next to the zero mix), in the scenario's order.

        Start months are the scenario's own. Instruments without a range are skipped, and a
        mix that equals one already listed is listed once.
        """
        cap = self.upper - self.lower
        room = self.room
        out: list[Mix] = []
        rows = []
        if cap.sum() > 0:
            rows.append(self.lower + cap * min(1.0, room / float(cap.sum())))
        for i in np.nonzero(cap > 0)[0]:
            b = self.lower.copy()
            b[i] += min(float(cap[i]), room)
            rows.append(b)
        seen: set[Mix] = set()
        for b in rows:
            mix = self._at_written_starts(b)
            if mix not in seen:
                seen.add(mix)
                out.append(mix)
        return out

    def ranked_mixes(self, order: list[int]) -> list[Mix]:
        """The greedy path along the polytope's edges: the first k instruments of ``order``.

        Mix k funds instruments ``order[:k]`` at their upper bounds, the last one as far as
        the budget goes, the others at their floors, for k = 2, 3, ... until the budget is
        spent or ``order`` ends. With a gain linear in the budgets and ``order`` by falling
        gain per yuan, these are the mixes of least cost per additional employed for their
        spending (the fractional knapsack), i.e. the gain-cost front; each is a vertex.
        """
        cap = self.upper - self.lower
        b = self.lower.copy()
        left = self.room
        out: list[Mix] = []
        for k, i in enumerate(order):
            give = min(float(cap[i]), left)
            if give <= 0:
                break
            b[i] += give
            left -= give
            if k >= 1:
                out.append(self._at_written_starts(b))
        return out


def _water_fill(shares: np.ndarray, cap: np.ndarray, amount: float) -> np.ndarray:
    """``min(cap, level x shares)`` summing to ``amount`` (or to all that can be given)."""
    w = np.where(cap > 0, shares, 0.0)
    if w.sum() <= 0:
        w = (cap > 0).astype(float)
    if amount <= 0 or w.sum() <= 0:
        return np.zeros_like(cap)
    funded = w > 0
    if amount >= cap[funded].sum():
        return np.where(funded, cap, 0.0)
    # Fill in order of cap / share: those that saturate first are full, the rest share the
    # remainder in proportion to their shares.
    order = np.argsort(np.where(funded, cap / np.where(funded, w, 1.0), np.inf), kind="stable")
    full = np.zeros(len(cap), dtype=bool)
    left, weight = amount, w.sum()
    for i in order:
        if not funded[i]:
            break
        level = left / weight
        if level * w[i] < cap[i]:
            break
        full[i] = True
        left -= cap[i]
        weight -= w[i]
    level = left / weight if weight > 0 else 0.0
    return np.where(full, cap, np.minimum(cap, level * w))


def build_space(loaded: LoadedScenario, bounds: Bounds, budget: float) -> Space:
    """The decision space of ``loaded``'s instruments under ``bounds`` and a total ``budget``."""
    where = bounds.path or "bounds"
    if not math.isfinite(budget) or budget < 0:
        raise ScenarioError(f"--budget must be a finite number >= 0 (yuan), got {budget}")
    if not loaded.instruments:
        raise ScenarioError(f"{loaded.path}: the scenario has no [instruments.*] tables: there "
                            f"is nothing to optimise (start from a scenario that lists them)")
    kinds = tuple(cls.kind for cls, _ in loaded.instruments)
    unknown = sorted(set(bounds.instruments) - set(kinds))
    if unknown:
        raise ScenarioError(f"{where}: field 'instruments.{unknown[0]}': not an instrument of "
                            f"{loaded.path} (it has: {', '.join(kinds)})")
    run = loaded.spec.scenario
    calendar = tuple(str(p) for p in pd.period_range(pd.Period(run.start, freq="M"),
                                                     periods=run.months, freq="M"))
    written = np.array([float(s.budget_yuan) for _, s in loaded.instruments])
    lower, upper, start_of, s_lo, s_hi, s_written = [], [], [], [], [], []
    for k, (cls, settings) in enumerate(loaded.instruments):
        b = bounds.instruments.get(cls.kind)
        lo = b.min_yuan if b is not None else 0.0
        hi = (b.max_yuan if b is not None and b.max_yuan is not None
              else bounds.defaults.max_multiple * settings.budget_yuan)
        if hi < lo:
            raise ScenarioError(f"{where}: field 'instruments.{cls.kind}.min_yuan': above the "
                                f"upper bound {hi:,.0f} yuan")
        lower.append(float(math.ceil(lo)))
        upper.append(float(max(math.floor(hi), math.ceil(lo))))
        if b is not None and b.start_months is not None:
            for m in b.start_months:
                if m not in calendar:
                    raise ScenarioError(f"{where}: field 'instruments.{cls.kind}.start_months': "
                                        f"{m} is outside the horizon {calendar[0]}..{calendar[-1]}")
            first, last = (calendar.index(m) for m in b.start_months)
            if first > last:
                raise ScenarioError(f"{where}: field 'instruments.{cls.kind}.start_months': "
                                    f"start after end")
            if last > settings.last_month:
                raise ScenarioError(f"{where}: field 'instruments.{cls.kind}.start_months': ends "
                                    f"after the instrument's last month "
                                    f"{calendar[settings.last_month]}")
            start_of.append(k)
            s_lo.append(first)
            s_hi.append(last)
            s_written.append(settings.first_month)
    lower_a = np.array(lower)
    if lower_a.sum() > budget:
        raise ScenarioError(f"{where}: the budget floors (min_yuan) sum to {lower_a.sum():,.0f} "
                            f"yuan, above --budget {budget:,.0f}")
    space = Space(kinds=kinds, lower=lower_a, upper=np.array(upper), written=written,
                  start_of=tuple(start_of), start_lower=np.array(s_lo, dtype=float),
                  start_upper=np.array(s_hi, dtype=float),
                  start_written=np.array(s_written, dtype=float), budget=float(math.floor(budget)),
                  calendar=calendar, scale_caps=bounds.defaults.scale_caps_with_budget)
    return space
