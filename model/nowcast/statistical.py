"""The statistical nowcast: the year's total from its first months, with honest intervals.

**New urban jobs (China, Hunan).** The year's total is what is in (``C_m``, the cumulative
through month m) plus what is still to come, ``R_m = Y - C_m``. The rest of the year is
modelled, not the share: across years, the remainder relative to last year's total,
``rho_m(y) = R_m(y) / Y(y-1)``, follows a local-level model (statsmodels
``UnobservedComponents``, random walk plus noise, fitted by maximum likelihood on the years
before the one nowcast; years without a figure at month m are gaps the Kalman filter
skips); with fewer than four years, the mean of the years. With one year or none there is
no nowcast. The spread is pooled over months (:func:`pooled_scale`): the deviations of
``rho_m`` from its mean, standardised by the months left (``sqrt((12 - m) / 12)``: the
variance of a sum of independent monthly increments), give one scale ``sigma``; the
interval is Student-t with (contributing years - 1) degrees of freedom and scale
``sigma * sqrt((12 - m) / 12) * sqrt(1 + 1 / n)`` (the mean is estimated from n years).
The width therefore depends on the record and on m, never on the year's own figure: it
narrows as the year is observed.

**Recursive out-of-sample recalibration** (:func:`recalibration`, on by default). The model's
own nowcasts at every origin of the years before the one nowcast (each from the record
before its own year) are scored against the totals those years reached: the normal scores
``u = Phi^-1(F(realised))`` of a calibrated model have unit variance. ``k^2`` pools the
model's stated scale (worth its own degrees of freedom) with one observation per scored
year (the mean ``u^2`` of its months, which share the year's shock); the q-quantile becomes
the model's ``Phi(k Phi^-1(q))``-quantile. Nothing of the year nowcast, or later, enters.
A diagnostic, :func:`year_so_far`, scores the year's own first months against the record's
years; it changes no number, and says when the interval's premise (a year like the record's)
is contradicted by the year itself. Why the remainder and not the share: a shock to the first
months (2020's Q1) does not scale the rest of the year, and on the years before 2020 the
remainder model already beats the share benchmarks at every month up to June
(``docs/nowcast.md``).

Where a past year has no figure at month m, its ``C_m`` is interpolated between its nearest
published months along the pooled within-year profile (the mean share by month of the years
before), if one of them lies within two months; otherwise the year is a gap.

Hunan publishes too few within-year figures for its own model: its remainder is the national
``rho_m`` times Hunan's latest published annual total before the year, with the national
model's interval scaled the same way.

**Surveyed unemployment rate (China).** A local-level model of the monthly rate (record from
2018-01, then the year's actuals), simulated forward to December; the annual average is
the observed months plus the simulated ones, and the interval and P(average <= target) come
from the simulations.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from jobsim.nowcast.history import cumulative_record, rate_record
from scipy import stats

__all__ = ["Forecast", "Remainder", "pooled_profile", "interpolated", "pooled_scale",
           "remainder_history", "remainder_forecast", "origin_errors", "recalibration",
           "normal_score", "year_so_far", "origins",
           "nowcast_cumulative",
           "nowcast_rate", "MIN_YEARS", "NEAR_MONTHS"]

#: Fewer years than this: a constant plus noise rather than a local level (two variances
#: cannot be told apart on three points).
MIN_YEARS = 4
#: A past year without a figure at month m is interpolated only from a month this close.
NEAR_MONTHS = 2
#: A year whose first months score below this two-sided p against the record's years gets a
#: warning (the conventional 1% test level; a message only, it changes no number).
BREAK_P = 0.01
#: Simulated paths for the rate's annual average.
RATE_SIMULATIONS = 4000


@dataclass(frozen=True)
class Forecast:
    """A year-end distribution: a location-scale Student t, or simulated draws."""

    mean: float
    sd: float
    df: float                       # inf = normal
    observed: float                 # what is in (C_m; the rate: the observed months' mean)
    draws: np.ndarray | None = None  # simulated values, when the distribution is not a t
    years_used: int = 0
    note: str = ""
    #: Probit recalibration factor k of the t (1 = the model as stated): the q-quantile is
    #: the model's ``Phi(k * Phi^-1(q))``-quantile (:func:`recalibration`).
    k: float = 1.0
    #: Set when the year's own months contradict the interval's premise (:func:`year_so_far`).
    warning: str = ""

    def quantile(self, q: float) -> float:
        """Return the q-quantile of the year-end value."""
        if self.draws is not None:
            return float(np.quantile(self.draws, q))
        if self.sd == 0:
            return self.mean
        q = float(stats.norm.cdf(self.k * stats.norm.ppf(q)))
        return float(self.mean + self.sd * stats.t.ppf(q, self.df))

    def prob(self, threshold: float, comparison: str) -> float:
        """P(year-end value meets ``comparison threshold``); NaN without a threshold."""
        if not np.isfinite(threshold) or comparison not in (">=", "<="):
            return float("nan")
        if self.draws is not None:
            hit = self.draws >= threshold if comparison == ">=" else self.draws <= threshold
            return float(np.mean(hit))
        if self.sd == 0:
            return float(self.mean >= threshold if comparison == ">=" else
                         self.mean <= threshold)
        below = float(stats.t.cdf((threshold - self.mean) / self.sd, self.df))
        below = float(stats.norm.cdf(stats.norm.ppf(below) / self.k))
        return 1.0 - below if comparison == ">=" else below


def pooled_profile(record: pd.DataFrame, before: int) -> np.ndarray:
    """Mean share of the year's total by month 0..12 over years before ``before``."""
    past = record[(record.index < before) & record[12].notna()]
    shares = past.drop(columns=12).div(past[12], axis=0).mean(axis=0)
    known = {0: 0.0, 12: 1.0} | {int(m): float(s) for m, s in shares.items() if np.isfinite(s)}
    months = sorted(known)
    return np.interp(np.arange(13), months, [known[m] for m in months])


