"""Run a scenario: scenario -> model -> results (with the manifest that reproduces it).

Attribution: each instrument's contribution is the scenario minus the same scenario with that
instrument removed, on the same seed and replicate (common random numbers: every mechanism
draws from its own stream, so the two runs differ only through the instrument).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from model import data

from model.labour_market import LabourMarket
from model.results import Results, git_commit, judge_targets, package_version
from model.scenario import LoadedScenario

__all__ = ["run_scenario", "simulate", "attribution_table", "ATTRIBUTION_COLUMNS"]

ATTRIBUTION_COLUMNS = ["instrument", "spending_yuan", "participants",
                       "attributable_new_urban_jobs", "delta_surveyed_rate_pp",
                       "cost_per_job_yuan", "delta_urban_employed", "cost_per_employed_yuan",
                       "budget_exhausted_month"]


def simulate(loaded: LoadedScenario, *, seed: int, persons_per_agent: float, replicate: int = 0,
             instruments: list | None = None) -> LabourMarket:
    """Build and run the model of a scenario; ``instruments`` replaces the scenario's list."""
    run = loaded.spec.scenario
    model = LabourMarket(
        params=loaded.params, start=run.start, months=run.months,
        persons_per_agent=persons_per_agent, demand_index=loaded.demand_path(), seed=seed,
        replicate=replicate,
        instruments=loaded.instruments if instruments is None else instruments,
    )
    model.run()
    return model


def _headline(monthly: pd.DataFrame) -> tuple[float, float, float]:
    """Cumulative new urban jobs (December), mean surveyed rate, final urban employment."""
    return (float(monthly["new_urban_jobs_cum"].iloc[-1]),
            float(monthly["surveyed_unemployment_rate"].mean()),
            float(monthly["urban_employed"].iloc[-1]))


def attribution_table(loaded: LoadedScenario, model: LabourMarket, *, seed: int,
                      persons_per_agent: float, replicate: int = 0) -> pd.DataFrame:
    """One row per enabled instrument: spending, participants, jobs and rate it accounts for.

    ``attributable_new_urban_jobs`` is the difference in the official gross-flow indicator;
    an instrument that keeps people in their jobs (a retention refund) lowers churn and can
    lower it while raising employment, which ``delta_urban_employed`` (end of horizon) shows.
    """
    jobs, rate, employed = _headline(model.monthly())
    rows = []
    for k, instrument in enumerate(model.instruments):
        if not instrument.enabled:
            continue
        others = [pair for j, pair in enumerate(loaded.instruments) if j != k]
        cf = simulate(loaded, seed=seed, persons_per_agent=persons_per_agent,
                      replicate=replicate, instruments=others)
        cf_jobs, cf_rate, cf_employed = _headline(cf.monthly())
        summary = instrument.summary()
        attributable = jobs - cf_jobs
        more_employed = employed - cf_employed
        rows.append({
            "instrument": instrument.kind,
            "spending_yuan": summary["spending_yuan"],
            "participants": summary["participants"],
            "attributable_new_urban_jobs": attributable,
            "delta_surveyed_rate_pp": rate - cf_rate,
            "cost_per_job_yuan": summary["spending_yuan"] / attributable if attributable > 0
            else np.nan,
            "delta_urban_employed": more_employed,
            "cost_per_employed_yuan": summary["spending_yuan"] / more_employed
            if more_employed > 0 else np.nan,
            "budget_exhausted_month": summary["budget_exhausted_month"],
        })
    return pd.DataFrame(rows, columns=ATTRIBUTION_COLUMNS)


def programme_outputs(model: LabourMarket) -> dict[str, Any]:
    """What each programme delivered, and the plan's group outcomes, next to the targets."""
    monthly = model.monthly()
    first, last = monthly.iloc[0], monthly.iloc[-1]

    def rate(row: pd.Series, group: str) -> float:
        emp, unemp = row[f"group_{group}_employed"], row[f"group_{group}_unemployed"]
        return float(100 * emp / (emp + unemp)) if emp + unemp > 0 else float("nan")

    out: dict[str, Any] = {i.kind: i.summary() for i in model.instruments}
    # The year's graduates, employed in August, against the latest observed cohort (2019-08).
    august = [m for m in model.cohort_employment if m.endswith("-08")]
    observed = data.hunan("graduates_first_employment_rate", "2019-08").value
    cohort_rate = 100 * model.cohort_employment[august[-1]] if august else None
    out["groups"] = {
        "graduates_employment_rate_pct": {
            "label":
                "高校毕业生就业水平 / graduates' employment rate in August (this year's cohort)",
            "value": cohort_rate,
            "previous_level": observed,
            "met": None if cohort_rate is None else bool(cohort_rate >= observed),
            "note": "Hunan's 2019 initial employment rate of new graduates (86.31%, August) stands "
                    "in for last year's level; 2020's is not in the data",
            "graduate_group_rate_end_of_year": rate(last, "graduate"),
        },
        "poverty_alleviated_working": {
            "label": "脱贫人口务工规模 / poverty-alleviated people in urban work",
            "start_of_year": float(first["group_poverty_alleviated_employed"]),
            "end_of_year": float(last["group_poverty_alleviated_employed"]),
            "met": bool(last["group_poverty_alleviated_employed"]
                        >= first["group_poverty_alleviated_employed"]),
            "note": "urban employment only; rural off-farm work is not separated in the model",
        },
    }
    return out


def run_scenario(
    loaded: LoadedScenario,
    *,
    seed: int | None = None,
    persons_per_agent: float | None = None,
    replicate: int = 0,
    attribution: bool = True,
) -> Results:
    """Simulate one scenario once (plus one counterfactual per instrument for attribution)."""
    run = loaded.spec.scenario
    seed = run.seed if seed is None else seed
    scale = run.persons_per_agent if persons_per_agent is None else persons_per_agent
    model = simulate(loaded, seed=seed, persons_per_agent=scale, replicate=replicate)
    monthly = model.monthly()
    table = (attribution_table(loaded, model, seed=seed, persons_per_agent=scale,
                               replicate=replicate) if attribution else None)
    manifest = {
        "scenario": {"path": str(loaded.path), "resolved": loaded.spec.model_dump(mode="json"),
                     "text": loaded.text},
        "parameters": {"origin": loaded.params.origin, "values": loaded.params.values()},
        "instrument_settings": {cls.kind: s.values | {"budget_yuan": s.budget_yuan,
                                                      "take_up": s.take_up}
                                for cls, s in loaded.instruments},
        "seed": seed,
        "replicate": replicate,
        "persons_per_agent": scale,
        "version": package_version(),
        "git_commit": git_commit(),
        "indicator_definitions": "National Bureau of Statistics; see model/indicators.py",
    }
    programmes = programme_outputs(model)
    return Results(monthly=monthly, manifest=manifest,
                   targets=judge_targets(monthly, programmes=programmes),
                   programmes=programmes, attribution=table)
