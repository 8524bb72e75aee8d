"""Scenario files: TOML data validated by a pydantic schema, never evaluated.

A scenario names its parameter set, horizon, scale, seed and macro path, and may override
parameters by dotted path. Every error names the file, the field and, where the TOML parser or
a key search can tell, the line::

    [scenario]
    name = "baseline_2021"
    start = "2021-01"
    months = 12
    parameters = "default"          # or a path relative to the scenario file
    persons_per_agent = 100
    seed = 20210322

    [macro]
    demand_index = 1.0              # one value, or one per month

    [overrides]
    "flows.job_finding_rate" = 0.25

    [instruments.vocational_training]   # one table per instrument (model/policies)
    budget_yuan = 8.25e8                # >= 0; zero = the instrument does nothing
    budget_basis = "550,000 trainings x 1,500 yuan"
    eligible_groups = ["graduate", "migrant"]   # optional; default per instrument
    take_up = 0.05                      # optional: monthly share of eligible who apply
    months = ["2021-03", "2021-12"]     # optional active window within the horizon
    max_participants = 550000           # optional cap (persons)
    [instruments.vocational_training.settings]  # optional, names from instruments.toml
    effect_pp_24m = 5.0
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from model.params import DEFAULT_PARAMETERS, ParameterError, ParameterSet
from model.policies import GROUP_NAMES, INSTRUMENT_DEFAULTS, KINDS, InstrumentSettings

__all__ = ["Scenario", "ScenarioError", "load_scenario"]


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names file, field and line when known."""


PositiveFloat = Annotated[float, Field(gt=0)]


