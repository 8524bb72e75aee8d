"""jobsim: a simulator of a provincial employment plan (first user: Hunan 2021).

The import package is ``jobsim`` (this folder, ``model/``, mapped onto it by the packaging), so
a user's own ``model.py`` cannot shadow it. The Python API (:mod:`jobsim.api`, documented in
``docs/api.md``) is loaded on first use, so importing a submodule stays cheap::

    import jobsim
    s = jobsim.Scenario.from_toml("scenarios/plan_2021.toml")
    r = jobsim.run(s.with_budgets(hiring_subsidy=3e8), persons_per_agent=1000)
    r.targets
"""

from __future__ import annotations

from typing import Any

__all__ = ["Scenario", "Results", "Comparison", "run", "compare", "ema_model", "ScenarioError"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from jobsim import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
