"""Calibrate the share of urban hires that the administrative new-urban-jobs count records.

The statistic 城镇新增就业 is collected through registration systems and records far fewer
moves than the model's gross flow into urban employment. With everything else fixed, the
recorded count is linear in the share, so the share that matches the data is

    share = mean(Hunan new urban jobs, full years 2017, 2018, 2020)
            / mean over replications of (simulated newly employed - natural attrition), one year,

at flat base-year demand. 2019 is absent from the data (only Jan-Sep) and 2015-2016 are a
two-year sum; 2014 is older than the population stocks. This is a one-moment method-of-moments
fit of the base set. The full simulated-moments calibration (``calibration/hunan.toml``, run by
``jobsim calibrate``) fits the share jointly with the behavioural parameters, concentrated out
analytically in the same way (``calibration/objective.py``); its result is the fitted file
``calibration/fitted/hunan_2020.toml``, not the base set.

Usage: python -m jobsim.calibration.recording_share [--replications N] [--write]
"""

from __future__ import annotations

import argparse

import numpy as np
from jobsim import data
from jobsim.labour_market import LabourMarket
from jobsim.params import DEFAULT_PARAMETERS, ParameterSet

TARGET_YEARS = ("2017", "2018", "2020")
SEED = 20200101


def target_new_urban_jobs() -> float:
    """Mean of Hunan's annual new urban jobs over the target years (persons)."""
    return float(np.mean([data.hunan("new_urban_jobs", y).value for y in TARGET_YEARS]))


def fit(replications: int = 4, persons_per_agent: float = 100.0,
        params: ParameterSet | None = None) -> tuple[float, float, float]:
    """Return (share, target, simulated net newly employed per year at share 1)."""
    base = params if params is not None else ParameterSet.load()
    base = base.with_overrides({"indicators.new_jobs_recording_share": 1.0})
    sims = []
    for r in range(replications):
        m = LabourMarket(params=base, start="2021-01", months=12,
                         persons_per_agent=persons_per_agent, seed=SEED, replicate=r)
        sims.append(m.run()["new_urban_jobs_cum"].iloc[-1])
    simulated = float(np.mean(sims))
    target = target_new_urban_jobs()
    return target / simulated, target, simulated


def main() -> None:
    """Fit and print; with --write, store the value in the base parameter file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=4)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    share, target, simulated = fit(args.replications)
    print(f"target {target:,.0f} persons/yr; simulated net flow at share 1: {simulated:,.0f}; "
          f"share = {share:.6f}")
    if args.write:
        reference = (f"calibration/recording_share.py: Hunan new urban jobs 2017, 2018, 2020 "
                     f"(mean {target:,.0f}) / simulated net newly employed, "
                     f"{args.replications} replications, seed {SEED}")
        write_entry(DEFAULT_PARAMETERS, "indicators.new_jobs_recording_share", round(share, 6),
                    reference)
        print(f"written to {DEFAULT_PARAMETERS}")


def write_entry(path, dotted: str, value: float, reference: str) -> None:
    """Replace one parameter's value, provenance and reference, keeping the file's comments."""
    text = path.read_text(encoding="utf-8")
    header = f"[{dotted}]\n"
    start = text.index(header)
    end = text.find("\n[", start + len(header))
    end = len(text) if end < 0 else end + 1
    block = (f'{header}value = {value!r}\nunit = "1"\nprovenance = "calibrated"\n'
             f'reference = "{reference}"\n')
    text = text[:start] + block + text[end:]
    path.write_text(text, encoding="utf-8")
    ParameterSet.load(path)

if __name__ == "__main__":
    main()
