"""Macro and parameter uncertainty for an ensemble: one draw per replicate.

DESIGN §4 combines three sources of uncertainty: stochastic (replications, always on),
macro (growth and elasticity draws) and parameter (calibration uncertainty). The last two
are drawn here, in the calling process, once per replicate, and travel inside the task — so
a worker needs neither the forecast nor the calibration, and every scenario gets the same
draw for the same replicate (common random numbers extend to the macro path and parameters).
Which of them a run uses is the caller's switch (``jobsim compare``).

- **Macro draws** (in output units): :func:`jobsim.forecast.paths.gap_draws` draws the
  forecast years' GDP growth around the scenario's own growth path (the 2021 target, or what
  the scenario's ``[macro.gdp_growth]`` states), with the sd of a one-year-ahead growth
  forecast. Replicate ``r`` runs on the scenario's own demand path times ``draw_r / mean``:
  the scenario keeps its level (and any shock it states), the draw adds the uncertainty of
  the growth forecast and of the employment-output elasticity. The elasticity of replicate
  ``r`` is its parameter draw where the fitted set calibrates it (jointly with the other
  calibrated parameters), held where the scenario states ``elasticity`` or its set
  calibrates it without parameter draws, and drawn from the record's regression estimate
  otherwise.
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

#: The employment-output elasticity: a parameter of the demand path, not of the model.
ELASTICITY = "labour_demand.output_elasticity"
#: Spawn key that separates the ensemble's macro and parameter draws from the model's streams.
_MACRO_KEY, _PARAMETER_KEY = 0x4D41, 0x5041


def _derived_seed(seed: int, key: int) -> int:
    ss = np.random.SeedSequence(seed, spawn_key=(key,))
    return int(ss.generate_state(1, np.uint32)[0])


def macro_factors(loaded: LoadedScenario, replications: int, seed: int,
                  elasticities: list[float] | None = None) -> list[list[float]]:
    """Per replicate, the factor each month's demand is multiplied by (draw / mean).

    ``elasticities`` gives each replicate's employment-output elasticity (a draw of a fitted
    set that calibrates it); otherwise the scenario's own elasticity is held if it states one
    or its parameter set calibrates it, and drawn from the record's estimate if not.
    """
    from jobsim.forecast.paths import gap_draws, gap_path

    run, macro = loaded.spec.scenario, loaded.spec.macro
    growth = macro.gdp_growth if macro.source == "forecast" else {}
    eta = loaded.output_elasticity()
    try:
        own = gap_path(run.start, run.months, growth)
        gaps, _, drawn = gap_draws(run.start, run.months, replications,
                                   _derived_seed(seed, _MACRO_KEY), growth)
    except ValueError as exc:
        raise ScenarioError(f"{loaded.path}: macro draws: {exc}") from exc
    held = macro.elasticity is not None or _calibrated(loaded, ELASTICITY)
    out = []
    for r in range(replications):
        eta_r = (elasticities[r] if elasticities is not None
                 else eta if held else float(drawn[r]))
        factor = np.exp(eta_r * gaps[r] - eta * own)
        out.append([float(x) if np.isfinite(x) else 1.0 for x in factor])
    return out


def _calibrated(loaded: LoadedScenario, path: str) -> bool:
    return loaded.params.declaration(path).provenance == "calibrated"


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
    params = ([()] * replications if fitted is None
              else parameter_draws(loaded, fitted, replications, seed))
    # A fit that calibrates the elasticity draws it jointly with the other parameters; the
    # model never reads it, so it acts here, on each replicate's demand path.
    etas = [dict(p).get(ELASTICITY) for p in params]
    drawn = (None if loaded.spec.macro.elasticity is not None or any(e is None for e in etas)
             else [float(e) for e in etas])
    demand = [own] * replications
    if macro:
        demand = [tuple(d * f for d, f in zip(own, factors))
                  for factors in macro_factors(loaded, replications, seed, drawn)]
    elif drawn is not None and loaded.spec.macro.source == "forecast":
        from jobsim.forecast.paths import gap_path

        run = loaded.spec.scenario
        gap = gap_path(run.start, run.months, loaded.spec.macro.gdp_growth)
        eta = loaded.output_elasticity()
        demand = [tuple(d * float(np.exp((e - eta) * g)) for d, g in zip(own, gap))
                  for e in drawn]
    return demand, params
