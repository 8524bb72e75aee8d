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
    eligible_groups = ["graduate", "migrant"]   # optional; default per instrument; not empty
                                                # (["everyone"]: no group restriction)
    take_up = 0.05                      # optional: monthly share of eligible who apply
    months = ["2021-03", "2021-12"]     # optional active window within the horizon
    max_participants = 550000           # optional cap (persons)
    [instruments.vocational_training.settings]  # optional, names from instruments.toml
    effect_pp_24m = 5.0
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import tomli_w
from jobsim import past
from jobsim.errors import UserError
from jobsim.params import DEFAULT_PARAMETERS, ParameterError, ParameterSet, plain_message
from jobsim.policies import GROUP_NAMES, INSTRUMENT_DEFAULTS, KINDS, InstrumentSettings
from jobsim.tomlfile import TomlLines, read_toml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = ["Scenario", "ScenarioError", "LoadedScenario", "load_scenario",
           "scenario_from_mapping", "check_scale", "MAX_BUDGET_YUAN", "MIN_AGENTS"]


class ScenarioError(UserError, ValueError):
    """A scenario is malformed; the message names file, line and field (one line per error)."""


#: The largest budget accepted: beyond 2**53 yuan, float64 no longer counts single yuan.
MAX_BUDGET_YUAN = float(2**53)
#: ``eligible_groups = ["everyone"]``: no group restriction (an empty list is an error, so a
#: forgotten list can no longer open a programme to all).
EVERYONE = "everyone"
#: The fewest agents a run may have (persons_per_agent <= resident population / this).
MIN_AGENTS = 1000


PositiveFloat = Annotated[float, Field(gt=0)]


_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class RunSettings(BaseModel):
    """The ``[scenario]`` table."""

    model_config = _STRICT

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")
    description: str = ""
    extends: str | None = None  # a scenario file (relative path) whose tables this one amends
    start: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    months: int = Field(ge=1, le=600)
    parameters: str = "default"
    persons_per_agent: float = Field(default=100.0, ge=1)
    seed: int = Field(default=0, ge=0)
    # Where the run's stocks come from: built from the data (undated), or the state the
    # calibrated past run reaches in December 2020 (jobsim.past; 2021-01 starts only).
    initial_state: Literal["data", "calibrated_past"] = "data"


