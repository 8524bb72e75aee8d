"""Calibration configuration: a TOML file validated by a pydantic schema, never evaluated.

A configuration names the base parameter set, the simulation settings (scale, replications,
seed, the demand path of each past year), the method's settings, the free parameters with
bounds and priors, and the target moments with the standard deviation that weights each::

    [calibration]
    name = "hunan_2020"
    base_parameters = "default"        # or a path relative to this file

    [simulation]
    persons_per_agent = 100
    replications = 4
    seed = 20200101

    [method]
    global_persons_per_agent = 1000

    [[parameters]]
    path = "flows.separation_rate"
    lower = 0.0085
    upper = 0.03
    prior = "normal"
    prior_mean = 0.013
    prior_sd = 0.0035
    source = "evidence_priors.md: monthly separation rate"

    [[targets]]
    name = "new_urban_jobs_2018"
    kind = "new_urban_jobs"
    years = [2018]
    sd = 39000
    sd_basis = "between-year dispersion of Hunan's annual new urban jobs"

Every error is a ``CalibrationConfigError`` (a ``ValueError``) naming the file and the field,
e.g. ``calibration/hunan.toml: field 'parameters[2] (rural.transfer_rate).upper': ...``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from jobsim.params import DEFAULT_PARAMETERS, ParameterError, ParameterSet
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "CalibrationConfig",
    "CalibrationConfigError",
    "ParameterSpec",
    "ProxyGap",
    "TargetSpec",
    "load_config",
    "TARGET_KINDS",
    "RECORDING_SHARE",
    "STOCK_COLUMNS",
]

#: The parameter the objective concentrates out analytically (new-jobs levels are linear in it).
RECORDING_SHARE = "indicators.new_jobs_recording_share"

#: Target kinds and the fields each one requires.
TARGET_KINDS: dict[str, tuple[str, ...]] = {
    "new_urban_jobs": ("years",),
    "new_urban_jobs_ytd": ("years", "through_month"),
    "new_jobs_cumulative_share": ("years", "through_month"),
    "new_jobs_cumulative_share_yoy": ("years", "through_month"),
    "national_new_jobs_cumulative_share": ("years", "through_month"),
    "surveyed_rate_mean": ("years",),
    "surveyed_rate_contrast": ("years", "plus", "minus"),
    "surveyed_rate_month": ("years", "month"),
    "hunan_surveyed_upper_bound": ("years", "indicator"),
    "registered_rate": ("years", "month"),
    "rural_transfer_new": ("years",),
    "rural_transfer_stock_increase": ("years", "from_period", "to_period"),
    "rural_transfer_stock_increase_yoy": ("years", "period"),
    "programme_output": ("indicator", "period"),
    "employment_stock": ("years", "month", "indicator", "period"),
    "vacancy_ratio_growth": ("years", "from_period", "to_period"),
}

#: Hunan stock indicators an ``employment_stock`` target may name, and the model's column for
#: each (the NBS concepts: 城镇从业人员 = urban employment of every kind, 从业人员 = it plus rural
#: work; model/indicators.py).
STOCK_COLUMNS: dict[str, str] = {
    "urban_employed_persons": "urban_employed",
    "employed_persons_total": "total_employed",
}


class CalibrationConfigError(ValueError):
    """A calibration configuration is malformed; the message names the file and the field."""


class Settings(BaseModel):
    """The ``[calibration]`` table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")
    description: str = ""
    base_parameters: str = "default"


