"""Ensemble speed: 100 replications of plan_2021 at default scale on 2 local processes.

DESIGN §6 bar: under a minute on 2 cores. Measures, each into a fresh output folder (nothing
reused), three runs of ``run_compare``:

1. ``plan_2021`` x 100 replications, no attribution (the bar);
2. ``plan_2021`` x ``--attribution`` replications with attribution (one counterfactual per
   instrument and replication: 12 runs per replication);
3. the same 100 replications with attribution on a subset of ``--attribution`` of them (what
   ``jobsim compare`` does by default).

Prints the figures and writes ``out/bench/compare.json``. The machine's load average is
recorded with them (it may be shared), and so is the CPU time the replications took inside the
workers, from which the wall time with the cores free is estimated.

Usage: python benchmarks/bench_compare.py [--replications 100] [--workers 2] [--attribution 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from jobsim.compare import run_compare

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "plan_2021.toml"


def _timed(label: str, out: Path, **kwargs) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    comparison = run_compare([SCENARIO], out, quiet=True, progress=False, **kwargs)
    total = time.perf_counter() - t0
    m = comparison.manifest
    row = {"label": label, "seconds_total": round(total, 2),
           "seconds_running_replications": m["seconds_running"],
           "replications": m["replications"], "attribution_replications":
           m["attribution_replications"], "model_runs": m["model_runs_this_time"],
           "seconds_per_model_run_per_worker": round(
               m["seconds_running"] * kwargs["workers"] / max(m["model_runs_this_time"], 1), 3),
           "cpu_seconds_in_tasks": m["cpu_seconds_in_tasks"],
           # What the wall time would be if the workers had the cores to themselves: their
           # CPU time spread over the workers, plus the serial part (planning, writing).
           "seconds_total_if_cores_free_estimate": round(
               m["cpu_seconds_in_tasks"] / kwargs["workers"] + total - m["seconds_running"], 1),
           "executor": m["executor"], "load_average_before": round(load, 2)}
    print(f"{label}: {total:.1f} s total, {m['seconds_running']:.1f} s running "
          f"{m['model_runs_this_time']} model runs on {m['executor']} "
          f"(load average before: {load:.2f}); CPU in tasks {m['cpu_seconds_in_tasks']:.1f} s "
          f"-> {row['seconds_total_if_cores_free_estimate']:.1f} s with the cores free")
    return row


def main() -> None:
    """Run the three timings and write out/bench/compare.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--attribution", type=int, default=10)
    ap.add_argument("--persons-per-agent", type=float, default=100.0)
    args = ap.parse_args()
    common = {"workers": args.workers, "persons_per_agent": args.persons_per_agent}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_compare_") as tmp:
        tmp = Path(tmp)
        rows.append(_timed(f"{args.replications} replications, no attribution",
                           tmp / "plain", replications=args.replications,
                           attribution_replications=0, **common))
        rows.append(_timed(f"{args.attribution} replications with attribution",
                           tmp / "attr", replications=args.attribution,
                           attribution_replications=args.attribution, **common))
        rows.append(_timed(f"{args.replications} replications, attribution on "
                           f"{args.attribution}", tmp / "both", replications=args.replications,
                           attribution_replications=args.attribution, **common))
    result = {"scenario": "plan_2021", "persons_per_agent": args.persons_per_agent,
              "workers": args.workers, "cpus": os.cpu_count(), "python": platform.python_version(),
              "bar": "100 replications at default scale in under 60 s on 2 cores",
              "bar_met": rows[0]["seconds_total"] < 60.0, "runs": rows}
    out = ROOT / "out" / "bench" / "compare.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"bar (100 replications < 60 s): {'met' if result['bar_met'] else 'NOT met'} "
          f"as measured; estimate with the cores free: "
          f"{rows[0]['seconds_total_if_cores_free_estimate']:.1f} s; written to {out}")


if __name__ == "__main__":
    main()
