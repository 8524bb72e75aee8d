"""The search: NSGA-II (pymoo 0.6) over budget mixes, with every evaluation checkpointed.

The search moves in the encoding of :meth:`jobsim.optimise.space.Space.decode` (a share per
instrument and a total fraction), where every point is a feasible mix.

Each candidate is run on every future (one model run per future, on the compare executors);
its outcomes are stored at once, atomically, one JSON file per (mix, scale, futures, model
code) in the run's store. The algorithm is deterministic given its seed (pymoo keeps its own
``numpy.random.Generator``), so resuming replays the search from the start: every candidate
already stored is read back instead of run, and the search goes on exactly as it would have
without the interruption. No algorithm state is pickled.

:func:`search` starts it from informative designs (the plan, the corners of the feasible set,
then the greedy path they rank), see docs/optimise.md, *Fitted to an expensive problem*.

:func:`random_search` draws the same number of candidates from NSGA-II's initial distribution
(uniform in the encoding) or uniformly in budget space (then repaired), the yardsticks of
``benchmarks/bench_optimise.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from jobsim.compare.executors import Executor
from jobsim.optimise.bounds import Search
from jobsim.optimise.evaluate import OUTCOMES, Future, MixRun, futures_key, mix_key, run_mix, stack
from jobsim.optimise.objectives import minimised, objectives
from jobsim.optimise.space import Mix, Space
from jobsim.store import ResultStore, Unusable

__all__ = ["EvalStore", "MixEvaluator", "nsga2_search", "random_search", "mix_table",
           "RANDOM_DRAWS", "ALGORITHMS", "ALGORITHM_NAMES", "search", "greedy_path"]


class EvalStore:
    """Evaluated mixes on disk: ``<root>/evals/<key>.json``, each complete or absent.

    A :class:`jobsim.store.ResultStore` (jobsim's one resume cache: atomic, checksummed,
    checked before use; an unusable file is recomputed).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._files = ResultStore(self.root, "jobsim-optimise-mix/1", what="stored mix")

    def path(self, key: str) -> Path:
        """Where a mix's outcomes live."""
        return self.root / "evals" / f"{key}.json"

    def load(self, key: str) -> dict[str, np.ndarray] | None:
        """The stored outcomes, or None."""
        return self._files.load(f"evals/{key}.json", {"key": key}, _outcomes)

    def save(self, key: str, mix: Mix, scale: float, out: dict[str, np.ndarray],
             cpu: float) -> None:
        """Write a mix's outcomes atomically (and durably: the store must survive a kill)."""
        self._files.save(f"evals/{key}.json", {"key": key}, {
            "budgets": list(mix.budgets), "starts": list(mix.starts), "scale": scale,
            "cpu_seconds": cpu, "outcomes": {k: out[k].tolist() for k in OUTCOMES}})


def _outcomes(payload: dict) -> dict[str, np.ndarray]:
    """A stored mix's outcomes, one equally long list of numbers per outcome."""
    values = [payload["outcomes"][k] for k in OUTCOMES]
    if len({len(v) for v in values}) != 1 or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for v in values for x in v):
        raise Unusable("outcomes of different lengths or not numbers")
    return {k: np.array(v, dtype=float) for k, v in zip(OUTCOMES, values)}


