"""Benchmarks of ``jobsim optimise``: run time, the search against random search, out of sample.

Three parts, each writing JSON into ``out/bench/``:

- ``run``: ``jobsim optimise scenarios/plan_2021.toml --budget B --out out/optimise/<name>``
  for the plan's total budget (and ``--budgets half,double``), timed; the bar is 15 minutes on
  2 cores for the plan's budget.
- ``hypervolume``: at an equal number of candidates, on the same futures and scale, the
  hypervolume of NSGA-II's non-dominated set (read from a finished run's ``screening.csv``)
  against random search's (candidates drawn as NSGA-II's first generation is: uniform within
  the bounds, then repaired). Objectives ``(-P(met), -gain, cost)``; the reference point is
  P(met) = 0, gain = 0 and 1.1 x the largest finite cost of either set, so a mix with no gain
  adds nothing; each objective is scaled by the union's range. Repeated over ``--seeds``.
- ``oos``: the recommended mix of a finished run and the plan at the same budget on fresh
  futures (a seed the optimiser never used, 50 replications, the confirming scale, macro and
  parameter draws as in the run): P(both targets met) of each, and the paired difference in
  total-employment gain with its standard error. Bar: P(met) of the recommended >= the plan's;
  its gain >= the plan's - 2 standard errors.

Usage::

    python benchmarks/bench_optimise.py run [--budgets plan,half,double] [--evaluations N]
    python benchmarks/bench_optimise.py hypervolume --run out/optimise/plan_budget [--seeds 3]
    python benchmarks/bench_optimise.py oos --run out/optimise/plan_budget [--replications 50]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobsim.compare.executors import make_executor  # noqa: E402
from jobsim.compare.tasks import scenario_hash  # noqa: E402
from jobsim.optimise.bounds import load_bounds  # noqa: E402
from jobsim.optimise.evaluate import code_hash, make_futures  # noqa: E402
from jobsim.optimise.objectives import minimised, non_dominated  # noqa: E402
from jobsim.optimise.outputs import mix_of_row  # noqa: E402
from jobsim.optimise.search import EvalStore, MixEvaluator, mix_table, random_search  # noqa: E402
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


def bench_run(budgets: list[str], evaluations: int | None, workers: int | None) -> dict:
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
        load_before = _load_average()
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
                     "plan_same_budget": _plan_row(folder)}
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


def bench_hypervolume(run: Path, seeds: int, workers: int | None, candidates: int | None
                      ) -> dict:
    """NSGA-II's screening set of ``run`` against random search, same count, same futures.

    ``candidates`` keeps NSGA-II's first N candidates (the search is deterministic, so they
    are what a run with ``--evaluations N`` would have evaluated, N a multiple of the
    population) and draws N random ones.
    """
    manifest, loaded, bounds, space = _context(run)
    seed = int(manifest["seed"])
    fut = bounds.futures
    futures = make_futures(loaded, fut.replications, seed, macro=fut.macro_draws,
                           parameter_file=bounds.parameter_file())
    nsga = pd.read_csv(run / "screening.csv")
    if candidates is not None:
        nsga = nsga.iloc[:candidates]
    n = len(nsga)
    scale = fut.screening_persons_per_agent
    results = {"run": str(run), "candidates_each": n, "futures": fut.replications,
               "persons_per_agent": scale, "load_average_before": _load_average()}
    started = time.perf_counter()
    common = {"space": space, "path": str(loaded.path), "scenario_hash": scenario_hash(loaded),
              "futures": futures, "code": code_hash()}
    with make_executor(workers) as executor:
        # NSGA-II's objectives are the run's screening.csv (same futures, same scale, same
        # code: nothing is re-run); random search's candidates run here.
        ev = MixEvaluator(executor=executor, store=EvalStore(BENCH / "optimise_random_store"),
                          **common)
        nsga_objs = nsga
        tables = []
        for k in range(seeds):
            mixes = random_search(ev, evaluations=n, seed=10_000 + k, scale=scale,
                                  first=[space.plan_mix()])
            tables.append(mix_table(space, mixes, ev.objectives(mixes, scale), scale))
    sets = [nsga_objs] + tables
    f = [np.vstack([minimised(r) for r in non_dominated(t).to_dict("records")]) for t in sets]
    union = np.vstack(f)
    finite = union[union[:, 2] < 1e11]
    ref = np.array([0.0, 0.0, 1.1 * finite[:, 2].max()])
    lo = union.min(axis=0)
    lo[2] = finite[:, 2].min()
    span = np.where(ref - lo > 0, ref - lo, 1.0)
    hv = [hypervolume(x, ref, lo, span) for x in f]
    results.update({
        "nsga2_hypervolume": hv[0], "random_hypervolume": hv[1:],
        "nsga2_front_size": len(f[0]), "random_front_sizes": [len(x) for x in f[1:]],
        "nsga2_best_p_met": float(nsga_objs["p_met"].max()),
        "random_best_p_met": [float(t["p_met"].max()) for t in tables],
        "nsga2_best_gain": float(nsga_objs["gain"].max()),
        "random_best_gain": [float(t["gain"].max()) for t in tables],
        "seconds": round(time.perf_counter() - started, 1),
        "load_average_after": _load_average(),
        "bar_met": bool(all(hv[0] > h for h in hv[1:])),
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
    diff = (out_rec["total_employed"] - out_plan["total_employed"])
    se = float(np.std(diff, ddof=1) / np.sqrt(len(diff)))
    del zero
    result = {
        "run": str(run), "fresh_seed": fresh, "replications": replications,
        "persons_per_agent": scale, "budget_yuan": space.budget,
        "recommended": obj_rec, "plan_same_budget": obj_plan,
        "gain_difference": float(np.mean(diff)), "gain_difference_se": se,
        "bar_p_met": bool(obj_rec["p_met"] >= obj_plan["p_met"]),
        "bar_gain_within_2se": bool(np.mean(diff) >= -2 * se),
        "seconds": round(time.perf_counter() - started, 1),
        "load_average": _load_average(),
    }
    return result


def main() -> None:
    """Parse the part to run, run it, print and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="part", required=True)
    r = sub.add_parser("run")
    r.add_argument("--budgets", default="plan")
    r.add_argument("--evaluations", type=int, default=None)
    r.add_argument("--workers", type=int, default=None)
    h = sub.add_parser("hypervolume")
    h.add_argument("--run", type=Path, required=True)
    h.add_argument("--seeds", type=int, default=3)
    h.add_argument("--workers", type=int, default=None)
    h.add_argument("--candidates", type=int, default=None,
                   help="compare NSGA-II's first N candidates with N random ones")
    o = sub.add_parser("oos")
    o.add_argument("--run", type=Path, required=True)
    o.add_argument("--replications", type=int, default=50)
    o.add_argument("--seed-offset", type=int, default=1_000_003)
    o.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    BENCH.mkdir(parents=True, exist_ok=True)
    if args.part == "run":
        result = bench_run(args.budgets.split(","), args.evaluations, args.workers)
        name = "optimise_run.json"
    elif args.part == "hypervolume":
        result = bench_hypervolume(args.run, args.seeds, args.workers, args.candidates)
        name = f"optimise_hypervolume_{args.run.name}_{result['candidates_each']}.json"
    else:
        result = bench_oos(args.run, args.replications, args.workers, args.seed_offset)
        name = f"optimise_oos_{args.run.name}.json"
    text = json.dumps(result, indent=2, default=float)
    (BENCH / name).write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