class Macro(BaseModel):
    """The ``[macro]`` table: the exogenous macro path, in output units.

    ``source = "forecast"`` (the default) takes real GDP growth from
    :func:`jobsim.forecast.paths.growth_path` — Hunan's observed path to 2020, the 2021
    growth target after — and turns it into labour demand (the multiplier of firms'
    desired employment) with the parameter set's employment-output elasticity
    ``labour_demand.output_elasticity`` (:mod:`jobsim.macro`; calibrated in a fitted set).
    ``[macro.gdp_growth]`` states growth itself, by year (``"2021"``) or by quarter
    (``"2021-Q1"``, year-on-year, percent), over the forecast where given: a scenario's own
    path or a shock in output units. ``elasticity`` replaces the estimate.
    ``source = "fixed"`` uses ``demand_index`` alone: the desired-employment multiplier
    itself (1 = the reference growth path; ``exp(elasticity x output gap)``, see
    :func:`jobsim.macro.demand_from_growth`). With ``"forecast"``, ``demand_index``
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

    model_config = _STRICT

    budget_yuan: float = Field(ge=0, le=MAX_BUDGET_YUAN)
    budget_basis: str = ""
    description: str = ""
    eligible_groups: list[str] | None = Field(default=None, min_length=1)
    take_up: float | None = Field(default=None, ge=0, le=1)
    months: list[str] | None = Field(default=None, min_length=2, max_length=2)
    max_participants: float | None = Field(default=None, ge=0)
    settings: dict[str, float] = {}

    @field_validator("eligible_groups")
    @classmethod
    def _known_groups(cls, value: list[str] | None) -> list[str] | None:
        for g in value or []:
            if g not in GROUP_NAMES and g != EVERYONE:
                raise ValueError(f"unknown group '{g}' (known: {', '.join(GROUP_NAMES)}, or "
                                 f"\"{EVERYONE}\" for no restriction)")
        if EVERYONE in (value or []) and len(value or []) > 1:
            raise ValueError(f"\"{EVERYONE}\" stands alone (it means no restriction)")
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

    model_config = _STRICT

    scenario: RunSettings
    macro: Macro = Macro()
    overrides: dict[str, Any] = {}  # each value checked against its parameter's declaration
    instruments: dict[str, InstrumentSpec] = {}


class LoadedScenario(BaseModel):
    """A scenario with its resolved parameter set and source path."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    spec: Scenario
    path: Path
    params: ParameterSet
    text: str

    instruments: list = []  # (class, InstrumentSettings) pairs, resolved

    def output_elasticity(self) -> float:
        """Return the employment-output elasticity of the demand path.

        The scenario's ``[macro] elasticity``, else its parameter set's
        ``labour_demand.output_elasticity`` (calibrated in a fitted set).
        """
        if self.spec.macro.elasticity is not None:
            return float(self.spec.macro.elasticity)
        return float(self.params["labour_demand.output_elasticity"])

    def demand_path(self) -> list[float]:
        """Return the demand index per month of the horizon (no model is fitted here)."""
        macro = self.spec.macro
        d = macro.demand_index
        months = self.spec.scenario.months
        path = [float(d)] * months if not isinstance(d, list) else [float(x) for x in d]
        if macro.source == "forecast":
            from jobsim.forecast.paths import demand_path

            try:
                base = demand_path(self.spec.scenario.start, months, macro.gdp_growth,
                                   elasticity=self.output_elasticity())
            except ValueError as exc:
                raise ScenarioError(f"{self.path}: field 'macro.gdp_growth': {exc}") from exc
            if not np.all(np.isfinite(base)):
                raise ScenarioError(f"{self.path}: field 'macro.source': the forecast gives no "
                                    "demand index for some months of the horizon")
            path = [float(b) * x for b, x in zip(base, path)]
        return path


