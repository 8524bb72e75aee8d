"""Benchmarks of ``jobsim optimise``: run time, the search against random search, out of sample.

Four measuring parts, each writing JSON into ``out/bench/``, and ``docs``:

- ``run``: ``jobsim optimise scenarios/plan_2021.toml --budget B --out out/optimise/<name>``
  for the plan's total budget (and ``--budgets half,double``), timed; the bar is 15 minutes on
  2 cores for the plan's budget.
- ``hypervolume``: at an equal number of candidates, on the same futures and scale, the
  hypervolume of NSGA-II's non-dominated sets (the finished run's own search, replayed, and
  ``--seeds`` - 1 more searches with other search seeds, all with the ``[search]`` settings)
  against two kinds of ``--seeds`` random searches: drawn uniformly in the search's encoding
  (shares and a total fraction), and drawn uniformly in budget space, then repaired (the
  yardstick before the encoding). Objectives ``(-P(met), -gain, cost)``; the reference
  point is P(met) = 0, gain = 0 and 1.1 x the largest finite cost of all sets, so a mix with
  no gain adds nothing; each objective is scaled by the union's range.
- ``oos``: the recommended mix of a finished run and the plan at the same budget on fresh
  futures (a seed the optimiser never used, 50 replications, the confirming scale, macro and
  parameter draws as in the run): P(both targets met) of each, and the paired difference in
  total-employment gain with its standard error. Bar: P(met) of the recommended >= the plan's;
  its gain >= the plan's - 2 standard errors.
- ``persistence``: the recommended mix, the plan and the recommended mix with organised rural
  transfers at the plan's budget and at none, on fresh futures run for 24 months (no programme
  in 2022): what is left of the December 2021 gain a year later. No bar.
- ``design``: the search's designs (:data:`DESIGNS`) against random search on a development
  set that shares nothing with the bar (another budget, futures seed and search seeds).

Usage::

    python benchmarks/bench_optimise.py run [--budgets plan,half,double] [--evaluations N]
    python benchmarks/bench_optimise.py hypervolume --run out/optimise/plan_budget [--seeds 3]
                                        [--candidates N]
    python benchmarks/bench_optimise.py oos --run out/optimise/plan_budget [--replications 50]
    python benchmarks/bench_optimise.py persistence --run out/optimise/plan_budget
                                        [--replications 20]
    python benchmarks/bench_optimise.py design [--budget half] [--futures-seed 4242]
    python benchmarks/bench_optimise.py docs   # the measured section of docs/optimise.md

``make optimise`` runs run, oos, persistence, hypervolume and docs in turn.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobsim.compare.executors import make_executor  # noqa: E402
from jobsim.compare.tasks import scenario_hash  # noqa: E402
from jobsim.optimise.bounds import Search, load_bounds  # noqa: E402
from jobsim.optimise.evaluate import MixRun, code_hash, make_futures  # noqa: E402
from jobsim.optimise.objectives import minimised, non_dominated  # noqa: E402
from jobsim.optimise.outputs import mix_of_row  # noqa: E402
from jobsim.optimise.search import (  # noqa: E402
    RANDOM_DRAWS,
    EvalStore,
    MixEvaluator,
    greedy_path,
    mix_table,
    random_search,
    search,
)
from jobsim.optimise.space import build_space  # noqa: E402
from jobsim.scenario import load_scenario  # noqa: E402

PLAN = ROOT / "scenarios" / "plan_2021.toml"
BENCH = ROOT / "out" / "bench"


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _plan_total() -> float:
    return float(sum(s.budget_yuan for _, s in load_scenario(PLAN).instruments))


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def bench_run(budgets: list[str], evaluations: int | None, workers: int | None,
              resume: bool = False) -> dict:
    """Time ``jobsim optimise`` at the named budgets (plan, half, double)."""
    total = _plan_total()
    factor = {"plan": 1.0, "half": 0.5, "double": 2.0}
    out = {}
    for name in budgets:
        folder = ROOT / "out" / "optimise" / f"{name}_budget"
        cmd = [str(ROOT / ".venv" / "bin" / "jobsim"), "optimise", str(PLAN), "--budget",
               f"{total * factor[name]:.0f}", "--out", str(folder)]
        if evaluations is not None:
            cmd += ["--evaluations", str(evaluations)]
        if workers is not None:
            cmd += ["--workers", str(workers)]
        if resume:  # an interrupted run: its stored mixes are read back, not run again
            cmd += ["--resume"]
        load_before = _load_average()
        clock_before = _utc()
        started = time.perf_counter()
        subprocess.run(cmd, check=True)
        seconds = time.perf_counter() - started
        manifest = _load(folder / "manifest.json")
        front = pd.read_csv(folder / "pareto.csv")
        rec = front[front["recommended"]].iloc[0]
        out[name] = {"command": " ".join(cmd[1:]), "seconds": round(seconds, 1),
                     "load_average_before": load_before, "load_average_after": _load_average(),
                     "model_runs": manifest["model_runs_this_time"],
                     "cpu_seconds_in_runs": manifest["cpu_seconds_in_runs"],
                     "front_size": len(front),
                     "recommended": {k: float(rec[k]) for k in
                                     ("p_met", "p_met_se", "gain", "gain_se", "cost", "cost_se",
                                      "total_budget_yuan")},
                     "plan_same_budget": _plan_row(folder),
                     "started_utc": clock_before, "finished_utc": _utc(),
                     "screening_seconds": manifest["screening"]["seconds"],
                     "confirm_seconds": manifest["confirm"]["seconds"],
                     "git_commit": manifest["git_commit"],
                     "recommended_budgets_yuan": {c[len("budget_"):]: float(rec[c])
                                                  for c in front.columns
                                                  if c.startswith("budget_")},
                     # How many mixes of the front fund each instrument (budget > 0).
                     "front_funds": {c[len("budget_"):]: int((front[c] > 0).sum())
                                     for c in front.columns if c.startswith("budget_")}}
        print(json.dumps({name: out[name]}, indent=1))
    return out


def _plan_row(folder: Path) -> dict:
    confirmed = pd.read_csv(folder / "confirmed.csv")
    row = confirmed[confirmed["role"] == "plan at the same budget"].iloc[0]
    return {k: float(row[k]) for k in ("p_met", "p_met_se", "gain", "gain_se", "cost", "cost_se",
                                       "total_budget_yuan")}


def _context(run: Path):
    manifest = _load(run / "manifest.json")
    loaded = load_scenario(manifest["scenario"]["path"])
    bounds = load_bounds(None if manifest["bounds"] == "built-in defaults" else manifest["bounds"])
    space = build_space(loaded, bounds, float(manifest["budget_yuan"]))
    return manifest, loaded, bounds, space


def hypervolume(points: np.ndarray, ref: np.ndarray, lo: np.ndarray, span: np.ndarray) -> float:
    """Hypervolume (pymoo) of minimised objectives, scaled by the union's range."""
    from pymoo.indicators.hv import HV

    keep = np.all(points < ref, axis=1)
    if not keep.any():
        return 0.0
    return float(HV(ref_point=(ref - lo) / span)((points[keep] - lo) / span))


