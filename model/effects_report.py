"""``docs/effects.md``: what each instrument buys, by channel, next to the evidence.

Each of the plan's instruments (``scenarios/plan_2021.toml``: its budget, settings and take-up)
runs alone for the twelve months of 2021, and the model runs on through 2022, against the same
model with no programme, on common random numbers (same seed and replicate: each agent draws
the same numbers in both runs). Reported at 12 and 24 months after January 2021:

- **gross**: the participants' own employment (urban or rural work) minus the same people's in
  the run without the instrument; **net**: everyone's (total employment, urban plus rural);
  net over gross is the share of the participants' gain not taken from others;
- new urban jobs (the official gross flow, cumulative over 2021) and urban employment;
- cost per net job: spending over the net change in total employment at 12 months;

under flat demand (index 1 every month), under the shipped 2020-like shock
(``scenarios/plan_2021_demand_shock.toml``: its 2021 demand path relative to the plan's, then
1 in 2022) and under a deeper illustrative shock (demand 0.90 in February and March 2021, back
to 1.0 by July in equal steps; ``DEEP``). Every figure is the mean over replicates with its
standard error.

Usage: ``jobsim effects --out docs/effects.md [--replications N] [--persons-per-agent K]``
(or ``python -m jobsim.effects_report``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from jobsim.errors import OutputError
from jobsim.labour_market import LabourMarket
from jobsim.params import ParameterSet
from jobsim.policies.effects import LabourCostResponse, labour_cost_response
from jobsim.results import atomic_write
from jobsim.runner import TOTAL_EMPLOYMENT, build_model
from jobsim.scenario import load_scenario

__all__ = ["DEEP", "FLAT", "shock_path", "measure_effects", "summarise", "write_effects", "main"]

PLAN = Path(__file__).resolve().parents[1] / "scenarios" / "plan_2021.toml"
MONTHS = 24
SHOCK_SCENARIO = PLAN.parent / "plan_2021_demand_shock.toml"
#: A deeper, illustrative fall: 10% below base in February and March, back by July.
DEEP = [1.0, 0.90, 0.90, 0.925, 0.95, 0.975] + [1.0] * (MONTHS - 6)
FLAT = [1.0] * MONTHS


def _loaded(path: Path, parameters: Path | None = None):
    """A shipped scenario, on another parameter file if one is given."""
    loaded = load_scenario(path)
    if parameters is None:
        return loaded
    return loaded.model_copy(update={"params": ParameterSet.load(parameters,
                                                                 like=loaded.params)})


def shock_path(parameters: Path | None = None) -> list[float]:
    """The shipped 2020-like shock as a factor on the plan's demand path.

    The shipped 2020-like shock (``plan_2021_demand_shock.toml``) relative to the plan's own
    demand path, for 2021; demand back at 1 in 2022 (``parameters``: another parameter file,
    whose output elasticity sizes both paths).
    """
    shock = np.asarray(_loaded(SHOCK_SCENARIO, parameters).demand_path(), dtype=float)
    plan = np.asarray(_loaded(PLAN, parameters).demand_path(), dtype=float)
    return [float(x) for x in shock / plan] + [1.0] * (MONTHS - shock.size)
HORIZONS = (12, 24)
#: Uncertain parameters run at the ends of their ranges, with the instruments they drive.
SENSITIVITY = [
    ("labour_demand.own_wage_elasticity", ["social_insurance_fee_cut"], [-0.1, -0.6]),
    ("common.labour_cost_separation_share", ["social_insurance_fee_cut"], [0.0, 1.0]),
    # The plan's refund budget covers a share of the firms; with every firm that has staff
    # covered, the shock-to-flat ratio shows whether coverage limits the refund's downturn
    # effect or the demand layoffs the shock causes do.
    ("job_retention_refund.budget_yuan", ["job_retention_refund"], [1e12]),
    ("job_retention_refund.demand_layoff_reduction", ["job_retention_refund"], [0.0, 0.45]),
    ("matching.search_net_to_gross", ["public_employment_services", "hiring_subsidy"],
     [0.2, 0.8]),
]

CHANNELS = {
    "job_retention_refund": "demand layoffs held by covered firms within the layoff-rate "
                            "rule; no labour-cost channel (a share of the previous year's "
                            "premiums, fixed before the year)",
    "social_insurance_fee_cut": "labour cost of every firm: the own-wage (employment) "
                                "elasticity on desired employment and layoffs",
    "training_in_lieu_of_work": "labour cost of small firms (elasticity); retention of the "
                                "trained employees",
    "hiring_subsidy": "search weight of entitled searchers (displacement); labour cost of the "
                      "hiring firm for the hire's first year (elasticity)",
    "vocational_training": "unemployed trainees: course out of the labour force, lock-in, then "
                           "search weight and retention; employed and rural trainees: none",
    "youth_internship": "placement with a host (employed), retention by the host, search "
                        "weight of the others",
    "entrepreneurship_loan": "founders self-employed, start-up firms hiring (the tallies' "
                             "first-year jobs, converted into wanted positions at the "
                             "vacancies' filling rate), survival hazard",
    "public_welfare_posts": "direct placement in time-limited posts",
    "public_employment_services": "search weight of served registered searchers "
                                  "(displacement)",
    "rural_labour_transfer": "rural workers placed point-to-point in urban vacancies",
    "flexible_employment_support": "searchers placed in flexible work",
}

#: The evidence each instrument is held to (evidence_priors.md), and how thin it is.
EVIDENCE = {
    "job_retention_refund": "0.02 jobs saved per covered worker-year outside a recession "
                            "(0-0.10, Hijzen & Martin 2013); about 20% of job losses avoided "
                            "in a recession by short-time work (Balleer et al. 2016); cost per "
                            "job saved 7% of annual labour cost (5-30%), windfall raises it",
    "social_insurance_fee_cut": "own-wage elasticity -0.3 (-0.1 to -0.6; meta-analyses, "
                                "publication bias); China 2019 pension cut: employment +5.1% "
                                "(an upper bound, mostly reallocation)",
    "training_in_lieu_of_work": "no evaluation; retention share 0.25 (0.10-0.50) borrowed "
                                "from hiring-subsidy deadweight: thin",
    "hiring_subsidy": "gross +3 pp for participants at 1-2 years (0 to +6); net new jobs 0.10-"
                      "0.50 of subsidised hires (Finnish, OECD deadweight evidence)",
    "vocational_training": "unemployed participants +1 pp < 1 year (-1, +3), +5 pp at 1-2 years "
                           "(+2, +9), CKW 2018; employed and rural trainees: wage evidence only",
    "youth_internship": "retention 0.5 (0.2-0.85); +3 pp for non-retained (0 to +6)",
    "entrepreneurship_loan": "2.7 jobs per founder gross (2.4-3.2, tallies, not causal); net "
                             "1.3 (0.7-2.0) [U]; 70% survival at 30 months",
    "public_welfare_posts": "employed while in post; 0 pp after exit (-3, +1), CKW",
    "public_employment_services": "+2 pp for participants (0 to +4), CKW 2010; displacement "
                                  "present, larger in slack markets, size not stated (Crepon "
                                  "et al. 2013): net over gross is a declared uncertainty "
                                  "(matching.search_net_to_gross 0.5, range 0.2-0.8)",
    "rural_labour_transfer": "none: deadweight is an assumption",
    "flexible_employment_support": "none: deadweight is an assumption",
}


NOTES = [
    "## Reading the results, and where the evidence is thin", "",
    "- **Labour-cost channel (fee cut, hiring subsidies, training in lieu of work).** All "
    "three take their employment effect from one parameter, `labour_demand.own_wage_elasticity` "
    "(-0.3, range -0.1 to -0.6). The evidence behind it is an *employment* elasticity "
    "(meta-analyses of how employment responds to labour cost), while the model's firms reach "
    "employment only through desired employment (vacancies, filled by matching) and their layoff "
    "hazard. Applied to desired employment as it is, the fitted set of commit 587c9a2 realised an "
    "employment elasticity of -0.05, a sixth of the evidence's: most of the extra desired "
    "employment stays unfilled vacancies. So the elasticity is converted, from the model's own "
    "steady state (the linearised urban matching market with quits following the hiring climate; "
    "`model/policies/effects.py` `labour_cost_response`, tested against the numerically solved "
    "steady state), onto the two margins: a share `common.labour_cost_separation_share` of the "
    "response comes from a lower layoff hazard, the rest from more desired employment, each scaled "
    "so that in the steady state employment moves by the evidence's elasticity. The conversion is "
    "computed from the parameters, never fitted to an outcome; the check above gives its factors "
    "at the set run. The evidence file gives the elasticity but not the margin (studies of "
    "payroll-tax changes find hiring responses and, in recessions, retention responses), so the "
    "split is a declared assumption at the midpoint of [0, 1], run at both ends in the sensitivity "
    "table: on the hiring margin alone the extra vacancies raise the hiring climate most, and the "
    "climate's pull of rural workers into urban search takes most of the gain from total "
    "employment.",
    "- **The hiring climate pulls people into search.** Rural transfers, labour-force entry "
    "and quits follow the hiring climate (vacancies per searcher). An instrument that adds "
    "vacancies or takes searchers out of unemployment raises the climate, so more rural "
    "workers start urban search (a rural worker who starts urban search stops rural work: "
    "the negative rural column), more inactive people search and more employees quit to "
    "search. This is the Harris-Todaro response of migration to urban job prospects; its "
    "size (an elasticity of one on the job-finding rate, applied to every rural worker's "
    "transfer hazard) is the model core's choice, not an estimate in evidence_priors.md. "
    "Per job added it is largest where the job comes with new vacancies (the desired-"
    "employment margin: in the steady state, quits aside, tightness must rise by a share "
    "(s + f) / ((1 - a) f U) per job, about twice the job's share of the searchers) and "
    "smaller where it comes from fewer layoffs (a share 1/U - 1/V per job, little where "
    "vacancies and searchers are about as many). The fee-cut check above gives the "
    "decomposition: desired and firm employment, urban employment, rural work and total.",
    "- **Deadweight.** The fee cut is paid on every job: all but the net jobs in the tables "
    "are deadweight. Hiring subsidies pay for hires that mostly happen anyway: their net jobs "
    "per subsidised hire (the check above, evidence 0.10-0.50) come from the search channel's "
    "net-to-gross share and from the elasticity on a 3,000-yuan subsidy, about 4% of a "
    "year's labour cost; the evidence's net shares come from larger wage subsidies.",
    "- **Refund.** It acts on one margin: covered firms hold a share of the layoffs a fall in "
    "demand below their employment causes, within the layoff-rate rule (the rule counts the "
    "layoffs the firm makes). It has no labour-cost channel: the refund is a share of the "
    "premiums paid in the previous year (`policy_parameters.csv`: 60% for small and medium "
    "firms, 30% for large ones), a sum fixed before the year that no hire or kept worker this "
    "year changes (save through the rule), unlike the fee cut, subsidies and training "
    "allowances, which follow this year's payroll; outside a recession such payments save "
    "almost no jobs (Hijzen & Martin 2013). So under flat demand its effect is the few "
    "demand layoffs that firms' own falls in demand cause, and its effect grows with the "
    "downturn. The check above gives the baseline's demand layoffs in 2021 under each path and "
    "what the refund holds: where a fall in demand is absorbed by vacancies it causes no demand "
    "layoff and the refund has nothing to hold. Laid-off workers are recalled when demand is "
    "back, so the refund's effect is in the downturn months (the 2021 average, in job-years) "
    "and less of it is left at 12 months, as Giupponi & Landais find for short-time work. The "
    "plan's budget, at `job_retention_refund.spending_per_firm_yuan` a firm, covers a share of "
    "the firms (the check above gives the workers covered); the sensitivity table runs the "
    "refund with every firm that has staff covered (`budget_yuan` 1e12). Until session 12 the "
    "refund also cut covered firms' labour cost by the refund per worker: that channel was the "
    "same in normal times and in a downturn, and gave most of its flat-demand effect.",
    "- **Displacement.** Search-side instruments (employment services, the search part of "
    "hiring subsidies and of training and internships) add matches at the net-to-gross share "
    "`matching.search_net_to_gross` (0.5 at the initial tightness, range 0.2-0.8, lower in "
    "slack markets with elasticity `matching.net_to_gross_tightness_elasticity`); Crépon et "
    "al. (2013) establish displacement but not its size: both are declared uncertainties. "
    "The measured net/gross of a small programme is a ratio of two noisy differences: read "
    "it with the standard errors of its parts.",
    "- **Vocational training can lower total employment at 12 months.** Unemployed trainees "
    "are locked in during the course (job finding x 0.5) and the effect for participants is "
    "+1 pp (-1, +3) within a year and grows later (Card, Kluve & Weber 2018, "
    "evidence_priors.md: training is the slow starter); the ILO rate falls while trainees "
    "are out of the labour force, the rate counting them as unemployed does not. Only 20% of "
    "trainees are unemployed (declared assumption, `vocational_training.share_employed`, "
    "`share_rural`); employed and rural trainees have no employment effect in the model "
    "(the Chinese evidence found is on wages).",
    "- **Organised rural transfers.** A rural worker is employed already; a point-to-point "
    "transfer moves them into an urban vacancy that an urban searcher might otherwise have "
    "filled, and from rural work, which the model never separates, into an urban job, which "
    "separates like any other. So the transfer changes where its participants work and, "
    "within a year, can lower total employment: its participants' own (gross) and everyone's "
    "(net) total employment in the tables. Less spontaneous transfer (the instrument fills "
    "vacancies, so the hiring climate falls) works the other way; which wins depends on the "
    "vacancies per searcher. The model has no segmented migrant labour market and no demand "
    "outside Hunan (much 劳务协作 places workers in other provinces), and the evidence file has "
    "no estimate for transfers: where the check above lists the instrument as lowering total "
    "employment, that is the model's result, not evidence, and the issue's bar that no "
    "instrument lowers total employment is not met by it. Read the total-employment column, "
    "not the urban one.",
    "- **Thin evidence**, kept as declared uncertainties with ranges: the training mix, the "
    "net-to-gross share and its tightness elasticity, the job-finding penalties of the "
    "hard-to-employ (`matching.difficulty_search_efficiency` 0.6, 0.3-0.9) and of the "
    "long-term unemployed (`matching.long_term_search_efficiency` 0.7, 0.5-0.9), training in "
    "lieu of work's retention share, the deadweight of transfers and of flexible-work "
    "support.",
    "",
]


@dataclass
class Run:
    """One run's readings at the horizons."""

    total: dict[int, float]
    urban: dict[int, float]
    rural: dict[int, float]
    firm_employed: dict[int, float]
    jobs: dict[int, float]  # cumulative new urban jobs of the calendar year
    rate_dec: float  # surveyed rate, December 2021 (ILO)
    rate_dec_incl: float  # the same with course participants counted as unemployed
    states: dict[int, np.ndarray]  # every agent's state at each horizon
    model: LabourMarket
    total_2021: float = 0.0  # total employment averaged over 2021 (person-years)
    desired: dict[int, float] | None = None  # firms' desired employment at each horizon
    demand_layoffs_2021: float = 0.0  # layoffs caused by demand below employment, 2021
    rural_transfers_2021: float = 0.0  # spontaneous rural workers starting urban search, 2021
    quits_2021: float = 0.0
    layoffs_2021: float = 0.0  # layoffs by the firms' layoff hazard, 2021

    def employed(self, h: int, ids: np.ndarray) -> float:
        """Persons among ``ids`` in total employment at horizon ``h``."""
        return float(np.isin(self.states[h][ids], TOTAL_EMPLOYMENT).sum()
                     * self.model.persons_per_agent)


