"""Run a scenario: scenario -> model -> results (with the manifest that reproduces it).

Attribution: each instrument's contribution is the scenario minus the same scenario with that
instrument removed, on the same seed and replicate (common random numbers: every mechanism
draws from its own stream, so the two runs differ only through the instrument).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from jobsim import data, past
from jobsim.agents import URBAN_EMPLOYMENT, State
from jobsim.labour_market import LabourMarket
from jobsim.results import Results, git_commit, judge_targets, package_version
from jobsim.scenario import LoadedScenario, check_scale

__all__ = ["run_scenario", "simulate", "build_model", "past_of", "attribution_table",
           "ATTRIBUTION_COLUMNS",
           "gross_and_net", "TOTAL_EMPLOYMENT"]

ATTRIBUTION_COLUMNS = ["instrument", "spending_yuan", "participants",
                       "attributable_new_urban_jobs", "delta_surveyed_rate_pp",
                       "cost_per_job_yuan", "delta_urban_employed", "cost_per_employed_yuan",
                       "budget_exhausted_month", "delta_rural_employed", "delta_total_employed",
                       "gross_employed", "net_to_gross", "cost_per_total_employed_yuan",
                       "delta_surveyed_rate_december_pp",
                       "delta_surveyed_rate_incl_trainees_pp"]

#: States counted in total employment: urban employment plus rural work.
TOTAL_EMPLOYMENT = (*URBAN_EMPLOYMENT, State.RURAL_WORK)


def past_of(loaded: LoadedScenario, *, seed: int, persons_per_agent: float, replicate: int,
            months: int) -> LabourMarket | None:
    """The run a scenario's model continues: the calibrated past, or None (built from data)."""
    if loaded.spec.scenario.initial_state != "calibrated_past":
        return None
    return past.run_past(loaded.params, persons_per_agent=persons_per_agent, seed=seed,
                         replicate=replicate, months_after=months)


def build_model(loaded: LoadedScenario, *, seed: int, persons_per_agent: float,
                replicate: int = 0, instruments: list | None = None,
                demand: list[float] | None = None, months: int | None = None) -> LabourMarket:
    """The model of a scenario, before its first month.

    ``instruments`` replaces the scenario's list, ``demand`` its demand path and ``months`` its
    horizon. With ``initial_state = "calibrated_past"`` the model continues the calibrated
    past run of this seed, replicate and scale (:mod:`jobsim.past`).
    """
    run = loaded.spec.scenario
    months = run.months if months is None else int(months)
    return LabourMarket(
        params=loaded.params, start=run.start, months=months,
        persons_per_agent=persons_per_agent,
        demand_index=loaded.demand_path() if demand is None else demand, seed=seed,
        replicate=replicate,
        instruments=loaded.instruments if instruments is None else instruments,
        past=past_of(loaded, seed=seed, persons_per_agent=persons_per_agent,
                     replicate=replicate, months=months),
    )


def simulate(loaded: LoadedScenario, *, seed: int, persons_per_agent: float, replicate: int = 0,
             instruments: list | None = None) -> LabourMarket:
    """Build and run the model of a scenario; ``instruments`` replaces the scenario's list."""
    model = build_model(loaded, seed=seed, persons_per_agent=persons_per_agent,
                        replicate=replicate, instruments=instruments)
    model.run()
    return model


def _headline(monthly: pd.DataFrame) -> dict[str, float]:
    """Cumulative new urban jobs (December), mean surveyed rates, final employment stocks."""
    last = monthly.iloc[-1]
    return {"jobs": float(last["new_urban_jobs_cum"]),
            "rate": float(monthly["surveyed_unemployment_rate"].mean()),
            "rate_incl_trainees":
                float(monthly["surveyed_unemployment_rate_incl_trainees"].mean()),
            "rate_last": float(last["surveyed_unemployment_rate"]),
            "urban": float(last["urban_employed"]),
            "rural": float(last["stock_rural_work"]),
            "total": float(last["total_employed"])}