class _ReadOnlyStore(EvalStore):
    """A finished run's checkpoint, read back only: a mix missing from it is an error."""

    def save(self, key, mix, scale, out, cpu) -> None:  # noqa: ANN001 - EvalStore's signature
        raise RuntimeError(f"{self.root}: the run's checkpoint lacks a mix its search evaluates "
                           f"(made by another version of the search?): run it again")


def _scores(sets: list[pd.DataFrame]) -> tuple[list[float], list[int], np.ndarray]:
    """Hypervolume of each set's non-dominated mixes, all on one reference point and scaling.

    Objectives ``(-P(met), -gain, cost)``; reference P(met) 0, gain 0, 1.1 x the largest
    finite cost of the union; each objective scaled by the union's range. Also the front sizes
    and the reference point.
    """
    f = [np.vstack([minimised(r) for r in non_dominated(t).to_dict("records")]) for t in sets]
    union = np.vstack(f)
    finite = union[union[:, 2] < 1e11]
    ref = np.array([0.0, 0.0, 1.1 * finite[:, 2].max()])
    lo = union.min(axis=0)
    lo[2] = finite[:, 2].min()
    span = np.where(ref - lo > 0, ref - lo, 1.0)
    return [hypervolume(x, ref, lo, span) for x in f], [len(x) for x in f], ref


#: The designs compared on the development set (``design``): name -> [search] settings, or
#: None for random search in the encoding; "corners" = the first generation holds the corner
#: mixes (``Space.corner_mixes``); "ranked" = then the greedy path (``Space.ranked_mixes``);
#: "24/8" = population 24, 8 offspring a generation.
DESIGNS: dict[str, Search | None] = {
    "random in the encoding": None,
    "NSGA-II 24/24, plan only (before)": Search(population=24, offspring=24, corner_mixes=False,
                                                ranked_mixes=False),
    "NSGA-II 24/8, plan only": Search(population=24, offspring=8, corner_mixes=False,
                                      ranked_mixes=False),
    "NSGA-II 24/24, corners": Search(population=24, offspring=24, ranked_mixes=False),
    "NSGA-II 24/8, corners": Search(population=24, offspring=8, ranked_mixes=False),
    "NSGA-II 24/8, corners, ranked": Search(population=24, offspring=8),
    "SMS-EMOA 24/8, corners": Search(population=24, offspring=8, ranked_mixes=False,
                                     algorithm="sms-emoa"),
    "SMS-EMOA 24/8, corners, ranked": Search(population=24, offspring=8, algorithm="sms-emoa"),
}
#: Random search with the corner mixes first: what the corners alone are worth, no evolution.
CORNERS_THEN_RANDOM = "random in the encoding, corners first (no evolution)"
#: Random search with the corners and the greedy path first: the designs without evolution.
PATH_THEN_RANDOM = "random in the encoding, corners and greedy path first (no evolution)"


def _greedy_path(space, ev: MixEvaluator, scale: float) -> list:
    """The plan, the corners and the greedy path the search's first two generations hold."""
    plan = space.plan_mix()
    corners = [m for m in space.corner_mixes() if m != plan]
    return [plan, *corners, *greedy_path(space, corners, ev.objectives(corners, scale))]


