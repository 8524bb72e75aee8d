"""Candidate models, their fitting, and the naive benchmarks, behind one small interface.

Three statsmodels families are candidates: ``sarimax`` (:class:`~statsmodels.tsa.statespace.
sarimax.SARIMAX`), ``ets`` (the linear state-space exponential smoothing,
:class:`~statsmodels.tsa.statespace.exponential_smoothing.ExponentialSmoothing`) and ``uc``
(:class:`~statsmodels.tsa.statespace.structural.UnobservedComponents`). All three are state-space
models, so a missing month is simply skipped by the Kalman filter; nothing is imputed.

Within a family the specification (orders, trend, seasonal) is chosen by AICc, with ``n``
the number of non-missing observations (statsmodels' own ``aicc`` counts missing periods as
observations) and ``k`` the parameters plus the exactly-diffuse initial states. AICc rather
than AIC because the samples are tiny. A spec needs ``n >= k + 1`` to be fitted at all; when
no spec has a defined AICc (``n <= k + 1``) the one with fewest parameters is taken. AICc
across different orders of differencing is only roughly comparable; with samples this short
no unit-root test would do better.

Benchmarks: ``naive`` carries the last observation forward (for the within-year profile it
is even accrual, ``y = 0``); ``seasonal_naive`` carries the last observation of the same
month (the naive value for a month not observed yet). Their intervals are those of a
(seasonal) random walk with the variance estimated from the observed steps, each divided by
its gap, which is the random walk's maximum-likelihood variance when values are missing.

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
from threadpoolctl import threadpool_limits

__all__ = [
    "BENCHMARKS", "FAMILIES", "Fitted", "Spec", "StatsmodelsFit", "candidates", "fit_model",
    "fit_spec", "harmonics", "model_names", "uc_spec",
]

FAMILIES: tuple[str, ...] = ("sarimax", "ets", "uc")
BENCHMARKS: tuple[str, ...] = ("naive", "seasonal_naive")
LEVELS: tuple[int, ...] = (80, 95)
COLUMNS: tuple[str, ...] = ("mean", "lo80", "hi80", "lo95", "hi95")
#: Safety net: a forecast whose standard error exceeds this multiple of the training data's
#: spread is treated as undefined (a state no observation pins down). Exact diffuse
#: initialisation plus the identification check in ``_fit_spec`` should make it unused.
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
                                  ("trend", trend), ("use_exact_diffuse", True)), k)


def _ets(trend=False, damped=False, seasonal=None) -> Spec:
    name = f"ets(A,{'Ad' if damped else 'A' if trend else 'N'},{'A' if seasonal else 'N'})"
    return Spec("ets", name, (("trend", trend), ("damped_trend", damped),
                              ("seasonal", seasonal)))


def _uc(level: str, seasonal: int | None = None) -> Spec:
    options: tuple[tuple[str, object], ...] = (("level", level), ("use_exact_diffuse", True))
    if seasonal:
        options += (("seasonal", seasonal), ("stochastic_seasonal", False))
    return Spec("uc", f"uc({level}{f'+seasonal{seasonal}' if seasonal else ''})", options)


def uc_spec(level: str, seasonal: int | None = None) -> Spec:
    """Build an unobserved-components spec (fixed seasonal dummies when ``seasonal``)."""
    return _uc(level, seasonal)


#: Candidate grids per kind of series; small on purpose (2-3 years of months, 4-9 years).
GRIDS: dict[str, dict[str, tuple[Spec, ...]]] = {
    "monthly_rate": {
        "sarimax": (_sarimax((1, 0, 0), trend="c"), _sarimax((0, 1, 0)),
                    _sarimax((1, 1, 0)), _sarimax((0, 1, 1)),
                    _sarimax((1, 0, 0), (1, 0, 0, 12), "c"), _sarimax((0, 1, 0), (1, 0, 0, 12))),
        # No seasonal ETS: it needs 13 initial states, more than the months observed
        # before most origins (it never fitted in trials); seasonality is tried by SARIMAX
        # and UC, whose seasonal states the Kalman filter can leave unobserved.
        "ets": (_ets(), _ets(True, True)),
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
    """Return the default candidate grid for a kind of series (``monthly_rate``, ...)."""
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
    """Silence optimiser chatter and run the filter on single-threaded BLAS.

    Fits are judged by likelihood and backtest, not by optimiser warnings. The state-space
    filter makes many BLAS calls on tiny matrices; a threaded OpenBLAS pays thread start-up on
    each and ran a full forecast 8x slower on 2 busy cores (81 s against 9.5 s), hence one
    BLAS thread during fits (threadpoolctl).
    """
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module="statsmodels")
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="statsmodels")
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="numpy")
        yield


class StatsmodelsFit:
    """A statsmodels results object with the interface above (intervals are its own)."""

    def __init__(self, spec: Spec, results, y: pd.Series, aicc: float, scale: float):
        self.name = spec.name
        self.spec = spec
        self.results = results
        self.aicc = aicc
        self.scale = scale
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
            frames = {level: prediction.summary_frame(alpha=1 - level / 100) for level in LEVELS}
        first = frames[LEVELS[0]]
        se = first["mean_se"].to_numpy(dtype=float) * self.scale
        out = {"mean": first["mean"].to_numpy(dtype=float) * self.scale}
        for level, frame in frames.items():
            out[f"lo{level}"] = frame["mean_ci_lower"].to_numpy(dtype=float) * self.scale
            out[f"hi{level}"] = frame["mean_ci_upper"].to_numpy(dtype=float) * self.scale
        out = pd.DataFrame(out, index=_future(self._index, steps))[list(COLUMNS)]
        undefined = ~np.isfinite(se) | (se > DIFFUSE_RATIO * self._spread)
        out.loc[undefined, :] = np.nan
        return out

    def simulate(self, steps: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Paths from the end of the sample; the end state is drawn from its filtered law.

        Parameter uncertainty is not included (the parameters are held at their estimates).
        """
        with _quiet():
            paths = self.results.simulate(steps, anchor="end", repetitions=draws,
                                          exog=self._exog(steps), rng=rng)
        return np.asarray(paths, dtype=float).reshape(steps, draws) * self.scale


