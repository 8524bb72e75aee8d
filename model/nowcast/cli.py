"""``jobsim nowcast --actuals FILE --out DIR [--scenario plan.toml]``.

Reads and checks the actuals (any problem: one error naming file, line and field, exit 2,
nothing written), nowcasts the year with the statistical model and, when the actuals are of
the scenario's year, with the ABM ensemble conditioned on them (importance weights),
with and without a named top-up; writes ``DIR/nowcast.csv``, ``DIR/report.html``,
``DIR/fan.png`` and ``DIR/manifest.json`` in one rename.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jobsim.compare.store import TaskStore
from jobsim.nowcast.actuals import empty_actuals, read_actuals
from jobsim.nowcast.core import NowcastResult, abm_rows, statistical_rows
from jobsim.nowcast.ensemble import (
    EnsembleSpec,
    run_ensemble,
    store_dir,
    topup_scenario_text,
)
from jobsim.nowcast.history import last_data_year, target
from jobsim.nowcast.report import fan_figure, render_page, render_section
from jobsim.results import (
    atomic_dir,
    check_output_dir,
    git_commit,
    is_jobsim_output,
    package_version,
)
from jobsim.scenario import ScenarioError, load_scenario

__all__ = ["run_nowcast", "parse_topup", "main_args", "METHODS"]

METHODS = ("both", "statistical", "abm")


def parse_topup(text: str | None) -> tuple[str, float] | None:
    """``KIND=YUAN`` (e.g. ``hiring_subsidy=150000000``) as (kind, yuan)."""
    if text is None:
        return None
    kind, sep, amount = text.partition("=")
    try:
        value = float(amount)
    except ValueError:
        value = float("nan")
    if not sep or not kind.strip() or not np.isfinite(value):
        raise ScenarioError(f"--top-up '{text}': give INSTRUMENT=YUAN, e.g. "
                            f"hiring_subsidy=150000000")
    return kind.strip(), value


def _default_parameter_draws(loaded: Any) -> Path | None:
    """Return the scenario's parameter file if it is a fitted set (metadata beside it)."""
    base = loaded.spec.scenario.parameters
    if base == "default":
        return None
    path = (Path(loaded.path).parent / base).resolve()
    meta = path.with_name(path.stem + ".meta.json")
    return path if meta.is_file() else None


def _warn(message: str) -> None:
    print(f"jobsim nowcast: warning: {message}", file=sys.stderr)


def _store_root(out: Path) -> Path:
    """The ensemble's task store: beside ``out`` while running, inside it when finished.

    A nowcast written again to the same ``out`` (next month's actuals) finds the store the
    last one left in ``out/.tasks`` (or beside ``out``, after an interrupted run) and reuses
    every replication it answers: the plan's ensemble does not depend on the actuals.
    """
    running = out.parent / f".{out.name}.tasks"
    finished = out / ".tasks"
    if not running.exists() and finished.is_dir() and is_jobsim_output(out):
        return finished
    return running


def run_nowcast(actuals: Path | None, out: Path, scenario: Path, *, method: str = "both",
                spec: EnsembleSpec | None = None, parameter_draws: Path | str | None = "auto",
                quiet: bool = False) -> NowcastResult:
    """Nowcast the year from ``actuals`` and write ``out``; return the result.

    Parameters
    ----------
    actuals : Path or None
        The actuals CSV (``None``: no actuals, the plan's own forecast).
    out : Path
        Output folder, written atomically.
    scenario : Path
        The plan; its year is the ABM's year.
    method : {"both", "statistical", "abm"}
        Which method(s) to run. The ABM runs only for actuals of the scenario's year.
    spec : EnsembleSpec, optional
        The ensemble's options (replications, seed, scale, workers, draws, top-up).
    parameter_draws : Path, "auto" or None
        Fitted parameter file to draw from; "auto" = the scenario's own if it is fitted.
    """
    held: list[TaskStore] = []
    try:
        return _run_nowcast(actuals, out, scenario, method, spec, parameter_draws, quiet, held)
    finally:
        for store in held:  # a store moved into out/.tasks keeps its open file: release it
            store.unlock()