def bench_design(budget: str, futures_seed: int, replications: int, candidates: int,
                 seeds: int, workers: int | None, only: list[str] | None) -> dict:
    """The search's designs on a development set, apart from the bar's futures and seeds.

    plan_2021 at the named budget, ``replications`` futures of ``futures_seed`` (macro and
    parameter draws as the default settings), the screening scale; each design ``seeds``
    times (search seeds 1..K, random seeds 20_000 + k: none is a seed of the bar), scored as
    ``hypervolume`` scores (:func:`_scores`, one reference point for all).
    """
    loaded = load_scenario(PLAN)
    bounds = load_bounds(None)
    space = build_space(loaded, bounds, _plan_total() * FACTOR[budget])
    fut = bounds.futures
    futures = make_futures(loaded, replications, futures_seed, macro=fut.macro_draws,
                           parameter_file=bounds.parameter_file())
    scale = fut.screening_persons_per_agent
    names = [CORNERS_THEN_RANDOM, PATH_THEN_RANDOM, *DESIGNS] if only is None else only
    started = time.perf_counter()
    load_before = _load_average()
    tables: dict[str, list[pd.DataFrame]] = {}
    with make_executor(workers) as executor:
        ev = MixEvaluator(space=space, path=str(loaded.path), scenario_hash=scenario_hash(loaded),
                          futures=futures, executor=executor,
                          store=EvalStore(BENCH / "optimise_design_store"), code=code_hash())
        for name in names:
            tables[name] = []
            for k in range(seeds):
                if name == PATH_THEN_RANDOM:
                    mixes = random_search(ev, evaluations=candidates, seed=20_000 + k,
                                          scale=scale, first=_greedy_path(space, ev, scale))
                elif name == CORNERS_THEN_RANDOM or DESIGNS[name] is None:
                    plan = space.plan_mix()
                    first = [plan] + ([m for m in space.corner_mixes() if m != plan]
                                      if name == CORNERS_THEN_RANDOM else [])
                    mixes = random_search(ev, evaluations=candidates, seed=20_000 + k,
                                          scale=scale, first=first)
                else:
                    mixes = search(ev, DESIGNS[name], evaluations=candidates, seed=1 + k,
                                   scale=scale)
                tables[name].append(mix_table(space, mixes, ev.objectives(mixes, scale),
                                              scale))
                print(f"{name}, seed {k}: done", file=sys.stderr)
        runs = ev.runs
    hv, sizes, ref = _scores([t for n in names for t in tables[n]])
    out = {"budget": budget, "budget_yuan": space.budget, "futures_seed": futures_seed,
           "replications": replications, "candidates_each": candidates, "seeds": seeds,
           "persons_per_agent": scale, "reference_point_cost": float(ref[2]),
           "model_runs": runs, "seconds": round(time.perf_counter() - started, 1),
           "load_average_before": load_before, "load_average_after": _load_average(),
           "designs": {}}
    for j, name in enumerate(names):
        h = np.array(hv[j * seeds:(j + 1) * seeds])
        out["designs"][name] = {
            "hypervolume": h.tolist(), "mean": float(h.mean()),
            "sd": float(h.std(ddof=1)) if seeds > 1 else None,
            "front_sizes": sizes[j * seeds:(j + 1) * seeds],
            "best_gain": [float(t["gain"].max()) for t in tables[name]],
            "least_cost": [float(t["cost"].min()) for t in tables[name]],
            "distinct_mixes": [int(len(t.drop_duplicates(subset=[c for c in t.columns
                                                                if c.startswith("budget_")])))
                               for t in tables[name]]}
    return out


def bench_hypervolume(run: Path, seeds: int, workers: int | None, candidates: int | None
                      ) -> dict:
    """NSGA-II against random search: ``seeds`` searches of each, same count, same futures.

    Every search runs on the futures of ``run`` (its seed's replicates, the same macro and
    parameter draws) at its screening scale; only the search's own seed changes. NSGA-II's
    first search is the run's own, replayed for ``candidates`` evaluations (default: the
    run's) from the run's checkpoint, nothing re-run: the search is deterministic, so this is
    what ``--evaluations N`` would have evaluated, duplicates included as in every other
    search (``screening.csv`` has them dropped, so its first N rows can reach past the N-th
    evaluation); the others use the search seeds ``run seed + k``. Random search ``k`` draws
    as many candidates with seed ``10_000 + k`` in each way of :data:`RANDOM_DRAWS` (the
    plan, then uniform in the search's encoding; the plan, then uniform budgets within the
    bounds, repaired). All fronts are scored against one reference point and scaling.
    """
    manifest, loaded, bounds, space = _context(run)
    seed = int(manifest["seed"])
    fut = bounds.futures
    futures = make_futures(loaded, fut.replications, seed, macro=fut.macro_draws,
                           parameter_file=bounds.parameter_file())
    n = int(manifest["screening"]["evaluations_asked"] if candidates is None else candidates)
    scale = fut.screening_persons_per_agent
    results = {"run": str(run), "candidates_each": n, "futures": fut.replications,
               "futures_seed": seed, "persons_per_agent": scale, "searches_each": seeds,
               "load_average_before": _load_average()}
    started = time.perf_counter()
    common = {"space": space, "path": str(loaded.path), "scenario_hash": scenario_hash(loaded),
              "futures": futures, "code": code_hash()}
    random_tables: dict[str, list[pd.DataFrame]] = {d: [] for d in RANDOM_DRAWS}
    with make_executor(workers) as executor:
        own = MixEvaluator(executor=executor, store=_ReadOnlyStore(run / ".optimise"), **common)
        mixes = search(own, bounds.search, evaluations=n, seed=seed, scale=scale)
        nsga_tables = [mix_table(space, mixes, own.objectives(mixes, scale), scale)]
        ev = MixEvaluator(executor=executor, store=EvalStore(BENCH / "optimise_hv_store"),
                          **common)
        for k in range(1, seeds):
            mixes = search(ev, bounds.search, evaluations=n, seed=seed + k, scale=scale)
            nsga_tables.append(mix_table(space, mixes, ev.objectives(mixes, scale), scale))
        for draws in RANDOM_DRAWS:
            for k in range(seeds):
                mixes = random_search(ev, evaluations=n, seed=10_000 + k, scale=scale,
                                      first=[space.plan_mix()], draws=draws)
                random_tables[draws].append(mix_table(space, mixes, ev.objectives(mixes, scale),
                                                      scale))
        runs = ev.runs
    sets = nsga_tables + [t for d in RANDOM_DRAWS for t in random_tables[d]]
    hv, sizes, ref = _scores(sets)
    h_nsga = np.array(hv[:seeds])
    h_rand = {d: np.array(hv[seeds * (1 + j):seeds * (2 + j)])
              for j, d in enumerate(RANDOM_DRAWS)}

    def summary(h: np.ndarray) -> dict:
        return {"mean": float(h.mean()), "sd": float(h.std(ddof=1)) if len(h) > 1 else None,
                "min": float(h.min()), "max": float(h.max())}

    results.update({
        "search_seeds_nsga2": [seed + k for k in range(seeds)],
        "search_seeds_random": [10_000 + k for k in range(seeds)],
        "random_draws": list(RANDOM_DRAWS),
        "nsga2_hypervolume": hv[:seeds],
        "nsga2_summary": summary(h_nsga),
        "nsga2_front_sizes": sizes[:seeds],
        "nsga2_best_p_met": [float(t["p_met"].max()) for t in nsga_tables],
        "nsga2_best_gain": [float(t["gain"].max()) for t in nsga_tables],
        "nsga2_least_cost": [float(t["cost"].min()) for t in nsga_tables],
        "reference_point": {"p_met": 0.0, "gain": 0.0, "cost": float(ref[2])},
        "model_runs": runs,
        "seconds": round(time.perf_counter() - started, 1),
        "load_average_after": _load_average(),
    })
    for j, d in enumerate(RANDOM_DRAWS):
        tables = random_tables[d]
        results.update({
            f"random_{d}_hypervolume": hv[seeds * (1 + j):seeds * (2 + j)],
            f"random_{d}_summary": summary(h_rand[d]),
            f"random_{d}_front_sizes": sizes[seeds * (1 + j):seeds * (2 + j)],
            f"random_{d}_best_p_met": [float(t["p_met"].max()) for t in tables],
            f"random_{d}_best_gain": [float(t["gain"].max()) for t in tables],
            f"random_{d}_least_cost": [float(t["cost"].min()) for t in tables],
            # The bar, against each kind of random search: NSGA-II's mean hypervolume above
            # random search's, and its worst search above random search's best.
            f"bar_mean_met_{d}": bool(h_nsga.mean() > h_rand[d].mean()),
            f"bar_every_pair_met_{d}": bool(h_nsga.min() > h_rand[d].max()),
        })
    return results


