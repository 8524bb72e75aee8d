"""Columnar model vs the plain-Mesa yardstick, on the same population and the same rules.

For each scale (people per agent) the columnar :class:`~jobsim.labour_market.LabourMarket` is
built with a fixed seed and stepped for the horizon (best of ``--repeats`` runs, a fresh build
each time, only the stepping timed); the plain-Mesa model (``benchmarks/plain_mesa.py``) is
built FROM the same columnar population and stepped once. Agent-steps = live agents at the
start of each month, summed over the months. Bar (DESIGN §6): columnar >= 100x the plain-Mesa
agent-steps per second (wall clock); the ratio by process CPU time is printed next to it, as
the 2 cores may be shared with other work. Writes ``out/bench/speed.json``.

The ratio grows with the population: a month of the columnar model has a fixed cost of about
1 ms (some 1,500 Python-level calls into numpy and the compiled kernels of
``model/kernels.py``) on top of about 18 ns per agent, while plain Mesa costs about 2 us per
agent at any size (a little more in larger populations). At the default scale (100 people per
agent, 5x10^5 agents) and above the fixed cost is small; at 1000 people per agent it is half
of the month.

    python benchmarks/bench_speed.py [--scales 1000 500] [--months 12] [--seed 1]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from _common import keep_heap, live_agents, machine, write_json
from jobsim.labour_market import LabourMarket
from plain_mesa import PlainMesaLabourMarket

BAR_RATIO = 100.0


def time_columnar(scale: float, months: int, seed: int, repeats: int) -> dict[str, Any]:
    """Best of ``repeats``: seconds stepping the columnar model, and its agent-steps."""
    best, best_cpu, steps, build = float("inf"), float("inf"), 0, float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        model = LabourMarket(persons_per_agent=scale, months=months, seed=seed)
        build = min(build, time.perf_counter() - t0)
        agents = live_agents(model)
        elapsed, cpu, steps = 0.0, 0.0, 0
        for _ in range(months):
            steps += live_agents(model)  # counted outside the timer
            c0, t0 = time.process_time(), time.perf_counter()
            model.step()
            elapsed += time.perf_counter() - t0
            cpu += time.process_time() - c0
        best, best_cpu = min(best, elapsed), min(best_cpu, cpu)
    return {"build_s": build, "run_s": best, "cpu_s": best_cpu, "agent_steps": steps,
            "agent_steps_per_s": steps / best, "agent_steps_per_cpu_s": steps / best_cpu,
            "agents_at_start": agents}


def time_plain(scale: float, months: int, seed: int) -> dict[str, Any]:
    """One run of the plain-Mesa model built from the columnar population."""
    source = LabourMarket(persons_per_agent=scale, months=months, seed=seed)
    agents = live_agents(source)
    t0 = time.perf_counter()
    model = PlainMesaLabourMarket(source, seed=seed)
    build = time.perf_counter() - t0
    if len(model.agents) != agents:
        raise RuntimeError(f"plain-Mesa copy has {len(model.agents)} agents, source {agents}")
    del source
    c0, t0 = time.process_time(), time.perf_counter()
    model.run()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"build_s": build, "run_s": elapsed, "cpu_s": cpu, "agent_steps": model.agent_steps,
            "agent_steps_per_s": model.agent_steps / elapsed,
            "agent_steps_per_cpu_s": model.agent_steps / cpu, "agents_at_start": agents}


def main(argv: list[str] | None = None) -> int:
    """Run the comparison, print a table, write ``out/bench/speed.json``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[1000.0, 500.0, 100.0, 50.0],
                    help="people per agent (default: 1000 500 100 50, ~5e4, 1e5, 5e5 and 1e6"
                         " agents; 100 is the model's default scale)")
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3, help="columnar runs (best is kept)")
    ap.add_argument("--keep-heap", action="store_true",
                    help="glibc keeps freed memory (see _common.keep_heap); default off")
    args = ap.parse_args(argv)
    heap = keep_heap() if args.keep_heap else False

    env = machine()
    results = []
    for scale in args.scales:
        plain = time_plain(scale, args.months, args.seed)
        col = time_columnar(scale, args.months, args.seed, args.repeats)
        results.append({
            "persons_per_agent": scale,
            "agents": plain["agents_at_start"],
            "months": args.months,
            "seed": args.seed,
            "columnar": col,
            "plain_mesa": plain,
            "ratio": col["agent_steps_per_s"] / plain["agent_steps_per_s"],
            "ratio_cpu": col["agent_steps_per_cpu_s"] / plain["agent_steps_per_cpu_s"],
        })

    print(f"speed: columnar LabourMarket vs plain Mesa, {args.months} months, seed {args.seed}"
          f" (load average at start {env['load_average_1_5_15'][0]:.2f} on {env['cpus']} cpus)")
    head = (f"{'people/agent':>12} {'agents':>9} {'columnar s':>11} {'plain s':>9} "
            f"{'columnar steps/s':>17} {'plain steps/s':>14} {'ratio':>7} {'(cpu)':>7}  "
            f"bar >= {BAR_RATIO:.0f}x")
    print(head)
    print("-" * len(head))
    for r in results:
        c, p = r["columnar"], r["plain_mesa"]
        print(f"{r['persons_per_agent']:>12g} {r['agents']:>9d} {c['run_s']:>11.3f} "
              f"{p['run_s']:>9.2f} {c['agent_steps_per_s']:>17.3e} "
              f"{p['agent_steps_per_s']:>14.3e} {r['ratio']:>6.1f}x {r['ratio_cpu']:>6.1f}x  "
              f"{'pass' if r['ratio'] >= BAR_RATIO else 'MISS'}")
    env_end = machine()["load_average_1_5_15"]
    path = write_json("speed.json", {
        "bar_ratio": BAR_RATIO,
        "timing": "time.perf_counter; columnar best of repeats (stepping only, fresh build each),"
                  " plain Mesa one run; agent-steps = live agents at each month's start, summed;"
                  " ratio_cpu uses process CPU time instead (robust to waiting for a core)",
        "keep_heap": heap,
        "machine": env,
        "load_average_at_end": env_end,
        "results": results,
        "pass": all(r["ratio"] >= BAR_RATIO for r in results),
    })
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