def interpolated(row: pd.Series, m: int, profile: np.ndarray) -> float:
    """C_m of one past year from its nearest published months, along the profile."""
    known = {0: 0.0} | {int(k): float(v) for k, v in row.items() if np.isfinite(v)}
    if m in known:
        return known[m]
    lower = max(k for k in known if k < m)
    upper = [k for k in known if k > m]
    if not upper or min(m - lower, min(upper) - m) > NEAR_MONTHS:
        return float("nan")
    upper_m = min(upper)
    span = profile[upper_m] - profile[lower]
    if span <= 0:
        return float("nan")
    frac = (profile[m] - profile[lower]) / span
    return known[lower] + frac * (known[upper_m] - known[lower])


def remainder_history(record: pd.DataFrame, year: int, m: int) -> pd.Series:
    """rho_m(y) = (Y(y) - C_m(y)) / Y(y - 1) for the years before ``year`` (NaN gaps)."""
    profile = pooled_profile(record, year)
    out = {}
    for y in record.index[record.index < year]:
        total, last = record.loc[y, 12], record.loc[y - 1, 12] if y - 1 in record.index else np.nan
        if not (np.isfinite(total) and np.isfinite(last)):
            out[int(y)] = np.nan
            continue
        c = interpolated(record.loc[y], m, profile)
        out[int(y)] = (total - c) / last if np.isfinite(c) else np.nan
    series = pd.Series(out, dtype=float).sort_index()
    # Trim leading gaps: a state-space fit starts at the first year with a value.
    first = series.first_valid_index()
    return series.loc[first:] if first is not None else series.iloc[0:0]


def _fit_level(values: np.ndarray) -> tuple[float, float, int]:
    """One-step prediction (mean, sd) of a local level (or constant) model, and n used."""
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    finite = values[np.isfinite(values)]
    n = int(finite.size)
    if n < 2:
        return float("nan"), float("nan"), n
    if n < MIN_YEARS:
        # Constant plus noise, unknown mean and variance: the exact predictive is
        # mean +- s * sqrt(1 + 1/n), Student t with n - 1 df (statsmodels' diffuse
        # "deterministic constant" leaves no degree of freedom for the variance at n = 2).
        return float(finite.mean()), float(finite.std(ddof=1) * np.sqrt(1 + 1 / n)), n
    with warnings.catch_warnings():
        # Few points: the optimiser's convergence and boundary warnings are expected.
        warnings.simplefilter("ignore")
        res = UnobservedComponents(values, level="local level").fit(disp=False)
        fc = res.get_forecast(1)
    mean = float(np.asarray(fc.predicted_mean)[0])
    sd = float(np.sqrt(max(float(np.asarray(fc.var_pred_mean)[0]), 0.0)))
    return mean, sd, n


