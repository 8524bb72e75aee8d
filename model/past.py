"""The calibrated past: the continuous run 2013-01..2020-12 that ``jobsim calibrate`` fits.

``calibration/hunan.toml`` fits the model to Hunan's record as one run: twelve months at
reference demand (2013) that let the undated initial stocks settle, then 2014-01..2020-12 at the
labour-demand index of the observed real GDP growth path (2020 by quarter), with the register
opened at Hunan's 2014-12 registered rate. A 2021 scenario that starts from the undated stocks
instead runs the model's first year, whose transient the calibration never saw: at the fitted
set, flat demand gives 680k-685k new urban jobs in such a first year against 832k-837k as
the ninth year of the fitted run (``benchmarks/macro_response.py``, ``docs/calibration.md``).
A scenario with ``initial_state = "calibrated_past"`` therefore continues that run: it opens
2021 from the stocks the fitted run reaches in December 2020 (each replicate its own past,
under the scenario's seed), which is what a planner knew in March 2021.

This module holds the run's definition for the model; ``tests/calibration`` checks that the
calibration configuration defines the same run. The model does not import the calibration.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

import pandas as pd
from jobsim import data, macro
from jobsim.params import ParameterSet

if TYPE_CHECKING:
    from jobsim.labour_market import LabourMarket

__all__ = ["PAST_START", "PAST_END", "SETTLE_MONTHS", "OBSERVED_START", "PAST_MONTHS",
           "FIRST_MONTH_AFTER", "past_demand", "past_parameters", "run_past"]

PAST_START = "2013-01"  # the settling year, at reference demand, starts here
OBSERVED_START = "2014-01"  # the observed growth path from here (simulation.start)
PAST_END = "2020-12"  # simulation.end


def _months(first: str, last: str) -> int:
    return (pd.Period(last, freq="M") - pd.Period(first, freq="M")).n + 1


SETTLE_MONTHS = _months(PAST_START, OBSERVED_START) - 1  # simulation.spin_up_months
PAST_MONTHS = _months(PAST_START, PAST_END)
#: The only start a continuing scenario may have.
FIRST_MONTH_AFTER = str(pd.Period(PAST_END, freq="M") + 1)
#: The register opens at the observation nearest the start (simulation.fixed).
OPENING_REGISTER = ("registered_unemployment_rate", "2014-12")
ELASTICITY = "labour_demand.output_elasticity"

_CACHE: OrderedDict[tuple, LabourMarket] = OrderedDict()
#: Memory the kept pasts may hold in one process: a scenario's counterfactuals and the other
#: scenarios and mixes of the same replicate continue the same past (12 MB at the default
#: scale, 1 MB at 1000 persons per agent, so a search's futures all fit).
_CACHE_BYTES = 256_000_000


def past_demand(params: ParameterSet) -> list[float]:
    """The past run's labour-demand index, month by month (PAST_MONTHS values).

    The observed growth path through the parameter set's own employment-output elasticity,
    so a parameter draw carries its elasticity into its past.
    """
    eta = float(params[ELASTICITY])
    observed = macro.observed_demand(OBSERVED_START, PAST_MONTHS - SETTLE_MONTHS, elasticity=eta)
    return [1.0] * SETTLE_MONTHS + [float(v) for v in observed]


def past_parameters(params: ParameterSet) -> ParameterSet:
    """``params`` with the register opened at Hunan's 2014-12 rate, as in the fitted run."""
    rate = data.hunan(*OPENING_REGISTER).value
    return params.with_overrides(
        {"population.initial_registered_rate": rate}, provenance="data",
        reference=f"hunan_indicators.csv: {OPENING_REGISTER[0]}, {OPENING_REGISTER[1]} "
                  "(the calibrated past opens its register there)",
        where="jobsim.past")


def _key(params: ParameterSet, persons_per_agent: float, seed: int, replicate: int,
         months_after: int) -> tuple:
    values = tuple(sorted((k, repr(v)) for k, v in params.values().items()))
    return (values, float(persons_per_agent), int(seed), int(replicate), int(months_after))


def run_past(params: ParameterSet, *, persons_per_agent: float, seed: int, replicate: int,
             months_after: int) -> LabourMarket:
    """The model after the past run, ready to be continued (:class:`LabourMarket` ``past``).

    Its arrays have room for ``months_after`` more months. Recent runs are kept in this
    process, up to ``_CACHE_BYTES``; the caller must not step the returned model: the
    continuation copies it.
    """
    from jobsim.labour_market import LabourMarket

    key = _key(params, persons_per_agent, seed, replicate, months_after)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    model = LabourMarket(params=past_parameters(params), start=PAST_START,
                         months=PAST_MONTHS + int(months_after),
                         persons_per_agent=persons_per_agent,
                         demand_index=past_demand(params) + [1.0] * int(months_after),
                         seed=seed, replicate=replicate)
    for _ in range(PAST_MONTHS):
        model.step()
    _CACHE[key] = model
    while len(_CACHE) > 1 and sum(_nbytes(m) for m in _CACHE.values()) > _CACHE_BYTES:
        _CACHE.popitem(last=False)
    return model


def _nbytes(model: LabourMarket) -> int:
    return model.workers.nbytes() + model.firms.nbytes()