class Simulation(BaseModel):
    """The ``[simulation]`` table: how one objective evaluation simulates the past years."""

    model_config = ConfigDict(extra="forbid")

    persons_per_agent: float = Field(default=100.0, ge=1)
    replications: int = Field(default=4, ge=1, le=64)
    seed: int = Field(default=20200101, ge=0)
    start: str = Field(default="2014-01", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    end: str = Field(default="2020-12", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    demand: Literal["flat", "macro"] = "flat"
    spin_up_months: int = Field(default=0, ge=0, le=120)
    demand_index: dict[str, float | list[float]] = {}
    demand_note: str = ""
    fixed: dict[str, float | int | bool | list[float]] = {}
    fixed_note: str = ""

    @model_validator(mode="after")
    def _demand(self) -> Simulation:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        for year, value in self.demand_index.items():
            if not re.fullmatch(r"\d{4}", year):
                raise ValueError(f"demand_index key '{year}' is not a year (YYYY)")
            values = value if isinstance(value, list) else [value]
            if isinstance(value, list) and len(value) != 12:
                raise ValueError(f"demand_index['{year}'] must be one value or 12 values")
            if any(v <= 0 for v in values):
                raise ValueError(f"demand_index['{year}'] must be positive")
        return self


class Method(BaseModel):
    """The ``[method]`` table: weighting, the two optimisation stages, diagnostics."""

    model_config = ConfigDict(extra="forbid")

    weighting: Literal["diagonal"] = "diagonal"
    data_covariance: Literal["documented", "simulated"] = "documented"
    use_priors: bool = True
    global_stage: bool = True
    global_persons_per_agent: float = Field(default=1000.0, ge=1)
    global_replications: int = Field(default=2, ge=1, le=64)
    global_popsize: int = Field(default=8, ge=2)
    global_maxiter: int = Field(default=6, ge=0)
    global_seed: int = Field(default=1, ge=0)
    global_candidates: int = Field(default=4, ge=1)
    local_max_iterations: int = Field(default=10, ge=1)
    diff_step: float = Field(default=0.02, gt=0, lt=0.5)
    se_replications: int = Field(default=16, ge=2, le=256)
    profile_points: int = Field(default=8, ge=0)
    profile_persons_per_agent: float | None = Field(default=None, ge=1)  # default: the fit's
    morris_trajectories: int = Field(default=8, ge=0)
    morris_levels: int = Field(default=4, ge=2)
    sensitivity_seed: int = Field(default=2, ge=0)


class ParameterSpec(BaseModel):
    """One free parameter (``index`` picks one month of a list-valued parameter)."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    index: int | None = Field(default=None, ge=0)
    lower: float
    upper: float
    prior: Literal["uniform", "normal"] = "uniform"
    prior_mean: float | None = None
    prior_sd: float | None = Field(default=None, gt=0)
    source: str = Field(min_length=1)

    @property
    def name(self) -> str:
        """Dotted path, with ``[index]`` for one element of a list parameter."""
        return self.path if self.index is None else f"{self.path}[{self.index}]"

    @model_validator(mode="after")
    def _bounds_and_prior(self) -> ParameterSpec:
        if not self.lower < self.upper:
            raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
        if self.prior == "normal":
            if self.prior_mean is None or self.prior_sd is None:
                raise ValueError("a normal prior needs prior_mean and prior_sd")
            if not self.lower <= self.prior_mean <= self.upper:
                raise ValueError(f"prior_mean {self.prior_mean} lies outside the bounds")
        elif self.prior_mean is not None or self.prior_sd is not None:
            raise ValueError("prior_mean and prior_sd are only for prior = 'normal'")
        return self


class ProxyGap(BaseModel):
    """The ``[proxy_gap]`` table: Hunan's surveyed rate minus China's, in pp.

    Hunan's surveyed rate is not published; China's monthly rate stands in for it. The moments
    of kind ``surveyed_rate_mean`` and ``surveyed_rate_month`` compare the model's Hunan rate
    minus the gap with China's rate. The gap is concentrated out (a closed-form weighted mean
    with its normal prior, clipped to the bounds), like the recording share.
    """

    model_config = ConfigDict(extra="forbid")

    lower: float
    upper: float
    prior_mean: float
    prior_sd: float = Field(gt=0)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _bounds(self) -> ProxyGap:
        if not self.lower < self.upper:
            raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
        if not self.lower <= self.prior_mean <= self.upper:
            raise ValueError(f"prior_mean {self.prior_mean} lies outside the bounds")
        return self


class TargetSpec(BaseModel):
    """One target moment: what is measured, how much it weighs, and whether it is fitted."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: str
    years: list[int] = []
    through_month: int | None = Field(default=None, ge=1, le=12)
    month: int | None = Field(default=None, ge=1, le=12)
    months: list[int] | None = None
    plus: list[int] | None = None
    minus: list[int] | None = None
    from_period: str | None = None
    to_period: str | None = None
    period: str | None = None
    indicator: str | None = None
    per_indicator: str | None = None
    per_period: str | None = None
    sd: float | None = Field(default=None, gt=0)
    sd_basis: str = ""
    fit: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _fields_of_kind(self) -> TargetSpec:
        if self.kind not in TARGET_KINDS:
            raise ValueError(f"kind '{self.kind}' is not one of {', '.join(TARGET_KINDS)}")
        for field in TARGET_KINDS[self.kind]:
            if getattr(self, field) in (None, []):
                raise ValueError(f"kind '{self.kind}' needs field '{field}'")
        if self.kind != "programme_output":
            if len(self.years) not in (1, 2) or (
                len(self.years) == 2 and self.years[1] != self.years[0] + 1
            ):
                raise ValueError("years must be one year or two consecutive years")
            if len(self.years) == 2 and self.kind != "new_urban_jobs":
                raise ValueError(f"kind '{self.kind}' takes one year")
        for field in ("months", "plus", "minus"):
            for m in getattr(self, field) or []:
                if not 1 <= m <= 12:
                    raise ValueError(f"{field}: month {m} outside 1..12")
        if self.kind == "vacancy_ratio_growth":
            for field in ("from_period", "to_period"):
                if not re.fullmatch(r"\d{4}Q[1-4]", getattr(self, field)):
                    raise ValueError(f"{field} '{getattr(self, field)}' is not a quarter YYYYQn")
            if self.to_period <= self.from_period:
                raise ValueError("to_period is not after from_period")
            if int(self.to_period[:4]) != self.years[0]:
                raise ValueError("years must be the year of to_period")
        if self.kind == "employment_stock" and self.indicator not in STOCK_COLUMNS:
            raise ValueError(f"indicator '{self.indicator}' is not a stock the model measures "
                             f"({', '.join(STOCK_COLUMNS)})")
        if self.kind == "hunan_surveyed_upper_bound" and self.fit:
            raise ValueError("an upper bound is checked, not fitted (set fit = false); it "
                             "enters through the bounds of [proxy_gap]")
        if self.kind == "programme_output" and self.fit:
            raise ValueError("programme outputs cannot be fitted: past programmes are not "
                             "simulated (set fit = false)")
        if self.fit and self.sd is None:
            raise ValueError("a fitted target needs sd (its weight is 1/sd^2)")
        if self.sd is not None and not self.sd_basis:
            raise ValueError("sd needs sd_basis: say where the standard deviation comes from")
        return self


class CalibrationConfig(BaseModel):
    """A validated calibration configuration."""

    model_config = ConfigDict(extra="forbid")

    calibration: Settings
    simulation: Simulation = Simulation()
    method: Method = Method()
    parameters: list[ParameterSpec] = Field(min_length=1)
    proxy_gap: ProxyGap | None = None
    targets: list[TargetSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> CalibrationConfig:
        names = [p.name for p in self.parameters]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"parameter listed twice: {', '.join(sorted(dup))}")
        tnames = [t.name for t in self.targets]
        dup = {n for n in tnames if tnames.count(n) > 1}
        if dup:
            raise ValueError(f"target listed twice: {', '.join(sorted(dup))}")
        fitted = sum(t.fit for t in self.targets)
        if len(self.parameters) > fitted:
            raise ValueError(f"{len(self.parameters)} free parameters but only {fitted} fitted "
                             "targets: the fit is not identified")
        return self


class LoadedConfig(BaseModel):
    """A configuration with its file, text and resolved base parameter set."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    spec: CalibrationConfig
    path: Path
    text: str
    base_path: Path
    base: ParameterSet

    @property
    def free(self) -> list[ParameterSpec]:
        """The free parameters."""
        return self.spec.parameters


def _field_name(raw: dict, loc: tuple) -> str:
    """``parameters[2] (rural.transfer_rate).upper`` from a pydantic error location."""
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]"
            try:
                node = node[item]
                label = node.get("path") or node.get("name") if isinstance(node, dict) else None
                if label:
                    parts[-1] += f" ({label})"
            except (IndexError, KeyError, TypeError, AttributeError):
                node = None
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


def load_config(path: Path | str) -> LoadedConfig:
    """Read and validate a calibration configuration.

    Raises
    ------
    CalibrationConfigError
        Missing file, invalid TOML, an unknown or mistyped field, an unknown parameter path,
        bounds outside the parameter's admissible range, or too few fitted targets; the
        message names the file and the field.
    """
    path = Path(path)
    if not path.is_file():
        raise CalibrationConfigError(f"{path}: calibration file not found")
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        spec = CalibrationConfig.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = _field_name(raw, tuple(x for x in err["loc"] if x != "[key]"))
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CalibrationConfigError(f"{path}: field '{field or '<top>'}': {msg}{more}") from exc
    base_name = spec.calibration.base_parameters
    base_path = DEFAULT_PARAMETERS if base_name == "default" else (path.parent / base_name)
    try:
        base = ParameterSet.load(base_path)
    except ParameterError as exc:
        raise CalibrationConfigError(
            f"{path}: field 'calibration.base_parameters': {exc}") from exc
    try:
        base.with_overrides(spec.simulation.fixed, where=f"{path} [simulation.fixed]")
    except ParameterError as exc:
        raise CalibrationConfigError(f"{path}: field 'simulation.fixed': {exc}") from exc
    if spec.simulation.fixed and not spec.simulation.fixed_note:
        raise CalibrationConfigError(
            f"{path}: field 'simulation.fixed_note': say why parameters are fixed while fitting")
    clash = {p.path for p in spec.parameters} & set(spec.simulation.fixed)
    if clash:
        raise CalibrationConfigError(
            f"{path}: field 'simulation.fixed': {', '.join(sorted(clash))} is also free")
    for i, p in enumerate(spec.parameters):
        where = f"{path}: field 'parameters[{i}] ({p.name})"
        if p.path not in base:
            raise CalibrationConfigError(f"{where}.path': unknown parameter '{p.path}'")
        value = base[p.path]
        if isinstance(value, bool):
            raise CalibrationConfigError(f"{where}.path': '{p.path}' is a switch, not a number")
        if isinstance(value, list):
            if p.index is None or p.index >= len(value):
                raise CalibrationConfigError(
                    f"{where}.index': '{p.path}' is a list of {len(value)}; give index "
                    f"0..{len(value) - 1}")
        elif p.index is not None:
            raise CalibrationConfigError(f"{where}.index': '{p.path}' is not a list")
        for bound in ("lower", "upper"):
            probe = _with_value(base, p, getattr(p, bound))
            try:
                base.with_overrides(probe, where=str(path))
            except ParameterError as exc:
                raise CalibrationConfigError(f"{where}.{bound}': {exc}") from exc
    return LoadedConfig(spec=spec, path=path, text=text, base_path=Path(base_path), base=base)


def _with_value(base: ParameterSet, p: ParameterSpec, value: float) -> dict:
    """Override dict setting one free parameter (one element of a list parameter)."""
    if p.index is None:
        return {p.path: float(value)}
    current = list(base[p.path])
    current[p.index] = float(value)
    return {p.path: current}