def _record_key(record: pd.DataFrame) -> tuple:
    """A record's identity for the caches below: its values and years, not the object."""
    return record.to_numpy(dtype=float).tobytes(), tuple(record.index)


_CACHE: dict[tuple, object] = {}


def _cached(kind: str, record: pd.DataFrame, *args: object, compute) -> object:
    # The backtest and its recalibration ask for the same (record, year, m) many times;
    # keyed by the record's content, a changed record never reuses a stale value.
    key = (kind, _record_key(record), *args)
    if key not in _CACHE:
        _CACHE[key] = compute()
    return _CACHE[key]


def pooled_scale(record: pd.DataFrame, year: int, power: int = 1) -> tuple[float, float]:
    """(sigma, df): the spread of rho_m around its mean per month, pooled over months.

    The variance of what is still to come shrinks as the year goes by: with monthly
    increments that vary independently, ``var rho_m`` is proportional to the months left,
    ``g(m) = (12 - m) / 12``. Each month's deviations from its mean over the years before
    ``year`` are standardised by ``sqrt(g(m))`` and pooled. Degrees of freedom: the distinct
    years that contribute, minus one (a year's deviations at different months are not
    independent). ``power = 2`` standardises by ``g(m)`` instead (one shock on the whole rest
    of the year: an alternative scored in :mod:`jobsim.nowcast.variants`).
    """
    return _cached("pooled_scale", record, year, power,  # type: ignore[return-value]
                   compute=lambda: _pooled_scale(record, year, power))


def _pooled_scale(record: pd.DataFrame, year: int, power: int) -> tuple[float, float]:
    ss, dof, years = 0.0, 0, set()
    for m in range(0, 12):
        rho = remainder_history(record, year, m).dropna()
        if len(rho) < 2:
            continue
        ss += float(((rho - rho.mean()) ** 2).sum()) / ((12 - m) / 12) ** power
        dof += len(rho) - 1
        years |= set(rho.index)
    if dof == 0:
        return float("nan"), 0.0
    return float(np.sqrt(ss / dof)), float(max(len(years) - 1, 1))


@dataclass(frozen=True)
class Remainder:
    """The model's predictive of ``rho_m``: a location-scale Student t (and its basis)."""

    mean: float
    scale: float
    df: float
    years: int          # years with a figure at m that the location rests on
    ll_sd: float        # the local level's own MLE predictive sd (no parameter uncertainty)


def remainder_forecast(record: pd.DataFrame, year: int, m: int) -> Remainder | None:
    """The model as stated: ``rho_m(year)`` from the record before ``year`` only.

    Location: a local level over the years (:func:`_fit_level`). Scale:
    ``sigma * sqrt((12 - m) / 12) * sqrt(1 + 1/n)``, Student t with the pooled degrees of
    freedom (:func:`pooled_scale`). ``None`` when fewer than two years support it.
    """
    return _cached("remainder_forecast", record, year, m,  # type: ignore[return-value]
                   compute=lambda: _remainder_forecast(record, year, m))


def _remainder_forecast(record: pd.DataFrame, year: int, m: int) -> Remainder | None:
    rho = remainder_history(record, year, m)
    mean, ll_sd, n = _fit_level(rho.to_numpy(dtype=float))
    sigma, df = pooled_scale(record, year)
    if n < 2 or not np.isfinite(sigma):
        return None
    scale = sigma * np.sqrt((12 - m) / 12) * np.sqrt(1 + 1 / n)
    return Remainder(float(mean), float(scale), float(df), n, float(ll_sd))


def origin_errors(record: pd.DataFrame, year: int) -> pd.DataFrame:
    """Out-of-sample errors of the model as stated, at every origin of the years before ``year``.

    One row per (origin year y < ``year``, month m < 12) where y published ``C_m`` and its
    total and the model nowcasts: ``pit`` = the model's predictive CDF at the year's realised
    ``rho_m``, ``u`` = its normal score ``Phi^-1(pit)`` (N(0, 1) if the model is calibrated),
    ``z`` = the error in scales. Each origin's forecast uses only the record before its own
    year, so the whole table uses nothing from ``year`` on.
    """
    rows = []
    for y, m, realised in origins(record, record.index[record.index < year]):
        fc = remainder_forecast(record, y, m)
        if fc is None:
            continue
        z = (realised - fc.mean) / fc.scale
        rows.append({"year": y, "m": m, "z": float(z), "pit": float(stats.t.cdf(z, fc.df)),
                     "u": normal_score(float(z), fc.df)})
    return pd.DataFrame(rows, columns=["year", "m", "z", "pit", "u"])