def bench_oos(run: Path, replications: int, workers: int | None, seed_offset: int) -> dict:
    """The recommended mix and the plan at the same budget on fresh futures."""
    manifest, loaded, bounds, space = _context(run)
    fresh = int(manifest["seed"]) + seed_offset
    fut = bounds.futures
    futures = make_futures(loaded, replications, fresh, macro=fut.macro_draws,
                           parameter_file=bounds.parameter_file())
    front = pd.read_csv(run / "pareto.csv")
    rec = mix_of_row(space, front[front["recommended"]].iloc[0])
    plan = space.plan_mix()
    scale = fut.confirm_persons_per_agent
    started = time.perf_counter()
    with make_executor(workers) as executor:
        ev = MixEvaluator(space=space, path=str(loaded.path), scenario_hash=scenario_hash(loaded),
                          futures=futures, executor=executor,
                          store=EvalStore(BENCH / "optimise_oos_store"), code=code_hash())
        zero = ev.zero(scale)
        out_rec, out_plan = ev.outcomes([rec, plan], scale)
        obj_rec, obj_plan = ev.objectives([rec, plan], scale)
        runs = ev.runs  # 0 when every mix was read back from the store (a rerun)
    diff = (out_rec["total_employed"] - out_plan["total_employed"])
    se = float(np.std(diff, ddof=1) / np.sqrt(len(diff)))
    # Paired on the same futures: the difference in "both targets met", future by future.
    met = out_rec["both_met"] - out_plan["both_met"]
    met_se = float(np.std(met, ddof=1) / np.sqrt(len(met)))
    # The zero mix (the baseline) on the same futures: how often the targets are met unaided.
    zero_p = float(np.mean(zero["both_met"]))
    result = {
        "run": str(run), "fresh_seed": fresh, "replications": replications,
        "persons_per_agent": scale, "budget_yuan": space.budget,
        "recommended": obj_rec, "plan_same_budget": obj_plan,
        "zero_mix_p_met": zero_p,
        "zero_mix_p_met_se": float(np.sqrt(zero_p * (1 - zero_p) / len(diff))),
        "gain_difference": float(np.mean(diff)), "gain_difference_se": se,
        "p_met_difference": float(np.mean(met)), "p_met_difference_se": met_se,
        "recommended_budgets_yuan": dict(zip(space.kinds, rec.budgets)),
        "bar_p_met": bool(obj_rec["p_met"] >= obj_plan["p_met"]),
        "bar_gain_within_2se": bool(np.mean(diff) >= -2 * se),
        "model_runs_this_time": runs,
        "seconds": round(time.perf_counter() - started, 1),
        "load_average": _load_average(),
    }
    return result


#: Months run by ``persistence``: the programme year 2021 and the year after, without a programme.
PERSIST_MONTHS = 24


def _run_24(task: tuple) -> dict[str, list[float]]:
    """One mix on one future for 24 months; total and urban employment by month.

    ``task`` is ``(mix name, future index, MixRun)``; the first two only label the result.
    The scenario is read once per worker and its hash checked, as the optimiser's runs are
    (:func:`jobsim.optimise.evaluate.run_mix`). Module level, so that a worker can unpickle it.
    """
    from jobsim.optimise.evaluate import _load as load_run
    from jobsim.optimise.evaluate import _with_future, with_mix
    from jobsim.optimise.space import Mix
    from jobsim.runner import build_model

    run = task[2]
    scenario = _with_future(with_mix(load_run(run), Mix(budgets=run.budgets, starts=run.starts),
                                     scale_caps=run.scale_caps), run.future, run.path)
    # 2022 holds the level the future's demand reached in December 2021: the futures are
    # 12-month draws, and a no-change path adds no 2022 shock of its own to the comparison.
    demand = list(run.future.demand)
    demand += [demand[-1]] * (PERSIST_MONTHS - len(demand))
    model = build_model(scenario, seed=run.future.seed, persons_per_agent=run.persons_per_agent,
                        replicate=run.future.replicate, demand=demand, months=PERSIST_MONTHS)
    model.run()
    m = model.monthly()
    return {"total": m["total_employed"].astype(float).tolist(),
            "urban": m["urban_employed"].astype(float).tolist()}


