"""``run_forecast``: the files, their columns, byte-identical reruns, nothing left on error."""

from __future__ import annotations

import re
import shutil

import jobsim.data
import jobsim.forecast.runner as runner
import numpy as np
import pandas as pd
import pytest
from jobsim.data import DATA_DIR, DataError
from jobsim.errors import OutputError, UserError
from jobsim.forecast.runner import run_forecast
from jobsim.forecast.series import SERIES, load_series
from jobsim.results import MARKER


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """Run the real forecast once for the module."""
    out = tmp_path_factory.mktemp("forecast") / "out"
    return out, run_forecast(out)


def test_files_and_returned_dict(first_run):
    """The files promised are written and returned, and no temp dir is left."""
    out, written = first_run
    assert written["forecast"] == out / "forecast.csv"
    assert written["backtest"] == out / "backtest.csv"
    assert set(written["plots"]) == set(SERIES)
    assert written["exog_backtest"] == out / "exog_backtest.csv"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["forecast.csv", "backtest.csv", "exog_backtest.csv", "exog_summary.csv", MARKER]
        + [f"{s}.png" for s in SERIES])
    assert all(p.stat().st_size > 1000 for p in written["plots"].values())
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp dirs


def test_csv_columns_and_content(first_run):
    """CSV columns are exactly as specified and intervals are nested."""
    out, written = first_run
    forecast = pd.read_csv(out / "forecast.csv", dtype={"period": str})
    assert list(forecast.columns) == ["series", "period", "mean", "lo80", "hi80", "lo95",
                                      "hi95", "model"]
    assert list(dict.fromkeys(forecast["series"])) == list(SERIES)
    rate = forecast[forecast["series"] == "cn_surveyed_unemployment_rate"]
    assert list(rate["period"]) == [f"2021-{m:02d}" for m in range(1, 13)]
    assert ((rate["lo95"] <= rate["lo80"]) & (rate["lo80"] <= rate["mean"])
            & (rate["mean"] <= rate["hi80"]) & (rate["hi80"] <= rate["hi95"])).all()
    jobs = forecast[forecast["series"] == "hunan_new_urban_jobs"]
    assert list(jobs["period"]) == ["2021", "2022", "2023", "2024", "2025"]
    backtest = pd.read_csv(out / "backtest.csv")
    assert list(backtest.columns) == ["series", "model", "horizon", "mase", "coverage80",
                                      "coverage95", "n_origins"]
    assert {"naive", "seasonal_naive"} <= set(
        backtest.loc[backtest["series"] == "cn_surveyed_unemployment_rate", "model"])
    assert written["chosen"] == dict(zip(forecast["series"], forecast["model"]))


def test_rerun_is_byte_identical_and_replaces(tmp_path, monkeypatch):
    """A rerun replaces the directory with byte-identical CSVs."""
    # The three cheaper series (the monthly one is covered by the synthetic
    # reproducibility test); each run loads and fits from scratch.
    cheap = [s for s in SERIES if s != "cn_surveyed_unemployment_rate"]
    monkeypatch.setattr(runner, "load_all", lambda **_: [load_series(s) for s in cheap])
    out = tmp_path / "out"
    run_forecast(out)
    snapshot = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "stale.txt").write_text("from an earlier run")
    run_forecast(out)
    assert not (out / "stale.txt").exists()
    again = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {k: v for k, v in again.items() if k.endswith(".csv")} == {
        k: v for k, v in snapshot.items() if k.endswith(".csv")}
    assert sorted(again) == sorted(snapshot)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging or backup left


def _hunan_only(monkeypatch):
    """The fastest series only (each run loads and fits from scratch)."""
    hunan = load_series("hunan_new_urban_jobs")
    monkeypatch.setattr(runner, "load_all", lambda **_: [hunan])


def test_failure_leaves_nothing(tmp_path, monkeypatch):
    """An error while writing leaves no output and an earlier output intact."""
    _hunan_only(monkeypatch)
    out = tmp_path / "out"
    run_forecast(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken_plot(fc, path):
        raise RuntimeError("disk full")

    monkeypatch.setattr(runner, "plot_forecast", broken_plot)  # after the CSVs are staged
    with pytest.raises(RuntimeError, match="disk full"):
        run_forecast(tmp_path / "new")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    with pytest.raises(RuntimeError):
        run_forecast(out)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_users_folder_is_never_replaced(tmp_path, monkeypatch):
    """A folder without jobsim's marker survives ``run_forecast``: a user error naming it."""
    def never(**_):
        raise AssertionError("the forecast ran before the folder was checked")

    monkeypatch.setattr(runner, "load_all", never)
    out = tmp_path / "notes"
    out.mkdir()
    (out / "keep.txt").write_text("the user's own notes")
    with pytest.raises(OutputError, match=re.escape(f"{out}: exists, is not empty and is not "
                                                    "a jobsim output folder")) as caught:
        run_forecast(out)
    assert isinstance(caught.value, UserError)
    assert [p.name for p in tmp_path.iterdir()] == ["notes"]
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "the user's own notes"
    (tmp_path / "file.csv").write_text("a,b\n")
    with pytest.raises(OutputError, match="file.csv"):
        run_forecast(tmp_path / "file.csv")
    assert (tmp_path / "file.csv").read_text() == "a,b\n"


def test_bad_data_writes_nothing(tmp_path, monkeypatch):
    """Bad data raises a named DataError and writes nothing."""
    data = tmp_path / "data"
    data.mkdir()
    for csv in DATA_DIR.glob("*.csv"):
        shutil.copy(csv, data / csv.name)
    text = (data / "national_annual.csv").read_text()
    (data / "national_annual.csv").write_text(text.replace("2018,1361,", "2018,n/a,", 1))
    monkeypatch.setattr(jobsim.data, "DATA_DIR", data)
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"cn_new_urban_jobs', period 2018"):
        run_forecast(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_exog_backtest_scores_the_same_origins_as_naive(first_run):
    """Growth-regression forecasts and naive are scored on the same origins, 2020 included."""
    out, _ = first_run
    bt = pd.read_csv(out / "exog_backtest.csv")
    origins = {m: set(g["origin"]) for m, g in bt.groupby("model")}
    assert set(origins) == {"naive", "growth_rw", "growth_ar1"}
    assert len({frozenset(o) for o in origins.values()}) == 1
    assert 2020 in set(bt["target"])
    summary = pd.read_csv(out / "exog_summary.csv").set_index("model")
    assert summary.loc["naive", "relative_mae"] == 1.0
    assert (bt["forecast"] > 0).all()
    # The CSV keeps ten significant digits: a hundredth of a person.
    np.testing.assert_allclose(bt["error"], bt["forecast"] - bt["actual"], atol=0.01)
