"""What the dashboard computes: one scenario with the planner's budgets, as ``compare`` does.

The numbers are :func:`jobsim.api.compare`'s for the same settings (the test checks it): the same
tasks (:func:`jobsim.compare.cli.plan_tasks`), the same replication function and the same
tables; only the report, the files and the figures not shown are skipped, so a coarse answer
comes back within seconds, with progress reported after every replication.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobsim.api import Scenario
from jobsim.compare import plots
from jobsim.compare.cli import _own_fitted_file as own_fitted_file
from jobsim.compare.cli import plan_tasks
from jobsim.compare.comparison import build_comparison
from jobsim.compare.executors import Executor
from jobsim.compare.tasks import run_one, task_cost
from jobsim.scenario import load_scenario

__all__ = ["Settings", "Answer", "evaluate", "settings_from_env"]

_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """The dashboard's scenario and its coarse scale (``jobsim dashboard`` flags)."""

    scenario: Path = _ROOT / "scenarios" / "plan_2021.toml"
    replications: int = 20
    persons_per_agent: float = 1000.0
    attribution_replications: int = 2
    #: Full uncertainty, as ``jobsim compare``: forecast demand draws and draws of the
    #: calibrated parameters from the scenario's own fitted parameter file.
    macro_draws: bool = True
    parameter_draws: bool = True

    def compare_options(self) -> dict[str, Any]:
        """The same settings as :func:`jobsim.api.compare` keywords."""
        return {"replications": self.replications, "persons_per_agent": self.persons_per_agent,
                "attribution_replications": self.attribution_replications,
                "macro_draws": self.macro_draws, "parameter_draws": self.parameter_draws}


def settings_from_env() -> Settings:
    """Settings handed to the Solara process by ``jobsim dashboard`` (environment)."""
    env = os.environ
    default = Settings()
    return Settings(
        scenario=Path(env.get("JOBSIM_DASHBOARD_SCENARIO", default.scenario)),
        replications=int(env.get("JOBSIM_DASHBOARD_REPLICATIONS", default.replications)),
        persons_per_agent=float(env.get("JOBSIM_DASHBOARD_PERSONS_PER_AGENT",
                                        default.persons_per_agent)),
        attribution_replications=int(env.get("JOBSIM_DASHBOARD_ATTRIBUTION",
                                             default.attribution_replications)))


@dataclass
class Answer:
    """P(met) of the headline targets, the fan charts and the attribution of one setting."""

    budgets: dict[str, float]
    prob_jobs: float
    prob_rate: float
    prob_rate_average: float
    jobs_median: float
    rate_median: float
    attribution: Any
    figures: dict[str, bytes] = field(default_factory=dict)


def evaluate(base: Scenario, budgets: dict[str, float], settings: Settings,
             progress: Callable[[float], None] | None = None,
             executor: Executor | None = None) -> Answer:
    """Run the scenario with ``budgets`` over the settings' replications.

    ``progress`` is called with the share of model runs done; ``executor`` (compare's local
    executor, kept open by the dashboard so its workers stay warm between calls) runs the
    replications in parallel, in any order: they are put back in replicate order, so the
    numbers do not depend on it. Without one they run in this process.
    """
    scenario = base.with_budgets(budgets)
    with tempfile.TemporaryDirectory(prefix="jobsim-dashboard-") as tmp:
        loaded = load_scenario(scenario.to_toml(Path(tmp) / f"{scenario.name}.toml"))
        tasks = plan_tasks([loaded], settings.replications, seed=None,
                           persons_per_agent=settings.persons_per_agent,
                           attribution_replications=settings.attribution_replications,
                           macro_draws=settings.macro_draws,
                           parameter_files=[own_fitted_file(loaded) if settings.parameter_draws
                                            else None])
        total = sum(task_cost(loaded, t.with_attribution) for t in tasks)
        done, by_replicate = 0, {}
        finished = (((t, run_one(t)) for t in tasks) if executor is None
                    else executor.imap_unordered(run_one, tasks))
        for task, result in finished:
            by_replicate[task.replicate] = result
            done += task_cost(loaded, task.with_attribution)
            if progress is not None:
                progress(done / total)
        results = [by_replicate[t.replicate] for t in tasks]
    c = build_comparison({scenario.name: results}, {}, {}, figures=False)
    t = c.targets.set_index("target")
    info = c.info
    jobs_label, jobs_target, _ = info["new_urban_jobs"]
    _, rate_target, _ = info["surveyed_urban_unemployment_rate"]
    figures = {
        "jobs_fan": plots.fan_chart(
            c.monthly, c.scenarios, "new_urban_jobs_cum", scale=1e4, unit="万人 / 10,000 persons",
            title="累计城镇新增就业 / cumulative new urban jobs", threshold=jobs_target,
            threshold_label=f"目标 / target {jobs_target / 1e4:g}万",
            prob_met=c.prob_met("new_urban_jobs")),
        "unemployment_fan": plots.fan_chart(
            c.monthly, c.scenarios, "surveyed_unemployment_rate", scale=1.0, unit="%",
            title="城镇调查失业率 / surveyed urban unemployment rate", threshold=rate_target,
            threshold_label=f"目标 / target {rate_target:g}%",
            prob_met=c.prob_met("surveyed_urban_unemployment_rate")),
    }
    if len(c.attribution):
        figures["attribution"] = plots.attribution_chart(c.attribution, c.instrument_labels)
    return Answer(
        budgets=scenario.budgets,
        prob_jobs=float(t.loc["new_urban_jobs", "prob_met"]),
        prob_rate=float(t.loc["surveyed_urban_unemployment_rate", "prob_met"]),
        prob_rate_average=float(
            t.loc["surveyed_urban_unemployment_rate_annual_average", "prob_met"]),
        jobs_median=float(t.loc["new_urban_jobs", "p50"]),
        rate_median=float(t.loc["surveyed_urban_unemployment_rate_annual_average", "p50"]),
        attribution=c.attribution, figures=figures)
