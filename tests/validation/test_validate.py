"""``jobsim validate`` at a tiny scale: the three experiments, the backcast table, the page.

The run is 2018-01..2020-12 at 16,000 persons per agent with three free parameters, so the
whole validation (a full fit, the out-of-sample fit, two leave-one-year-out refits and their
ensembles) takes seconds. The bars themselves are measured at full scale (docs/validation.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jobsim.calibration.validate import COLUMNS, Options, restricted, run_validate

CONFIG = """
[calibration]
name = "tiny_validation"
base_parameters = "default"

[simulation]
persons_per_agent = 16000
replications = 1
seed = 5
start = "2018-01"
end = "2020-12"
demand = "macro"

[method]
global_stage = false
local_max_iterations = 2
diff_step = 0.05
se_replications = 3
profile_points = 0
morris_trajectories = 0

[[parameters]]
path = "flows.separation_rate"
lower = 0.0085
upper = 0.03
prior = "normal"
prior_mean = 0.013
prior_sd = 0.0035
source = "test"

[[parameters]]
path = "matching.efficiency"
lower = 0.1
upper = 0.45
source = "test"

[[parameters]]
path = "indicators.new_jobs_recording_share"
lower = 0.05
upper = 1.0
source = "test"

[proxy_gap]
lower = -1.0
upper = 0.07
prior_mean = 0.0
prior_sd = 0.3
source = "test"

[[targets]]
name = "jobs_2018"
kind = "new_urban_jobs"
years = [2018]
sd = 35000
sd_basis = "test"

[[targets]]
name = "jobs_2020"
kind = "new_urban_jobs"
years = [2020]
sd = 35000
sd_basis = "test"

[[targets]]
name = "jobs_jan_sep_2019"
kind = "new_urban_jobs_ytd"
years = [2019]
through_month = 9
sd = 29000
sd_basis = "test"

[[targets]]
name = "surveyed_2018_03"
kind = "surveyed_rate_month"
years = [2018]
month = 3
sd = 0.2
sd_basis = "test"

[[targets]]
name = "surveyed_2019_07"
kind = "surveyed_rate_month"
years = [2019]
month = 7
sd = 0.2
sd_basis = "test"

[[targets]]
name = "surveyed_2020_02"
kind = "surveyed_rate_month"
years = [2020]
month = 2
sd = 0.2
sd_basis = "test"

