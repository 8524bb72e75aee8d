"""``jobsim forecast``: forecast every headline series and write the results atomically.

Files written to ``DIR``:

``forecast.csv``
    ``series, period, mean, lo80, hi80, lo95, hi95, model``: the forecast of each series
    from the model chosen by backtest (``model`` names the fitted spec), in the published
    unit (persons, percent, or share of the year's total).
``backtest.csv``
    ``series, model, horizon, mase, coverage80, coverage95, n_origins`` (see
    :mod:`jobsim.forecast.backtest`); benchmarks are rows too.
``exog_backtest.csv``
    ``origin, target, model, forecast, actual, error``: China's annual new urban jobs one
    year ahead, naive against the regressions on GDP growth (:mod:`jobsim.forecast.exog`),
    from the same origins; ``exog_summary.csv`` scores them (MAE, the 2020 error).
``<series>.png``
    One figure per series.

``DIR`` is checked before any work (:func:`jobsim.results.check_output_dir`: a new, empty or
jobsim-made folder, never a user's), everything is computed first and written through
:class:`jobsim.results.atomic_dir` (the one safe-output mechanism: a temporary folder beside
``DIR`` that replaces it as a whole and carries jobsim's marker); on any error nothing is left
and ``DIR`` stays as it was.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from jobsim.forecast.backtest import SCORE_COLUMNS
from jobsim.forecast.exog import exog_backtest, exog_summary
from jobsim.forecast.pipeline import SeriesForecast, forecast_series
from jobsim.forecast.plots import plot_forecast
from jobsim.forecast.series import load_all
from jobsim.results import atomic_dir, check_output_dir

__all__ = ["FORECAST_COLUMNS", "run_forecast", "forecast_table", "backtest_table"]

FORECAST_COLUMNS = ["series", "period", "mean", "lo80", "hi80", "lo95", "hi95", "model"]
#: Fixed float format so that identical inputs give byte-identical files.
FLOAT_FORMAT = "%.10g"


def forecast_table(results: list[SeriesForecast]) -> pd.DataFrame:
    """Build the rows of ``forecast.csv``."""
    frames = []
    for fc in results:
        frame = fc.forecast.copy()
        frame.insert(0, "period", [str(p) for p in frame.index])
        frame.insert(0, "series", fc.series.name)
        frame["model"] = fc.fitted.name
        frames.append(frame.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True)[FORECAST_COLUMNS]


def backtest_table(results: list[SeriesForecast]) -> pd.DataFrame:
    """Build the rows of ``backtest.csv``."""
    return pd.concat([fc.backtest for fc in results], ignore_index=True)[SCORE_COLUMNS]


def run_forecast(out_dir: Path, include_memory: bool = False, seed: int = 0) -> dict:
    """Forecast the headline series, backtest them, and write CSVs and plots to ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Output directory: new, empty, or one jobsim wrote (it carries jobsim's marker);
        replaced as a whole when the run succeeds.
    include_memory : bool
        Use M-flagged (memory, unverified) values too. Off by default.
    seed : int
        Recorded only: the forecasts are maximum-likelihood fits and draw no random
        numbers, so the files do not depend on it (the macro path's draws do; see
        :func:`jobsim.forecast.paths.macro_path`).

    Returns
    -------
    dict
        ``out_dir``, ``forecast`` and ``backtest`` (paths), ``plots`` (series -> path),
        ``chosen`` (series -> model used), ``include_memory``, ``seed``.

    Raises
    ------
    jobsim.data.DataError
        Bad data, naming the series and period; nothing is written.
    jobsim.errors.OutputError
        ``out_dir`` is a file, or a folder jobsim did not write (checked before any work);
        nothing is written.
    """
    out_dir = check_output_dir(Path(out_dir))
    results = [forecast_series(s) for s in load_all(include_memory=include_memory)]
    forecast = forecast_table(results)
    backtest = backtest_table(results)
    exog = exog_backtest()
    exog_scores = exog_summary(exog)

    with atomic_dir(out_dir) as staged:
        forecast.to_csv(staged / "forecast.csv", index=False, float_format=FLOAT_FORMAT)
        backtest.to_csv(staged / "backtest.csv", index=False, float_format=FLOAT_FORMAT)
        exog.to_csv(staged / "exog_backtest.csv", index=False, float_format=FLOAT_FORMAT)
        exog_scores.to_csv(staged / "exog_summary.csv", index=False, float_format=FLOAT_FORMAT)
        plots = {fc.series.name: f"{fc.series.name}.png" for fc in results}
        for fc in results:
            plot_forecast(fc, staged / plots[fc.series.name])
    return {
        "out_dir": out_dir,
        "forecast": out_dir / "forecast.csv",
        "backtest": out_dir / "backtest.csv",
        "exog_backtest": out_dir / "exog_backtest.csv",
        "plots": {name: out_dir / file for name, file in plots.items()},
        "chosen": {fc.series.name: fc.fitted.name for fc in results},
        "include_memory": include_memory,
        "seed": seed,
    }