class _Origins:
    """Which file (with its line map and folder) each key path of the merged tables came from.

    Errors are blamed on the file that states the value (an ``extends`` base or the file
    itself), and relative paths resolve against that file's folder.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.map: dict[tuple[str, ...], tuple[str, TomlLines | None, Path]] = {}

    def add(self, raw: Mapping[str, Any], label: str, lines: TomlLines | None, folder: Path,
            prefix: tuple[str, ...] = ()) -> None:
        for key, value in raw.items():
            path = (*prefix, str(key))
            self.map[path] = (label, lines, folder)
            if isinstance(value, Mapping):
                self.add(value, label, lines, folder, path)

    def _find(self, loc: Sequence[Any]) -> tuple[str, TomlLines | None, Path] | None:
        parts = tuple(str(p) for p in loc if not isinstance(p, int))
        while parts:
            if parts in self.map:
                return self.map[parts]
            parts = parts[:-1]
        return None

    def where(self, loc: Sequence[Any]) -> tuple[str, int | None]:
        """(file, line) of the value at ``loc``."""
        found = self._find(loc)
        if found is None:
            return self.label, None
        label, lines, _ = found
        return label, (lines.line(loc) if lines is not None else None)

    def folder(self, loc: Sequence[Any], default: Path) -> Path:
        """The folder of the file that states ``loc`` (relative paths resolve against it)."""
        found = self._find(loc)
        return found[2] if found is not None else default


class _Errors:
    """Every problem found, reported together, each as ``file, line N: field 'x': why``."""

    def __init__(self, origins: _Origins) -> None:
        self.origins = origins
        self.items: list[tuple[str, int, str]] = []

    def add(self, loc: Sequence[Any], message: str, *, field: str | None = None) -> None:
        label, line = self.origins.where(loc)
        name = field if field is not None else _field_name(loc)
        text = f"field '{name}': {message}" if name else message
        where = f"{label}, line {line}" if line else label
        entry = (label, line or 0, f"{where}: {text}")
        if entry not in self.items:
            self.items.append(entry)

    def raise_if_any(self) -> None:
        if self.items:
            ordered = sorted(self.items, key=lambda e: (e[0] != self.origins.label, e[0], e[1]))
            raise ScenarioError("\n".join(e[2] for e in ordered))


def _field_name(loc: Sequence[Any]) -> str:
    name = ".".join(str(p) for p in loc if not isinstance(p, int))
    items = [p for p in loc if isinstance(p, int)]
    return f"{name} (item {items[-1] + 1})" if items else name


def _clean_loc(loc: Sequence[Any], data: Any) -> tuple[Any, ...]:
    """A pydantic location without its type tags (``float``, ``list[float]``, ...)."""
    out: list[Any] = []
    current = data
    for item in loc:
        if isinstance(current, Mapping):
            out.append(item)
            current = current.get(item)
        elif isinstance(current, list) and isinstance(item, int) and item < len(current):
            out.append(item)
            current = current[item]
        # else: a union member's name, not a place in the file
    return tuple(out)


def _union_messages(errs: list[Any], data: Any) -> list[tuple[tuple[Any, ...], str]]:
    """One message per place: a value that fails every member of a union gets one line."""
    grouped: dict[tuple[Any, ...], list[Any]] = {}
    for err in errs:
        grouped.setdefault(_clean_loc(err["loc"], data), []).append(err)
    for loc in list(grouped):  # a list member failed deeper down: that is the message
        deeper = any(len(m) > len(loc) and m[:len(loc)] == loc for m in grouped)
        if deeper and all(e["type"].endswith("_type") for e in grouped[loc]):
            del grouped[loc]
    out = []
    for loc, group in grouped.items():
        if len(group) > 1:
            specific = [e for e in group if not e["type"].endswith("_type")]
            if specific:
                group = specific
            else:  # the value fits no member: say what it may be
                wants = [plain_message(e).split(", not ")[0].removeprefix("must be ")
                         for e in group]
                got = plain_message(group[0]).split(", not ")[-1]
                out.append((loc, f"must be {' or '.join(dict.fromkeys(wants))}, not {got}"))
                continue
        out.extend((loc, plain_message(e)) for e in group)
    return out


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _with_base(raw: dict[str, Any], label: str, lines: TomlLines | None, folder: Path,
               origins: _Origins, seen: frozenset[Path]) -> dict[str, Any]:
    """Resolve ``scenario.extends``: the base file's tables, amended by this one's."""
    table = raw.get("scenario")
    parent = table.get("extends") if isinstance(table, dict) else None
    if parent is None:
        origins.add(raw, label, lines, folder)
        return raw

    def fail(message: str) -> ScenarioError:
        line = lines.line(["scenario", "extends"]) if lines is not None else None
        where = f"{label}, line {line}" if line else label
        return ScenarioError(f"{where}: field 'scenario.extends': {message}")

    if not isinstance(parent, str) or not parent.strip():
        raise fail("must be the path of a scenario file, in quotes")
    base_path = (folder / parent).resolve()
    if base_path in seen:
        raise fail(f"circular reference to {parent}")
    if not base_path.is_file():
        raise fail(f"{parent} not found (looked for {base_path})")
    base, _, base_lines = read_toml(base_path, "scenario file", ScenarioError)
    base = _with_base(base, str(base_path), base_lines, base_path.parent, origins,
                      seen | {base_path})
    origins.add(raw, label, lines, folder)
    merged = _merge(base, raw)
    if isinstance(merged.get("scenario"), dict):
        merged["scenario"] = dict(merged["scenario"])
        merged["scenario"].pop("extends", None)
    return merged


def load_scenario(path: Path | str) -> LoadedScenario:
    """Read, validate and resolve a scenario file; raises ``ScenarioError`` naming the field.

    Every problem is reported at once, each with the file it is in (an ``extends`` base is
    blamed for its own errors), the line and the field. Files are read as UTF-8 (a byte-order
    mark is allowed); relative paths resolve against the file that states them.
    """
    path = Path(path)
    raw, text, lines = read_toml(path, "scenario file", ScenarioError)
    return _build(raw, label=str(path), lines=lines, folder=path.parent, path=path, text=text,
                  seen=frozenset({path.resolve()}))


def scenario_from_mapping(data: Mapping[str, Any], *, origin: str | Path,
                          base_dir: Path) -> LoadedScenario:
    """A validated scenario from a mapping with a scenario file's tables.

    The same validation and the same errors as :func:`load_scenario` (lines aside: a mapping
    has none). ``origin`` names the scenario in messages and in the result's ``path``;
    ``base_dir`` is where relative paths (``parameters``, ``extends``) resolve.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{origin}: a scenario must be a mapping of tables, not "
                            f"{type(data).__name__}")
    raw = copy.deepcopy(_plain(data))
    try:
        text = tomli_w.dumps(raw)
    except (TypeError, ValueError):
        text = json.dumps(raw, default=str, indent=2)
    return _build(raw, label=str(origin), lines=None, folder=Path(base_dir), path=Path(origin),
                  text=text, seen=frozenset())


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def check_scale(persons_per_agent: object, params: ParameterSet, where: str) -> float:
    """``persons_per_agent`` as a float if it is a sensible scale for ``params``' population."""
    resident = float(params["population.resident_population"])  # type: ignore[arg-type]
    upper = resident / MIN_AGENTS
    if isinstance(persons_per_agent, bool) or not isinstance(persons_per_agent, (int, float)):
        raise ScenarioError(f"{where}: must be a number, not {persons_per_agent!r}")
    value = float(persons_per_agent)
    if not math.isfinite(value) or not 1 <= value <= upper:
        raise ScenarioError(f"{where}: must lie in [1, {upper:,.0f}] (at least {MIN_AGENTS:,} "
                            f"agents for {resident:,.0f} residents), not {value:g}")
    return value


