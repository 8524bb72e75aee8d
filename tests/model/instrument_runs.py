"""Helpers for instrument tests: scenarios written as TOML and run through the real loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from jobsim.agents import URBAN_EMPLOYMENT
from jobsim.labour_market import LabourMarket
from jobsim.scenario import LoadedScenario, load_scenario

HEAD = """[scenario]
name = "test"
start = "2021-01"
months = {months}
persons_per_agent = {ppa}
seed = {seed}
parameters = "{parameters}"
"""

#: Parameter sets the evidence tests run on: the base set and the fitted one the 2021
#: scenarios use.
PARAMETER_SETS = ["default", "calibration/fitted/hunan_2020.toml"]


def scenario(tmp: Path, instruments: dict[str, dict], *, months: int = 12, ppa: float = 2000,
             seed: int = 3, parameters: str = "default") -> LoadedScenario:
    """Write a scenario with the given instrument tables and load it."""
    if parameters != "default":
        parameters = str(Path(parameters).resolve())
    text = HEAD.format(months=months, ppa=ppa, seed=seed, parameters=parameters)
    for kind, fields in instruments.items():
        text += f"\n[instruments.{kind}]\n"
        settings = fields.get("settings", {})
        for key, value in fields.items():
            if key == "settings":
                continue
            if isinstance(value, str):
                value = f'"{value}"'
            elif isinstance(value, list):
                value = "[" + ", ".join(f'"{v}"' for v in value) + "]"
            text += f"{key} = {value}\n"
        if settings:
            text += f"\n[instruments.{kind}.settings]\n"
            text += "".join(f"{key} = {value}\n" for key, value in settings.items())
    path = tmp / f"s{abs(hash(text))}.toml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def model_of(loaded: LoadedScenario, *, evaluate: bool = False, replicate: int = 0
             ) -> LabourMarket:
    """An unrun model of the scenario."""
    run = loaded.spec.scenario
    return LabourMarket(params=loaded.params, start=run.start, months=run.months,
                        persons_per_agent=run.persons_per_agent, seed=run.seed,
                        replicate=replicate, instruments=loaded.instruments,
                        evaluate_instruments=evaluate)


def employment_gap(model: LabourMarket, horizons: tuple[int, ...]
                   ) -> dict[int, tuple[float, float]]:
    """Run the model; participants' minus controls' employment (pp, with its standard error)
    ``h`` months after entry, pooled over cohorts.
    """
    inst = model.instruments[0]
    tallies: dict[int, np.ndarray] = {h: np.zeros(4) for h in horizons}
    while model.month_index < model.horizon:
        model.step()
        t = model.month_index - 1
        for h in horizons:
            for c in inst.cohorts:
                if t - c.month == h and c.controls.size:
                    state = model.workers.state
                    tallies[h] += [np.isin(state[c.members], URBAN_EMPLOYMENT).sum(),
                                   c.members.size,
                                   np.isin(state[c.controls], URBAN_EMPLOYMENT).sum(),
                                   c.controls.size]
    out = {}
    for h, (ep, n_p, ec, n_c) in tallies.items():
        p1, p0 = ep / n_p, ec / n_c
        se = np.sqrt(p1 * (1 - p1) / n_p + p0 * (1 - p0) / n_c)
        out[h] = (100 * (p1 - p0), 100 * se)
    return out
