"""The labour-demand path of the calibration's continuous run, month by month.

``simulation.demand = "flat"`` runs every month at index 1.0 (the base year);
``"macro"`` takes the path the model's macro module derives from each year's observed real GDP
growth (2020 by quarter). ``simulation.demand_index`` then overrides single years (one value or
twelve), e.g. for a test or a stated shock.
"""

from __future__ import annotations

import pandas as pd
from jobsim.calibration.config import CalibrationConfigError, LoadedConfig

__all__ = ["demand_path"]


def _macro(start: pd.Period, months: int) -> list[float]:
    try:
        from jobsim import macro  # the model's own GDP-to-demand relation (data -> model)
    except ImportError as exc:  # pragma: no cover - only before the macro module exists
        raise CalibrationConfigError(
            "simulation.demand = 'macro' needs jobsim.macro (GDP growth to labour demand)") from exc
    return [float(v) for v in macro.observed_demand(str(start), months)]


def demand_path(cfg: LoadedConfig, start: pd.Period, months: int) -> tuple[float, ...]:
    """Demand index of every month of the run (``months`` values from ``start``)."""
    sim = cfg.spec.simulation
    path = _macro(start, months) if sim.demand == "macro" else [1.0] * months
    calendar = pd.period_range(start, periods=months, freq="M")
    for year, value in sim.demand_index.items():
        values = value if isinstance(value, list) else [value] * 12
        for i, p in enumerate(calendar):
            if p.year == int(year):
                path[i] = float(values[p.month - 1])
    return tuple(path)
