"""No dead parameters: every parameter of the base set and every instrument setting moves some
output. Each is perturbed in turn (halved, or one more for counts) on a small model (one agent
per 2,000 people, 18 months, a dip in demand in months 2-4, every instrument on with an
unbounded budget) and the monthly indicators or the programme outputs must change. A parameter
that changes nothing would give a calibration a zero Jacobian column.

Three parameters are perturbed in context, not alone:

- ``flows.job_finding_rate`` is the prior from which ``flows.separation_rate`` and
  ``matching.efficiency`` are derived (``parameters.toml``); it is perturbed with them re-derived;
- ``matching.initial_tightness`` (the public employment offices' ratio) is the anchor from which
  ``matching.efficiency`` is derived; the model's own vacancies are the stationary stock
  (``population.stationary_tightness``), so it is perturbed with the efficiency re-derived;
- ``firms.sector_employment_share`` matters through the sector's layoff multiplier, neutral
  (1, 1) until calibrated; it is perturbed with a non-neutral multiplier in both runs.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jobsim.labour_market import LabourMarket
from jobsim.params import DEFAULT_PARAMETERS, ParameterSet
from jobsim.policies import INSTRUMENT_DEFAULTS, KINDS
from jobsim.scenario import load_scenario

SCALE, MONTHS = 2000, 18
DEMAND = [1.0, 0.9, 0.9, 0.95] + [1.0] * (MONTHS - 4)
#: Other perturbations where halving breaks the population's accounting (stocks), the
#: separation budget (the layoff part must exceed firm exits) or a floor (multipliers below 1
#: of the seasonal separations act as 1).
FACTOR = {"flows.separation_rate": 1.5, "flows.layoff_share_of_separations": 1.5,
          "flows.job_finding_rate": 1.5, "seasonality.migrant_separation_multiplier": 1.5,
          "population.share_fishermen": 3.0, "population.urban_share_of_inactive": 0.5}
POPULATION_FACTOR = 1.02
CONTEXT = {"firms.sector_employment_share": {"firms.layoff_multiplier_sector": [1.5, 1.0]}}
#: Parameters read only where a scenario's GDP path becomes its demand path (the runs here
#: take a demand path as given): their output is the plan's demand path.
MACRO_ONLY = {"labour_demand.output_elasticity"}
PLAN = Path(__file__).resolve().parents[2] / "scenarios" / "plan_2021.toml"
#: Settings perturbed to the end of their declared range rather than halved: at this scale
#: the youth internship has about 26 non-retained interns (agents), and halving their after-
#: effect (3 to 1.5 pp, search weight x1.29 to x1.15) flips none of their matches with this
#: seed; the range's ends (0 and 6 pp) do. A dead setting would move nothing at either.
SETTING_VALUE = {"youth_internship.effect_pp_not_retained": 0.0}
BASE = ParameterSet.load(DEFAULT_PARAMETERS)
DEFAULTS = ParameterSet.load(INSTRUMENT_DEFAULTS)
#: Settings every instrument's table carries that a scenario sets elsewhere (take_up is a
#: top-level key of the table; the instrument's default is perturbed through it).
SETTINGS = [k for k in DEFAULTS if not k.startswith("common.")]
COMMON = [k for k in DEFAULTS if k.startswith("common.")]
#: Searcher programmes run at a higher take-up than their defaults, so that each setting acts
#: on enough agents at this scale (their own take-up is perturbed from this value).
SEARCH_SIDE = {"youth_internship", "hiring_subsidy", "public_welfare_posts",
               "public_employment_services"}
SEARCH_TAKE_UP = 0.3


AGE_SHARES = ("population.share_under_16", "population.share_16_59", "population.share_60_plus")


def _perturbed(value, unit: str, factor: float = 0.5, declared_range=None):
    """A clearly different admissible value (inside a declared range, shares still summing
    to 1).
    """
    if isinstance(value, bool):
        return not value
    if isinstance(value, list):
        if unit == "1" and len(value) > 1 and abs(sum(value) - 1) < 1e-9:
            new = list(value)  # move part of the largest share to its neighbour
            i = int(np.argmax(value))
            j = i - 1 if i > 0 else i + 1
            shift = value[i] * (1 - factor)
            new[i], new[j] = value[i] - shift, value[j] + shift
            return new
        first = value[0] * factor if value[0] else value[0] + 0.1
        return [first, *value[1:]]
    if declared_range is not None:  # the scaled value, kept inside the declared range
        low, high = declared_range
        new = min(max(value * factor if value else low, low), high)
        return new if new != value else (high if value == low else low)
    if isinstance(value, int):
        return value - 1 if value >= 2 else value + 1
    if value == 0:
        return 0.5 if unit == "1" else 1.0
    return value * factor


def _scenario(tmp: Path, settings: dict[str, dict] | None = None,
              take_up: dict[str, float] | None = None) -> Path:
    text = (f'[scenario]\nname = "dead"\nstart = "2021-01"\nmonths = {MONTHS}\n'
            f"persons_per_agent = {SCALE}\nseed = 11\n")
    for kind in KINDS:
        text += f"\n[instruments.{kind}]\nbudget_yuan = 1e12\n"
        if take_up and kind in take_up:
            text += f"take_up = {take_up[kind]}\n"
        elif kind in SEARCH_SIDE:
            text += f"take_up = {SEARCH_TAKE_UP}\n"
        if settings and kind in settings:
            text += f"[instruments.{kind}.settings]\n"
            text += "".join(f"{k} = {v!r}\n" for k, v in settings[kind].items())
    path = tmp / f"s{abs(hash(text))}.toml"
    path.write_text(text.replace("True", "true").replace("False", "false"), encoding="utf-8")
    return path


def _outputs(loaded, params: ParameterSet | None = None) -> pd.DataFrame:
    run = loaded.spec.scenario
    model = LabourMarket(params=params or loaded.params, start=run.start, months=run.months,
                         persons_per_agent=SCALE, seed=run.seed, demand_index=DEMAND,
                         instruments=loaded.instruments)
    monthly = model.run().drop(columns="month")
    extra = {f"{i.kind}.{k}": v for i in model.instruments for k, v in i.summary().items()
             if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return pd.concat([monthly.reset_index(drop=True),
                      pd.DataFrame([extra] * len(monthly))], axis=1)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dead")
    loaded = load_scenario(_scenario(tmp))
    return tmp, loaded, _outputs(loaded)


def _changed(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return a.shape != b.shape or not np.allclose(a.to_numpy(float), b.to_numpy(float),
                                                 rtol=0, atol=0, equal_nan=True)


def _derived_from_finding_rate(p: ParameterSet, f: float) -> dict[str, float]:
    u = p["population.initial_surveyed_rate"] / 100
    theta, alpha = p["matching.initial_tightness"], p["matching.elasticity"]
    return {"flows.job_finding_rate": f, "flows.separation_rate": f * u / (1 - u),
            "matching.efficiency": f / theta ** (1 - alpha)}


@pytest.mark.parametrize("path", list(BASE))
def test_every_parameter_moves_an_output(path, reference):
    _, loaded, ref = reference
    declared = BASE.declaration(path)
    factor = FACTOR.get(path, POPULATION_FACTOR if path.startswith("population.") else 0.5)
    new = _perturbed(declared.value, declared.unit, factor, declared.range)
    if path == "flows.job_finding_rate":
        changes = _derived_from_finding_rate(loaded.params, new)
    elif path == "matching.initial_tightness":  # the anchor matching.efficiency is derived from
        alpha = loaded.params["matching.elasticity"]
        changes = {path: new, "matching.efficiency": loaded.params["flows.job_finding_rate"]
                   / new ** (1 - alpha)}
    elif path in AGE_SHARES:  # a partner share absorbs the change, so the three sum to 1
        partner = next(other for other in AGE_SHARES if other != path)
        changes = {path: new, partner: loaded.params[partner] + declared.value - new}
    else:
        changes = {path: new}
    base = loaded.params
    if path in CONTEXT:
        base = base.with_overrides(CONTEXT[path])
        ref = _outputs(loaded, base)
    params = base.with_overrides(changes)
    if path in MACRO_ONLY:  # read where a scenario's output path becomes labour demand
        plan = load_scenario(PLAN)
        before = np.asarray(plan.model_copy(update={"params": base}).demand_path())
        after = np.asarray(plan.model_copy(update={"params": params}).demand_path())
        assert not np.array_equal(before, after), f"{path} moves nothing"
        return
    assert _changed(_outputs(loaded, params), ref), f"{path} moves nothing"


@pytest.mark.parametrize("path", SETTINGS + COMMON)
def test_every_instrument_setting_moves_an_output(path, reference):
    tmp, _, ref = reference
    declared = DEFAULTS.declaration(path)
    kind, name = path.split(".", 1)
    new = SETTING_VALUE.get(path, _perturbed(declared.value, declared.unit,
                                             declared_range=declared.range))
    if kind == "common":  # shared values: perturbed in every instrument that reads them
        loaded = load_scenario(_scenario(tmp))
        loaded.instruments = [(cls, replace(s, values={**s.values, name: new}))
                              for cls, s in loaded.instruments]
    elif name == "take_up":
        base = SEARCH_TAKE_UP if kind in SEARCH_SIDE else declared.value
        loaded = load_scenario(_scenario(tmp, take_up={kind: _perturbed(base, declared.unit)}))
    else:
        loaded = load_scenario(_scenario(tmp, settings={kind: {name: new}}))
    assert _changed(_outputs(loaded), ref), f"{path} moves nothing"