def _unit(y: pd.Series) -> float:
    """Return a power of ten near the data's magnitude.

    Fitting persons (~1e7) directly leaves the optimiser badly scaled; dividing by a power
    of ten changes the log-likelihood of every spec by the same constant, so AICc ranks are
    unchanged, and forecasts are scaled back exactly.
    """
    top = float(np.nanmax(np.abs(y.to_numpy(dtype=float))))
    return 10.0 ** np.floor(np.log10(top)) if top > 0 else 1.0


def fit_spec(spec: Spec, y: pd.Series) -> tuple[StatsmodelsFit, int] | None:
    """Fit one spec; None when it cannot be fitted to, or identified by, these data.

    Returns the fit and its number of parameters ``k``.

    Non-stationary states get an exact diffuse prior, so ``df_model`` counts them (Durbin &
    Koopman's convention for information criteria) and the likelihood is not distorted by an
    arbitrary large prior variance. A spec whose diffuse phase never ends (some state, e.g.
    a month's seasonal, is never observed) is not identified and is dropped.
    """
    scale = _unit(y)
    scaled = y / scale
    options = dict(spec.options)
    if spec.harmonics:
        options["exog"] = harmonics(y.index, spec.harmonics)
    try:
        with _quiet():
            results = _CLASSES[spec.family](scaled, **options).fit(disp=False, cov_type="none")
    except (ValueError, np.linalg.LinAlgError, IndexError, ZeroDivisionError):
        return None  # e.g. more initial states than observations
    k = int(results.df_model)
    n = int(np.isfinite(y.to_numpy(dtype=float)).sum())
    if not np.isfinite(results.llf) or n < k + 1 or results.nobs_diffuse >= len(y):
        return None
    aicc = (-2.0 * results.llf + 2.0 * k + 2.0 * k * (k + 1) / (n - k - 1)
            if n - k - 1 > 0 else np.nan)
    return StatsmodelsFit(spec, results, y, aicc, scale), k


def _fit_family(specs: tuple[Spec, ...], y: pd.Series) -> StatsmodelsFit | None:
    """Fit a family; keep the lowest AICc (fewest parameters when AICc is undefined)."""
    fits = [f for f in (fit_spec(spec, y) for spec in specs) if f is not None]
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
        if self._mode == "zero":
            return np.ones(steps)
        return len(self._index) - 1 + np.arange(1, steps + 1) - self._last

    def moments(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard error per step."""
        return np.full(steps, self._level), self._sigma * np.sqrt(self._reach(steps))

    def predict(self, steps: int) -> pd.DataFrame:
        """Constant mean; spread grows with the square root of the reach (random walk)."""
        return _frame(_future(self._index, steps), *self.moments(steps))

    def simulate(self, steps: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Random-walk (or white-noise) paths with the estimated variance."""
        shocks = rng.standard_normal((steps, draws)) * self._sigma
        if self._mode == "zero":
            return shocks
        widths = np.sqrt(np.diff(np.concatenate([[0], self._reach(steps)])))[:, None]
        return self._level + np.cumsum(shocks * widths, axis=0)


class SeasonalNaive:
    """The last observation of the same season; a random walk from season to season.

    For a season not observed yet the naive forecast is used instead (the sparse series
    here would otherwise leave the benchmark undefined for whole months).
    """

    def __init__(self, y: pd.Series, season: int, fallback: Naive):
        self.name = "seasonal_naive"
        self._index = y.index
        self._season = season
        self._fallback = fallback
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
            self._sigma = np.nan  # no season seen twice: no interval

    def moments(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard error per step (the naive ones for unseen seasons)."""
        n = len(self._values)
        mean, se = self._fallback.moments(steps)
        for h in range(steps):
            past = np.arange(n + h - self._season, -1, -self._season)
            seen = past[(past < n)]
            seen = seen[np.isfinite(self._values[seen])]
            if len(seen):
                mean[h] = self._values[seen[0]]
                se[h] = self._sigma * np.sqrt((n + h - seen[0]) // self._season)
        return mean, se

    def predict(self, steps: int) -> pd.DataFrame:
        """Same-season values carried forward."""
        return _frame(_future(self._index, steps), *self.moments(steps))

    def simulate(self, steps: int, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Draws from each step's marginal law (no dependence across steps)."""
        mean, se = self.moments(steps)
        return mean[:, None] + rng.standard_normal((steps, draws)) * se[:, None]


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
        return SeasonalNaive(y, season, Naive(y, naive))
    return _fit_family(grid[model], y)
