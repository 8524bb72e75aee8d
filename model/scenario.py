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
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from model.params import DEFAULT_PARAMETERS, ParameterError, ParameterSet

__all__ = ["Scenario", "ScenarioError", "load_scenario"]


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names file, field and line when known."""


PositiveFloat = Annotated[float, Field(gt=0)]


class RunSettings(BaseModel):
    """The ``[scenario]`` table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")
    description: str = ""
    start: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    months: int = Field(ge=1, le=600)
    parameters: str = "default"
    persons_per_agent: float = Field(default=100.0, ge=1)
    seed: int = Field(default=0, ge=0)


class Macro(BaseModel):
    """The ``[macro]`` table: the exogenous labour-demand path."""

    model_config = ConfigDict(extra="forbid")

    demand_index: PositiveFloat | list[PositiveFloat] = 1.0
    description: str = ""


class Scenario(BaseModel):
    """A validated scenario."""

    model_config = ConfigDict(extra="forbid")

    scenario: RunSettings
    macro: Macro = Macro()
    overrides: dict[str, float | int | bool | list[float]] = {}

    @field_validator("overrides")
    @classmethod
    def _keys_are_paths(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if not re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", key):
                raise ValueError(f"override key '{key}' is not a dotted parameter path")
        return value


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

    def demand_path(self) -> list[float]:
        """The demand index per month of the horizon."""
        d = self.spec.macro.demand_index
        months = self.spec.scenario.months
        return [float(d)] * months if not isinstance(d, list) else [float(x) for x in d]


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
    return LoadedScenario(spec=spec, path=path, params=params, text=text)
