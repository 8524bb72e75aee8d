"""Instruments compose and act in a fixed order: the order of the ``[instruments.*]`` tables in a
scenario file changes nothing. Every shipped scenario is written out with its instrument tables
shuffled and must give a byte-identical ``monthly.csv`` (and the same attribution).
"""

from __future__ import annotations

import random
from pathlib import Path

import tomli_w
from jobsim.runner import run_scenario
from jobsim.scenario import load_scenario

SHIPPED = sorted(Path("scenarios").glob("*.toml"))
SCALE = 5000  # persons per agent: the order question needs no precision


def _standalone(loaded, order: list[str], tmp: Path) -> Path:
    """The resolved scenario (``extends`` merged) as one file, instruments in ``order``."""
    spec = loaded.spec.model_dump(mode="json", exclude_none=True)
    spec["scenario"].pop("extends", None)
    params = spec["scenario"].get("parameters", "default")
    if params != "default":
        spec["scenario"]["parameters"] = str((loaded.path.parent / params).resolve())
    spec["instruments"] = {k: spec["instruments"][k] for k in order}
    path = tmp / f"{loaded.path.stem}_{'_'.join(k[:3] for k in order)}.toml"
    path.write_text(tomli_w.dumps(spec), encoding="utf-8")
    return path


def _monthly_csv(path: Path) -> str:
    result = run_scenario(load_scenario(path), persons_per_agent=SCALE, attribution=False)
    return result.monthly.to_csv(index=False, float_format="%.6f")


def test_shuffled_instrument_tables_give_identical_monthly_csv(tmp_path):
    assert SHIPPED, "no shipped scenarios found"
    checked = 0
    for scenario in SHIPPED:
        loaded = load_scenario(scenario)
        kinds = list(loaded.spec.instruments)
        if len(kinds) < 2:
            continue
        shuffled = kinds.copy()
        random.Random(len(kinds)).shuffle(shuffled)
        if shuffled == kinds:
            shuffled.reverse()
        as_written = _monthly_csv(_standalone(loaded, kinds, tmp_path))
        assert as_written == _monthly_csv(_standalone(loaded, shuffled, tmp_path)), scenario
        assert as_written == _monthly_csv(_standalone(loaded, kinds[::-1], tmp_path)), scenario
        checked += 1
    assert checked >= 4  # the plan and its variants


def test_attribution_pairs_instruments_by_kind(tmp_path):
    """Attribution drops each instrument by kind: a reversed list attributes the same."""
    loaded = load_scenario("scenarios/plan_2021.toml")
    kinds = list(loaded.spec.instruments)[:3]
    tables = []
    for order in (kinds, kinds[::-1]):
        spec = loaded.spec.model_dump(mode="json", exclude_none=True)
        spec["scenario"]["parameters"] = str(
            (loaded.path.parent / spec["scenario"]["parameters"]).resolve())
        spec["instruments"] = {k: spec["instruments"][k] for k in order}
        path = tmp_path / f"attr_{order[0]}.toml"
        path.write_text(tomli_w.dumps(spec), encoding="utf-8")
        table = run_scenario(load_scenario(path), persons_per_agent=SCALE).attribution
        tables.append(table.sort_values("instrument").reset_index(drop=True))
    assert tables[0].equals(tables[1])
