"""1:1 Hunan: every person aged 16+ an agent (~5.4e7), 12 months.

Times the build (population and firms from the data) and the run separately with
``time.perf_counter``, each month too, and reads the peak resident memory of the process
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, build included). Bar (DESIGN §6): 12 months in
under 60 s and 8 GiB on 2 cores.

By default the measurement is made twice, each in a fresh process: with glibc's default
allocator settings (what ``jobsim run`` does today) and with ``--allocator keep-heap``
(``_common.keep_heap``: freed memory stays in the process, so numpy temporaries over 10^7 agents
are not page-faulted in again every time). Writes ``out/bench/full_scale.json``; if
``out/bench/speed.json`` exists, also the ratio of the 1:1 agent-steps per second to the
plain-Mesa yardstick's.

    python benchmarks/bench_full_scale.py [--allocator both|default|keep-heap]
                                          [--persons-per-agent 1] [--months 12] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import OUT, keep_heap, live_agents, machine, write_json
from jobsim.labour_market import LabourMarket

BAR_SECONDS = 60.0
BAR_GIB = 8.0
ALLOCATORS = ("default", "keep-heap")


def peak_gib() -> float:
    """Peak resident set of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def cpu_seconds() -> tuple[float, float]:
    """User and system CPU seconds of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def measure(scale: float, months: int, seed: int, allocator: str) -> dict[str, Any]:
    """Build and run once in this process; print each month; return the figures."""
    heap = keep_heap() if allocator == "keep-heap" else False
    env = machine()
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    model = LabourMarket(persons_per_agent=scale, months=months, seed=seed)
    build_s = time.perf_counter() - t0
    cpu1 = cpu_seconds()
    build_peak = peak_gib()
    agents = live_agents(model)
    firms = model.firms.n_used
    arrays_gib = (model.workers.nbytes() + sum(
        getattr(model.firms, name).nbytes for name in
        ("size_class", "sector", "segment", "base_target", "offset", "employment", "alive")
    )) / 2**30
    print(f"[{allocator}] built {agents:,} worker agents ({model.workers.capacity:,} slots), "
          f"{firms:,} firms in {build_s:.1f} s; agent arrays {arrays_gib:.2f} GiB, "
          f"peak so far {build_peak:.2f} GiB", flush=True)

    month_s, steps = [], 0
    for month in range(months):
        steps += live_agents(model)  # outside the timer
        t1 = time.perf_counter()
        model.step()
        month_s.append(time.perf_counter() - t1)
        row = model.monthly().iloc[-1]
        print(f"  month {month + 1:2d} ({row['month']}): {month_s[-1]:.2f} s, "
              f"surveyed rate {row['surveyed_unemployment_rate']:.2f} %", flush=True)
    run_s = sum(month_s)
    cpu2 = cpu_seconds()
    peak = peak_gib()
    return {
        "allocator": allocator,
        "keep_heap_accepted": heap,
        "persons_per_agent": scale,
        "agents": agents,
        "worker_slots": model.workers.capacity,
        "firms_at_start": firms,
        "months": months,
        "seed": seed,
        "build_s": build_s,
        "run_s": run_s,
        "total_s": build_s + run_s,
        "month_s": month_s,
        "months_per_s": months / run_s,
        "agent_steps": steps,
        "agent_steps_per_s": steps / run_s,
        "cpu_user_s": {"build": cpu1[0] - cpu0[0], "run": cpu2[0] - cpu1[0]},
        "cpu_system_s": {"build": cpu1[1] - cpu0[1], "run": cpu2[1] - cpu1[1]},
        "agent_arrays_gib": arrays_gib,
        "peak_rss_gib_after_build": build_peak,
        "peak_rss_gib": peak,
        "pass_time": run_s < BAR_SECONDS,
        "pass_time_including_build": build_s + run_s < BAR_SECONDS,
        "pass_memory": peak < BAR_GIB,
        "machine": env,
        "load_average_at_end": machine()["load_average_1_5_15"],
    }


def in_fresh_process(args: argparse.Namespace, allocator: str) -> dict[str, Any]:
    """Run :func:`measure` in a child process (its own heap and peak memory)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        subprocess.run(
            [sys.executable, __file__, "--allocator", allocator, "--result-to", str(out),
             "--persons-per-agent", str(args.persons_per_agent), "--months", str(args.months),
             "--seed", str(args.seed)],
            check=True,
        )
        return json.loads(out.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Measure, print a summary, write ``out/bench/full_scale.json``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--allocator", choices=("both", *ALLOCATORS), default="both",
                    help="glibc allocator settings to measure (default: both, in turn)")
    ap.add_argument("--persons-per-agent", type=float, default=1.0)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--result-to", type=Path, help=argparse.SUPPRESS)  # child processes
    args = ap.parse_args(argv)

    if args.result_to is not None:  # a child: measure once, hand the figures back
        result = measure(args.persons_per_agent, args.months, args.seed, args.allocator)
        args.result_to.write_text(json.dumps(result), encoding="utf-8")
        return 0
    if args.allocator == "both":
        runs = [in_fresh_process(args, a) for a in ALLOCATORS]
    else:
        runs = [measure(args.persons_per_agent, args.months, args.seed, args.allocator)]

    speed = OUT / "speed.json"
    plain = None
    if speed.is_file():
        rates = [r["plain_mesa"]["agent_steps_per_s"]
                 for r in json.loads(speed.read_text(encoding="utf-8"))["results"]]
        plain = max(rates) if rates else None
    for r in runs:
        if plain:
            r["ratio_to_plain_mesa"] = r["agent_steps_per_s"] / plain

    k = args.persons_per_agent
    scale = "1:1" if k == 1 else f"1:{k:g}"
    print(f"\n{scale} Hunan, {args.months} months, seed {args.seed}; bars: run < {BAR_SECONDS:.0f}"
          f" s, peak memory < {BAR_GIB:.0f} GiB")
    head = (f"{'allocator':>10} {'build s':>8} {'run s':>7} {'months/s':>9} {'steps/s':>10} "
            f"{'cpu user+sys s':>15} {'peak GiB':>9} {'load':>5}  bar")
    print(head)
    print("-" * len(head))
    for r in runs:
        verdict = "pass" if r["pass_time"] and r["pass_memory"] else "MISS"
        print(f"{r['allocator']:>10} {r['build_s']:>8.1f} {r['run_s']:>7.1f} "
              f"{r['months_per_s']:>9.3f} {r['agent_steps_per_s']:>10.3e} "
              f"{r['cpu_user_s']['run']:>7.1f}+{r['cpu_system_s']['run']:<7.1f} "
              f"{r['peak_rss_gib']:>9.2f} {r['machine']['load_average_1_5_15'][0]:>5.2f}  "
              f"{verdict}" + (f" ({r['ratio_to_plain_mesa']:.0f}x plain Mesa)"
                              if "ratio_to_plain_mesa" in r else ""))
    print("(wall time above CPU time = waiting for a core: the load column is the 1-minute "
          "load average at the start)")
    path = write_json("full_scale.json", {
        "bar_seconds": BAR_SECONDS,
        "bar_gib": BAR_GIB,
        "timing": "time.perf_counter, stepping only for run_s; ru_maxrss for peak memory; "
                  "each allocator setting in a fresh process",
        "runs": {r["allocator"]: r for r in runs},
        "pass": {r["allocator"]: bool(r["pass_time"] and r["pass_memory"]) for r in runs},
    })
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
