"""Candidate models, their fitting, and the naive benchmarks, behind one small interface.

Three statsmodels families are candidates: ``sarimax`` (:class:`~statsmodels.tsa.statespace.
sarimax.SARIMAX`), ``ets`` (the linear state-space exponential smoothing,
:class:`~statsmodels.tsa.statespace.exponential_smoothing.ExponentialSmoothing`) and ``uc``
(:class:`~statsmodels.tsa.statespace.structural.UnobservedComponents`). All three are state-space
models, so a missing month is simply skipped by the Kalman filter; nothing is imputed.

Within a family the specification (orders, trend, seasonal) is chosen by AICc, computed on
the observations that actually enter the likelihood (statsmodels' own ``aicc`` counts missing
periods as observations). AICc rather than AIC because the samples are tiny. A spec needs at
least one residual degree of freedom (``n > k``) to be fitted at all; when no spec has a
defined AICc (``n <= k + 1``) the one with fewest parameters is taken.

Benchmarks: ``naive`` carries the last observation forward (for the within-year profile it
is even accrual, ``y = 0``); ``seasonal_naive`` carries the last observation of the same
month. Their intervals are those of a (seasonal) random walk with the variance estimated from
the observed steps, each divided by its gap, which is the random walk's maximum-likelihood
variance when values are missing.

Every fitted model answers ``predict(steps)`` with columns ``mean, lo80, hi80, lo95, hi95``
and ``simulate(steps, draws, rng)`` with sample paths; both in model space.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from statistics import NormalDist
from typing import Protocol

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX
from statsmodels.tsa.statespace.structural import UnobservedComponents

__all__ = [
    "BENCHMARKS", "FAMILIES", "Fitted", "Spec", "candidates", "fit_model", "harmonics",
    "model_names",
]

FAMILIES: tuple[str, ...] = ("sarimax", "ets", "uc")
BENCHMARKS: tuple[str, ...] = ("naive", "seasonal_naive")
LEVELS: tuple[int, ...] = (80, 95)
COLUMNS: tuple[str, ...] = ("mean", "lo80", "hi80", "lo95", "hi95")
#: A forecast whose standard error exceeds this multiple of the training data's spread is
#: treated as undefined: it comes from a state never pinned down by an observation (a
#: month never seen, under the approximate-diffuse prior), not from the data.
DIFFUSE_RATIO = 50.0

_CLASSES = {"sarimax": SARIMAX, "ets": ExponentialSmoothing, "uc": UnobservedComponents}


@dataclass(frozen=True)
class Spec:
    """One candidate specification: a family, a readable name and constructor options."""

    family: str
    name: str
    options: tuple[tuple[str, object], ...] = ()
    harmonics: int = 0  # sine terms sin(pi k m / 12), k = 1..harmonics (profile only)


def _sarimax(order, seasonal=(0, 0, 0, 0), trend="n", k=0) -> Spec:
    name = f"sarimax{order}".replace(" ", "")
    if seasonal[3]:
        name += f"{seasonal}".replace(" ", "")
    name += {"n": "", "c": "+c"}[trend] + (f"+sin{k}" if k else "")
    return Spec("sarimax", name, (("order", order), ("seasonal_order", seasonal),
                                  ("trend", trend)), k)


def _ets(trend=False, damped=False, seasonal=None) -> Spec:
    name = f"ets(A,{'Ad' if damped else 'A' if trend else 'N'},{'A' if seasonal else 'N'})"
    return Spec("ets", name, (("trend", trend), ("damped_trend", damped),
                              ("seasonal", seasonal)))


def _uc(level: str, seasonal: int | None = None) -> Spec:
    options: tuple[tuple[str, object], ...] = (("level", level),)
    if seasonal:
        options += (("seasonal", seasonal), ("stochastic_seasonal", False))
    return Spec("uc", f"uc({level}{f'+seasonal{seasonal}' if seasonal else ''})", options)


#: Candidate grids per kind of series; small on purpose (2-3 years of months, 4-9 years).
GRIDS: dict[str, dict[str, tuple[Spec, ...]]] = {
    "monthly_rate": {
        "sarimax": (_sarimax((1, 0, 0), trend="c"), _sarimax((0, 1, 0)),
                    _sarimax((1, 1, 0)), _sarimax((0, 1, 1)),
                    _sarimax((1, 0, 0), (1, 0, 0, 12), "c"), _sarimax((0, 1, 0), (1, 0, 0, 12))),
        "ets": (_ets(), _ets(True, True), _ets(seasonal=12)),
        "uc": (_uc("llevel"), _uc("llevel", 12), _uc("lltrend")),
    },
    "annual": {
        "sarimax": (_sarimax((0, 1, 0), trend="c"), _sarimax((1, 1, 0)), _sarimax((0, 1, 1))),
        "ets": (_ets(), _ets(True, True)),
        "uc": (_uc("llevel"), _uc("rwdrift")),
    },
    # The profile is pinned at 0 in January's start and December's end, which ETS and UC
    # levels are not: only regressions on sine terms (with white-noise or AR(1) errors).
    "profile": {
        "sarimax": (_sarimax((0, 0, 0), k=1), _sarimax((0, 0, 0), k=2),
                    _sarimax((1, 0, 0), k=1)),
    },
}


def candidates(kind: str) -> dict[str, tuple[Spec, ...]]:
    """The default candidate grid for a kind of series (``monthly_rate``, ``annual``, ...)."""
    return GRIDS[kind]


def model_names(season: int | None, grid: dict[str, tuple[Spec, ...]]) -> list[str]:
    """Benchmarks first (they win ties), then the candidate families."""
    return ["naive"] + (["seasonal_naive"] if season else []) + list(grid)


def harmonics(index: pd.PeriodIndex, k: int) -> pd.DataFrame:
    """Sine terms of the month of year that vanish at the start and end of the year."""
    month = np.asarray(index.month, dtype=float)
    return pd.DataFrame({f"sin{j}": np.sin(np.pi * j * month / 12.0) for j in range(1, k + 1)},
                        index=index)


class Fitted(Protocol):
    """What the backtest and the macro path need from a fitted model."""

    name: str

    def predict(self, steps: int) -> pd.DataFrame:
        """Mean and 80/95% bounds for the next ``steps`` periods."""

    def simulate(self, steps: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Sample paths, shape ``(steps, draws)``."""


