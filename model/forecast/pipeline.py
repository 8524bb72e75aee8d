"""One series end to end: backtest, choose by backtest, refit on all data, forecast.

The choice between families and benchmarks is made on out-of-sample error only; in-sample
fit (AICc) only picks the spec inside the chosen family when it is refitted to the full
sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from jobsim.forecast.backtest import choose, rolling_origin, score
from jobsim.forecast.models import Fitted, Spec, candidates, fit_model, model_names
from jobsim.forecast.series import Series, publish

__all__ = ["SeriesForecast", "forecast_series"]


@dataclass(frozen=True, eq=False)
class SeriesForecast:
    """The outcome for one series.

    Attributes
    ----------
    series : Series
        The data.
    chosen : str
        Model (family or benchmark) chosen by backtest.
    fitted : Fitted
        That model refitted to all the data; ``fitted.name`` is the spec.
    forecast : pandas.DataFrame
        ``mean, lo80, hi80, lo95, hi95`` in the published unit, indexed by future period.
    backtest : pandas.DataFrame
        The score table (see :func:`jobsim.forecast.backtest.score`).
    predictions : pandas.DataFrame
        Every backtest forecast (see :func:`jobsim.forecast.backtest.rolling_origin`).
    """

    series: Series
    chosen: str
    fitted: Fitted
    forecast: pd.DataFrame
    backtest: pd.DataFrame
    predictions: pd.DataFrame


def forecast_series(
    series: Series, grid: dict[str, tuple[Spec, ...]] | None = None
) -> SeriesForecast:
    """Backtest the candidates, pick the best out of sample, forecast ``series.horizon``.

    Parameters
    ----------
    series : Series
        The series to forecast.
    grid : dict, optional
        Candidate families and specs; defaults to ``candidates(series.kind)``.

    Returns
    -------
    SeriesForecast
    """
    grid = candidates(series.kind) if grid is None else grid
    names = model_names(series.season, grid)
    predictions = rolling_origin(series, grid)
    table = score(series, predictions, names)
    chosen = choose(predictions, names)
    fitted = fit_model(chosen, series.y, grid=grid, season=series.season, naive=series.naive)
    if fitted is None:
        # Backtest fits used less data than this, so this is unexpected; stay honest and
        # fall back to the benchmark rather than fail the run.
        chosen = "naive"
        fitted = fit_model(chosen, series.y, grid=grid, naive=series.naive)
    frame = publish(fitted.predict(series.horizon), series.transform)
    return SeriesForecast(series, chosen, fitted, frame, table, predictions)
