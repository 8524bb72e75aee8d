"""How the model answers labour demand: shocks, long flat runs and the first year's transient.

Not a timing benchmark: the figures issue 10's bars are measured on, in one place.

- **Shocks**: December's cumulative new urban jobs, the mean and peak surveyed rate for a
  February-April shock and a year-long shock at demand 1.0 / 0.95 / 0.90 / 0.85 (the
  bars: new jobs fall and the rate rises monotonically with depth).
- **Flat demand 2021-2030**: desired employment and the inactive share of people 16+ relative
  to the start (also the share below the statutory retirement age, which leaves out the
  retirees), the rate and the new urban jobs of each year (the bar: within 1% a year).

Usage::

    python benchmarks/macro_response.py [--parameters FILE] [--scale 2000] [--seed 1]

Writes ``out/bench/macro_response.json`` and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from _common import machine, write_json

DEPTHS = (1.0, 0.95, 0.90, 0.85)


def shocks(params, scale: float, seed: int) -> dict:
    """New urban jobs and the rate under three-month and year-long shocks of each depth."""
    from jobsim.labour_market import LabourMarket

    out: dict = {}
    for name, window in (("three_month", range(1, 4)), ("year_long", range(12))):
        rows = []
        for depth in DEPTHS:
            demand = [depth if m in window else 1.0 for m in range(12)]
            df = LabourMarket(params=params, months=12, persons_per_agent=scale, seed=seed,
                              demand_index=demand).run()
            rows.append({"depth": depth,
                         "new_urban_jobs": float(df["new_urban_jobs_cum"].iloc[-1]),
                         "rate_mean": float(df["surveyed_unemployment_rate"].mean()),
                         "rate_peak": float(df["surveyed_unemployment_rate"].max()),
                         "recalled": float(df["flow_recall"].sum())})
        jobs = [r["new_urban_jobs"] for r in rows]
        rate = [r["rate_mean"] for r in rows]
        out[name] = {"rows": rows,
                     "new_jobs_fall_monotonically": all(a > b for a, b in zip(jobs, jobs[1:])),
                     "rate_rises_monotonically": all(a < b for a, b in zip(rate, rate[1:]))}
    return out


def flat_decade(params, scale: float, seed: int) -> list[dict]:
    """Desired employment, the inactive share, the rate and new jobs, 2021-2030, flat demand."""
    from jobsim.agents import State
    from jobsim.labour_market import LabourMarket

    model = LabourMarket(params=params, start="2021-01", months=120, persons_per_agent=scale * 2,
                         seed=seed)
    f, w = model.firms, model.workers

    def desired() -> float:
        n = f.n_used
        return float(f.targets(1.0)[:n][f.alive[:n]].sum())

    def inactive() -> float:
        st = w.state[: w.n_used]
        return np.count_nonzero(st == State.INACTIVE) / np.count_nonzero(st != State.GONE)

    def working_age_inactive() -> float:
        # Below the statutory retirement age: the labour-market part of the share, without
        # the retirees the retirement rule adds every year.
        n = w.n_used
        st = w.state[:n]
        retire = 12 * np.where(w.female[:n], params["population.retirement_age_female"],
                               params["population.retirement_age_male"])
        young = (st != State.GONE) & (w.age_months[:n] < retire)
        return np.count_nonzero(young & (st == State.INACTIVE)) / np.count_nonzero(young)

    d0, s0, y0 = desired(), inactive(), working_age_inactive()
    rows = []
    for year in range(10):
        for _ in range(12):
            model.step()
        last = model.monthly().iloc[-12:]
        share, young = inactive(), working_age_inactive()
        rows.append({"year": 2021 + year, "desired_employment_ratio": desired() / d0,
                     "inactive_share": share, "inactive_share_ratio": share / s0,
                     "working_age_inactive_share": young,
                     "working_age_inactive_ratio": young / y0,
                     "rate_mean": float(last["surveyed_unemployment_rate"].mean()),
                     "new_urban_jobs": float(last["new_urban_jobs"].sum())})
    return rows


def main() -> None:
    """Measure, print and write the figures."""
    from jobsim.params import DEFAULT_PARAMETERS, ParameterSet

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parameters", default=str(DEFAULT_PARAMETERS))
    ap.add_argument("--scale", type=float, default=2000.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    params = ParameterSet.load(args.parameters)
    t0 = time.perf_counter()
    result = {"parameters": args.parameters, "scale": args.scale, "seed": args.seed,
              "shocks": shocks(params, args.scale, args.seed),
              "flat_decade": flat_decade(params, args.scale, args.seed + 1),
              "seconds": time.perf_counter() - t0, "machine": machine()}
    write_json("macro_response.json", result)
    for name, block in result["shocks"].items():
        print(f"{name}: new jobs fall monotonically {block['new_jobs_fall_monotonically']}, "
              f"rate rises monotonically {block['rate_rises_monotonically']}")
        for r in block["rows"]:
            print(f"  depth {r['depth']:.2f}: new urban jobs {r['new_urban_jobs']:,.0f}, "
                  f"rate mean {r['rate_mean']:.2f}%, peak {r['rate_peak']:.2f}%, "
                  f"recalled {r['recalled']:,.0f}")
    print("flat demand 2021-2030:")
    for r in result["flat_decade"]:
        print(f"  {r['year']}: desired employment x{r['desired_employment_ratio']:.3f}, "
              f"inactive share {100 * r['inactive_share']:.1f}% "
              f"(x{r['inactive_share_ratio']:.2f}; below retirement age "
              f"{100 * r['working_age_inactive_share']:.1f}%, "
              f"x{r['working_age_inactive_ratio']:.2f}), rate {r['rate_mean']:.2f}%, "
              f"new urban jobs {r['new_urban_jobs']:,.0f}")
    print(json.dumps({"seconds": round(result["seconds"], 1)}))


if __name__ == "__main__":
    main()