_Z = {level: NormalDist().inv_cdf(0.5 + level / 200.0) for level in LEVELS}


def _frame(index: pd.PeriodIndex, mean: np.ndarray, se: np.ndarray) -> pd.DataFrame:
    out = {"mean": mean}
    for level in LEVELS:
        out[f"lo{level}"] = mean - _Z[level] * se
        out[f"hi{level}"] = mean + _Z[level] * se
    return pd.DataFrame(out, index=index)


def _future(index: pd.PeriodIndex, steps: int) -> pd.PeriodIndex:
    return pd.period_range(index[-1] + 1, periods=steps, freq=index.freq)


# --------------------------------------------------------------------------- statsmodels


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence optimiser chatter for one fit: fits are judged by likelihood and backtest."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module="statsmodels")
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="statsmodels")
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="numpy")
        yield


class StatsmodelsFit:
    """A statsmodels results object with the interface above (intervals are its own)."""

    def __init__(self, spec: Spec, results, y: pd.Series, aicc: float):
        self.name = spec.name
        self.spec = spec
        self.results = results
        self.aicc = aicc
        self._index = y.index
        observed = y.dropna()
        spread = float(observed.std(ddof=0)) if len(observed) > 1 else 0.0
        self._spread = spread if spread > 0 else max(float(observed.abs().mean()), 1e-12)

    def _exog(self, steps: int) -> pd.DataFrame | None:
        if not self.spec.harmonics:
            return None
        return harmonics(_future(self._index, steps), self.spec.harmonics)

    def predict(self, steps: int) -> pd.DataFrame:
        """Mean and 80/95% bounds from ``get_forecast(steps).summary_frame(alpha)``."""
        with _quiet():
            prediction = self.results.get_forecast(steps, exog=self._exog(steps))
            frame = prediction.summary_frame(alpha=0.05)
        mean = frame["mean"].to_numpy(dtype=float)
        se = frame["mean_se"].to_numpy(dtype=float)
        undefined = ~np.isfinite(mean) | ~np.isfinite(se) | (se > DIFFUSE_RATIO * self._spread)
        mean = np.where(undefined, np.nan, mean)
        se = np.where(undefined, np.nan, se)
        return _frame(_future(self._index, steps), mean, se)

    def simulate(self, steps: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Paths from the end of the sample; the end state is drawn from its filtered law.

        Parameter uncertainty is not included (the parameters are held at their estimates).
        """
        with _quiet():
            paths = self.results.simulate(steps, anchor="end", repetitions=draws,
                                          exog=self._exog(steps), rng=rng)
        return np.asarray(paths, dtype=float).reshape(steps, draws)


def _n_effective(results, y: pd.Series) -> int:
    """Observations that enter the likelihood: non-missing, after the diffuse burn-in."""
    burn = int(max(results.loglikelihood_burn, getattr(results, "nobs_diffuse", 0)))
    return int(np.isfinite(y.to_numpy()[burn:]).sum())


def _fit_spec(spec: Spec, y: pd.Series) -> tuple[StatsmodelsFit, int] | None:
    """Fit one spec; None when it cannot be fitted to these data."""
    options = dict(spec.options)
    if spec.harmonics:
        options["exog"] = harmonics(y.index, spec.harmonics)
    try:
        with _quiet():
            results = _CLASSES[spec.family](y, **options).fit(disp=False)
    except (ValueError, np.linalg.LinAlgError, IndexError, ZeroDivisionError):
        return None  # e.g. more initial states than observations
    k = int(results.df_model)
    n = _n_effective(results, y)
    if not np.isfinite(results.llf) or n < k + 1:
        return None
    aicc = (-2.0 * results.llf + 2.0 * k + 2.0 * k * (k + 1) / (n - k - 1)
            if n - k - 1 > 0 else np.nan)
    return StatsmodelsFit(spec, results, y, aicc), k


def _fit_family(specs: tuple[Spec, ...], y: pd.Series) -> StatsmodelsFit | None:
    """The family's spec with the lowest AICc (fewest parameters when AICc is undefined)."""
    fits = [f for f in (_fit_spec(spec, y) for spec in specs) if f is not None]
    if not fits:
        return None
    ranked = [f for f in fits if np.isfinite(f[0].aicc)]
    if ranked:
        return min(ranked, key=lambda f: f[0].aicc)[0]
    return min(fits, key=lambda f: f[1])[0]


# --------------------------------------------------------------------------- benchmarks


class Naive:
    """Random walk from the last observation (``mode="last"``) or white noise around 0."""

    def __init__(self, y: pd.Series, mode: str = "last"):
        self.name = "naive"
        self._index = y.index
        values = y.to_numpy(dtype=float)
        pos = np.flatnonzero(np.isfinite(values))
        self._mode = mode
        if mode == "zero":
            self._level = 0.0
            self._last = len(values) - 1
            self._sigma = float(np.sqrt(np.mean(values[pos] ** 2))) if len(pos) else np.nan
        else:
            self._level = float(values[pos[-1]]) if len(pos) else np.nan
            self._last = int(pos[-1]) if len(pos) else len(values) - 1
            gaps = np.diff(pos)
            steps = np.diff(values[pos])
            self._sigma = float(np.sqrt(np.mean(steps**2 / gaps))) if len(gaps) else np.nan

    def _reach(self, steps: int) -> np.ndarray:
        """Periods between the last observation and each forecast period."""
        return len(self._index) - 1 + np.arange(1, steps + 1) - self._last

    def predict(self, steps: int) -> pd.DataFrame:
        """Constant mean; spread grows with the square root of the reach (random walk)."""
        mean = np.full(steps, self._level)
        reach = np.ones(steps) if self._mode == "zero" else self._reach(steps)
        return _frame(_future(self._index, steps), mean, self._sigma * np.sqrt(reach))

    def simulate(self, steps: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Random-walk (or white-noise) paths with the estimated variance."""
        shocks = rng.standard_normal((steps, draws)) * self._sigma
        if self._mode == "zero":
            return shocks
        reach = self._reach(steps)
        widths = np.sqrt(np.diff(np.concatenate([[0], reach])))[:, None]
        return self._level + np.cumsum(shocks * widths, axis=0)


class SeasonalNaive:
    """The last observation of the same season; a random walk from season to season."""

    def __init__(self, y: pd.Series, season: int):
        self.name = "seasonal_naive"
        self._index = y.index
        self._season = season
        self._values = y.to_numpy(dtype=float)
        steps, gaps = [], []
        for phase in range(season):
            pos = np.flatnonzero(np.isfinite(self._values[phase::season]))
            if len(pos) > 1:
                steps.append(np.diff(self._values[phase::season][pos]))
                gaps.append(np.diff(pos))
        if steps:
            steps_all, gaps_all = np.concatenate(steps), np.concatenate(gaps)
            self._sigma = float(np.sqrt(np.mean(steps_all**2 / gaps_all)))
        else:
            self._sigma = np.nan

    def _anchor(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self._values)
        mean, reach = np.full(steps, np.nan), np.full(steps, np.nan)
        for h in range(steps):
            target = n + h
            past = np.arange(target - self._season, -1, -self._season)
            past = past[past < n]
            seen = past[np.isfinite(self._values[past])]
            if len(seen):
                mean[h] = self._values[seen[0]]
                reach[h] = (target - seen[0]) // self._season
        return mean, reach

    def predict(self, steps: int) -> pd.DataFrame:
        """Undefined (NaN) for a season never observed."""
        mean, reach = self._anchor(steps)
        return _frame(_future(self._index, steps), mean, self._sigma * np.sqrt(reach))

    def simulate(self, steps: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Independent random walks per season (marginals match ``predict``)."""
        mean, reach = self._anchor(steps)
        return mean[:, None] + rng.standard_normal((steps, draws)) * (
            self._sigma * np.sqrt(reach)[:, None])


def fit_model(
    model: str,
    y: pd.Series,
    *,
    grid: dict[str, tuple[Spec, ...]],
    season: int | None = None,
    naive: str = "last",
) -> Fitted | None:
    """Fit a benchmark or a family (spec chosen by AICc) to ``y``.

    Parameters
    ----------
    model : str
        ``"naive"``, ``"seasonal_naive"`` or a family name in ``grid``.
    y : pandas.Series
        Model-space values on a regular ``PeriodIndex``; NaN = missing.
    grid : dict
        Family name to candidate specs.
    season : int, optional
        Seasonal period for ``seasonal_naive``.
    naive : str
        Mode of the naive benchmark (``"last"`` or ``"zero"``).

    Returns
    -------
    Fitted or None
        None when nothing in the family can be fitted to these observations.
    """
    if not np.isfinite(y.to_numpy(dtype=float)).any():
        return None
    if model == "naive":
        return Naive(y, naive)
    if model == "seasonal_naive":
        if not season:
            raise ValueError("seasonal_naive needs a season")
        return SeasonalNaive(y, season)
    return _fit_family(grid[model], y)
