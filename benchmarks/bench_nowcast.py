"""Nowcast speed: the statistical method, and the ABM method at default scale on 2 processes.

Issue #12 bars: the statistical method in under 30 s; the ABM method at default scale within a
minute on 2 cores. Measures, each into a fresh temporary folder:

1. ``jobsim nowcast --method statistical`` on the shipped Jan-Jun 2020 actuals, as a command
   (a fresh interpreter: imports included) and in this process (the method alone, with the
   recursive recalibration of its interval);
2. the ABM method, 100 replications of plan_2021 at its default scale (100 persons per agent)
   with macro and parameter draws, on 2 local processes, no top-up: cold (a new DIR: 100
   runs), then again to the same DIR (next month's nowcast: the 100 replications are reused
   from ``DIR/.tasks``, no model run);
3. a top-up to that DIR (the re-planning after the monthly nowcast: 100 reused + 100 runs),
   and a top-up cold in a new DIR (200 runs, as measured before the reuse existed).

The ABM timings use an actuals file without rows (the data stop at 2020: there is no 2021
figure to condition on). The weights cost one numpy pass over the replicates, so an actuals
file with rows takes the same time. The machine's load average is recorded with the figures.

Usage: python benchmarks/bench_nowcast.py [--replications 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, machine, write_json
from jobsim.nowcast.cli import run_nowcast
from jobsim.nowcast.ensemble import EnsembleSpec

PLAN = ROOT / "scenarios" / "plan_2021.toml"
ACTUALS_2020 = ROOT / "scenarios" / "actuals" / "china_2020_jan_jun.csv"


def _timed(label: str, fn) -> dict:
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    cpu0 = os.times()
    fn()
    cpu1 = os.times()
    seconds = time.perf_counter() - t0
    children = (cpu1.children_user + cpu1.children_system) - (cpu0.children_user
                                                              + cpu0.children_system)
    own = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    row = {"label": label, "seconds": round(seconds, 2), "load_before": round(load, 2),
           "load_after": round(os.getloadavg()[0], 2), "cpu_seconds_this_process": round(own, 2),
           "cpu_seconds_children": round(children, 2)}
    print(f"{label}: {seconds:.1f} s (load {load:.1f} -> {row['load_after']:.1f})", flush=True)
    return row


def _task_cpu(out: Path, row: dict, workers: int) -> dict:
    """Add the CPU time the model runs took in the workers, and its wall time on free cores.

    ``cpu / workers`` is what the runs take on ``workers`` cores nobody else uses (the set-up:
    forecast fit, parameter draws, report, is not in it).
    """
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    cpu = float(manifest.get("cpu_seconds_in_tasks", float("nan")))
    row["cpu_seconds_in_tasks"] = cpu
    row["model_runs_this_time"] = manifest.get("model_runs_this_time")
    row["replications_reused"] = manifest.get("replications_reused")
    row["abm_seconds_in_manifest"] = manifest.get("abm_seconds")
    row["tasks_wall_on_free_cores"] = round(cpu / workers, 2)
    print(f"  model runs: {row['model_runs_this_time']} ({row['replications_reused']} reused), "
          f"{cpu:.1f} CPU s = {cpu / workers:.1f} s on {workers} free cores", flush=True)
    return row


def main() -> None:
    """Run the three measurements and write ``out/bench/nowcast.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        jobsim = Path(sys.executable).with_name("jobsim")
        rows.append(_timed("statistical, command (fresh interpreter)", lambda: subprocess.run(
            [str(jobsim), "nowcast", "--actuals", str(ACTUALS_2020), "--out",
             str(tmp / "stat_cmd"), "--method", "statistical"], check=True,
            capture_output=True)))
        rows.append(_timed("statistical, in process", lambda: run_nowcast(
            ACTUALS_2020, tmp / "stat", PLAN, method="statistical", quiet=True)))
        empty = tmp / "empty.csv"
        empty.write_text("series,period,value,unit\n", encoding="utf-8")
        spec = EnsembleSpec(replications=args.replications, workers=args.workers)
        n = args.replications
        rows.append(_task_cpu(tmp / "abm", _timed(
            f"abm, {n} replications, default scale, {args.workers} processes, cold",
            lambda: run_nowcast(empty, tmp / "abm", PLAN, method="abm", spec=spec,
                                quiet=True)), args.workers))
        rows.append(_task_cpu(tmp / "abm", _timed(
            f"abm, the same DIR again ({n} replications reused)",
            lambda: run_nowcast(empty, tmp / "abm", PLAN, method="abm", spec=spec,
                                quiet=True)), args.workers))
        top = EnsembleSpec(replications=n, workers=args.workers,
                           topup=("hiring_subsidy", 150_000_000.0))
        rows.append(_task_cpu(tmp / "abm", _timed(
            f"abm + top-up to the same DIR ({n} reused, {n} top-up runs)", lambda: run_nowcast(
                empty, tmp / "abm", PLAN, method="abm", spec=top, quiet=True)),
            args.workers))
        rows.append(_task_cpu(tmp / "abm_top", _timed(
            f"abm + top-up, cold ({2 * n} runs)", lambda: run_nowcast(
                empty, tmp / "abm_top", PLAN, method="abm", spec=top, quiet=True)),
            args.workers))
    path = write_json("nowcast.json", {"machine": machine(), "runs": rows})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