[[targets]]
name = "registered_2018_12"
kind = "registered_rate"
years = [2018]
month = 12
sd = 0.3
sd_basis = "test"
"""

SMALL = Options(draws=4, loyo_draws=3, oos_persons_per_agent=16000, oos_replications=1,
                loyo_persons_per_agent=16000, loyo_replications=1,
                loyo_iterations=1, loyo_se_replications=2, seed=7)


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("validate")
    cfg = folder / "tiny_validation.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    out = folder / "out"
    result = run_validate(cfg, out, workers=1, options=SMALL, docs=folder / "docs" / "v.md",
                          progress=False)
    return cfg, out, result


def test_backcast_table_has_every_experiment_and_ordered_bands(validated):
    _, out, _ = validated
    bc = pd.read_csv(out / "backcast.csv")
    assert list(bc.columns) == COLUMNS
    assert set(bc["experiment"]) == {"in_sample", "oos_2020", "oos_2020_eta_full", "loyo"}
    assert set(bc.loc[bc["experiment"] == "in_sample", "year"]) == {2018, 2019, 2020}
    assert set(bc.loc[bc["experiment"] == "loyo", "year"]) == {2018, 2019}  # held-out years
    assert set(bc.loc[bc["experiment"] == "oos_2020", "year"]) == {2019, 2020}
    q = bc[["p05", "p10", "p50", "p90", "p95"]].to_numpy()
    ok = np.isfinite(q).all(axis=1)
    assert ok.mean() > 0.9
    assert np.all(np.diff(q[ok], axis=1) >= -1e-9)  # quantiles ordered
    jobs = bc[(bc["indicator"] == "new_urban_jobs") & (bc["year"] == 2020)]
    assert np.allclose(jobs["record"], 724000)  # Hunan 2020 [S]
    feb = bc[(bc["indicator"] == "surveyed_rate_02") & (bc["year"] == 2020)]
    assert np.allclose(feb["record"], 6.2)  # China 2020-02 [S]
    assert (bc["indicator"] == "new_urban_jobs_change_pct_vs_china").any()


def test_page_bars_and_coverage_are_written(validated):
    _, out, result = validated
    for name in ("validation.md", "coverage.csv", "bars.json", "backcast_jobs.png",
                 "backcast_rates.png", "backcast_profile.png"):
        assert (out / name).is_file(), name
    page = Path(result["docs"]).read_text(encoding="utf-8")
    assert "oos_2020" in page and "loyo" in page and "rate-path MAE" in page
    cov = pd.read_csv(out / "coverage.csv")
    assert {"coverage_80", "coverage_95"} <= set(cov.columns)
    allrow = cov[(cov["experiment"] == "all") & (cov["group"] == "all")].iloc[0]
    assert 0 <= allrow["coverage_80"] <= allrow["coverage_95"] <= 1
    assert not (out / "validate.checkpoint").exists()


def test_oos_fit_sees_nothing_of_the_held_out_year(validated):
    from jobsim.calibration.config import load_config

    cfg, _, result = validated
    loaded = load_config(cfg)
    oos = restricted(loaded, {2020}, end="2019-12")
    assert all(2020 not in t.years for t in oos.spec.targets)
    assert oos.spec.simulation.end == "2019-12"
    assert result["meta"]["fits"]["oos_2020"]["targets"] == 5
    loyo = restricted(loaded, {2019})
    assert [t.name for t in loyo.spec.targets if 2019 in t.years] == []


def test_same_inputs_give_the_same_backcast(validated, tmp_path):
    cfg, out, _ = validated
    again = run_validate(cfg, tmp_path / "again", workers=2, options=SMALL, progress=False)
    first = pd.read_csv(out / "backcast.csv")
    pd.testing.assert_frame_equal(first, again["backcast"].reset_index(drop=True),
                                  check_exact=False, rtol=1e-5)


def test_discrepancy_widens_the_bands_by_the_fits_residuals(validated):
    """backcast.csv adds each fit's in-sample residual error; the model-only bands stay inside."""
    _, out, result = validated
    bc = pd.read_csv(out / "backcast.csv")
    bare = pd.read_csv(out / "backcast_model_only.csv")
    assert list(bare.columns) == COLUMNS
    keys = ["experiment", "year", "indicator"]
    both = bc.merge(bare, on=keys, suffixes=("", "_bare"))
    assert len(both) == len(bc) == len(bare)
    sigma = result["meta"]["fits"]["full"]["discrepancy"]
    assert sigma["new_urban_jobs"] > 0 and sigma["surveyed_rate"] > 0
    jobs = both[both["indicator"] == "new_urban_jobs"]
    width = (jobs["p90"] - jobs["p10"]).to_numpy()
    bare_width = (jobs["p90_bare"] - jobs["p10_bare"]).to_numpy()
    assert np.all(width > bare_width)


def test_discrepancy_draws_have_the_stated_spread():
    """Relative families scale the value, absolute ones add points; other rows are untouched."""
    from jobsim.calibration.simulate import Extractor
    from jobsim.calibration.validate import Indicator, with_discrepancy

    rows = [Indicator(2019, "new_urban_jobs", np.nan, Extractor("new_urban_jobs", (0,))),
            Indicator(2019, "surveyed_rate_02", np.nan, Extractor("surveyed_rate_month", (0,),
                                                                  month=2)),
            Indicator(2019, "registered_rate_12", np.nan, Extractor("registered_rate", (0,),
                                                                    month=12))]
    values = np.tile([800_000.0, 5.0, 3.0], (50, 1))
    out = with_discrepancy(values, rows, {"new_urban_jobs": 0.04, "surveyed_rate": 0.3},
                           np.random.default_rng(1), k=400)
    assert out.shape == (20_000, 3)
    assert abs(out[:, 0].std() / 800_000 - 0.04) < 0.002
    assert abs(out[:, 1].std() - 0.3) < 0.01
    assert np.all(out[:, 2] == 3.0)


def test_vacancy_ratio_rows_check_the_drift_and_stay_out_of_coverage(validated):
    """The offices' ratio (求人倍率) is a record for the run's tightness growth, not a held-out
    outcome: its rows are in the backcast but not in the coverage shares.
    """
    _, out, _ = validated
    bc = pd.read_csv(out / "backcast.csv")
    row = bc[(bc["experiment"] == "in_sample") & (bc["year"] == 2020)
             & (bc["indicator"] == "vacancy_ratio_growth_q4_1y")].iloc[0]
    assert row["record"] == pytest.approx(1.52 / 1.27)  # 2020Q4 [S] / 2019Q4 [D]
    assert 0.2 < row["p50"] < 5  # a ratio of two quarters' tightness, not a level
    assert not bc.loc[bc["year"] == 2018, "indicator"].str.startswith("vacancy").any()  # no 2017Q4
    cov = pd.read_csv(out / "coverage.csv")
    assert not cov["group"].str.startswith("vacancy").any()