def bench_persistence(run: Path, replications: int, workers: int | None,
                      seed_offset: int) -> dict:
    """The recommended mix, the plan and variants over 2021 and 2022, on fresh futures.

    The optimiser's gain is total employment in December 2021, the last month of its futures.
    This part asks what is left of it a year later, with no programme in 2022: the gain
    (paired against the zero mix on the same futures) in December 2021, on average over 2022
    and in December 2022. Variants of the recommended mix move organised rural transfers only
    (to the plan's own budget, and to none), because transfers' placements are what a
    December objective can over-reward (``docs/effects.md``: transfers at 24 months).
    """
    manifest, loaded, bounds, space = _context(run)
    fresh = int(manifest["seed"]) + seed_offset
    futures = make_futures(loaded, replications, fresh, macro=bounds.futures.macro_draws,
                           parameter_file=bounds.parameter_file())
    front = pd.read_csv(run / "pareto.csv")
    rec = mix_of_row(space, front[front["recommended"]].iloc[0])
    k = space.kinds.index("rural_labour_transfer")

    def with_transfers(budget: float):
        return dataclasses.replace(rec, budgets=rec.budgets[:k] + (float(budget),)
                                   + rec.budgets[k + 1:])

    mixes = {"zero": space.zero(), "plan_same_budget": space.plan_mix(), "recommended": rec,
             "recommended_transfers_at_plan": with_transfers(float(space.written[k])),
             "recommended_no_transfers": with_transfers(0.0)}
    scale = bounds.futures.confirm_persons_per_agent
    digest = scenario_hash(loaded)
    tasks = [(name, r, MixRun(path=str(loaded.path), scenario_hash=digest, budgets=mix.budgets,
                              starts=mix.starts, scale_caps=space.scale_caps, future=f,
                              persons_per_agent=scale))
             for name, mix in mixes.items() for r, f in enumerate(futures)]
    started = time.perf_counter()
    series: dict[str, list] = {name: [None] * len(futures) for name in mixes}
    with make_executor(workers) as executor:
        for (name, r, _), out in executor.imap_unordered(_run_24, tasks):
            series[name][r] = out
    zero_total = np.array([o["total"] for o in series["zero"]])
    zero_urban = np.array([o["urban"] for o in series["zero"]])
    n = len(futures)

    def summary(values: np.ndarray) -> dict:
        return {"mean": float(values.mean()), "se": float(values.std(ddof=1) / np.sqrt(n))}

    result = {"run": str(run), "fresh_seed": fresh, "replications": n,
              "persons_per_agent": scale, "months": PERSIST_MONTHS,
              "demand_2022": "the future's December 2021 level held", "mixes": {}}
    for name, mix in mixes.items():
        if name == "zero":
            continue
        total = np.array([o["total"] for o in series[name]]) - zero_total
        urban = np.array([o["urban"] for o in series[name]]) - zero_urban
        result["mixes"][name] = {
            "budgets_yuan": dict(zip(space.kinds, mix.budgets)),
            "total_budget_yuan": mix.total,
            "gain_dec_2021": summary(total[:, 11]),
            "gain_mean_2022": summary(total[:, 12:24].mean(axis=1)),
            "gain_dec_2022": summary(total[:, 23]),
            "urban_gain_dec_2021": summary(urban[:, 11]),
            "urban_gain_dec_2022": summary(urban[:, 23]),
        }
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["model_runs"] = len(tasks)
    result["load_average"] = _load_average()
    result["git_commit"] = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"],
                                          capture_output=True, text=True).stdout.strip()
    return result


DOC = ROOT / "docs" / "optimise.md"
START, END = "<!-- measured: start -->", "<!-- measured: end -->"
FACTOR = {"plan": 1.0, "half": 0.5, "double": 2.0}


def _m(yuan: float) -> str:
    return f"{yuan / 1e6:,.0f}"


def _pm(x: float, se: float, digits: int = 2) -> str:
    return f"{x:,.{digits}f} ± {se:,.{digits}f}"


def _cpu_per_run(folder: Path) -> dict[float, float]:
    """Mean CPU seconds of one model run at each scale, from the run's stored mixes."""
    cpu: dict[float, list[float]] = {}
    for path in (folder / ".optimise" / "evals").glob("*.json"):
        payload = _load(path)["payload"]
        payload = json.loads(payload) if isinstance(payload, str) else payload
        runs = len(payload["outcomes"]["both_met"])
        cpu.setdefault(float(payload["scale"]), []).append(payload["cpu_seconds"] / runs)
    return {k: float(np.mean(v)) for k, v in sorted(cpu.items())}


PERSIST_LABELS = {"plan_same_budget": "plan_2021 (same budget)", "recommended": "recommended",
                  "recommended_transfers_at_plan": "recommended, transfers at the plan's budget",
                  "recommended_no_transfers": "recommended, no transfers"}


def _persistence_lines(path: Path) -> list[str]:
    """The persistence table (no bar: a reading of what the December objective leaves out)."""
    if not path.is_file():
        return []
    o = _load(path)
    lines = [
        "### What is left a year later (no bar: the objective stops in December 2021)", "",
        f"`python benchmarks/bench_optimise.py persistence --run out/optimise/plan_budget` → "
        f"`out/bench/{path.name}`: {o['replications']} fresh futures (seed {o['fresh_seed']}, "
        f"the first of the out-of-sample ones) at {o['persons_per_agent']:g} persons per agent, "
        f"run for {o['months']} months with no programme in 2022 ({o['demand_2022']}); gains "
        f"paired against the zero mix; {o['model_runs']} model runs, {o['seconds']:.0f} s "
        f"(load {o['load_average']}), commit {o['git_commit'][:10]}.", "",
        "| mix | transfers (m yuan) | budget (m yuan) | gain, Dec 2021 | gain, 2022 average "
        "| gain, Dec 2022 | urban gain, Dec 2021 | urban gain, Dec 2022 |",
        "|---|---|---|---|---|---|---|---|"]
    for name, r in o["mixes"].items():
        lines.append(
            f"| {PERSIST_LABELS.get(name, name)} | "
            f"{_m(r['budgets_yuan']['rural_labour_transfer'])} | {_m(r['total_budget_yuan'])} | "
            + " | ".join(_pm(r[k]["mean"], r[k]["se"], 0) for k in (
                "gain_dec_2021", "gain_mean_2022", "gain_dec_2022", "urban_gain_dec_2021",
                "urban_gain_dec_2022")) + " |")
    lines.append("")
    return lines


