"""Same seed gives identical output; another seed differs; scale changes only sampling noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
from jobsim.cli import main
from jobsim.labour_market import LabourMarket
from mesa.batchrunner import batch_run


def test_same_seed_identical_csv_other_seed_different(tmp_path):
    args = ["run", "scenarios/baseline_2021.toml", "--persons-per-agent", "1000"]
    assert main(args + ["--out", str(tmp_path / "a"), "--seed", "5"]) == 0
    assert main(args + ["--out", str(tmp_path / "b"), "--seed", "5"]) == 0
    assert main(args + ["--out", str(tmp_path / "c"), "--seed", "6"]) == 0
    a = (tmp_path / "a" / "monthly.csv").read_bytes()
    assert a == (tmp_path / "b" / "monthly.csv").read_bytes()
    assert a != (tmp_path / "c" / "monthly.csv").read_bytes()


def test_replicates_are_independent_streams(params):
    a = LabourMarket(params=params, months=3, persons_per_agent=2000, seed=1, replicate=0).run()
    b = LabourMarket(params=params, months=3, persons_per_agent=2000, seed=1, replicate=1).run()
    assert not a.equals(b)


def test_scale_changes_only_sampling_noise(params):
    def headline(k: float, reps: int) -> np.ndarray:
        out = []
        for r in range(reps):
            df = LabourMarket(params=params, months=12, persons_per_agent=k, seed=11,
                              replicate=r).run()
            out.append([df["surveyed_unemployment_rate"].mean(),
                        df["new_urban_jobs_cum"].iloc[-1] / 1e4])
        return np.array(out)

    coarse = headline(200, 4)
    fine = headline(50, 1)
    # Sampling sd at 50 persons per agent is half that at 200 (variance ~ 1/agents).
    sd = coarse.std(axis=0, ddof=1)
    se = np.sqrt(sd**2 / 4 + (sd / 2) ** 2)
    floor = np.array([0.02, 0.5])  # guards a zero sd from four identical draws
    assert np.all(np.abs(coarse.mean(axis=0) - fine[0]) < 4 * np.maximum(se, floor)), (
        coarse, fine)


def test_runs_under_mesa_batch_run():
    results = batch_run(
        LabourMarket,
        parameters={"persons_per_agent": 4000.0, "months": 3, "seed": [1, 2]},
        iterations=1, max_steps=10, number_processes=1, display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 2
    # Mesa labels collections 0-based: three months collected, the last is Step 2.
    assert frame["Step"].max() == 2
    assert frame["surveyed_unemployment_rate"].between(0, 100).all()