def _run_nowcast(actuals: Path | None, out: Path, scenario: Path, method: str,
                 spec: EnsembleSpec | None, parameter_draws: Path | str | None, quiet: bool,
                 held: list[TaskStore]) -> NowcastResult:
    started = time.perf_counter()
    out = Path(out)
    if method not in METHODS:
        raise ScenarioError(f"--method {method}: choose one of {', '.join(METHODS)}")
    loaded = load_scenario(scenario)
    run = loaded.spec.scenario
    scenario_year = int(run.start[:4])
    last_month = str(pd.Period(run.start, freq="M") + (run.months - 1))
    acts = (empty_actuals() if actuals is None else
            read_actuals(actuals, scenario_year=scenario_year, scenario_last_month=last_month,
                         last_data_year=last_data_year()))
    year = acts.year if acts.year is not None else scenario_year
    spec = spec or EnsembleSpec()
    if parameter_draws == "auto":
        parameter_draws = _default_parameter_draws(loaded)
    spec = replace(spec, parameter_draws=Path(parameter_draws) if parameter_draws else None)
    use_abm = method in ("both", "abm") and year == scenario_year
    if method == "abm" and not use_abm:
        raise ScenarioError(f"--method abm: the actuals are of {year}, the scenario "
                            f"{scenario} simulates {scenario_year}; the ABM nowcasts only the "
                            f"scenario's year")
    check_output_dir(out)  # a user's folder is refused before any work, not after it
    result = NowcastResult()
    timings: dict[str, float] = {}
    if method in ("both", "statistical"):
        t0 = time.perf_counter()
        statistical_rows(acts, year, result, seed=int(run.seed))
        timings["statistical_seconds"] = round(time.perf_counter() - t0, 2)
    weights_info: dict[str, Any] = {}
    ens = None
    if use_abm:
        t0 = time.perf_counter()
        if spec.topup is not None:  # a bad top-up fails before anything is created
            topup_scenario_text(loaded, *spec.topup)
        for path in spec.reuse:
            store_dir(path)
        store = TaskStore(_store_root(out), warn=_warn).lock(f"--out {out}")
        held.append(store)
        try:
            ens = run_ensemble(Path(scenario), spec, store)
        except BaseException:
            store.unlock()
            if not store.files():  # nothing to resume from: leave nothing behind
                shutil.rmtree(store.root, ignore_errors=True)
            raise
        weights_info = abm_rows(ens, acts, year, result)
        timings["abm_seconds"] = round(time.perf_counter() - t0, 2)
    elif method == "both":
        result.notes.append(f"abm: not run — the actuals are of {year} and the scenario "
                            f"simulates {scenario_year}")
    kept = out / ".tasks"
    if ens is None and kept.is_dir() and is_jobsim_output(out):
        # A statistical nowcast to a DIR an ABM nowcast wrote keeps its replications.
        store = TaskStore(kept, warn=_warn).lock(f"--out {out}")
        held.append(store)
    frame = result.frame()
    targets = {s: target(s, year)[0] for s in frame["series"].unique()}
    fan = fan_figure(result.paths, targets, year) if result.paths else None
    manifest: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": f"jobsim nowcast --actuals {actuals} --scenario {scenario}",
        "actuals": str(acts.path), "year": year,
        "last_month_observed": {s: acts.last_month(s) for s in acts.names},
        "scenario": str(scenario), "scenario_year": scenario_year,
        "methods": method,
        "statistical_method": "remainder of the year relative to last year's total, local "
                              "level across years (statsmodels UnobservedComponents), pooled "
                              "scale, Student t (model/nowcast/statistical.py)",
        "abm_method": ("importance weights on Hunan's cumulative at month m, continuation "
                       "from each replicate's own state at m (model/nowcast/ensemble.py)"
                       if use_abm else "not run"),
        **({"replications": spec.replications,
            "seed": spec.seed if spec.seed is not None else run.seed,
            "persons_per_agent": spec.persons_per_agent or run.persons_per_agent,
            "uncertainty": ens.uncertainty, "weights": weights_info,
            "top_up": ens.topup_text or "none",
            "replications_reused": ens.reused,
            "model_runs_this_time": len(ens.base) + len(ens.topup or []) - ens.reused,
            "cpu_seconds_in_tasks": round(ens.cpu_seconds_run, 2),  # the runs made now
            "task_store": ".tasks (the replications; a nowcast to the same --out reuses "
                          "them)"}
           if ens is not None else {}),
        **timings,
        "version": package_version(), "git_commit": git_commit(),
    }
    seen = ", ".join(f"{s} to month {acts.last_month(s)}" for s in acts.names) or "none"
    lede = f"{year}: actuals {acts.path} ({seen}); scenario {scenario}."
    section = render_section(frame, fan, {"notes": result.notes, "lede": lede})
    with atomic_dir(out) as tmp:
        frame.to_csv(tmp / "nowcast.csv", index=False, float_format="%.6g")
        if fan:
            (tmp / "fan.png").write_bytes(fan)
        (tmp / "report.html").write_text(render_page(section, manifest), encoding="utf-8")
        if ens is not None and ens.topup_text:
            (tmp / "topup_scenario.toml").write_text(ens.topup_text, encoding="utf-8")
        if held:
            os.replace(held[0].root, tmp / ".tasks")  # the lock goes with it (same open file)
        manifest["seconds_total"] = round(time.perf_counter() - started, 2)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n",
                                           encoding="utf-8")
    if not quiet:
        print(_summary(frame))
        for note in result.notes:
            print(f"note: {note}")
        print(f"\nnowcast written to {out}/ (nowcast.csv, report.html, manifest.json)")
    return result


def _summary(frame: Any) -> str:
    lines = [f"{'method':<12} {'plan':<28} {'series':<36} {'mean':>12} {'80% interval':>27} "
             f"{'P(met)':>7}"]
    for _, r in frame.iterrows():
        rate = "rate" in r["series"]
        f = (lambda v: f"{v:.2f}") if rate else (lambda v: f"{v:,.0f}")
        p = r["prob_target_met"]
        lines.append(f"{r['method']:<12} {r['plan']:<28} {r['series']:<36} {f(r['mean']):>12} "
                     f"{f(r['lo80']) + ' – ' + f(r['hi80']):>27} "
                     f"{'–' if not np.isfinite(p) else f'{p:.0%}':>7}")
    return "\n".join(lines)


def main_args(args: Any) -> int:
    """``jobsim nowcast`` from parsed command-line arguments."""
    draws = None if str(args.parameter_draws).lower() == "none" else (
        "auto" if args.parameter_draws == "auto" else Path(args.parameter_draws))
    spec = EnsembleSpec(replications=args.replications, seed=args.seed,
                        persons_per_agent=args.persons_per_agent, workers=args.workers,
                        macro_draws=not args.no_macro_draws, topup=parse_topup(args.top_up),
                        reuse=tuple(getattr(args, "reuse", None) or ()))
    run_nowcast(args.actuals, args.out, args.scenario, method=args.method, spec=spec,
                parameter_draws=draws)
    return 0