def origins(record: pd.DataFrame, years: Iterable[int]) -> Iterator[tuple[int, int, float]]:
    """(year, m, realised rho_m) of every origin with ``C_m``, the total and last year's."""
    for y in years:
        if y not in record.index or y - 1 not in record.index:
            continue
        total, last = record.loc[y, 12], record.loc[y - 1, 12]
        if not (np.isfinite(total) and np.isfinite(last)):
            continue
        for m in range(1, 12):
            c = record.loc[y, m]
            if np.isfinite(c):
                yield int(y), m, float((total - c) / last)


def normal_score(z: float, df: float) -> float:
    """``Phi^-1(F_t(z; df))``, accurate in both tails (a 2020 error is many scales out)."""
    if z < 0:
        return float(stats.norm.ppf(stats.t.cdf(z, df)))
    return float(stats.norm.isf(stats.t.sf(z, df)))


def year_so_far(record: pd.DataFrame, year: int, m: int, observed: float, base: float
                ) -> tuple[float, float]:
    """(t, p): how unlike the record's years the year's own first m months are.

    The pace so far relative to last year's total, ``observed / base``, against the same
    ratio ``C_m(y) / Y(y - 1)`` of the years before ``year`` (interpolated as in
    :func:`remainder_history`): a Student t score with (n - 1) degrees of freedom and its
    two-sided p-value. A diagnostic only: it changes no number of the nowcast. The interval
    assumes the rest of the year is like the record's years; a small p says the year so
    far is not.
    """
    profile = pooled_profile(record, year)
    pace = []
    for y in record.index[record.index < year]:
        last = record.loc[y - 1, 12] if y - 1 in record.index else np.nan
        if not np.isfinite(last):
            continue
        c = interpolated(record.loc[y], m, profile)
        if np.isfinite(c):
            pace.append(c / last)
    if len(pace) < 2 or not np.isfinite(base) or base <= 0:
        return float("nan"), float("nan")
    pace_arr = np.asarray(pace)
    n = pace_arr.size
    t = (observed / base - pace_arr.mean()) / (pace_arr.std(ddof=1) * np.sqrt(1 + 1 / n))
    return float(t), float(2 * stats.t.sf(abs(t), n - 1))


def recalibration(record: pd.DataFrame, year: int, prior_df: float) -> tuple[float, int]:
    """(k, J): the probit recalibration of the interval at origins of ``year``, and J years.

    A recursive, out-of-sample calibration: the normal scores ``u`` of the model's own
    forecasts at every origin before ``year`` (:func:`origin_errors`) should have unit
    variance. ``k^2`` pools the model's stated scale (worth ``prior_df`` observations: the
    degrees of freedom it rests on) with the J scored years (one observation each, the mean
    of its ``u^2``: a year's errors at different months share the year's shock):
    ``k^2 = (prior_df + sum_j mean_j(u^2)) / (prior_df + J)``. No scored year: ``k = 1``.
    ``k < 1`` narrows the interval (the model over-covered), ``k > 1`` widens it.
    """
    errors = origin_errors(record, year)
    if errors.empty:
        return 1.0, 0
    per_year = (errors["u"] ** 2).groupby(errors["year"]).mean()
    k2 = (prior_df + float(per_year.sum())) / (prior_df + len(per_year))
    return float(np.sqrt(k2)), int(len(per_year))


def _recalibration_cached(record: pd.DataFrame, year: int, prior_df: float
                          ) -> tuple[float, int]:
    return _cached("recalibration", record, year, prior_df,  # type: ignore[return-value]
                   compute=lambda: recalibration(record, year, prior_df))


