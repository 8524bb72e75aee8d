"""Simulated moments: the past as one continuous run, and what the targets measure in it.

The past is simulated as it happened: one run from ``simulation.start`` (2014-01) to
``simulation.end`` (2020-12), stocks carried from month to month and year to year, each month at
the labour-demand index of its year's observed growth (2020 by quarter; see
:mod:`jobsim.calibration.demand`). Every target reads its year (or years, or months) off that one
monthly frame, so the targets of different years see the same agents and the same history.

One task is one replication at one parameter point; it is a pure function of
``(SimSpec, theta, replicate)``, so results do not depend on which process runs it or in which
order (common random numbers: replication *r* always uses ``seed`` and ``replicate=r``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from jobsim.agents import URBAN_EMPLOYMENT
from jobsim.calibration.config import RECORDING_SHARE, STOCK_COLUMNS, LoadedConfig
from jobsim.calibration.demand import ELASTICITY, demand_path, output_gap_path
from jobsim.calibration.targets import Moment
from jobsim.labour_market import LabourMarket
from jobsim.params import ParameterSet

__all__ = ["Extractor", "SimSpec", "make_spec", "simulate_replicate", "simulate_monthly",
           "overrides_for", "run_path", "extract", "demand_of"]


@dataclass(frozen=True)
class Extractor:
    """How to read one moment off the simulated months (offsets count from the start)."""

    kind: str
    years: tuple[int, ...]  # month offsets of each year's January
    months: tuple[int, ...] = ()
    plus: tuple[int, ...] = ()
    minus: tuple[int, ...] = ()
    month: int = 0
    through_month: int = 0
    stock_from: int = -1  # stock index (months simulated) at the start of an increase
    stock_to: int = -1
    span_years: float = 1.0
    quarter_from: int = -1  # month offsets of the first months of two quarters (a ratio)
    quarter_to: int = -1
    column: str = ""  # monthly column of an employment stock


@dataclass(frozen=True)
class SimSpec:
    """Everything a worker process needs to simulate the moments at one parameter point."""

    base_path: str
    fixed: tuple[tuple[str, object], ...]  # parameters held at other values while fitting
    persons_per_agent: float
    seed: int
    free: tuple[tuple[str, int | None], ...]  # simulated free parameters (path, index)
    unit_share: bool  # simulate with recording share 1 (the objective scales level moments)
    start: str  # first simulated month, YYYY-MM
    demand: tuple[float, ...]  # labour-demand index of every simulated month
    extract: tuple[Extractor, ...]
    #: Log output gap of every month (NaN: the month keeps ``demand``); when given, the
    #: demand of a month is exp(eta x gap) at the candidate's employment-output elasticity.
    output_gap: tuple[float, ...] = ()

    @property
    def n_moments(self) -> int:
        """Moments per replication."""
        return len(self.extract)

    @property
    def months(self) -> int:
        """Months simulated."""
        return len(self.demand)


def _offset(start: pd.Period, year: int, month: int = 1) -> int:
    return (pd.Period(f"{year}-{month:02d}", freq="M") - start).n


def _period_end(start: pd.Period, period: str) -> int:
    """Stock index at the end of ``period`` (``YYYY`` = its December, ``YYYY-MM``)."""
    if len(period) == 4:
        period = f"{period}-12"
    return _offset(start, int(period[:4]), int(period[5:7])) + 1


def _quarter_start(start: pd.Period, quarter: str) -> int:
    """Month offset of the first month of quarter ``YYYYQn``."""
    return _offset(start, int(quarter[:4]), 3 * int(quarter[5]) - 2)


def between_quarters(e: Extractor, start: pd.Period, from_quarter: str,
                     to_quarter: str) -> Extractor:
    """``e`` set to read a ratio of quarter means, ``to_quarter`` over ``from_quarter``.

    Quarters are ``YYYYQn``; offsets count from ``start``.
    """
    return replace(e, quarter_from=_quarter_start(start, from_quarter),
                   quarter_to=_quarter_start(start, to_quarter))


def _span(a: str, b: str) -> float:
    def dec(p: str) -> float:
        return float(p) + 1.0 if len(p) == 4 else float(p[:4]) + int(p[5:7]) / 12.0
    return dec(b) - dec(a)


def make_spec(cfg: LoadedConfig, moments: list[Moment], persons_per_agent: float,
              seed: int | None = None, demand: tuple[float, ...] | None = None) -> SimSpec:
    """Plan the continuous run of a configuration at one scale.

    ``demand`` replaces the configured demand path (macro draws in validation).

    Raises
    ------
    ValueError
        A target reads a month outside the simulated window.
    """
    sim = cfg.spec.simulation
    first = pd.Period(sim.start, freq="M")
    months = (pd.Period(sim.end, freq="M") - first).n + 1
    path = tuple(demand) if demand is not None else demand_path(cfg, first, months)
    gap = output_gap_path(cfg, first, months) if demand is None else ()
    if len(path) != months:
        raise ValueError(f"demand path has {len(path)} months, the run {months}")
    # Spin-up: the run starts earlier at reference demand (1.0) so that the undated initial
    # stocks settle before the first target month; no target reads those months.
    spin = sim.spin_up_months
    start = first - spin
    path = (1.0,) * spin + path
    if gap:
        gap = (float("nan"),) * spin + gap
    months += spin
    extract = []
    for m in moments:
        t = m.spec
        e = Extractor(kind=t.kind, years=tuple(_offset(start, y) for y in t.years),
                      months=tuple(m.months), plus=tuple(t.plus or ()),
                      minus=tuple(t.minus or ()), month=t.month or 0,
                      through_month=t.through_month or 0,
                      column=STOCK_COLUMNS.get(t.indicator or "", ""))
        if t.kind == "rural_transfer_stock_increase":
            e = _with_stock(e, _period_end(start, t.from_period), _period_end(start, t.to_period),
                            _span(t.from_period, t.to_period))
        elif t.kind == "rural_transfer_stock_increase_yoy":
            end = _period_end(start, t.period)
            e = _with_stock(e, end - 12, end, 1.0)
        elif t.kind == "vacancy_ratio_growth":
            e = between_quarters(e, start, t.from_period, t.to_period)
        if t.kind != "programme_output":
            lo = min(e.years) if e.years else 0
            hi = max(e.years) + 11 if e.years else 0
            if e.stock_from >= 0:
                lo, hi = min(lo, e.stock_from), max(hi, e.stock_to - 1)
            if e.quarter_from >= 0:
                lo, hi = min(lo, e.quarter_from), max(hi, e.quarter_to + 2)
            if lo < spin or hi >= months:
                raise ValueError(f"target '{m.name}' reads months outside the simulated window "
                                 f"{sim.start}..{sim.end}")
        extract.append(e)
    free = tuple((p.path, p.index) for p in cfg.free if p.path != RECORDING_SHARE)
    unit_share = any(p.path == RECORDING_SHARE for p in cfg.free)
    return SimSpec(
        base_path=str(cfg.base_path),
        fixed=tuple((k, tuple(v) if isinstance(v, list) else v)
                    for k, v in sorted(sim.fixed.items())),
        persons_per_agent=float(persons_per_agent),
        seed=int(sim.seed if seed is None else seed), free=free, unit_share=unit_share,
        start=str(start), demand=tuple(float(v) for v in path), extract=tuple(extract),
        output_gap=tuple(gap))


def _with_stock(e: Extractor, a: int, b: int, span: float) -> Extractor:
    return replace(e, stock_from=a, stock_to=b, span_years=span)


_BASE: dict[str, ParameterSet] = {}


def _base(path: str) -> ParameterSet:
    if path not in _BASE:
        _BASE[path] = ParameterSet.load(path)
    return _BASE[path]


def overrides_for(base: ParameterSet, free: tuple[tuple[str, int | None], ...],
                  theta: tuple[float, ...] | np.ndarray) -> dict:
    """Override dict setting the free parameters (list elements by index) to ``theta``."""
    out: dict = {}
    for (path, index), value in zip(free, theta):
        if index is None:
            out[path] = float(value)
        else:
            current = list(out.get(path, base[path]))
            current[index] = float(value)
            out[path] = current
    return out


def _params(spec: SimSpec, theta: tuple[float, ...]) -> ParameterSet:
    base = _base(spec.base_path)
    if spec.fixed:
        base = base.with_overrides({k: list(v) if isinstance(v, tuple) else v
                                    for k, v in spec.fixed}, where="calibration fixed")
    over = overrides_for(base, spec.free, theta)
    if spec.unit_share:
        over[RECORDING_SHARE] = 1.0
    return base.with_overrides(over, where="calibration")


def demand_of(spec: SimSpec, params: ParameterSet) -> np.ndarray:
    """The run's demand index at the parameter set's employment-output elasticity."""
    demand = np.asarray(spec.demand, dtype=float)
    if not spec.output_gap:
        return demand
    gap = np.asarray(spec.output_gap, dtype=float)
    eta = float(params[ELASTICITY])
    return np.where(np.isfinite(gap), np.exp(eta * np.nan_to_num(gap)), demand)


def run_path(spec: SimSpec, params: ParameterSet, replicate: int
             ) -> tuple[pd.DataFrame, np.ndarray]:
    """Monthly frame of the continuous run and the off-farm stock of rural-hukou workers.

    The stock has one more entry than the frame: index *i* is the stock after *i* months.
    """
    model = LabourMarket(params=params, start=spec.start, months=spec.months,
                         persons_per_agent=spec.persons_per_agent,
                         demand_index=list(demand_of(spec, params)),
                         seed=spec.seed, replicate=replicate)
    employed = np.asarray(URBAN_EMPLOYMENT, dtype=np.int8)

    def off_farm() -> float:
        w = model.workers
        n = w.n_used
        return float(np.count_nonzero(w.rural_hukou[:n] & np.isin(w.state[:n], employed)))

    stock = [off_farm()]
    for _ in range(spec.months):
        model.step()
        stock.append(off_farm())
    return model.monthly(), np.asarray(stock) * spec.persons_per_agent


def extract(e: Extractor, frame: pd.DataFrame, stock: np.ndarray) -> float:
    """Read one moment off the continuous run."""
    jobs = frame["new_urban_jobs"].to_numpy()
    if e.kind == "new_urban_jobs":
        return float(sum(jobs[y: y + 12].sum() for y in e.years))
    if e.kind == "new_urban_jobs_ytd":
        return float(jobs[e.years[0]: e.years[0] + e.through_month].sum())
    if e.kind == "programme_output":
        return float("nan")  # programme outputs: past programmes are not simulated
    y = e.years[0]
    if e.kind in ("new_jobs_cumulative_share", "new_jobs_cumulative_share_yoy",
                  "national_new_jobs_cumulative_share"):
        cum = jobs[y: y + 12].cumsum()
        return float(100 * cum[e.through_month - 1] / cum[-1]) if cum[-1] else float("nan")
    rate = frame["surveyed_unemployment_rate"].to_numpy()[y: y + 12]
    if e.kind in ("surveyed_rate_mean", "hunan_surveyed_upper_bound"):
        return float(rate[[m - 1 for m in e.months]].mean())
    if e.kind == "surveyed_rate_month":
        return float(rate[e.month - 1])
    if e.kind == "surveyed_rate_contrast":
        return float(rate[[m - 1 for m in e.plus]].mean() - rate[[m - 1 for m in e.minus]].mean())
    if e.kind == "employment_stock":
        return float(frame[e.column].iloc[y + e.month - 1])
    if e.kind == "registered_rate":
        return float(frame["registered_unemployment_rate"].iloc[y + e.month - 1])
    if e.kind == "rural_transfer_new":
        return float(frame["rural_transfer_new"].to_numpy()[y: y + 12].sum())
    if e.kind in ("rural_transfer_stock_increase", "rural_transfer_stock_increase_yoy"):
        return float((stock[e.stock_to] - stock[e.stock_from]) / e.span_years)
    if e.kind == "vacancy_ratio_growth":
        theta = frame["vacancy_tightness"].to_numpy()
        before = theta[e.quarter_from: e.quarter_from + 3].mean()
        after = theta[e.quarter_to: e.quarter_to + 3].mean()
        return float(after / before) if before else float("nan")
    raise AssertionError(e.kind)  # kinds are validated by the schema


def simulate_replicate(spec: SimSpec, theta: tuple[float, ...], replicate: int) -> np.ndarray:
    """Simulate the moments of one replication at ``theta``.

    Level moments are at recording share 1 when the share is a free parameter.
    """
    frame, stock = run_path(spec, _params(spec, tuple(theta)), replicate)
    return np.array([extract(e, frame, stock) for e in spec.extract], dtype=float)


def simulate_monthly(spec: SimSpec, theta: tuple[float, ...], replicate: int,
                     share: float | None = None) -> pd.DataFrame:
    """Monthly frame of the continuous run at ``theta`` (for plots), with ``share`` applied."""
    params = _params(spec, tuple(theta))
    if share is not None:
        params = params.with_overrides({RECORDING_SHARE: float(share)})
    frame, stock = run_path(spec, params, replicate)
    frame = frame.copy()
    frame["off_farm_rural_hukou"] = stock[1:]
    frame["demand_index"] = demand_of(spec, params)
    return frame