class RunSettings(BaseModel):
    """The ``[scenario]`` table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")
    description: str = ""
    extends: str | None = None  # a scenario file (relative path) whose tables this one amends
    start: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    months: int = Field(ge=1, le=600)
    parameters: str = "default"
    persons_per_agent: float = Field(default=100.0, ge=1)
    seed: int = Field(default=0, ge=0)


class Macro(BaseModel):
    """The ``[macro]`` table: the exogenous macro path, in output units.

    ``source = "forecast"`` (the default) takes real GDP growth from
    :func:`model.forecast.paths.growth_path` — Hunan's observed path to 2020, the 2021
    growth target after — and turns it into labour demand (the multiplier of firms'
    desired employment) with the record's employment-output elasticity
    (:mod:`model.macro`). ``[macro.gdp_growth]`` states growth itself, by year (``"2021"``)
    or by quarter (``"2021-Q1"``, year-on-year, percent), over the forecast where given: a
    scenario's own path or a shock in output units. ``elasticity`` replaces the estimate.
    ``source = "fixed"`` uses ``demand_index`` alone: the desired-employment multiplier
    itself (1 = the reference growth path; ``exp(elasticity x output gap)``, see
    :func:`model.macro.demand_from_growth`). With ``"forecast"``, ``demand_index``
    multiplies the growth-based index (1 leaves it as it is).
    """

    model_config = ConfigDict(extra="forbid")

    source: Literal["fixed", "forecast"] = "fixed"
    demand_index: PositiveFloat | list[PositiveFloat] = 1.0
    gdp_growth: dict[str, float] = {}
    elasticity: float | None = Field(default=None, gt=0, lt=5)
    description: str = ""

    @field_validator("gdp_growth")
    @classmethod
    def _growth_periods(cls, value: dict[str, float]) -> dict[str, float]:
        for key, g in value.items():
            if not re.fullmatch(r"\d{4}(-Q[1-4])?", key):
                raise ValueError(f"period '{key}' is not 'YYYY' or 'YYYY-Qn'")
            if not -100 < g < 100:
                raise ValueError(f"growth {g} for '{key}' is not a percentage in (-100, 100)")
        return value


class InstrumentSpec(BaseModel):
    """One ``[instruments.<kind>]`` table."""

    model_config = ConfigDict(extra="forbid")

    budget_yuan: float = Field(ge=0)
    budget_basis: str = ""
    description: str = ""
    eligible_groups: list[str] | None = None
    take_up: float | None = Field(default=None, ge=0, le=1)
    months: list[str] | None = Field(default=None, min_length=2, max_length=2)
    max_participants: float | None = Field(default=None, ge=0)
    settings: dict[str, float | int] = {}

    @field_validator("eligible_groups")
    @classmethod
    def _known_groups(cls, value: list[str] | None) -> list[str] | None:
        for g in value or []:
            if g not in GROUP_NAMES:
                raise ValueError(f"unknown group '{g}' (known: {', '.join(GROUP_NAMES)})")
        return value

    @field_validator("months")
    @classmethod
    def _month_format(cls, value: list[str] | None) -> list[str] | None:
        for m in value or []:
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m):
                raise ValueError(f"month '{m}' is not YYYY-MM")
        return value


class Scenario(BaseModel):
    """A validated scenario."""

    model_config = ConfigDict(extra="forbid")

    scenario: RunSettings
    macro: Macro = Macro()
    overrides: dict[str, float | int | bool | list[float]] = {}
    instruments: dict[str, InstrumentSpec] = {}

    @field_validator("instruments")
    @classmethod
    def _known_instruments(cls, value: dict[str, InstrumentSpec]) -> dict[str, InstrumentSpec]:
        for kind in value:
            if kind not in KINDS:
                raise ValueError(f"unknown instrument '{kind}' (known: {', '.join(KINDS)})")
        return value

    @field_validator("overrides")
    @classmethod
    def _keys_are_paths(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if not re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", key):
                raise ValueError(f"override key '{key}' is not a dotted parameter path")
        return value


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _with_base(raw: dict[str, Any], path: Path, seen: set[Path]) -> dict[str, Any]:
    """Resolve ``scenario.extends``: the base file's tables, amended by this file's."""
    table = raw.get("scenario")
    parent = table.get("extends") if isinstance(table, dict) else None
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: field 'scenario.extends': must be a file path")
    base_path = (path.parent / parent).resolve()
    if base_path in seen or base_path == path.resolve():
        raise ScenarioError(f"{path}: field 'scenario.extends': circular reference to {parent}")
    if not base_path.is_file():
        raise ScenarioError(f"{path}: field 'scenario.extends': {parent} not found")
    try:
        base = tomllib.loads(base_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{base_path}: not valid TOML: {exc}") from exc
    base = _with_base(base, base_path, seen | {path.resolve()})
    merged = _merge(base, raw)
    merged["scenario"].pop("extends", None)
    return merged


def _line_of(text: str, key: str) -> int | None:
    """Best-effort line number of a key in the TOML text."""
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=', re.MULTILINE)
    hit = pattern.search(text)
    if hit is None:
        pattern = re.compile(rf"^\s*\[{re.escape(key)}\]", re.MULTILINE)
        hit = pattern.search(text)
    return text.count("\n", 0, hit.start()) + 1 if hit else None


class LoadedScenario(BaseModel):
    """A scenario with its resolved parameter set and source path."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    spec: Scenario
    path: Path
    params: ParameterSet
    text: str

    instruments: list = []  # (class, InstrumentSettings) pairs, resolved

    def demand_path(self) -> list[float]:
        """Return the demand index per month of the horizon (no model is fitted here)."""
        macro = self.spec.macro
        d = macro.demand_index
        months = self.spec.scenario.months
        path = [float(d)] * months if not isinstance(d, list) else [float(x) for x in d]
        if macro.source == "forecast":
            from model.forecast.paths import demand_path

            try:
                base = demand_path(self.spec.scenario.start, months, macro.gdp_growth,
                                   elasticity=macro.elasticity)
            except ValueError as exc:
                raise ScenarioError(f"{self.path}: field 'macro.gdp_growth': {exc}") from exc
            if not np.all(np.isfinite(base)):
                raise ScenarioError(f"{self.path}: field 'macro.source': the forecast gives no "
                                    "demand index for some months of the horizon")
            path = [float(b) * x for b, x in zip(base, path)]
        return path