@dataclass
class MixEvaluator:
    """Runs mixes on the futures at one scale, through the store; counts what it ran."""

    space: Space
    path: str
    scenario_hash: str
    futures: list[Future]
    executor: Executor
    store: EvalStore
    code: str
    progress: Callable[[int], None] = field(default=lambda n: None)
    runs: int = 0
    reused: int = 0
    cpu_seconds: float = 0.0

    def __post_init__(self) -> None:
        self._fkey = futures_key(self.futures)
        self._zero: dict[float, dict[str, np.ndarray]] = {}
        self._memo: dict[str, dict[str, np.ndarray]] = {}

    def outcomes(self, mixes: list[Mix], scale: float) -> list[dict[str, np.ndarray]]:
        """Per mix, its outcomes on every future (stored ones read back, others run)."""
        keys = [mix_key(self.space, m, self.scenario_hash, self._fkey, scale, self.code)
                for m in mixes]
        found: dict[str, dict[str, np.ndarray]] = {}
        todo: dict[str, Mix] = {}
        for key, mix in zip(keys, mixes):
            if key in found or key in todo:
                continue
            if key in self._memo:
                found[key] = self._memo[key]
                continue
            stored = self.store.load(key)
            if stored is None:
                todo[key] = mix
            else:
                found[key] = stored
                self.reused += 1
        runs = [MixRun(path=self.path, scenario_hash=self.scenario_hash, budgets=mix.budgets,
                       starts=mix.starts, scale_caps=self.space.scale_caps, future=f,
                       persons_per_agent=scale, code=self.code)
                for mix in todo.values() for f in self.futures]
        index = {id(r): (k // len(self.futures), k % len(self.futures))
                 for k, r in enumerate(runs)}
        todo_keys = list(todo)
        rows: dict[str, list] = {k: [None] * len(self.futures) for k in todo_keys}
        cpu: dict[str, float] = dict.fromkeys(todo_keys, 0.0)
        left = {k: len(self.futures) for k in todo_keys}
        for run, (out, seconds) in self.executor.imap_unordered(run_mix, runs):
            i, j = index[id(run)]
            key = todo_keys[i]
            rows[key][j] = out
            cpu[key] += seconds
            left[key] -= 1
            self.runs += 1
            self.cpu_seconds += seconds
            self.progress(1)
            if left[key] == 0:  # checkpoint each mix as soon as its futures are all in
                found[key] = stack(rows[key])
                self.store.save(key, todo[key], scale, found[key], cpu[key])
        self._memo.update(found)
        return [found[k] for k in keys]

    def zero(self, scale: float) -> dict[str, np.ndarray]:
        """Outcomes of the mix that funds nothing (the baseline), at ``scale``."""
        if scale not in self._zero:
            self._zero[scale] = self.outcomes([self.space.zero()], scale)[0]
        return self._zero[scale]

    def objectives(self, mixes: list[Mix], scale: float) -> list[dict[str, float]]:
        """Per mix, the objectives and their standard errors (see :mod:`objectives`)."""
        zero = self.zero(scale)
        return [objectives(o, zero) for o in self.outcomes(mixes, scale)]


def mix_table(space: Space, mixes: list[Mix], objs: list[dict[str, float]], scale: float
              ) -> pd.DataFrame:
    """One row per mix: budgets, start months, total, objectives."""
    rows = []
    for mix, obj in zip(mixes, objs):
        row: dict[str, object] = {f"budget_{k}": b for k, b in zip(space.kinds, mix.budgets)}
        for k in space.start_of:
            row[f"start_{space.kinds[k]}"] = space.calendar[mix.starts[k]]
        row["total_budget_yuan"] = mix.total
        row.update(obj)
        row["persons_per_agent"] = scale
        rows.append(row)
    return pd.DataFrame(rows)


def _problem(space: Space):
    """The search problem in the encoding of :meth:`Space.decode` (shares, total fraction)."""
    from pymoo.core.problem import Problem

    return Problem(n_var=space.n_search_var, n_obj=3, xl=space.search_xl, xu=space.search_xu)


def _sampling(first: list[np.ndarray]):
    from pymoo.operators.sampling.rnd import FloatRandomSampling

    class Seeded(FloatRandomSampling):
        """Uniform within the encoding's box, the first rows replaced by given points."""

        def _do(self, problem, n_samples, *args, random_state=None, **kwargs):
            X = super()._do(problem, n_samples, *args, random_state=random_state, **kwargs)
            for k, x in enumerate(first[:n_samples]):
                X[k] = x
            return X

    return Seeded()


def _decoded_duplicates(space: Space, evaluated: set[tuple[float, ...]]):
    """Duplicate elimination (pymoo) on the decoded mixes, against every mix already evaluated.

    Distinct points of the encoding can decode to one mix (the shares are scale-free; a full
    instrument ignores its share; a total fraction that fills every funded range is as good as
    1), and pymoo only compares the encoded points with the current population. A mix already
    evaluated on these futures would return the same objectives (common random numbers), so an
    offspring that decodes to one is dropped and mating draws another; the evaluations all go
    to new mixes.
    """
    from pymoo.core.duplicate import DuplicateElimination

    def keys(pop) -> list[tuple[float, ...]]:
        return [tuple(x) for x in space.decode(np.atleast_2d(pop.get("X")))]

    class DecodedDuplicates(DuplicateElimination):
        def _do(self, pop, other, is_duplicate):
            taken = set(evaluated) if other is None else set(keys(other))
            for i, key in enumerate(keys(pop)):
                if key in taken:
                    is_duplicate[i] = True
                elif other is None:  # within pop: the first of equal mixes is kept
                    taken.add(key)
            return is_duplicate

    return DecodedDuplicates()


#: The algorithms :func:`nsga2_search` can run (pymoo 0.6): ``[search]`` name -> label.
ALGORITHM_NAMES = {"nsga2": "NSGA-II", "sms-emoa": "SMS-EMOA"}
ALGORITHMS = tuple(ALGORITHM_NAMES)


def nsga2_search(evaluator: MixEvaluator, *, evaluations: int, population: int, seed: int,
                 scale: float, first: list[Mix] | None = None, offspring: int | None = None,
                 algorithm: str = "nsga2",
                 then: Callable[[list[Mix], list[dict[str, float]]], list[Mix]] | None = None,
                 log: Callable[..., None] = lambda *a: None) -> list[Mix]:
    """An evolutionary search for ``evaluations`` candidates; every candidate, in order.

    pymoo's NSGA-II (or SMS-EMOA) with its default operators (SBX, polynomial mutation),
    moving in the encoding of :meth:`Space.decode`: every point it proposes decodes to a
    feasible mix, so no repair operator is needed (the decoded vector is still checked by
    :meth:`Space.mix`). The first generation has ``population`` members: ``first`` (the
    plan, the corner mixes), then uniform draws in the encoding; each later generation has
    ``offspring`` new members (default ``population``). Offspring that decode to a mix
    already evaluated are replaced (:func:`_decoded_duplicates`). ``then``, if given, maps the
    first generation's mixes and objectives to mixes evaluated next, as a generation of their
    own (those not yet evaluated, within the count), before the algorithm's offspring.
    """
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.algorithms.moo.sms import SMSEMOA
    from pymoo.core.population import Population
    from pymoo.problems.static import StaticProblem

    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    space = evaluator.space
    problem = _problem(space)
    sampling = _sampling([space.encode(space.vector(m)) for m in (first or [])])
    evaluated: set[tuple[float, ...]] = set()
    size = min(population, evaluations)
    cls = NSGA2 if algorithm == "nsga2" else SMSEMOA
    method = cls(pop_size=size, n_offsprings=min(offspring or size, size), sampling=sampling,
                 eliminate_duplicates=_decoded_duplicates(space, evaluated))
    method.setup(problem, termination=("n_eval", evaluations), seed=seed, verbose=False)
    seen: list[Mix] = []
    generation = 0
    follow: list[np.ndarray] = []  # encoded points of the `then` generation
    while method.has_next():
        if follow:
            pop = Population.new(X=np.vstack(follow))
            follow = []
        else:
            pop = method.ask()
        if pop is None or len(pop) == 0:
            break
        if len(seen) + len(pop) > evaluations:  # the last generation: never past the count
            pop = pop[:evaluations - len(seen)]
        X = space.decode(pop.get("X"))
        mixes = [space.mix(x) for x in X]
        started = time.perf_counter()
        objs = evaluator.objectives(mixes, scale)
        F = np.vstack([minimised(o) for o in objs])
        method.evaluator.eval(StaticProblem(problem, F=F), pop)  # counts n_eval
        method.tell(infills=pop)
        evaluated.update(tuple(x) for x in X)
        seen.extend(mixes)
        generation += 1
        if generation == 1 and then is not None:
            taken = set(evaluated)
            for m in then(mixes, objs):
                z = space.encode(space.vector(m))
                key = tuple(space.decode(z))
                if key not in taken:
                    taken.add(key)
                    follow.append(z)
        best = max(objs, key=lambda o: (o["p_met"], o["gain"]))
        log(f"  generation {generation}: {len(seen)} candidates; best P(met) "
            f"{best['p_met']:.0%} (gain {best['gain']:,.0f}); "
            f"{time.perf_counter() - started:.0f} s")
        if len(seen) >= evaluations:
            break
    return seen


def search(evaluator: MixEvaluator, settings: Search, *, evaluations: int, seed: int,
           scale: float, log: Callable[..., None] = lambda *a: None) -> list[Mix]:
    """The search of ``jobsim optimise`` with its ``[search]`` settings (every candidate).

    The first generation starts with the plan scaled to the budget, then (``corner_mixes``)
    the corner mixes of :meth:`Space.corner_mixes`, then uniform draws in the encoding.
    """
    space = evaluator.space
    first = [space.plan_mix()]
    if settings.corner_mixes:  # the proportional corner is the plan when its bounds are
        first += [m for m in space.corner_mixes() if m not in first]

    def ranked(mixes: list[Mix], objs: list[dict[str, float]]) -> list[Mix]:
        return greedy_path(space, mixes, objs)

    return nsga2_search(evaluator, evaluations=evaluations, population=settings.population,
                        seed=seed, scale=scale, first=first, offspring=settings.offspring,
                        algorithm=settings.algorithm,
                        then=ranked if settings.corner_mixes and settings.ranked_mixes else None,
                        log=log)


def greedy_path(space: Space, mixes: list[Mix], objs: list[dict[str, float]]) -> list[Mix]:
    """The greedy path (:meth:`Space.ranked_mixes`), instruments ranked by gain per yuan.

    The gain per yuan of an instrument is read off a mix of ``mixes`` that funds it alone
    above the floors, at the plan's start months (the corner mixes); instruments that buy
    nothing, or that no such mix funds, are left out.
    """
    starts = space.plan_mix().starts
    per_yuan: dict[int, float] = {}
    for mix, obj in zip(mixes, objs):
        above = np.array(mix.budgets) - space.lower
        (funded,) = np.nonzero(above > 0)
        if len(funded) == 1 and mix.starts == starts and obj["gain"] > 0:
            per_yuan[int(funded[0])] = obj["gain"] / float(above[funded[0]])
    return space.ranked_mixes(sorted(per_yuan, key=lambda i: (-per_yuan[i], i)))


#: How :func:`random_search` draws: uniform in the search's encoding, or in budget space.
RANDOM_DRAWS = ("shares", "budgets")


def random_search(evaluator: MixEvaluator, *, evaluations: int, seed: int, scale: float,
                  first: list[Mix] | None = None, draws: str = "shares") -> list[Mix]:
    """``evaluations`` random candidates (the yardstick), the first ones given (the plan).

    ``draws="shares"``: uniform in the search's encoding, as NSGA-II's first generation is;
    ``draws="budgets"``: each budget uniform within its bounds, then repaired
    (:meth:`Space.repair`), the yardstick before the encoding existed.
    """
    if draws not in RANDOM_DRAWS:
        raise ValueError(f"draws must be one of {RANDOM_DRAWS}, got {draws!r}")
    from pymoo.core.problem import Problem

    space = evaluator.space
    given = [space.vector(m) for m in (first or [])]
    rng = np.random.default_rng(seed)
    if draws == "shares":
        X = _sampling([space.encode(x) for x in given])._do(_problem(space), evaluations,
                                                          random_state=rng)
        X = space.decode(X)
    else:
        box = Problem(n_var=space.n_var, n_obj=3, xl=space.xl, xu=space.xu)
        X = space.repair(_sampling(given)._do(box, evaluations, random_state=rng))
    mixes = [space.mix(x) for x in X]
    evaluator.objectives(mixes, scale)
    return mixes