def _run(loaded, instruments: list, demand: list[float], seed: int, replicate: int,
         persons_per_agent: float) -> Run:
    model = build_model(loaded, seed=seed, persons_per_agent=persons_per_agent,
                        replicate=replicate, instruments=instruments, demand=demand,
                        months=MONTHS)
    readings: dict[str, dict[int, float]] = {k: {} for k in (
        "total", "urban", "rural", "firm_employed", "jobs", "desired")}
    states: dict[int, np.ndarray] = {}
    rate_dec = rate_dec_incl = float("nan")
    while model.month_index < model.horizon:
        model.step()
        h = model.month_index
        row = model.rows[-1]
        if h == 12:
            rate_dec = row["surveyed_unemployment_rate"]
            rate_dec_incl = row["surveyed_unemployment_rate_incl_trainees"]
        if h in HORIZONS:
            readings["total"][h] = row["total_employed"]
            readings["urban"][h] = row["urban_employed"]
            readings["rural"][h] = row["stock_rural_work"]
            readings["firm_employed"][h] = row["stock_employed"]
            readings["jobs"][h] = row["new_urban_jobs_cum"]
            readings["desired"][h] = _desired(model, demand[h - 1])
            states[h] = model.workers.state.copy()
    monthly = model.monthly()
    year = monthly.iloc[:12]
    return Run(**readings, rate_dec=rate_dec, rate_dec_incl=rate_dec_incl, states=states,
               model=model, total_2021=float(year["total_employed"].mean()),
               demand_layoffs_2021=float(year["flow_demand_layoff"].sum()),
               rural_transfers_2021=float(year["flow_rural_transfer"].sum()),
               quits_2021=float(year["flow_quit"].sum()),
               layoffs_2021=float(year["flow_layoff"].sum()))