def nowcast_cumulative(series: str, year: int, m: int, observed: float,
                       calibrate: bool = True, record: pd.DataFrame | None = None
                       ) -> Forecast | None:
    """Nowcast the year's total of a cumulative series from ``observed`` through month ``m``.

    ``series`` is ``national_new_urban_jobs_ytd`` or ``hunan_new_urban_jobs_ytd``. Only the
    record before ``year`` is used (``record``: China's, default the shipped one). ``m = 12``
    is the year itself; ``m = 0`` (nothing in yet) gives last year's total times ``rho_0``.
    ``calibrate`` applies the recursive out-of-sample recalibration (:func:`recalibration`;
    ``False``: the model as stated). Returns ``None`` when the record cannot support a
    nowcast at month m (fewer than two usable years, or no total for the year before).
    """
    national = cumulative_record("national") if record is None else record
    if m == 12:
        return Forecast(observed, 0.0, np.inf, observed, note="the year is complete")
    fc = remainder_forecast(national, year, m)
    if fc is None:
        return None
    k, scored = _recalibration_cached(national, year, fc.df) if calibrate else (1.0, 0)
    if series == "national_new_urban_jobs_ytd":
        base = national.loc[year - 1, 12] if year - 1 in national.index else np.nan
        note = f"China's remainder profile, {fc.years} years; last year's total {base:,.0f}"
    else:
        hunan = cumulative_record("hunan")
        totals = hunan.loc[hunan.index < year, 12].dropna()
        base = float(totals.iloc[-1]) if len(totals) else np.nan
        note = (f"China's remainder profile ({fc.years} years) on Hunan's latest total before "
                f"{year} ({totals.index[-1] if len(totals) else '-'}: {base:,.0f})")
    if not np.isfinite(base):
        return None
    if calibrate:
        note += (f"; interval recalibrated on {scored} earlier years' out-of-sample errors, "
                 f"k = {k:.2f}" if scored else "; no earlier scored year: interval as stated")
    warning = ""
    if 0 < m < 12:
        # Hunan: its own pace against China's record, as its remainder is China's.
        pace_t, pace_p = year_so_far(national, year, m, observed, base)
        if np.isfinite(pace_p):
            note += f"; the year so far against the record's years: t = {pace_t:.1f}, " \
                    f"p = {pace_p:.3f}"
        if pace_p < BREAK_P:
            warning = (f"{series}: the year to month {m} lies far outside the record's years "
                       f"(t = {pace_t:.1f}, p = {pace_p:.3f}); the interval assumes the rest of "
                       f"the year is like theirs, and in a break year it is too narrow")
    return Forecast(observed + base * fc.mean, base * fc.scale, fc.df, observed,
                    years_used=fc.years, note=note, k=k, warning=warning)


def nowcast_rate(year: int, observed: pd.Series, seed: int = 0) -> Forecast | None:
    """Nowcast the annual average of China's surveyed rate from the months in ``observed``.

    ``observed`` is indexed by month (1..12). The record before ``year`` and the year's own
    observed months are the data; the rest of the year is simulated.
    """
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    record = rate_record()
    past = record[record.index.year < year]
    if past.notna().sum() < 12:
        return None
    end = pd.Period(f"{year}-12", freq="M")
    index = pd.period_range(past.index.min(), end, freq="M")
    series = past.reindex(index)
    for month, value in observed.items():
        series[pd.Period(f"{year}-{int(month):02d}", freq="M")] = float(value)
    months = pd.period_range(f"{year}-01", end, freq="M")
    last = int(max(observed.index)) if len(observed) else 0
    fit_on = series.loc[:pd.Period(f"{year}-{last:02d}", freq="M") if last else
                        pd.Period(f"{year - 1}-12", freq="M")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = UnobservedComponents(fit_on.to_numpy(dtype=float), level="local level").fit(
            disp=False)
        steps = len(index) - len(fit_on)
        sims = np.asarray(res.simulate(steps, anchor="end", repetitions=RATE_SIMULATIONS,
                                       rng=np.random.default_rng(seed)))
    sims = sims.reshape(steps, -1)  # (steps, repetitions)
    in_year = sims[-(12 - last):] if last < 12 else np.zeros((0, sims.shape[1]))
    # A month of the year not (or only from memory) published is the smoothed level there.
    smoothed = np.asarray(res.smoothed_state[0])
    observed_sum = 0.0
    for p in months[:last]:
        value = series[p]
        observed_sum += float(value) if np.isfinite(value) else float(
            smoothed[fit_on.index.get_loc(p)])
    draws = (observed_sum + in_year.sum(axis=0)) / 12.0
    obs_mean = observed_sum / last if last else float("nan")
    return Forecast(float(draws.mean()), float(draws.std()), np.inf, obs_mean, draws=draws,
                    years_used=int(fit_on.notna().sum()),
                    note=f"local level on {int(fit_on.notna().sum())} monthly rates")
