"""Simulated moments: run the model for the past years and measure what the targets measure.

The model starts from population stocks that carry no date (their data vintages are mixed, see
``docs/assumptions.md``), so every past year *y* is simulated as ``LabourMarket(start="y-01",
months=12, ...)`` from those stocks, with year *y*'s demand path; a two-year target (2015+2016)
is the sum of its two years, each simulated so. Years whose demand paths agree share one
simulation (the calendar enters the model only through the month of the year).

One task is one replication at one parameter point; it is a pure function of
``(SimSpec, theta, replicate)``, so results do not depend on which process runs it or in which
order (common random numbers: replication *r* always uses ``seed`` and ``replicate=r``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from calibration.config import RECORDING_SHARE, LoadedConfig
from calibration.targets import Moment
from model.agents import URBAN_EMPLOYMENT
from model.labour_market import LabourMarket
from model.params import ParameterSet

__all__ = ["Extractor", "SimSpec", "make_spec", "simulate_replicate", "simulate_monthly",
           "overrides_for"]

MONTHS = 12


@dataclass(frozen=True)
class Extractor:
    """How to read one moment off a simulated run."""

    kind: str
    run: int
    years_runs: tuple[int, ...] = ()  # run of each year (multi-year sums)
    months: tuple[int, ...] = ()
    plus: tuple[int, ...] = ()
    minus: tuple[int, ...] = ()
    month: int = 0
    through_month: int = 0


@dataclass(frozen=True)
class SimSpec:
    """Everything a worker process needs to simulate the moments at one parameter point."""

    base_path: str
    fixed: tuple[tuple[str, object], ...]  # parameters held at other values while fitting
    persons_per_agent: float
    seed: int
    free: tuple[tuple[str, int | None], ...]  # simulated free parameters (path, index)
    unit_share: bool  # simulate with recording share 1 (the objective scales level moments)
    runs: tuple[tuple[float, ...], ...]  # demand path (12 months) of each distinct run
    extract: tuple[Extractor, ...]

    @property
    def n_moments(self) -> int:
        """Moments per replication."""
        return len(self.extract)


def _demand(cfg: LoadedConfig, year: int) -> tuple[float, ...]:
    value = cfg.spec.simulation.demand_index.get(str(year), 1.0)
    values = value if isinstance(value, list) else [value] * MONTHS
    return tuple(float(v) for v in values)


def make_spec(cfg: LoadedConfig, moments: list[Moment], persons_per_agent: float,
              seed: int | None = None) -> SimSpec:
    """Plan the simulations of a configuration at one scale."""
    runs: list[tuple[float, ...]] = []
    for m in moments:
        for y in m.spec.years:
            if _demand(cfg, y) not in runs:
                runs.append(_demand(cfg, y))
    runs = runs or [_demand(cfg, 0)]
    extract = []
    for m in moments:
        t = m.spec
        years_runs = tuple(runs.index(_demand(cfg, y)) for y in t.years)
        extract.append(Extractor(
            kind=t.kind, run=years_runs[0] if years_runs else 0, years_runs=years_runs,
            months=tuple(m.months),
            plus=tuple(t.plus or ()), minus=tuple(t.minus or ()), month=t.month or 0,
            through_month=t.through_month or 0))
    free = tuple((p.path, p.index) for p in cfg.free if p.path != RECORDING_SHARE)
    unit_share = any(p.path == RECORDING_SHARE for p in cfg.free)
    return SimSpec(
        base_path=str(cfg.base_path),
        fixed=tuple((k, tuple(v) if isinstance(v, list) else v)
                    for k, v in sorted(cfg.spec.simulation.fixed.items())),
        persons_per_agent=float(persons_per_agent),
        seed=int(cfg.spec.simulation.seed if seed is None else seed), free=free,
        unit_share=unit_share, runs=tuple(runs), extract=tuple(extract))


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


def _run(spec: SimSpec, params: ParameterSet, path: tuple[float, ...], replicate: int
         ) -> tuple[pd.DataFrame, np.ndarray]:
    """Monthly frame and the off-farm stock of rural-hukou workers at months 0..T."""
    model = LabourMarket(params=params, start="2018-01", months=len(path),
                         persons_per_agent=spec.persons_per_agent, demand_index=list(path),
                         seed=spec.seed, replicate=replicate)
    employed = np.asarray(URBAN_EMPLOYMENT, dtype=np.int8)

    def off_farm() -> float:
        w = model.workers
        n = w.n_used
        return float(np.count_nonzero(w.rural_hukou[:n] & np.isin(w.state[:n], employed)))

    stock = [off_farm()]
    for _ in range(len(path)):
        model.step()
        stock.append(off_farm())
    return model.monthly(), np.asarray(stock) * spec.persons_per_agent


def _extract(e: Extractor, outputs: list[tuple[pd.DataFrame, np.ndarray]]) -> float:
    if e.kind == "new_urban_jobs":
        return float(sum(outputs[r][0]["new_urban_jobs"].sum() for r in e.years_runs))
    year, stock = outputs[e.run]
    if e.kind in ("new_jobs_cumulative_share", "new_jobs_cumulative_share_yoy",
                  "national_new_jobs_cumulative_share"):
        cum = year["new_urban_jobs"].cumsum().to_numpy()
        return float(100 * cum[e.through_month - 1] / cum[-1]) if cum[-1] else float("nan")
    rate = year["surveyed_unemployment_rate"].to_numpy()
    if e.kind == "surveyed_rate_mean":
        return float(rate[[m - 1 for m in e.months]].mean())
    if e.kind == "surveyed_rate_contrast":
        return float(rate[[m - 1 for m in e.plus]].mean() - rate[[m - 1 for m in e.minus]].mean())
    if e.kind == "registered_rate":
        return float(year["registered_unemployment_rate"].iloc[e.month - 1])
    if e.kind == "rural_transfer_new":
        return float(year["rural_transfer_new"].sum())
    if e.kind in ("rural_transfer_stock_increase", "rural_transfer_stock_increase_yoy"):
        return float(stock[MONTHS] - stock[0])
    return float("nan")  # programme outputs: no instrument in the model


def simulate_replicate(spec: SimSpec, theta: tuple[float, ...], replicate: int) -> np.ndarray:
    """Simulate the moments of one replication at ``theta``.

    Level moments are at recording share 1 when the share is a free parameter.
    """
    params = _params(spec, tuple(theta))
    outputs = [_run(spec, params, path, replicate) for path in spec.runs]
    return np.array([_extract(e, outputs) for e in spec.extract], dtype=float)


def simulate_monthly(spec: SimSpec, theta: tuple[float, ...], replicate: int,
                     share: float | None = None) -> pd.DataFrame:
    """Monthly frame of the first run at ``theta`` (for plots), with ``share`` applied."""
    params = _params(spec, tuple(theta))
    if share is not None:
        params = params.with_overrides({RECORDING_SHARE: float(share)})
    frame, stock = _run(spec, params, spec.runs[0], replicate)
    frame = frame.copy()
    frame["off_farm_rural_hukou"] = stock[1:]
    return frame