def _desired(model: LabourMarket, demand: float) -> float:
    """Firms' desired employment (persons) in the month just run, labour costs included."""
    f = model.firms
    eps = model.effects.cost_elasticity
    if eps is None:
        eps = float(model.params["labour_demand.own_wage_elasticity"])
    factor = model.effects.demand_factor(f, eps)
    index = demand if factor is None else demand * factor
    return float(f.targets(index)[f.alive].sum() * model.persons_per_agent)


def measure_effects(*, replications: int = 4, persons_per_agent: float = 500,
                    seed: int = 20210322, kinds: list[str] | None = None,
                    overrides: dict[str, float] | None = None,
                    parameters: Path | None = None) -> pd.DataFrame:
    """One row per instrument, demand path and replicate: gross, net, cost at 12 and 24 months.

    ``overrides`` changes parameters (dotted paths of the parameter set) or instrument
    settings (``kind.setting``; ``common.setting`` for every instrument) for a sensitivity run;
    ``parameters`` runs on another parameter file than the plan's.
    """
    loaded = _loaded(PLAN, parameters)
    overrides = overrides or {}
    params = {k: v for k, v in overrides.items() if k in loaded.params}
    if params:
        loaded = loaded.model_copy(update={"params": loaded.params.with_overrides(params)})
    pairs = []
    for cls, s in loaded.instruments:
        if kinds is not None and cls.kind not in kinds:
            continue
        mine = {k.split(".", 1)[1]: v for k, v in overrides.items()
                if k.startswith((cls.kind + ".", "common."))}
        # ``kind.budget_yuan`` replaces the scenario's budget (not a setting).
        budget = mine.pop("budget_yuan", s.budget_yuan)
        pairs.append((cls, replace(s, first_month=0, last_month=11, budget_yuan=float(budget),
                                   values={**s.values, **mine})))
    rows = []
    for demand_name, demand in (("flat", FLAT), ("shock_2020", shock_path(parameters)),
                                ("deep", DEEP)):
        for r in range(replications):
            # Agents are the same people in every run (entrants come from their own streams),
            # so participants are looked up by index in the run without the instrument.
            base = _run(loaded, [], demand, seed, r, persons_per_agent)
            for cls, settings in pairs:
                with_it = _run(loaded, [(cls, settings)], demand, seed, r, persons_per_agent)
                inst = with_it.model.instruments[0]
                members = inst.members()  # admissions end in December 2021
                summary = inst.summary()
                row = {"instrument": cls.kind, "demand": demand_name, "replicate": r,
                       "spending_yuan": summary["spending_yuan"],
                       "participants": summary["participants"],
                       "budget_exhausted_month": summary["budget_exhausted_month"],
                       "delta_rate_dec_pp": with_it.rate_dec - base.rate_dec,
                       "delta_rate_dec_incl_trainees_pp":
                           with_it.rate_dec_incl - base.rate_dec_incl}
                row["net_avg_2021"] = with_it.total_2021 - base.total_2021
                row["base_demand_layoffs_2021"] = base.demand_layoffs_2021
                row["demand_layoffs_2021"] = with_it.demand_layoffs_2021 - base.demand_layoffs_2021
                row["rural_transfers_2021"] = (with_it.rural_transfers_2021
                                               - base.rural_transfers_2021)
                row["quits_2021"] = with_it.quits_2021 - base.quits_2021
                row["layoffs_2021"] = with_it.layoffs_2021 - base.layoffs_2021
                for h in HORIZONS:
                    row[f"net_{h}"] = with_it.total[h] - base.total[h]
                    row[f"urban_{h}"] = with_it.urban[h] - base.urban[h]
                    row[f"rural_{h}"] = with_it.rural[h] - base.rural[h]
                    row[f"firm_employed_{h}"] = with_it.firm_employed[h] - base.firm_employed[h]
                    row[f"desired_{h}"] = with_it.desired[h] - base.desired[h]
                    row[f"jobs_{h}"] = with_it.jobs[h] - base.jobs[h]
                    row[f"base_firm_employed_{h}"] = base.firm_employed[h]
                    row[f"gross_{h}"] = (with_it.employed(h, members) - base.employed(h, members)
                                         if members.size else float("nan"))
                for key, value in inst.outputs().items():
                    row[f"out_{key}"] = value
                rows.append(row)
    return pd.DataFrame(rows)


