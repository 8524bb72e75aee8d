"""Forecasts of China's annual new urban jobs with GDP growth as the exogenous regressor.

Two regressions with ARMA errors (statsmodels ``SARIMAX`` with ``exog``) on ``log`` new urban
jobs, against the naive benchmark (next year = this year), backtested one year ahead from
the same rolling origins:

``growth_rw``
    ``log N_t = b g_t + u_t`` with random-walk errors plus drift (``order=(0, 1, 0)``,
    ``trend="t"``): in differences ``d log N_t = c + b d g_t + e_t``, the regression
    :mod:`jobsim.macro` takes its elasticity from.
``growth_ar1``
    ``log N_t = a + b g_t + u_t`` with AR(1) errors (``order=(1, 0, 0)``, ``trend="c"``).

Growth is China's real GDP growth at the plan-time vintage (:func:`jobsim.macro.
annual_growth`). The backtest is **conditional**: the target year's realised growth is
given to the model, as a scenario gives it its growth path. That measures what the
regressor explains, not what a forecaster knew a year ahead (the naive benchmark needs no
growth forecast), so it flatters the exogenous models. The 2020 origin (train to 2019,
forecast 2020) is the test: the only year in the sample in which growth moved much.
The 2010 figure is M-flagged and left out (a gap the state-space models skip).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from jobsim import data, macro
from jobsim.forecast.models import _quiet

__all__ = ["EXOG_MODELS", "exog_backtest", "exog_summary", "conditional_forecast"]

EXOG_MODELS: dict[str, dict[str, object]] = {
    "growth_rw": {"order": (0, 1, 0), "trend": "t"},
    "growth_ar1": {"order": (1, 0, 0), "trend": "c"},
}
#: Observations needed before the first origin (five years of levels).
MIN_TRAIN = 5


def _data(vintage: str = "plan_time") -> tuple[pd.Series, pd.Series]:
    jobs = data.national_annual("new_urban_jobs_wan")
    growth = macro.annual_growth("china", vintage)
    years = sorted(set(jobs.index) & set(growth.index))
    return (pd.Series(np.log(jobs[years].to_numpy(float)), index=years),
            growth[years].astype(float))


def _fit_predict(model: str, y: pd.Series, g: pd.Series, g_next: float) -> float:
    from statsmodels.tsa.statespace.sarimax import SARIMAX  # only when forecasting

    spec = EXOG_MODELS[model]
    index = pd.period_range(str(y.index[0]), periods=len(y), freq="Y")
    endog = pd.Series(y.to_numpy(), index=index)
    exog = pd.DataFrame({"g": g.to_numpy()}, index=index)
    with _quiet():
        fit = SARIMAX(endog, exog=exog, order=spec["order"], trend=spec["trend"],
                      use_exact_diffuse=True).fit(disp=False)
    return float(np.asarray(fit.forecast(1, exog=np.array([[g_next]])))[0])


def exog_backtest(vintage: str = "plan_time") -> pd.DataFrame:
    """One-year-ahead forecasts from each origin: ``origin, target, model, forecast, actual``.

    Forecasts and actuals in persons.
    """
    y, g = _data(vintage)
    rows = []
    for i, origin in enumerate(y.index[:-1]):
        train = y.iloc[: i + 1]
        if np.isfinite(train.to_numpy()).sum() < MIN_TRAIN:
            continue
        target = y.index[i + 1]
        actual = y.iloc[i + 1]
        if not np.isfinite(actual):
            continue
        last = train.dropna()
        rows.append((origin, target, "naive", float(np.exp(last.iloc[-1])), float(np.exp(actual))))
        for model in EXOG_MODELS:
            pred = _fit_predict(model, train, g.iloc[: i + 1], float(g.iloc[i + 1]))
            rows.append((origin, target, model, float(np.exp(pred)), float(np.exp(actual))))
    out = pd.DataFrame(rows, columns=["origin", "target", "model", "forecast", "actual"])
    out["error"] = out["forecast"] - out["actual"]
    return out


def exog_summary(backtest: pd.DataFrame) -> pd.DataFrame:
    """Per model: MAE over all origins, MAE without the 2020 target, and the 2020 error."""
    rows = []
    for model, part in backtest.groupby("model", sort=False):
        test = part[part["target"] == 2020]
        rest = part[part["target"] != 2020]
        rows.append({"model": model, "n_origins": len(part),
                     "mae": float(part["error"].abs().mean()),
                     "mae_without_2020": float(rest["error"].abs().mean()),
                     "error_2020": float(test["error"].iloc[0]) if len(test) else np.nan})
    table = pd.DataFrame(rows)
    naive = table.set_index("model").loc["naive", "mae"]
    table["relative_mae"] = table["mae"] / naive
    return table


def conditional_forecast(model: str, growth: float, vintage: str = "plan_time") -> float:
    """China's new urban jobs (persons) in the year after the data, given its growth."""
    y, g = _data(vintage)
    return float(np.exp(_fit_predict(model, y, g, float(growth))))
