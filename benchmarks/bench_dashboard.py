"""Dashboard response time: one budget change at the dashboard's coarse scale, warm workers.

Bar (issue 14): an answer within 10 s at 20 replications and one agent per 1000 people on 2
cores. Times :func:`jobsim.dashboard.compute.evaluate` — what the page runs on a slider move:
20 replications with full uncertainty plus attribution on 2 of them (42 model runs), and the
three figures — on a local pool of 2 worker processes started (and warmed by one answer)
beforehand, as the dashboard keeps its pool. The load average is recorded with the figures
(the machine may be shared), and the CPU seconds the answer took in this process and in the
workers, from which the wall time with both cores free is estimated.

Usage: python benchmarks/bench_dashboard.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

from jobsim.api import Scenario
from jobsim.compare.executors import LocalExecutor
from jobsim.dashboard.compute import Settings, evaluate

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "bench"


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    """Time a few budget changes; print and write ``out/bench/dashboard.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    plan = Scenario.from_toml(settings.scenario)
    base = plan.budgets["vocational_training"]
    rows = []
    with LocalExecutor(workers=2) as executor:
        evaluate(plan, {}, settings, executor=executor)  # warm: forecast fitted, workers up
        for k in range(args.repeats):
            budgets = {"vocational_training": base * (k + 1) / (args.repeats + 1)}
            load = os.getloadavg()[0]
            cpu0 = time.process_time()
            wall0 = time.perf_counter()
            answer = evaluate(plan, budgets, settings, executor=executor)
            wall = time.perf_counter() - wall0
            here = time.process_time() - cpu0
            rows.append({"budgets": budgets, "seconds": round(wall, 2),
                         "cpu_seconds_main": round(here, 2), "load_average_1min": load,
                         "prob_jobs": answer.prob_jobs, "prob_rate": answer.prob_rate})
            print(f"answer {k + 1}: {wall:.1f} s (load {load:.1f}; main process CPU {here:.1f} s)")
    result = {"replications": settings.replications,
              "persons_per_agent": settings.persons_per_agent,
              "attribution_replications": settings.attribution_replications,
              "workers": 2, "bar_seconds": 10, "answers": rows,
              "worker_cpu_seconds_total": round(_cpu_children(), 2)}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dashboard.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {OUT / 'dashboard.json'}")


if __name__ == "__main__":
    main()