def _fmt(x: float, digits: int = 0) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return f"{x:,.{digits}f}"


def _mean_se(part: pd.DataFrame, col: str) -> tuple[float, float]:
    v = part[col].to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0


def _ratio_se(part: pd.DataFrame, num: str, den: str) -> float:
    """Delta-method standard error of mean(num) / mean(den) over paired replicates."""
    both = part[[num, den]].to_numpy(dtype=float)
    both = both[np.isfinite(both).all(axis=1)]
    if len(both) < 2 or both[:, 1].mean() == 0:
        return float("nan")
    a, b = both.mean(axis=0)
    cov = np.cov(both.T, ddof=1) / len(both)
    var = (a / b) ** 2 * (cov[0, 0] / a**2 + cov[1, 1] / b**2 - 2 * cov[0, 1] / (a * b))
    return float(np.sqrt(max(var, 0.0)))


def summarise(raw: pd.DataFrame) -> pd.DataFrame:
    """Means and standard errors by instrument and demand path, with the derived ratios."""
    rows = []
    for (kind, demand), part in raw.groupby(["instrument", "demand"], sort=False):
        row = {"instrument": kind, "demand": demand}
        for col in [c for c in raw.columns if c.split("_")[0] in (
                "net", "gross", "urban", "rural", "jobs", "firm", "delta", "spending", "base",
                "participants", "out", "desired", "demand", "quits", "layoffs") and c != "demand"]:
            row[col], row[col + "_se"] = _mean_se(part, col)
        spend = row["spending_yuan"]
        row["cost_per_net_job_12"] = spend / row["net_12"] if row["net_12"] > 0 else np.nan
        row["cost_per_job_year_2021"] = (spend / row["net_avg_2021"] if row["net_avg_2021"] > 0
                                         else np.nan)
        for h in HORIZONS:
            g = row.get(f"gross_{h}", np.nan)
            row[f"net_to_gross_{h}"] = row[f"net_{h}"] / g if np.isfinite(g) and g > 0 else np.nan
            row[f"net_to_gross_{h}_se"] = (_ratio_se(part, f"net_{h}", f"gross_{h}")
                                           if np.isfinite(g) and g > 0 else np.nan)
        months = part["budget_exhausted_month"].dropna()
        row["budget_exhausted_month"] = months.mode().iloc[0] if len(months) else "never"
        rows.append(row)
    return pd.DataFrame(rows)


