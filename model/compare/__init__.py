"""Comparing intervention mixes: ensembles of replications, target probabilities, a report.

``jobsim compare SCENARIO.toml... --replications N --out DIR`` runs every scenario N times on
local processes or a Dask cluster and writes ``targets.csv``, ``attribution.csv``,
``monthly.parquet``, PNG plots and a self-contained ``report.html`` into ``DIR``.

Modules: ``tasks`` (one replication, a pure function of a small task), ``executors`` (local
processes, Dask: one interface), ``store`` (finished replications on disk, for resuming),
``draws`` (macro and parameter draws per replicate, optional), ``summarise`` (the tables),
``plots`` and ``report`` (figures and the HTML page), ``comparison`` (the results object),
``cli`` (:func:`run_compare`).
"""

import sys
import types
from typing import Any

from jobsim.compare.cli import run_compare
from jobsim.compare.comparison import Comparison

__all__ = ["run_compare", "Comparison"]


class _CallableModule(types.ModuleType):
    """``jobsim.compare`` is this package *and* the API's ``compare(scenarios, ...)``.

    Importing the package sets it as the parent's attribute, over the API function of the
    same name; calling the package calls the function (:func:`jobsim.api.compare`).
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from jobsim.api import compare

        return compare(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