def _build(raw: dict[str, Any], *, label: str, lines: TomlLines | None, folder: Path,
           path: Path, text: str, seen: frozenset[Path]) -> LoadedScenario:
    origins = _Origins(label)
    merged = _with_base(raw, label, lines, folder, origins, seen)
    errors = _Errors(origins)
    try:
        spec = Scenario.model_validate(merged, strict=True)
    except ValidationError as exc:
        for loc, message in _union_messages(exc.errors(), merged):
            errors.add(loc, message)
    errors.raise_if_any()  # outside the except: no pydantic error chained to it
    _check_demand(spec, errors)
    for kind in spec.instruments:
        if kind not in KINDS:
            errors.add(("instruments", kind), f"unknown instrument '{kind}' (known: "
                       f"{', '.join(KINDS)})", field=f"instruments.{kind}")
    errors.raise_if_any()
    stated = spec.scenario.parameters
    param_path = (DEFAULT_PARAMETERS if stated == "default"
                  else origins.folder(("scenario", "parameters"), folder) / stated)
    if not param_path.is_file():
        errors.add(("scenario", "parameters"), f"parameter file {param_path} not found")
        errors.raise_if_any()
    default = ParameterSet.load(DEFAULT_PARAMETERS)
    try:
        params = (default if param_path.resolve() == DEFAULT_PARAMETERS.resolve()
                  else ParameterSet.load(param_path, like=default))
    except ParameterError as exc:
        raise ScenarioError(str(exc)) from None
    for key in spec.overrides:
        if not re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", key):
            errors.add(("overrides", key), f"'{key}' is not a dotted parameter path "
                       "(group.name)", field=f"overrides.{key}")
    for key, why in params.override_problems(spec.overrides):
        errors.add(("overrides", key), why, field=f"overrides.{key}")
    resident = float(params["population.resident_population"])  # type: ignore[arg-type]
    try:
        check_scale(spec.scenario.persons_per_agent, params, "")
    except ScenarioError as exc:
        errors.add(("scenario", "persons_per_agent"), str(exc).lstrip(": "))
    if spec.scenario.initial_state == "calibrated_past" and spec.scenario.start != (
            past.FIRST_MONTH_AFTER):
        errors.add(("scenario", "initial_state"), f"'calibrated_past' continues the past run "
                   f"that ends {past.PAST_END}, so the scenario must start "
                   f"{past.FIRST_MONTH_AFTER}, not {spec.scenario.start}")
    defaults = ParameterSet.load(INSTRUMENT_DEFAULTS)
    calendar = [str(p) for p in _calendar(spec)]
    for kind, ins in spec.instruments.items():
        at = ("instruments", kind)
        own = {k.split(".", 1)[1]: k for k in defaults if k.startswith(f"{kind}.")}
        for name in sorted(set(ins.settings) - set(own)):
            errors.add((*at, "settings", name),
                       f"unknown setting (known: {', '.join(sorted(own))})")
        known = {own[k]: v for k, v in ins.settings.items() if k in own}
        for full, why in defaults.override_problems(known):
            name = full.split(".", 1)[1]
            errors.add((*at, "settings", name), why)
        if ins.max_participants is not None and ins.max_participants > resident:
            errors.add((*at, "max_participants"), f"{ins.max_participants:g} persons is more "
                       f"than the resident population ({resident:,.0f})")
        if ins.months is not None:
            outside = [m for m in ins.months if m not in calendar]
            for m in outside:
                errors.add((*at, "months"), f"{m} is outside the horizon "
                           f"{calendar[0]}..{calendar[-1]}")
            if not outside and calendar.index(ins.months[0]) > calendar.index(ins.months[1]):
                errors.add((*at, "months"), "start after end")
    errors.raise_if_any()
    if spec.overrides:
        params = params.with_overrides(spec.overrides, where=f"{label} [overrides]")
    instruments = _resolve_instruments(spec, defaults, calendar, label)
    return LoadedScenario(spec=spec, path=path, params=params, text=text,
                          instruments=instruments)