def docs() -> str:
    """Rewrite the measured section of docs/optimise.md from the benchmark files."""
    runs = _load(BENCH / "optimise_run.json")
    labels = {cls.kind: (cls.label or cls.kind) for cls, _ in load_scenario(PLAN).instruments}
    plan = {cls.kind: s.budget_yuan for cls, s in load_scenario(PLAN).instruments}
    total = sum(plan.values())
    lines = [START, "", "## Measured (generated: `python benchmarks/bench_optimise.py docs`)", ""]
    first = _load(ROOT / "out" / "optimise" / "plan_budget" / "manifest.json")
    bounds = load_bounds(None)
    fut, search = bounds.futures, bounds.search
    lines += [
        f"Commit `{first['git_commit'][:10]}` (model source hash "
        f"`{first['model_source_sha1'][:12]}`), pymoo {first['pymoo_version']}; "
        f"{first['executor']}. Default settings of `scenarios/optimise/bounds.toml`: "
        f"{first['screening']['evaluations_asked']} candidates ({search.algorithm}, population "
        f"{search.population}, {search.offspring} offspring a generation"
        + (", the corner mixes first" if search.corner_mixes else "")
        + (", then the greedy path" if search.corner_mixes and search.ranked_mixes else "")
        + f") x {fut.replications} futures (macro and parameter draws) at "
        f"{fut.screening_persons_per_agent:g} persons per agent, then at most "
        f"{search.confirm_max} front mixes, the plan and the zero mix at "
        f"{fut.confirm_persons_per_agent:g}. The machine has 2 cores shared with the lead's "
        "and other helpers' runs: the load averages (1, 5, 15 minutes) are given with every "
        "time.", "",
        "### Run time (bar: the plan's budget within 15 minutes on 2 cores)", "",
        "| budget | command | finished (UTC) | wall time | load before → after | model runs "
        "| CPU s in runs | screening / confirming s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in ("plan", "half", "double"):
        if name not in runs:
            continue
        r = runs[name]
        folder = ROOT / "out" / "optimise" / f"{name}_budget"
        man = _load(folder / "manifest.json")
        cmd = r["command"].replace(str(ROOT) + "/", "")
        lines.append(
            f"| {name} ({_m(total * FACTOR[name])} m yuan) | `jobsim {cmd}` | "
            f"{r.get('finished_utc', man['created'])} | {r['seconds'] / 60:.1f} min | "
            f"{r['load_average_before']} → {r['load_average_after']} | {r['model_runs']:,} | "
            f"{r['cpu_seconds_in_runs']:,.0f} | {man['screening']['seconds']:,.0f} / "
            f"{man['confirm']['seconds']:,.0f} |")
    pr = runs.get("plan")
    if pr:
        folder = ROOT / "out" / "optimise" / "plan_budget"
        cpu = _cpu_per_run(folder)
        cs, cc = cpu.get(fut.screening_persons_per_agent), cpu.get(fut.confirm_persons_per_agent)
        screen_cpu = (first["screening"]["evaluations_asked"] + 1) * fut.replications * cs
        conf_cpu = (search.confirm_max + 2) * fut.replications * cc
        verdict = "met" if pr["seconds"] <= 900 else (
            f"not met: {pr['seconds'] / 60 - 15:.1f} minutes over")
        lines += ["",
                  f"Bar: **{verdict}** ({pr['seconds'] / 60:.1f} minutes under load "
                  f"{pr['load_average_before']} → {pr['load_average_after']}). One run costs "
                  f"{cs:.3f} CPU-seconds at {fut.screening_persons_per_agent:g} persons per "
                  f"agent and {cc:.3f} at {fut.confirm_persons_per_agent:g} (means over this "
                  "run's stored mixes). The budget of a run is therefore about "
                  f"evaluations x replications x {cs:.3f} s of screening ({screen_cpu:,.0f} s "
                  f"at the defaults) plus (confirm_max + 2) x replications x {cc:.3f} s of "
                  f"confirmation (at most {conf_cpu:,.0f} s), i.e. about "
                  f"{(screen_cpu + conf_cpu) / 120:.1f} minutes on 2 free cores. What each "
                  "setting trades: `--evaluations` is linear in screening time and buys "
                  "generations (the search's progress); `replications` multiplies both stages "
                  "and buys precision (P(met)'s standard error is sqrt(p(1-p)/n)); a coarser "
                  "`screening_persons_per_agent` makes screening cheaper at the price of "
                  "sampling noise that confirmation must then absorb; `confirm_max` bounds "
                  "the confirmation stage.", ""]
    lines += ["### The front and the recommended mix, at the plan's budget, half and double",
              "", "Budgets in million yuan. *plan x k*: the plan's own mix scaled to the budget. "
              "*funded by*: how many mixes of the confirmed front give the instrument a "
              "budget.", ""]
    for name in ("plan", "half", "double"):
        folder = ROOT / "out" / "optimise" / f"{name}_budget"
        if not (folder / "pareto.csv").is_file():
            continue
        front = pd.read_csv(folder / "pareto.csv")
        conf = pd.read_csv(folder / "confirmed.csv")
        prow = conf[conf["role"] == "plan at the same budget"].iloc[0]
        rec = front[front["recommended"]].iloc[0]
        man = _load(folder / "manifest.json")
        k = FACTOR[name]
        screened = pd.read_csv(folder / "screening.csv")
        budgets = [c for c in screened.columns if c.startswith("budget_")]
        most = max(float(screened[budgets].sum(axis=1).max()),
                   float(conf[budgets].sum(axis=1).max()))
        lines += [f"**{name.capitalize()} budget ({_m(total * k)} m yuan)**: "
                  f"`{man['command'].replace(str(ROOT) + '/', '')}`; front of {len(front)} "
                  f"mixes (from {man['screening']['candidates']} screened, "
                  f"{man['confirm']['candidates']} confirmed). The largest total of any "
                  f"candidate: {most:,.0f} yuan of the {man['budget_yuan']:,.0f} allowed"
                  + (" (never exceeded)." if most <= man["budget_yuan"] else
                     " (**exceeded**).") + " The zero mix meets both targets in "
                  + _pm(float(conf[conf['role'] == 'zero mix (baseline)']['p_met'].iloc[0]),
                        float(conf[conf['role'] == 'zero mix (baseline)']['p_met_se'].iloc[0]))
                  + " of these futures.", "",
                  "| | P(both met) | gain in total employment | cost per additional employed "
                  "(yuan) | spending (m yuan) |", "|---|---|---|---|---|"]
        for label, row in (("recommended", rec), (f"plan x {k:g}", prow)):
            cost = ("undefined" if not np.isfinite(row["cost"])
                    else _pm(row["cost"], row["cost_se"], 0))
            lines.append(f"| {label} | {_pm(row['p_met'], row['p_met_se'])} | "
                         f"{_pm(row['gain'], row['gain_se'], 0)} | {cost} | "
                         f"{_m(row['spending_yuan'])} |")
        lines += ["", "| instrument | plan x k | recommended | funded by (of "
                  f"{len(front)}) | front range |", "|---|---|---|---|---|"]
        for kind in plan:
            col = front[f"budget_{kind}"]
            lines.append(f"| {labels[kind]} | {_m(plan[kind] * k)} | {_m(rec[f'budget_{kind}'])}"
                         f" | {int((col > 0).sum())} | {_m(col.min())}–{_m(col.max())} |")
        lines.append("")
    oos_path = BENCH / "optimise_oos_plan_budget.json"
    if oos_path.is_file():
        o = _load(oos_path)
        r, p = o["recommended"], o["plan_same_budget"]
        lines += [
            "### Out of sample (bars: P(met) ≥ the plan's; gain ≥ the plan's − 2 s.e.)", "",
            f"`python benchmarks/bench_optimise.py oos --run out/optimise/plan_budget` → "
            f"`out/bench/optimise_oos_plan_budget.json`: {o['replications']} fresh futures "
            f"(seed {o['fresh_seed']}, never seen by the optimiser; macro and parameter draws "
            f"as in the run) at {o['persons_per_agent']:g} persons per agent; "
            f"{o.get('model_runs_this_time', 'some')} model runs this time (the others read "
            f"back from `out/bench/optimise_oos_store`), {o['seconds']:.0f} s (load "
            f"{o['load_average']}).", "",
            "| | P(both met) | gain in total employment | cost per additional employed |",
            "|---|---|---|---|",
            f"| recommended | {_pm(r['p_met'], r['p_met_se'])} | "
            f"{_pm(r['gain'], r['gain_se'], 0)} | {r['cost']:,.0f} |",
            f"| plan_2021 (same budget) | {_pm(p['p_met'], p['p_met_se'])} | "
            f"{_pm(p['gain'], p['gain_se'], 0)} | "
            + ("undefined" if p["cost"] != p["cost"] else f"{p['cost']:,.0f}") + " |", "",
            (f"The zero mix (baseline) meets both targets in a share "
             f"{_pm(o['zero_mix_p_met'], o['zero_mix_p_met_se'])} of these futures. "
             if "zero_mix_p_met" in o else "")
            + f"Paired differences (recommended − plan, same futures): P(met) "
            f"{_pm(o['p_met_difference'], o['p_met_difference_se'])}, gain "
            f"{_pm(o['gain_difference'], o['gain_difference_se'], 0)}. P(met) bar: "
            f"**{'met' if o['bar_p_met'] else 'not met'}**; gain bar: "
            f"**{'met' if o['bar_gain_within_2se'] else 'not met'}**.", ""]
    lines += _persistence_lines(BENCH / "optimise_persistence_plan_budget.json")
    for path in sorted(BENCH.glob("optimise_design_*.json")):
        d = _load(path)
        lines += [
            "### The search's designs on a development set (not the bar's futures or seeds)", "",
            f"`python benchmarks/bench_optimise.py design --budget {d['budget']} --futures-seed "
            f"{d['futures_seed']} --replications {d['replications']} --candidates "
            f"{d['candidates_each']} --seeds {d['seeds']}` → `out/bench/{path.name}`: plan_2021 "
            f"at the {d['budget']} budget ({_m(d['budget_yuan'])} m yuan), {d['replications']} "
            f"futures of seed {d['futures_seed']} at {d['persons_per_agent']:g} persons per "
            f"agent, {d['candidates_each']} candidates per search, {d['seeds']} searches per "
            "design (search seeds 1, 2, ...; random seeds 20000, 20001, ...), scored as the "
            f"hypervolume bar is (one reference point for all); {d['model_runs']:,} model runs, "
            f"{d['seconds'] / 60:.1f} min (load {d['load_average_before']} → "
            f"{d['load_average_after']}).", "",
            "| design | hypervolume per seed | mean ± sd | best gain | least cost per "
            "additional employed |", "|---|---|---|---|---|"]
        for name, r in d["designs"].items():
            lines.append(
                f"| {name} | {', '.join(f'{x:.3f}' for x in r['hypervolume'])} | "
                f"{r['mean']:.3f} ± {r['sd']:.3f} | "
                f"{', '.join(f'{x:,.0f}' for x in r['best_gain'])} | "
                f"{', '.join(f'{x:,.0f}' for x in r['least_cost'])} |")
        lines.append("")
    hv_files = sorted(BENCH.glob("optimise_hypervolume_plan_budget_*.json"))
    if hv_files:
        lines += ["### Hypervolume against random search (bar: NSGA-II's front dominates)", ""]
        what = {"shares": "random, uniform in the search's encoding (shares, total fraction)",
                "budgets": "random, uniform budgets within the bounds, repaired"}
        for path in hv_files:
            h = _load(path)
            if "random_draws" not in h:  # written before the search's encoding: not comparable
                continue
            a = h["nsga2_summary"]
            lines += [
                f"`python benchmarks/bench_optimise.py hypervolume --run out/optimise/plan_budget"
                f" --seeds {h['searches_each']} --candidates {h['candidates_each']}` → "
                f"`out/bench/{path.name}`: {h['searches_each']} NSGA-II searches (seeds "
                f"{h['search_seeds_nsga2']}) and {h['searches_each']} random searches of each "
                f"kind (seeds {h['search_seeds_random']}), {h['candidates_each']} candidates "
                f"each, all on the same {h['futures']} futures (seed {h['futures_seed']}) at "
                f"{h['persons_per_agent']:g} persons per agent; {h['model_runs']:,} model runs "
                "this time (the others read back from `out/bench/optimise_hv_store`, and the "
                "run's own search replayed from its checkpoint), "
                f"{h['seconds'] / 60:.1f} min (load {h['load_average_before']} → "
                f"{h['load_average_after']}). Objectives scaled by the union's range; reference "
                "point P(met) 0, gain 0, 1.1 x the largest cost.", "",
                "| | hypervolume per seed | mean ± sd | best P(met) | best gain "
                "| least cost per additional employed |",
                "|---|---|---|---|---|---|",
                f"| NSGA-II | {', '.join(f'{x:.3f}' for x in h['nsga2_hypervolume'])} | "
                f"{a['mean']:.3f} ± {a['sd']:.3f} | "
                f"{', '.join(f'{x:.2f}' for x in h['nsga2_best_p_met'])} | "
                f"{', '.join(f'{x:,.0f}' for x in h['nsga2_best_gain'])} | "
                f"{', '.join(f'{x:,.0f}' for x in h['nsga2_least_cost'])} |"]
            for d in h["random_draws"]:
                b = h[f"random_{d}_summary"]
                lines.append(
                    f"| {what[d]} | {', '.join(f'{x:.3f}' for x in h[f'random_{d}_hypervolume'])}"
                    f" | {b['mean']:.3f} ± {b['sd']:.3f} | "
                    f"{', '.join(f'{x:.2f}' for x in h[f'random_{d}_best_p_met'])} | "
                    f"{', '.join(f'{x:,.0f}' for x in h[f'random_{d}_best_gain'])} | "
                    f"{', '.join(f'{x:,.0f}' for x in h[f'random_{d}_least_cost'])} |")
            lines.append("")
            for d in h["random_draws"]:
                lines.append(
                    f"Against {what[d]}: mean above random's: "
                    f"**{'met' if h[f'bar_mean_met_{d}'] else 'not met'}**; every NSGA-II "
                    "search above every random one: "
                    f"**{'met' if h[f'bar_every_pair_met_{d}'] else 'not met'}**.")
                lines.append("")
    lines.append(END)
    text = DOC.read_text(encoding="utf-8")
    if START in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
    else:
        head, tail = text.rstrip("\n") + "\n\n", "\n"
    DOC.write_text(head + "\n".join(lines) + tail, encoding="utf-8")
    return "\n".join(lines)


def main() -> None:
    """Parse the part to run, run it, print and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="part", required=True)
    r = sub.add_parser("run")
    r.add_argument("--budgets", default="plan")
    r.add_argument("--evaluations", type=int, default=None)
    r.add_argument("--workers", type=int, default=None)
    r.add_argument("--resume", action="store_true")
    h = sub.add_parser("hypervolume")
    h.add_argument("--run", type=Path, required=True)
    h.add_argument("--seeds", type=int, default=3)
    h.add_argument("--workers", type=int, default=None)
    h.add_argument("--candidates", type=int, default=None,
                   help="compare NSGA-II's first N candidates with N random ones")
    d = sub.add_parser("design", help="the search's designs on a development set")
    d.add_argument("--budget", choices=sorted(FACTOR), default="half")
    d.add_argument("--futures-seed", type=int, default=4242)
    d.add_argument("--replications", type=int, default=8)
    d.add_argument("--candidates", type=int, default=64)
    d.add_argument("--seeds", type=int, default=3)
    d.add_argument("--workers", type=int, default=None)
    d.add_argument("--only", default=None, help="comma-separated design names")
    o = sub.add_parser("oos")
    o.add_argument("--run", type=Path, required=True)
    o.add_argument("--replications", type=int, default=50)
    o.add_argument("--seed-offset", type=int, default=1_000_003)
    o.add_argument("--workers", type=int, default=None)
    pe = sub.add_parser("persistence", help="the gain over 2021 and 2022, on fresh futures")
    pe.add_argument("--run", type=Path, required=True)
    pe.add_argument("--replications", type=int, default=20)
    pe.add_argument("--seed-offset", type=int, default=1_000_003)
    pe.add_argument("--workers", type=int, default=None)
    sub.add_parser("docs", help="rewrite the measured section of docs/optimise.md")
    args = parser.parse_args()
    BENCH.mkdir(parents=True, exist_ok=True)
    if args.part == "docs":
        print(docs())
        return
    if args.part == "run":
        result = bench_run(args.budgets.split(","), args.evaluations, args.workers,
                           args.resume)
        name = "optimise_run.json"
        if (BENCH / name).is_file():  # one file for every budget, whichever ran last
            result = {**_load(BENCH / name), **result}
    elif args.part == "hypervolume":
        result = bench_hypervolume(args.run, args.seeds, args.workers, args.candidates)
        name = (f"optimise_hypervolume_{args.run.name}_{result['candidates_each']}"
                + ("" if args.seeds == 3 else f"_{args.seeds}seeds") + ".json")
    elif args.part == "design":
        result = bench_design(args.budget, args.futures_seed, args.replications,
                              args.candidates, args.seeds, args.workers,
                              args.only.split(",") if args.only else None)
        name = (f"optimise_design_{args.budget}_{args.futures_seed}_{args.replications}_"
                f"{args.candidates}.json")
    elif args.part == "persistence":
        result = bench_persistence(args.run, args.replications, args.workers, args.seed_offset)
        name = f"optimise_persistence_{args.run.name}.json"
    else:
        result = bench_oos(args.run, args.replications, args.workers, args.seed_offset)
        name = f"optimise_oos_{args.run.name}.json"
    text = json.dumps(result, indent=2, default=float)
    (BENCH / name).write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
