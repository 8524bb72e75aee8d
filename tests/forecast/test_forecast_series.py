"""Loading the headline series: gaps stay gaps, memory stays out, bad data is named."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from jobsim.data import DATA_DIR, DataError
from jobsim.forecast.series import SERIES, load_all, load_series, publish


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """Copy the data folder to a place a test may corrupt."""
    target = tmp_path / "data"
    target.mkdir()
    for csv in DATA_DIR.glob("*.csv"):
        shutil.copy(csv, target / csv.name)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_all_series_load_in_order():
    """All four headline series load, in output order."""
    assert [s.name for s in load_all()] == list(SERIES)


def test_missing_and_memory_months_stay_missing():
    """Unpublished and M-flagged months are NaN unless memory is asked for."""
    rate = load_series("cn_surveyed_unemployment_rate").y
    assert rate.index.freqstr.startswith("M") and len(rate) == 36
    assert np.isnan(rate["2019-10"])  # flagged M: excluded by default
    assert rate["2020-02"] == pytest.approx(6.2)
    with_memory = load_series("cn_surveyed_unemployment_rate", include_memory=True).y
    assert with_memory["2019-10"] == pytest.approx(5.1)
    assert with_memory.notna().sum() > rate.notna().sum()


def test_annual_series_keep_gaps_in_persons():
    """Annual series are in persons and keep their gaps."""
    cn = load_series("cn_new_urban_jobs").y
    assert np.isnan(cn["2010"]) and cn["2014"] == pytest.approx(13_220_000)  # 2010 is M
    assert cn["2020"] == pytest.approx(11_860_000)
    hunan = load_series("hunan_new_urban_jobs")
    # The data revision of 2026-12 adds 2015 (D) and 2016 (S); 2019 is still unpublished.
    assert hunan.y.notna().sum() == 6
    assert np.isnan(hunan.y["2019"]) and hunan.y["2016"] == pytest.approx(773_600)
    assert hunan.targets[0].value == pytest.approx(700_000)


def test_profile_is_share_minus_even_accrual():
    """The profile models share - month/12; December is pinned at 1."""
    profile = load_series("cn_new_urban_jobs_ytd_share")
    share = profile.output().dropna()
    assert ((share > 0) & (share < 1)).all()
    assert not (share.index.month == 12).any()  # December is 1 by definition
    assert share["2020-10"] == pytest.approx(1009 / 1186)
    frame = publish(profile.y.to_frame("mean"), profile.transform)
    assert (frame.loc[frame.index.month == 12, "mean"] == 1.0).all()


def test_missing_column_names_series(data_copy: Path):
    """A missing column is named with the series."""
    _edit(data_copy / "national_monthly_surveyed_unemployment.csv", "urban_rate_pct,", "rate,")
    with pytest.raises(DataError, match=r"cn_surveyed_unemployment_rate.*urban_rate_pct"):
        load_series("cn_surveyed_unemployment_rate", data_dir=data_copy)


def test_duplicated_month_names_series_and_period(data_copy: Path):
    """A duplicated month is named with the series."""
    path = data_copy / "national_monthly_surveyed_unemployment.csv"
    line = next(x for x in path.read_text().splitlines() if x.startswith("2019-05,"))
    _edit(path, line, line + "\n" + line)
    with pytest.raises(DataError, match=r"cn_surveyed_unemployment_rate', period 2019-05"):
        load_series("cn_surveyed_unemployment_rate", data_dir=data_copy)


def test_non_numeric_rate_names_series_and_period(data_copy: Path):
    """A non-numeric rate is named with the series and month."""
    _edit(data_copy / "national_monthly_surveyed_unemployment.csv", "2020-03,5.9,", "2020-03,5.9x,")
    with pytest.raises(DataError, match=r"cn_surveyed_unemployment_rate', period 2020-03"):
        load_series("cn_surveyed_unemployment_rate", data_dir=data_copy)


def test_non_numeric_annual_value_names_series_and_year(data_copy: Path):
    """A non-numeric annual value is named with the series and year."""
    _edit(data_copy / "national_annual.csv", "2017,1351,", "2017,about 1351,")
    with pytest.raises(DataError, match=r"cn_new_urban_jobs', period 2017.*about 1351"):
        load_series("cn_new_urban_jobs", data_dir=data_copy)


def test_duplicated_ytd_period_names_series(data_copy: Path):
    """A duplicated year-to-date period is named with the series."""
    _edit(data_copy / "national_ytd_new_urban_jobs.csv", "2020,10,1009,", "2020,9,1009,")
    with pytest.raises(DataError, match=r"cn_new_urban_jobs_ytd_share', period 2020-9"):
        load_series("cn_new_urban_jobs_ytd_share", data_dir=data_copy)


def test_duplicated_hunan_year_names_series(data_copy: Path):
    """A duplicated Hunan year is named with the series."""
    _edit(data_copy / "hunan_indicators.csv", "new_urban_jobs,2017,75.13",
          "new_urban_jobs,2018,75.13")
    with pytest.raises(DataError, match=r"hunan_new_urban_jobs', period 2018: duplicated"):
        load_series("hunan_new_urban_jobs", data_dir=data_copy)


def test_loader_errors_are_prefixed_with_series(data_copy: Path):
    """Errors found by the loader itself carry the series name."""
    _edit(data_copy / "national_monthly_surveyed_unemployment.csv", "2018-01,5.0,S",
          "2018-01,5.0,Q")
    with pytest.raises(DataError, match=r"^series 'cn_surveyed_unemployment_rate': .*flag 'Q'"):
        load_series("cn_surveyed_unemployment_rate", data_dir=data_copy)


def test_inconsistent_december_total_is_named(data_copy: Path):
    """A December year-to-date value that contradicts the annual total is refused."""
    _edit(data_copy / "national_ytd_new_urban_jobs.csv", "2019,12,1352", "2019,12,1350")
    with pytest.raises(DataError, match=r"ytd_share', period 2019-12"):
        load_series("cn_new_urban_jobs_ytd_share", data_dir=data_copy)