def fee_cut_elasticity(summary: pd.DataFrame, demand: str = "flat", h: int = 12) -> float:
    """Implied employment elasticity of the fee cut.

    Implied employment elasticity of the fee cut: firm employment change over the relative
    labour-cost change.
    """
    row = summary[(summary["instrument"] == "social_insurance_fee_cut")
                  & (summary["demand"] == demand)]
    if row.empty:
        return float("nan")
    row = row.iloc[0]
    d_emp = row[f"firm_employed_{h}"] / row[f"base_firm_employed_{h}"]
    return float(d_emp / (row["out_relative_labour_cost"] - 1.0))


TITLE = "# What each instrument buys (generated)"


def write_effects(out: Path, summary: pd.DataFrame, *, replications: int,
                  persons_per_agent: float, seed: int,
                  sensitivity: pd.DataFrame | None = None,
                  cost: LabourCostResponse | None = None,
                  parameters: Path | None = None) -> None:
    """Render ``docs/effects.md``.

    ``cost``: the labour-cost channel's conversion at the set run; ``parameters``: the
    parameter file run, if not the plan's.
    """
    option = "" if parameters is None else f" --parameters {parameters}"
    which = ("the plan's fitted set" if parameters is None
             else f"`{parameters}` (not the plan's fitted set)")
    lines = [
        TITLE,
        "",
        "Generated by `jobsim effects --out docs/effects.md "
        f"--replications {replications} --persons-per-agent {persons_per_agent:g}{option}` "
        f"(seed {seed}); do not edit by hand. Method: `model/effects_report.py`. Each "
        "instrument of `scenarios/plan_2021.toml` (its budget, take-up and settings) runs "
        "alone in 2021 and the model runs on through 2022, against the same model without "
        "it on common random numbers; means over replicates, standard errors in brackets. "
        f"Parameters: {which}. Demand: **flat** (index 1) and **2020-like "
        "shock** (the demand path of `scenarios/plan_2021_demand_shock.toml`, sized from "
        "2020's quarters of output through the output elasticity of labour demand, relative to "
        "the plan's path, in 2021) and a **deep shock** (illustrative: 0.90 in February-March "
        "2021, back to 1.0 by July).",
        "",
        "- **gross**: participants' own total employment (urban or rural work) minus the same "
        "people's without the instrument; **net**: everyone's total employment (urban plus "
        "rural). Net/gross below 1 is displacement and deadweight; above 1 means the "
        "instrument employs people other than its participants (start-ups' hires, firms' "
        "extra hiring). Firm-side instruments (refund, fee cut) have firms, not people, as "
        "participants: no gross.",
        "- **new urban jobs**: the official gross flow 城镇新增就业, 2021 cumulative.",
        "- **cost per net job**: 2021 spending / net total employment at 12 months.",
        "",
    ]
    for demand, title in (("flat", "Flat demand"),
                          ("shock_2020", "2020-like demand shock (plan_2021_demand_shock.toml)"),
                          ("deep", "Deep shock (illustrative: demand 0.90 in February-March)")):
        lines += [f"## {title}", "",
                  "| instrument | spending (m yuan) | gross 12m | net 12m | net/gross 12m | "
                  "gross 24m | net 24m | net, 2021 average | urban employed 12m | rural 12m | "
                  "new urban jobs 2021 | cost per net job (yuan) | Δ Dec rate, ILO / incl. "
                  "trainees (pp) | budget exhausted |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        part = summary[summary["demand"] == demand]
        for _, r in part.iterrows():
            lines.append(
                f"| `{r['instrument']}` | {_fmt(r['spending_yuan'] / 1e6)} | "
                f"{_fmt(r['gross_12'])} ({_fmt(r['gross_12_se'])}) | "
                f"{_fmt(r['net_12'])} ({_fmt(r['net_12_se'])}) | "
                f"{_fmt(r['net_to_gross_12'], 2)} | "
                f"{_fmt(r['gross_24'])} | {_fmt(r['net_24'])} ({_fmt(r['net_24_se'])}) | "
                f"{_fmt(r['net_avg_2021'])} | "
                f"{_fmt(r['urban_12'])} | {_fmt(r['rural_12'])} | {_fmt(r['jobs_12'])} | "
                f"{_fmt(r['cost_per_net_job_12'])} | "
                f"{_fmt(r['delta_rate_dec_pp'], 3)} / "
                f"{_fmt(r['delta_rate_dec_incl_trainees_pp'], 3)} | "
                f"{r['budget_exhausted_month']} |")
        lines.append("")
    lines += ["## Channel and evidence", "",
              "| instrument | channel | evidence it is held to (evidence_priors.md) |",
              "|---|---|---|"]
    for kind, channel in CHANNELS.items():
        lines.append(f"| `{kind}` | {channel} | {EVIDENCE[kind]} |")
    lines.append("")
    lines += _bars(summary, cost) + NOTES
    if sensitivity is not None and len(sensitivity):
        lines += ["## Sensitivity: uncertain parameters at the ends of their ranges", "",
                  "| parameter | value | instrument | demand | net 12m | net, 2021 average | "
                  "net/gross 12m | cost per net job (yuan) | fee-cut elasticity 12m |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for _, r in sensitivity.iterrows():
            el = (fee_cut_elasticity(sensitivity[(sensitivity["parameter"] == r["parameter"])
                                                 & (sensitivity["value"] == r["value"])],
                                     r["demand"])
                  if r["instrument"] == "social_insurance_fee_cut" else float("nan"))
            lines.append(f"| `{r['parameter']}` | {r['value']:g} | `{r['instrument']}` | "
                         f"{r['demand']} | {_fmt(r['net_12'])} ({_fmt(r['net_12_se'])}) | "
                         f"{_fmt(r['net_avg_2021'])} | {_fmt(r['net_to_gross_12'], 2)} | "
                         f"{_fmt(r['cost_per_net_job_12'])} | {_fmt(el, 3)} |")
        lines.append("")
    atomic_write(out, "\n".join(lines) + "\n")


def _row(summary: pd.DataFrame, kind: str, demand: str) -> pd.Series | None:
    part = summary[(summary["instrument"] == kind) & (summary["demand"] == demand)]
    return None if part.empty else part.iloc[0]


def _bars(summary: pd.DataFrame, cost: LabourCostResponse | None = None) -> list[str]:
    lines = ["## Checks against the evidence", ""]
    fee = _row(summary, "social_insurance_fee_cut", "flat")
    if fee is not None:
        lines.append(f"- Fee cut: implied employment elasticity at 12 months "
                     f"{fee_cut_elasticity(summary):.3f} (firm employment change over the "
                     f"relative labour-cost change {fee['out_relative_labour_cost'] - 1:.4f}); "
                     "evidence -0.1 to -0.5; cost per additional employed "
                     f"{_fmt(fee['cost_per_net_job_12'])} yuan at 12 months, "
                     f"{_fmt(fee['cost_per_job_year_2021'])} yuan per job-year over 2021 "
                     "(bar 50k-500k).")
        reached = (fee["firm_employed_12"] / fee["desired_12"] if fee["desired_12"] > 0
                   else float("nan"))
        line = (f"- Fee cut, where it goes (flat, 12 months): desired employment "
                f"{_fmt(fee['desired_12'])} (se {_fmt(fee['desired_12_se'])}), firm employment "
                f"reached {_fmt(fee['firm_employed_12'])} (se {_fmt(fee['firm_employed_12_se'])}"
                f"; {_fmt(reached, 2)} of desired), urban employment "
                f"{_fmt(fee['urban_12'])}, rural work {_fmt(fee['rural_12'])} (rural workers "
                f"starting urban search over 2021 {_fmt(fee['rural_transfers_2021'])}, quits "
                f"{_fmt(fee['quits_2021'])}, layoffs by the firms' hazard "
                f"{_fmt(fee['layoffs_2021'])}), total {_fmt(fee['net_12'])}.")
        lines.append(line)
    if cost is not None:
        lines.append(
            f"- Labour-cost channel (`labour_cost_response`, at the stationary tightness "
            f"{cost.theta:.2f} vacancies per searcher): the evidence's employment elasticity "
            f"{cost.employment_elasticity:g}, a share {cost.separation_share:g} of it on "
            f"layoffs (`common.labour_cost_separation_share`): the layoff hazard's elasticity "
            f"to labour cost {cost.layoff_elasticity:.2f} (individual layoff hazard "
            f"{cost.individual_layoff_rate:.4f} a month against the adjustment rate "
            f"{cost.separation_denominator:.3f}); the rest on desired employment, whose "
            f"change is filled at {cost.pass_through:.3f} in the steady state with quits "
            f"(dlnE/dlnT {cost.desired_to_employment:.3f}): desired employment's elasticity "
            f"{cost.desired_elasticity:.2f}.")
    flat = _row(summary, "job_retention_refund", "flat")
    covered = np.nan if flat is None else flat.get("out_workers_covered", np.nan)
    for name in ("shock_2020", "deep"):
        shock = _row(summary, "job_retention_refund", name)
        if flat is None or shock is None:
            continue
        for col, what in (("net_avg_2021", "averaged over 2021 (job-years)"),
                          ("net_12", "at 12 months")):
            ratio = shock[col] / flat[col] if flat[col] > 0 else float("nan")
            # The two paths' runs are separate samples: their errors add (the common seeds
            # make them positively correlated, so this overstates the ratio's error).
            ratio_se = abs(ratio) * np.hypot(shock[col + "_se"] / shock[col],
                                             flat[col + "_se"] / flat[col])
            lines.append(f"- Refund ({name} against flat), net employment {what}: "
                         f"{_fmt(flat[col])} (se {_fmt(flat[col + '_se'])}) flat, "
                         f"{_fmt(shock[col])} (se {_fmt(shock[col + '_se'])}) {name}: "
                         f"ratio {_fmt(ratio, 1)} (se {_fmt(ratio_se, 1)}; bar >= 2).")
        lines.append(f"- Refund: demand layoffs held in the worst month "
                     f"{_fmt(shock.get('out_demand_layoffs_held', np.nan))} ({name}), "
                     f"{_fmt(flat.get('out_demand_layoffs_held', np.nan))} (flat); demand "
                     f"layoffs in 2021 without the refund {_fmt(shock['base_demand_layoffs_2021'])}"
                     f" ({name}), {_fmt(flat['base_demand_layoffs_2021'])} (flat), change with "
                     f"it {_fmt(shock['demand_layoffs_2021'])} ({name}); workers covered "
                     f"{_fmt(covered)}, {_fmt(100 * covered / flat['base_firm_employed_12'], 1)}"
                     f"% of firm employment at 12 months (flat).")
    for demand in ("flat", "shock_2020", "deep"):
        pes = _row(summary, "public_employment_services", demand)
        if pes is not None:
            lines.append(f"- Public employment services ({demand}): net/gross at 12 months "
                         f"{_fmt(pes['net_to_gross_12'], 2)} (se "
                         f"{_fmt(pes['net_to_gross_12_se'], 2)}), at 24 months "
                         f"{_fmt(pes['net_to_gross_24'], 2)} (se "
                         f"{_fmt(pes['net_to_gross_24_se'], 2)}) (bar 0.2-0.8).")
    hs = _row(summary, "hiring_subsidy", "flat")
    if hs is not None and hs.get("out_subsidised_hires", 0) > 0:
        lines.append(f"- Hiring subsidies: net employment at 24 months per subsidised hire "
                     f"{hs['net_24'] / hs['out_subsidised_hires']:.2f} (evidence net share "
                     "0.10-0.50).")
    loans = _row(summary, "entrepreneurship_loan", "flat")
    if loans is not None and loans.get("out_loans", 0) > 0:
        lines.append(f"- Loans: net employment at 24 months per loan "
                     f"{loans['net_24'] / loans['out_loans']:.2f} (evidence net 0.7-2.0 [U]).")
    falls = [(r["instrument"], r["demand"], r["net_12"], r["net_12_se"])
             for _, r in summary.iterrows() if r["net_12"] < -2 * max(r["net_12_se"], 1.0)]
    if falls:
        lines.append("- Instruments that lower total employment at 12 months: " + "; ".join(
            f"`{k}` ({d}) {_fmt(v)} (se {_fmt(se)})" for k, d, v, se in falls) + ".")
    else:
        lines.append("- No instrument lowers total employment at 12 months by more than two "
                     "standard errors.")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    """Measure and write the effects document."""
    parser = argparse.ArgumentParser(prog="jobsim effects", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options (shared with ``jobsim effects``)."""
    parser.add_argument("--out", type=Path, required=True, help="markdown file to write")
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--persons-per-agent", type=float, default=500.0)
    parser.add_argument("--seed", type=int, default=20210322)
    parser.add_argument("--csv", type=Path, default=None, help="also write the summary table")
    parser.add_argument("--parameters", type=Path, default=None,
                        help="a parameter file to run on instead of the plan's (e.g. "
                             "model/data/parameters.toml, the base set)")


def check_target(out: Path) -> None:
    """Refuse, before minutes of runs, to replace a file this command did not write."""
    out = Path(out)
    if out.is_dir() or out.is_symlink():
        raise OutputError(f"{out}: --out must be a markdown file, and this is a folder or a link")
    if out.exists():
        try:
            first = out.read_text(encoding="utf-8-sig").split("\n", 1)[0]
        except (OSError, UnicodeDecodeError) as exc:
            raise OutputError(f"{out}: exists and cannot be read ({exc}); jobsim replaces only "
                              "an effects page it wrote") from None
        if first != TITLE:
            raise OutputError(f"{out}: exists and is not an effects page jobsim wrote (its first "
                              f"line is not {TITLE!r}); choose another --out")


def plan_cost_response(parameters: Path | None = None) -> LabourCostResponse:
    """The labour-cost channel's conversion at the plan's parameters and settings."""
    loaded = _loaded(PLAN, parameters)
    share = float(loaded.instruments[0][1].values["labour_cost_separation_share"])
    return labour_cost_response(loaded.params, share)


def run(args: argparse.Namespace) -> int:
    """Measure the effects and write the document (and optionally the table)."""
    check_target(args.out)
    if args.csv is not None and Path(args.csv).exists():
        raise OutputError(f"{args.csv}: --csv exists already; jobsim writes the table only to a "
                          "new file")
    parameters = args.parameters
    raw = measure_effects(replications=args.replications,
                          persons_per_agent=args.persons_per_agent, seed=args.seed,
                          parameters=parameters)
    summary = summarise(raw)
    sensitivity = []
    for path, kinds, values in SENSITIVITY:
        for value in values:
            part = summarise(measure_effects(
                replications=args.replications, persons_per_agent=args.persons_per_agent,
                seed=args.seed, kinds=kinds, overrides={path: value},
                parameters=parameters))
            part.insert(0, "value", value)
            part.insert(0, "parameter", path)
            sensitivity.append(part)
    write_effects(args.out, summary, replications=args.replications,
                  persons_per_agent=args.persons_per_agent, seed=args.seed,
                  sensitivity=pd.concat(sensitivity, ignore_index=True),
                  cost=plan_cost_response(parameters), parameters=parameters)
    if args.csv is not None:
        atomic_write(args.csv, summary.to_csv(index=False, float_format="%.6f"))
    print(f"effects written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

