"""How the model answers labour demand: shocks, long flat runs and the first year's transient.

Not a timing benchmark: the figures issue 10's bars are measured on, in one place.

- **Shocks**: December's cumulative new urban jobs, the mean and peak surveyed rate for a
  February-April shock and a year-long shock at demand 1.0 / 0.95 / 0.90 / 0.85 (the
  bars: new jobs fall and the rate rises monotonically with depth).
- **Flat demand 2021-2030**: desired employment and the inactive share of people 16+ relative
  to the start (also the share below the statutory retirement age, which leaves out the
  retirees), the rate and the new urban jobs of each year (the bar: within 1% a year).
- **First year**: new urban jobs of a flat 2021 run from the undated stocks and as the
  continuation of the calibrated past (``jobsim.past``), against that past's 2018 and 2019.

With ``--from-past`` the shocks and the flat decade continue the calibrated past too (the
shipped 2021 scenarios do), instead of starting from the undated stocks.

Usage::

    python benchmarks/macro_response.py [--parameters FILE] [--scale 2000] [--seed 1]
        [--from-past]

Writes ``out/bench/macro_response.json`` and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from _common import machine, write_json

DEPTHS = (1.0, 0.95, 0.90, 0.85)


def _model(params, scale: float, seed: int, months: int, from_past: bool, **kwargs):
    """A 2021 model from the undated stocks, or continuing the calibrated past."""
    from jobsim.labour_market import LabourMarket
    from jobsim.past import run_past

    before = (run_past(params, persons_per_agent=scale, seed=seed, replicate=0,
                       months_after=months) if from_past else None)
    return LabourMarket(params=params, start="2021-01", months=months, persons_per_agent=scale,
                        seed=seed, past=before, **kwargs)


def shocks(params, scale: float, seed: int, from_past: bool = False) -> dict:
    """New urban jobs and the rate under three-month and year-long shocks of each depth."""
    out: dict = {}
    for name, window in (("three_month", range(1, 4)), ("year_long", range(12))):
        rows = []
        for depth in DEPTHS:
            demand = [depth if m in window else 1.0 for m in range(12)]
            df = _model(params, scale, seed, 12, from_past, demand_index=demand).run()
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


def first_year(params, scale: float, seed: int, replicates: int = 3) -> list[dict]:
    """New urban jobs of a flat 2021: undated stocks, continued past, the past's 2018-2019."""
    from jobsim.labour_market import LabourMarket
    from jobsim.past import run_past

    rows = []
    for r in range(replicates):
        before = run_past(params, persons_per_agent=scale, seed=seed, replicate=r,
                          months_after=12)
        past = before.monthly()
        year = past["month"].str[:4]
        fresh = LabourMarket(params=params, start="2021-01", months=12, persons_per_agent=scale,
                             seed=seed, replicate=r).run()
        cont = LabourMarket(params=params, start="2021-01", months=12, persons_per_agent=scale,
                            seed=seed, replicate=r, past=before).run()
        rows.append({"replicate": r,
                     "past_2018": float(past.loc[year == "2018", "new_urban_jobs"].sum()),
                     "past_2019": float(past.loc[year == "2019", "new_urban_jobs"].sum()),
                     "past_2020": float(past.loc[year == "2020", "new_urban_jobs"].sum()),
                     "fresh_2021": float(fresh["new_urban_jobs"].sum()),
                     "continued_2021": float(cont["new_urban_jobs"].sum()),
                     "fresh_rate_2021": float(fresh["surveyed_unemployment_rate"].mean()),
                     "continued_rate_2021": float(cont["surveyed_unemployment_rate"].mean())})
    return rows


def flat_decade(params, scale: float, seed: int, from_past: bool = False) -> list[dict]:
    """Desired employment, the inactive share, the rate and new jobs, 2021-2030, flat demand."""
    from jobsim.agents import State

    model = _model(params, scale * 2, seed, 120, from_past)
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
    ap.add_argument("--from-past", action="store_true",
                    help="shocks and flat decade continue the calibrated past")
    ap.add_argument("--first-year-scale", type=float, default=100.0)
    args = ap.parse_args()
    params = ParameterSet.load(args.parameters)
    t0 = time.perf_counter()
    result = {"parameters": args.parameters, "scale": args.scale, "seed": args.seed,
              "from_past": args.from_past,
              "shocks": shocks(params, args.scale, args.seed, args.from_past),
              "flat_decade": flat_decade(params, args.scale, args.seed + 1, args.from_past),
              "first_year": first_year(params, args.first_year_scale, args.seed + 2),
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
    print(f"first year, flat 2021 at {args.first_year_scale:g} persons per agent:")
    for r in result["first_year"]:
        print(f"  replicate {r['replicate']}: past 2018 {r['past_2018']:,.0f}, 2019 "
              f"{r['past_2019']:,.0f}, 2020 {r['past_2020']:,.0f}; 2021 from the undated "
              f"stocks {r['fresh_2021']:,.0f} (rate {r['fresh_rate_2021']:.2f}%), continuing "
              f"the past {r['continued_2021']:,.0f} (rate {r['continued_rate_2021']:.2f}%)")
    print(json.dumps({"seconds": round(result["seconds"], 1)}))


if __name__ == "__main__":
    main()
