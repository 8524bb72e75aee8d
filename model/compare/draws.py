"""Macro and parameter uncertainty for an ensemble: one draw per replicate.

DESIGN §4 combines three sources of uncertainty: stochastic (replications, always on),
macro (growth and elasticity draws) and parameter (calibration uncertainty). The last two
are drawn here, in the calling process, once per replicate, and travel inside the task — so
a worker needs neither the forecast nor the calibration, and every scenario gets the same
draw for the same replicate (common random numbers extend to the macro path and parameters).
Which of them a run uses is the caller's switch (``jobsim compare``).

- **Macro draws** (in output units): :func:`jobsim.forecast.paths.growth_draws` draws the
  employment-output elasticity from its estimate's normal approximation and the forecast
  years' GDP growth around the scenario's own growth path (the 2021 target, or what the
  scenario's ``[macro.gdp_growth]`` states), with the sd of a one-year-ahead growth forecast.
  Replicate ``r`` runs on the scenario's own demand path times ``draw_r / mean``: the
  scenario keeps its level (and any shock it states), the draw adds the uncertainty of the
  growth forecast and of the elasticity around it. A scenario that fixes ``elasticity``
  keeps it (only growth is drawn).
- **Parameter draws** (``parameter_draws=FILE``, a fitted parameter file from
  ``jobsim calibrate``): :func:`jobsim.posterior.sample_parameters` draws from the fit's
  normal approximation; replicate ``r`` runs with draw ``r`` of the calibrated parameters,
  except those the scenario overrides itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from jobsim.scenario import LoadedScenario, ScenarioError

__all__ = ["macro_factors", "parameter_draws", "replicate_inputs"]

#: Spawn key that separates the ensemble's macro and parameter draws from the model's streams.
_MACRO_KEY, _PARAMETER_KEY = 0x4D41, 0x5041


def _derived_seed(seed: int, key: int) -> int:
    ss = np.random.SeedSequence(seed, spawn_key=(key,))
    return int(ss.generate_state(1, np.uint32)[0])


def macro_factors(loaded: LoadedScenario, replications: int, seed: int) -> list[list[float]]:
    """Per replicate, the factor each month's demand is multiplied by (draw / mean)."""
    from jobsim.forecast.paths import demand_path, growth_draws

    run, macro = loaded.spec.scenario, loaded.spec.macro
    growth = macro.gdp_growth if macro.source == "forecast" else {}
    try:
        mean = demand_path(run.start, run.months, growth, elasticity=macro.elasticity)
        draws, _ = growth_draws(run.start, run.months, replications,
                                _derived_seed(seed, _MACRO_KEY), growth,
                                elasticity=macro.elasticity)
    except ValueError as exc:
        raise ScenarioError(f"{loaded.path}: macro draws: {exc}") from exc
    out = []
    for r in range(replications):
        factor = np.where(np.isfinite(draws[r]) & (mean > 0), draws[r] / mean, 1.0)
        out.append([float(x) for x in factor])
    return out


def parameter_draws(loaded: LoadedScenario, fitted: Path, replications: int, seed: int
                    ) -> list[tuple[tuple[str, Any], ...]]:
    """Per replicate, the calibrated parameters' values in that draw (as overrides)."""
    from jobsim.posterior import load_meta, sample_parameters

    fitted = Path(fitted)
    try:
        meta = load_meta(fitted)
        sets = sample_parameters(fitted, replications, _derived_seed(seed, _PARAMETER_KEY))
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise ScenarioError(f"{fitted}: cannot draw parameters from it: {exc}") from exc
    paths = sorted({p["path"] for p in meta["parameters"]} - set(loaded.spec.overrides))
    return [tuple((p, s[p]) for p in paths) for s in sets]


def replicate_inputs(loaded: LoadedScenario, replications: int, seed: int, *, macro: bool,
                     fitted: Path | None) -> tuple[list[tuple[float, ...]],
                                                   list[tuple[tuple[str, Any], ...]]]:
    """Each replicate's demand path and parameter overrides (what makes its future).

    Resolved in the main process, once: workers never fit the forecast a scenario's path may
    come from. Without macro draws every replicate has the scenario's own path; without a
    fitted file, no parameter overrides.
    """
    own = tuple(loaded.demand_path())
    demand = [own] * replications
    if macro:
        demand = [tuple(d * f for d, f in zip(own, factors))
                  for factors in macro_factors(loaded, replications, seed)]
    params = ([()] * replications if fitted is None
              else parameter_draws(loaded, fitted, replications, seed))
    return demand, params
