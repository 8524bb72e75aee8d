"""Macro and parameter uncertainty for an ensemble: one draw per replicate, off by default.

DESIGN §4 combines three sources of uncertainty: stochastic (replications, always on),
macro (forecast demand paths) and parameter (calibration uncertainty). The last two are
drawn here, in the calling process, once per replicate, and travel inside the task — so a
worker needs neither the forecast nor the calibration, and every scenario gets the same draw
for the same replicate (common random numbers extend to the macro path and parameters).

- **Macro draws** (``macro_draws=True``): :func:`model.forecast.paths.macro_path` samples
  demand paths from the forecast model chosen by the backtests. Replicate ``r`` runs on the
  scenario's own demand path times ``draw_r / forecast mean``: the scenario keeps its level
  (and any shock it states), the draw adds the forecast's uncertainty around it.
- **Parameter draws** (``parameter_draws=FILE``, a fitted parameter file from
  ``jobsim calibrate``): :func:`calibration.fitted.sample_parameters` draws from the fit's
  normal approximation; replicate ``r`` runs with draw ``r`` of the calibrated parameters,
  except those the scenario overrides itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from model.scenario import LoadedScenario, ScenarioError

__all__ = ["macro_factors", "parameter_draws"]

#: Spawn key that separates the ensemble's macro and parameter draws from the model's streams.
_MACRO_KEY, _PARAMETER_KEY = 0x4D41, 0x5041


def _derived_seed(seed: int, key: int) -> int:
    ss = np.random.SeedSequence(seed, spawn_key=(key,))
    return int(ss.generate_state(1, np.uint32)[0])


def macro_factors(loaded: LoadedScenario, replications: int, seed: int) -> list[list[float]]:
    """Per replicate, the factor each month's demand is multiplied by (draw / mean)."""
    try:
        from model.forecast.paths import macro_path
    except ImportError as exc:
        raise ScenarioError("macro draws need model.forecast.paths (the forecast module), "
                            "which is not available") from exc
    run = loaded.spec.scenario
    path = macro_path(run.start, run.months, draws=replications,
                      seed=_derived_seed(seed, _MACRO_KEY))
    mean = path["demand_index"].to_numpy(dtype=float)
    out = []
    for r in range(replications):
        draw = path[f"demand_index_draw_{r}"].to_numpy(dtype=float)
        factor = np.where(np.isfinite(draw) & np.isfinite(mean) & (mean > 0), draw / mean, 1.0)
        out.append([float(x) for x in factor])
    return out


def parameter_draws(loaded: LoadedScenario, fitted: Path, replications: int, seed: int
                    ) -> list[tuple[tuple[str, Any], ...]]:
    """Per replicate, the calibrated parameters' values in that draw (as overrides)."""
    try:
        from calibration.fitted import load_meta, sample_parameters
    except ImportError as exc:
        raise ScenarioError("parameter draws need the calibration package "
                            "(calibration.fitted.sample_parameters)") from exc
    fitted = Path(fitted)
    try:
        meta = load_meta(fitted)
        sets = sample_parameters(fitted, replications, _derived_seed(seed, _PARAMETER_KEY))
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise ScenarioError(f"{fitted}: cannot draw parameters from it: {exc}") from exc
    paths = sorted({p["path"] for p in meta["parameters"]} - set(loaded.spec.overrides))
    return [tuple((p, s[p]) for p in paths) for s in sets]
