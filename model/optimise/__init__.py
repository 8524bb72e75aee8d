"""The best intervention mix for a budget, robust over uncertain futures (``jobsim optimise``).

Modules: ``bounds`` (the settings file: budget bounds, futures, search), ``space`` (decision
variables, the budget constraint and its repair), ``evaluate`` (one mix on one future: a pure
function on the compare machinery), ``objectives`` (P(met), employment gain, cost per
additional employed, with standard errors), ``search`` (NSGA-II and random search, with a
checkpoint of every evaluation), ``outputs`` (``pareto.csv``, ``recommended.toml``),
``plots`` and ``report`` (the report section), ``cli`` (:func:`run_optimise`).
"""

from jobsim.optimise.cli import OptimiseResult, run_optimise

__all__ = ["run_optimise", "OptimiseResult"]