def participants_employed(model: LabourMarket, ids: np.ndarray) -> float:
    """Persons among ``ids`` in total employment (urban or rural work) now."""
    if ids.size == 0:
        return 0.0
    return float(np.isin(model.workers.state[ids], TOTAL_EMPLOYMENT).sum()
                 * model.persons_per_agent)


def gross_and_net(model: LabourMarket, cf: LabourMarket, instrument) -> tuple[float, float]:
    """Gross and net employment effects of one instrument.

    Gross: participants' total employment minus the same people's in the run without the
    instrument (common random numbers keep agent identities); net: everyone's.

    Instruments without person-level participants (the refund, the fee cut) have no gross
    effect (NaN): their participants are firms.
    """
    net = (_headline(model.monthly())["total"] - _headline(cf.monthly())["total"])
    ids = instrument.members()
    if ids.size == 0:
        return float("nan"), net
    return participants_employed(model, ids) - participants_employed(cf, ids), net


def _ratio(num: float, den: float, floor: float = 0.0) -> float:
    return num / den if np.isfinite(den) and den > floor else np.nan


def attribution_table(loaded: LoadedScenario, model: LabourMarket, *, seed: int,
                      persons_per_agent: float, replicate: int = 0) -> pd.DataFrame:
    """One row per enabled instrument: spending, participants, jobs and rate it accounts for.

    ``attributable_new_urban_jobs`` is the difference in the official gross-flow indicator;
    an instrument that keeps people in their jobs (a retention refund) lowers churn and can
    lower it while raising employment, which ``delta_urban_employed`` (end of horizon) shows.
    ``delta_total_employed`` adds rural work (organised transfers move people out of it);
    ``gross_employed`` is the participants' own gain and ``net_to_gross`` the share of it
    that is not taken from others (displacement, deadweight). The counterfactual drops the
    instrument by kind, so any list order attributes correctly.
    """
    base = _headline(model.monthly())
    rows = []
    for instrument in model.instruments:
        if not instrument.enabled:
            continue
        others = [pair for pair in loaded.instruments if pair[0].kind != instrument.kind]
        cf = simulate(loaded, seed=seed, persons_per_agent=persons_per_agent,
                      replicate=replicate, instruments=others)
        alt = _headline(cf.monthly())
        summary = instrument.summary()
        spending = summary["spending_yuan"]
        attributable = base["jobs"] - alt["jobs"]
        more_employed = base["urban"] - alt["urban"]
        gross, net = gross_and_net(model, cf, instrument)
        rows.append({
            "instrument": instrument.kind,
            "spending_yuan": spending,
            "participants": summary["participants"],
            "attributable_new_urban_jobs": attributable,
            "delta_surveyed_rate_pp": base["rate"] - alt["rate"],
            "cost_per_job_yuan": _ratio(spending, attributable),
            "delta_urban_employed": more_employed,
            "cost_per_employed_yuan": _ratio(spending, more_employed),
            "budget_exhausted_month": summary["budget_exhausted_month"],
            "delta_rural_employed": base["rural"] - alt["rural"],
            "delta_total_employed": net,
            "gross_employed": gross,
            "net_to_gross": _ratio(net, gross, floor=persons_per_agent),
            "cost_per_total_employed_yuan": _ratio(spending, net),
            "delta_surveyed_rate_december_pp": base["rate_last"] - alt["rate_last"],
            "delta_surveyed_rate_incl_trainees_pp":
                base["rate_incl_trainees"] - alt["rate_incl_trainees"],
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
    """Simulate one scenario once (plus one counterfactual per instrument for attribution).

    A ``persons_per_agent`` given here is checked as the command line checks it (in
    [1, population / MIN_AGENTS]): a :class:`jobsim.scenario.ScenarioError` before any work.
    """
    run = loaded.spec.scenario
    seed = run.seed if seed is None else seed
    if isinstance(persons_per_agent, (np.integer, np.floating)):  # numpy's numbers (EMA, SALib)
        persons_per_agent = float(persons_per_agent)
    scale = run.persons_per_agent if persons_per_agent is None else check_scale(
        persons_per_agent, loaded.params, "persons_per_agent")
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