#: Largest demand index accepted (ten times the base year's labour demand): a guard
#: against typing errors and overflow, not a statement about the economy.
MAX_DEMAND_INDEX = 10.0


def _check_demand(spec: Scenario, errors: _Errors) -> None:
    macro = spec.macro
    d = getattr(macro, "demand_index", None)
    if d is None:
        return
    values = d if isinstance(d, list) else [d]
    for i, v in enumerate(values):
        if not math.isfinite(float(v)) or not 0 < float(v) <= MAX_DEMAND_INDEX:
            loc = ("macro", "demand_index", i) if isinstance(d, list) else ("macro",
                                                                          "demand_index")
            errors.add(loc, f"must lie in (0, {MAX_DEMAND_INDEX:g}], not {v}")
    months = spec.scenario.months
    if isinstance(d, list) and len(d) != months:
        errors.add(("macro", "demand_index"), f"{len(d)} values for {months} months")


def _resolve_instruments(spec: Scenario, defaults: ParameterSet, calendar: list[str],
                         label: str) -> list:
    """Each instrument's class and settings: defaults from instruments.toml, then the file."""
    out = []
    for kind, ins in spec.instruments.items():
        own = {k.split(".", 1)[1]: k for k in defaults if k.startswith(f"{kind}.")}
        resolved = defaults.with_overrides({own[k]: v for k, v in ins.settings.items()},
                                           where=f"{label} [instruments.{kind}]")
        values = {name: resolved[full] for name, full in own.items()}
        values.update({k.split(".", 1)[1]: resolved[k] for k in resolved
                       if k.startswith("common.")})  # shared: wages, labour cost, targets
        first, last = 0, len(calendar) - 1
        if ins.months is not None:
            first, last = calendar.index(ins.months[0]), calendar.index(ins.months[1])
        cls = KINDS[kind]
        names = ins.eligible_groups if ins.eligible_groups is not None else cls.default_groups
        groups = 0
        for g in names:
            groups |= 0 if g == EVERYONE else GROUP_NAMES[g]
        take_up = ins.take_up if ins.take_up is not None else float(values.get("take_up", 1.0))
        out.append((cls, InstrumentSettings(
            budget_yuan=ins.budget_yuan, take_up=take_up, groups=groups, first_month=first,
            last_month=last, cap_persons=ins.max_participants, values=values)))
    return out

def _calendar(spec: Scenario) -> list:
    run = spec.scenario
    return list(pd.period_range(pd.Period(run.start, freq="M"), periods=run.months, freq="M"))
