"""``jobsim optimise``: the best budget mix for a total budget, robust over uncertain futures.

Steps (each candidate judged on the same futures, common random numbers):

1. the futures: replicates ``0..N-1`` of the seed, with a macro draw and a parameter draw each
   (:func:`jobsim.optimise.evaluate.make_futures`, the compare machinery);
2. screening: NSGA-II for ``--evaluations`` candidates at the screening scale (default 1000
   persons per agent), started from the plan scaled to the budget, the corners of the
   feasible set and random mixes, then the greedy path (:func:`jobsim.optimise.search.search`);
3. confirmation: the screening front (at most ``search.confirm_max`` mixes, evenly spread),
   the plan at the same budget and the zero mix run again at the confirming scale (default
   100, the model's default), on the same futures; the non-dominated ones are the front;
4. outputs, atomically into ``DIR``: ``pareto.csv``, ``recommended.toml``, ``report.html``,
   ``front.png``, ``funding.png``, ``screening.csv``, ``confirmed.csv``, ``manifest.json``.

Checkpoints: every evaluated mix is stored at once in ``.<DIR>.optimise/`` beside ``DIR``
(moved into ``DIR/.optimise/`` at the end). ``--resume`` replays the search from its seed,
reading stored mixes back instead of running them, so an interrupted run ends with the front it
would have had; without ``--resume`` an existing store is refused rather than overwritten.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jobsim.compare.executors import make_executor
from jobsim.compare.tasks import scenario_hash
from jobsim.optimise import plots
from jobsim.optimise.bounds import Bounds, load_bounds
from jobsim.optimise.evaluate import code_hash, make_futures
from jobsim.optimise.objectives import non_dominated
from jobsim.optimise.outputs import RULE, mix_of_row, recommend, recommended_toml
from jobsim.optimise.report import render_page
from jobsim.optimise.search import ALGORITHM_NAMES, EvalStore, MixEvaluator, mix_table, search
from jobsim.optimise.space import Mix, Space, build_space
from jobsim.policies import KINDS
from jobsim.results import (
    atomic_dir,
    atomic_write,
    check_output_dir,
    git_commit,
    package_version,
)
from jobsim.scenario import ScenarioError, load_scenario
from tqdm.auto import tqdm

__all__ = ["run_optimise", "OptimiseResult", "DEFAULT_EVALUATIONS"]

#: Candidates screened unless ``--evaluations`` says otherwise (10 generations of 24).
DEFAULT_EVALUATIONS = 240
_MARK = "jobsim-optimise-store"


@dataclass
class OptimiseResult:
    """The outcome of one optimisation."""

    space: Space
    front: pd.DataFrame            # pareto.csv
    recommended: int               # row of front
    plan_row: pd.Series            # the plan at the same budget, confirming scale
    zero_row: pd.Series            # the zero mix (baseline), confirming scale
    screening: pd.DataFrame        # screening.csv
    confirmed: pd.DataFrame        # confirmed.csv
    manifest: dict[str, Any]
    labels: dict[str, str]
    rule: str = RULE
    figures: dict[str, bytes] = field(default_factory=dict)
    recommended_text: str = ""

    @property
    def recommended_mix(self) -> Mix:
        """The recommended mix."""
        return mix_of_row(self.space, self.front.iloc[self.recommended])


def _check_out(out: Path) -> None:
    check_output_dir(out)  # jobsim's marker, not a manifest.json: refused before any work


def _store_root(out: Path, resume: bool) -> Path:
    running = out.parent / f".{out.name}.optimise"
    finished = out / ".optimise"
    if resume and finished.is_dir() and not running.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(finished, running)
    if running.exists() and not resume:
        raise FileExistsError(f"{running}: an earlier optimisation's checkpoint is there; pass "
                              f"--resume to continue it, or remove it to start again")
    if running.exists() and not (running / _MARK).is_file():
        raise FileExistsError(f"{running}: exists and is not a jobsim optimise checkpoint")
    running.mkdir(parents=True, exist_ok=True)
    atomic_write(running / _MARK, "checkpoint of jobsim optimise (safe to delete)\n")
    return running


def _key_columns(space: Space) -> list[str]:
    return ([f"budget_{k}" for k in space.kinds]
            + [f"start_{space.kinds[k]}" for k in space.start_of])


def _spread(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """At most ``k`` rows, evenly spread along the front ordered by P(met) then gain."""
    table = table.sort_values(["p_met", "gain"], ascending=[False, False], kind="stable")
    if len(table) <= k:
        return table
    pick = np.unique(np.round(np.linspace(0, len(table) - 1, k)).astype(int))
    return table.iloc[pick]


def run_optimise(
    scenario: Path,
    budget: float,
    out: Path,
    *,
    evaluations: int | None = None,
    seed: int | None = None,
    resume: bool = False,
    bounds: Path | None = None,
    workers: int | None = None,
    progress: bool = True,
    quiet: bool = False,
    settings: Bounds | None = None,
) -> OptimiseResult:
    """Optimise the budget mix of ``scenario`` for ``budget`` yuan; write ``out`` atomically.

    Parameters
    ----------
    scenario : Path
        The scenario whose instruments are the decision variables (e.g. plan_2021).
    budget : float
        Total budget (yuan): the mix's budgets sum to at most this.
    out : Path
        Output folder (replaced only if it holds a previous jobsim output).
    evaluations : int, optional
        Candidate mixes screened by NSGA-II (each on every future); default 240.
    seed : int, optional
        Seed of the futures and of the search (default: the scenario's seed).
    resume : bool
        Continue from the checkpoint of an interrupted (or finished) run.
    bounds : Path, optional
        Bounds and settings file (default ``scenarios/optimise/bounds.toml``).
    workers : int, optional
        Local processes (default: the CPUs available; 1 = this process).
    settings : Bounds, optional
        Already-loaded settings (instead of ``bounds``; for tests and benchmarks).
    """
    started = time.perf_counter()
    out = Path(out)
    evaluations = DEFAULT_EVALUATIONS if evaluations is None else int(evaluations)
    if evaluations < 1:
        raise ScenarioError(f"--evaluations must be >= 1, got {evaluations}")
    loaded = load_scenario(scenario)
    cfg = settings if settings is not None else load_bounds(bounds)
    space = build_space(loaded, cfg, float(budget))
    seed = loaded.spec.scenario.seed if seed is None else int(seed)
    _check_out(out)
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))
    fut = cfg.futures
    pfile = cfg.parameter_file()
    futures = make_futures(loaded, fut.replications, seed, macro=fut.macro_draws,
                           parameter_file=pfile)
    store = EvalStore(_store_root(out, resume))
    digest = scenario_hash(loaded)
    screen_scale, confirm_scale = (fut.screening_persons_per_agent,
                                   fut.confirm_persons_per_agent)
    fixed = bool(np.all(space.upper <= space.lower)) or space.budget <= float(space.lower.sum())
    n_search = 0 if fixed else evaluations
    confirm_max = cfg.search.confirm_max
    expected = fut.replications * (n_search + 1 + (0 if fixed else confirm_max + 2))
    log(f"jobsim optimise: {len(space.kinds)} instruments of {loaded.spec.scenario.name}, "
        f"total budget {space.budget:,.0f} yuan; {n_search} candidates x {fut.replications} "
        f"futures at {screen_scale:g} persons per agent, then the front at {confirm_scale:g} "
        f"(at most about {expected} model runs)")
    with make_executor(workers) as executor, tqdm(
            total=expected, unit="run", desc="jobsim optimise", file=sys.stderr,
            disable=(not progress) or quiet or None, smoothing=0.1) as bar:
        evaluator = MixEvaluator(space=space, path=str(loaded.path), scenario_hash=digest,
                                 futures=futures, executor=executor, store=store,
                                 code=code_hash(), progress=bar.update)
        plan = space.plan_mix()
        t0 = time.perf_counter()
        if fixed:
            screened: list[Mix] = [space.zero()]
        else:
            screened = search(evaluator, cfg.search, evaluations=evaluations, seed=seed,
                              scale=screen_scale, log=log)
        screening = mix_table(space, screened, evaluator.objectives(screened, screen_scale),
                              screen_scale).drop_duplicates(subset=_key_columns(space))
        screen_seconds = time.perf_counter() - t0
        screen_runs = evaluator.runs
        t0 = time.perf_counter()
        candidates = _spread(non_dominated(screening), confirm_max)
        mixes = [mix_of_row(space, r) for _, r in candidates.iterrows()]
        extra = [plan, space.zero()]
        confirmed = mix_table(space, mixes + extra,
                              evaluator.objectives(mixes + extra, confirm_scale), confirm_scale)
        confirm_seconds = time.perf_counter() - t0
        backend = executor.description
    n_conf = len(mixes)
    plan_row = confirmed.iloc[n_conf]
    zero_row = confirmed.iloc[n_conf + 1]
    key_cols = _key_columns(space)
    pool = confirmed.iloc[:n_conf]
    # The plan at the same budget competes too: it is on the front if nothing dominates it.
    pool = pd.concat([pool, confirmed.iloc[[n_conf]]], ignore_index=True).drop_duplicates(
        subset=key_cols)
    front = non_dominated(pool).reset_index(drop=True)
    front = front.sort_values(["p_met", "gain"], ascending=[False, False],
                              kind="stable").reset_index(drop=True)
    plan_key = tuple(plan_row[key_cols])
    front["is_plan"] = [tuple(r[key_cols]) == plan_key for _, r in front.iterrows()]
    best = recommend(front)
    front["recommended"] = np.arange(len(front)) == best
    labels = {k: cls.label or k for k, cls in KINDS.items()}
    command = "jobsim optimise " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if (
        len(sys.argv) > 1 and sys.argv[1] == "optimise") else (
        f"jobsim optimise {scenario} --budget {budget:g} --out {out} "
        f"--evaluations {evaluations} --seed {seed}")
    import pymoo

    manifest: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "scenario": {"name": loaded.spec.scenario.name, "path": str(loaded.path),
                     "hash": digest},
        "bounds": str(cfg.path) if cfg.path else "built-in defaults",
        "budget_yuan": space.budget,
        "seed": seed,
        "decision_variables": [f"budget_{k} in [{lo:,.0f}, {hi:,.0f}] yuan"
                               for k, lo, hi in zip(space.kinds, space.lower, space.upper)]
        + [f"start_{space.kinds[k]} in [{space.calendar[int(a)]}, {space.calendar[int(b)]}]"
           for k, a, b in zip(space.start_of, space.start_lower, space.start_upper)],
        "caps_scale_with_budget": space.scale_caps,
        "futures": {"replications": fut.replications, "seed": seed,
                    "description": (f"replicates 0..{fut.replications - 1} of seed {seed}; "
                                    + ("forecast macro draws" if fut.macro_draws
                                       else "the scenario's demand path") + "; "
                                    + (f"parameter draws from {pfile.name}" if pfile
                                       else "the scenario's parameters"))},
        "screening": {"algorithm": (f"{ALGORITHM_NAMES[cfg.search.algorithm]} on budget "
                                    "shares and a total fraction"
                                    if not fixed else "none (one feasible mix)"),
                      "candidates": len(screening), "evaluations_asked": n_search,
                      "population": cfg.search.population,
                      "offspring": cfg.search.offspring,
                      "corner_mixes": cfg.search.corner_mixes,
                      "persons_per_agent": screen_scale, "model_runs": screen_runs,
                      "seconds": round(screen_seconds, 1)},
        "confirm": {"candidates": n_conf, "persons_per_agent": confirm_scale,
                    "model_runs": evaluator.runs - screen_runs,
                    "seconds": round(confirm_seconds, 1)},
        "rule": RULE,
        "model_runs_this_time": evaluator.runs,
        "mixes_reused_from_checkpoint": evaluator.reused,
        "cpu_seconds_in_runs": round(evaluator.cpu_seconds, 1),
        "executor": backend,
        "pymoo_version": pymoo.__version__,
        "version": package_version(),
        "git_commit": git_commit(),
        "model_source_sha1": code_hash(),
    }
    res = OptimiseResult(space=space, front=front, recommended=best, plan_row=plan_row,
                         zero_row=zero_row, screening=screening, confirmed=confirmed,
                         manifest=manifest, labels=labels)
    res.recommended_text = recommended_toml(space, loaded, res.recommended_mix, out,
                                            front.iloc[best], command)
    names = [f"{i + 1}" + (" ★" if r else "") for i, r in enumerate(front["recommended"])]
    both = pd.concat([front, plan_row.to_frame().T], ignore_index=True)
    res.figures = {
        "front": plots.front_chart(front, screening, plan_row.to_dict(), best),
        "funding": plots.funding_chart(both, names + ["原计划 / plan"], space.kinds, labels),
    }
    manifest["seconds_total"] = round(time.perf_counter() - started, 1)
    with atomic_dir(out) as tmp:
        front.to_csv(tmp / "pareto.csv", index=False, float_format="%.6f")
        screening.to_csv(tmp / "screening.csv", index=False, float_format="%.6f")
        confirmed.assign(role=["front candidate"] * n_conf + ["plan at the same budget",
                                                              "zero mix (baseline)"]).to_csv(
            tmp / "confirmed.csv", index=False, float_format="%.6f")
        (tmp / "recommended.toml").write_text(res.recommended_text, encoding="utf-8")
        for name, png in res.figures.items():
            (tmp / f"{name}.png").write_bytes(png)
        (tmp / "report.html").write_text(render_page(res), encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False,
                                                      default=str) + "\n", encoding="utf-8")
        os.replace(store.root, tmp / ".optimise")
    if not quiet:
        r = front.iloc[best]
        print(f"front: {len(front)} mixes; recommended: P(met) {r['p_met']:.2f} "
              f"(plan at the same budget {plan_row['p_met']:.2f}), gain {r['gain']:,.0f} "
              f"(plan {plan_row['gain']:,.0f}), cost per additional employed "
              f"{r['cost']:,.0f} yuan")
        print(f"written to {out}/ (pareto.csv, recommended.toml, report.html)")
    return res
