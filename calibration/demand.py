"""The labour-demand path of the calibration's continuous run, month by month.

``simulation.demand = "flat"`` runs every month at index 1.0 (the base year);
``"macro"`` takes the path the model's macro module derives from each year's observed real GDP
growth (2020 by quarter). ``simulation.demand_index`` then overrides single years (one value or
twelve), e.g. for a test or a stated shock.
"""

from __future__ import annotations

import pandas as pd
from jobsim.calibration.config import LoadedConfig

__all__ = ["demand_path", "output_gap_path", "ELASTICITY"]

#: The employment-output elasticity (a free parameter acts through the demand path).
ELASTICITY = "labour_demand.output_elasticity"


def _macro(cfg: LoadedConfig, start: pd.Period, months: int) -> list[float]:
    from jobsim import macro  # the model's own GDP-to-demand relation (data -> model)

    eta = float(cfg.base[ELASTICITY])
    return [float(v) for v in macro.observed_demand(str(start), months, elasticity=eta)]


def output_gap_path(cfg: LoadedConfig, start: pd.Period, months: int) -> tuple[float, ...]:
    """Log output gap of every month (NaN where ``demand_index`` states the month itself).

    Empty when the run is at flat demand. The demand of a month is ``exp(eta x gap)``, so a
    candidate elasticity gives its path without the growth data (:func:`demand_path`).
    """
    from jobsim import macro

    sim = cfg.spec.simulation
    if sim.demand != "macro":
        return ()
    gap = [float(v) for v in macro.observed_output_gap(str(start), months)]
    calendar = pd.period_range(start, periods=months, freq="M")
    stated = {int(y) for y in sim.demand_index}
    return tuple(float("nan") if p.year in stated else g for p, g in zip(calendar, gap))


def demand_path(cfg: LoadedConfig, start: pd.Period, months: int) -> tuple[float, ...]:
    """Demand index of every month of the run (``months`` values from ``start``)."""
    sim = cfg.spec.simulation
    path = _macro(cfg, start, months) if sim.demand == "macro" else [1.0] * months
    calendar = pd.period_range(start, periods=months, freq="M")
    for year, value in sim.demand_index.items():
        values = value if isinstance(value, list) else [value] * 12
        for i, p in enumerate(calendar):
            if p.year == int(year):
                path[i] = float(values[p.month - 1])
    return tuple(path)