def load_scenario(path: Path | str) -> LoadedScenario:
    """Read, validate and resolve a scenario file; raises ``ScenarioError`` naming the field."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found")
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from exc
    raw = _with_base(raw, path, set())
    try:
        spec = Scenario.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"])
        line = _line_of(text, str(err["loc"][-1]))
        where = f"{path}, line {line}" if line else str(path)
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ScenarioError(f"{where}: field '{field}': {err['msg']}{more}") from exc
    months = spec.scenario.months
    d = spec.macro.demand_index
    if isinstance(d, list) and len(d) != months:
        line = _line_of(text, "demand_index")
        raise ScenarioError(
            f"{path}, line {line}: field 'macro.demand_index': {len(d)} values for "
            f"{months} months"
        )
    base = spec.scenario.parameters
    param_path = DEFAULT_PARAMETERS if base == "default" else (path.parent / base)
    if not param_path.is_file():
        line = _line_of(text, "parameters")
        at = f"{path}, line {line}" if line else str(path)
        raise ScenarioError(f"{at}: field 'scenario.parameters': parameter file {param_path} "
                            "not found")
    try:
        params = ParameterSet.load(param_path)
        params = params.with_overrides(spec.overrides, where=f"{path} [overrides]")
    except ParameterError as exc:
        line = None
        match = re.search(r"'([a-z_]+\.[a-z0-9_]+)'", str(exc))
        if match:
            line = _line_of(text, match.group(1))
        prefix = f"{path}, line {line}: " if line else ""
        raise ScenarioError(f"{prefix}{exc}") from exc
    instruments = _resolve_instruments(spec, path, text)
    return LoadedScenario(spec=spec, path=path, params=params, text=text,
                          instruments=instruments)


def _resolve_instruments(spec: Scenario, path: Path, text: str) -> list:
    """Each instrument's class and settings: defaults from instruments.toml, then the file."""
    defaults = ParameterSet.load(INSTRUMENT_DEFAULTS)
    calendar = [f"{p}" for p in _calendar(spec)]
    out = []
    for kind, ins in spec.instruments.items():
        where = f"{path} [instruments.{kind}]"
        own = {k.split(".", 1)[1]: k for k in defaults if k.startswith(f"{kind}.")}
        unknown = sorted(set(ins.settings) - set(own))
        if unknown:
            line = _line_of(text, unknown[0])
            at = f"{path}, line {line}" if line else str(path)
            raise ScenarioError(f"{at}: field 'instruments.{kind}.settings.{unknown[0]}': unknown "
                                f"setting (known: {', '.join(sorted(own))})")
        try:
            resolved = defaults.with_overrides(
                {own[k]: v for k, v in ins.settings.items()}, where=where)
        except ParameterError as exc:
            raise ScenarioError(str(exc)) from exc
        values = {name: resolved[full] for name, full in own.items()}
        values["minimum_wage"] = resolved["common.minimum_wage"]
        first, last = 0, len(calendar) - 1
        if ins.months is not None:
            for m in ins.months:
                if m not in calendar:
                    line = _line_of(text, "months")
                    at = f"{path}, line {line}" if line else str(path)
                    raise ScenarioError(f"{at}: field 'instruments.{kind}.months': {m} is outside "
                                        f"the horizon {calendar[0]}..{calendar[-1]}")
            first, last = calendar.index(ins.months[0]), calendar.index(ins.months[1])
            if first > last:
                raise ScenarioError(f"{path}: field 'instruments.{kind}.months': start after end")
        cls = KINDS[kind]
        names = ins.eligible_groups if ins.eligible_groups is not None else cls.default_groups
        groups = 0
        for g in names:
            groups |= GROUP_NAMES[g]
        take_up = ins.take_up if ins.take_up is not None else float(values.get("take_up", 1.0))
        out.append((cls, InstrumentSettings(
            budget_yuan=ins.budget_yuan, take_up=take_up, groups=groups, first_month=first,
            last_month=last, cap_persons=ins.max_participants, values=values)))
    return out


def _calendar(spec: Scenario) -> list:
    run = spec.scenario
    return list(pd.period_range(pd.Period(run.start, freq="M"), periods=run.months, freq="M"))
