"""Mid-year nowcast: how likely the year's targets still are, given the actual figures so far.

``jobsim nowcast --actuals FILE --out DIR [--scenario plan.toml]``. Modules: ``actuals``
(read and check the actuals file), ``history`` (the record, through :mod:`jobsim.data`),
``statistical`` (the within-year model of new urban jobs and the surveyed rate),
``ensemble`` (the ABM ensemble on the compare machinery, importance weights, top-up),
``core`` (both methods into ``nowcast.csv`` rows), ``backtest`` and ``docs`` (the backtest and
``docs/nowcast.md``), ``report`` (the HTML section), ``cli`` (:func:`run_nowcast`).
"""

from jobsim.nowcast.cli import run_nowcast

__all__ = ["run_nowcast"]
