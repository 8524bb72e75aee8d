"""The optimisation's settings file: each instrument's budget bounds, the futures, the search.

TOML data validated by a pydantic schema (never evaluated); every error names the file and
the field and exits with status 2. Every table and key is optional::

    [defaults]
    max_multiple = 3.0              # upper bound = this x the scenario's budget (default 3)
    scale_caps_with_budget = true   # max_participants scales with budget / scenario budget

    [instruments.social_insurance_fee_cut]
    min_yuan = 0.0                  # a floor the search keeps
    max_yuan = 5.0e9                # a ceiling (replaces max_multiple for this instrument)
    start_months = ["2021-01", "2021-06"]   # also search the start month in this window

    [futures]
    replications = 20               # futures every candidate is judged on (common to all)
    macro_draws = true              # one forecast demand path per future
    parameter_draws = "../../calibration/fitted/hunan_2020.toml"   # relative to this file
    screening_persons_per_agent = 1000
    confirm_persons_per_agent = 100

    [search]
    population = 24                 # the population (and the first generation)
    offspring = 8                   # new candidates per later generation (at most population)
    corner_mixes = true             # the first generation holds the polytope's corner mixes
    ranked_mixes = true             # then the greedy path by the corners' gain per yuan
    algorithm = "nsga2"             # or "sms-emoa" (pymoo's hypervolume-based selection)
    confirm_max = 30                # front members re-run at the confirming scale
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from jobsim.scenario import ScenarioError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = ["Bounds", "InstrumentBounds", "Futures", "Search", "load_bounds", "DEFAULT_BOUNDS"]

#: The shipped settings file, used when none is given.
DEFAULT_BOUNDS = Path(__file__).resolve().parents[2] / "scenarios" / "optimise" / "bounds.toml"

_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class Defaults(BaseModel):
    """The ``[defaults]`` table."""

    model_config = ConfigDict(extra="forbid")

    max_multiple: float = Field(default=3.0, ge=0)
    scale_caps_with_budget: bool = True


class InstrumentBounds(BaseModel):
    """One ``[instruments.<kind>]`` table."""

    model_config = ConfigDict(extra="forbid")

    min_yuan: float = Field(default=0.0, ge=0)
    max_yuan: float | None = Field(default=None, ge=0)
    start_months: list[str] | None = Field(default=None, min_length=2, max_length=2)

    @field_validator("start_months")
    @classmethod
    def _months(cls, value: list[str] | None) -> list[str] | None:
        for m in value or []:
            if not re.fullmatch(_MONTH, m):
                raise ValueError(f"month '{m}' is not YYYY-MM")
        return value


class Futures(BaseModel):
    """The ``[futures]`` table: the uncertain futures every candidate is judged on."""

    model_config = ConfigDict(extra="forbid")

    replications: int = Field(default=20, ge=1, le=1000)
    macro_draws: bool = True
    parameter_draws: str | None = None
    screening_persons_per_agent: float = Field(default=1000.0, ge=1)
    confirm_persons_per_agent: float = Field(default=100.0, ge=1)


class Search(BaseModel):
    """The ``[search]`` table."""

    model_config = ConfigDict(extra="forbid")

    population: int = Field(default=24, ge=4, le=1000)
    offspring: int = Field(default=8, ge=1, le=1000)
    corner_mixes: bool = True
    ranked_mixes: bool = True
    algorithm: Literal["nsga2", "sms-emoa"] = "nsga2"
    confirm_max: int = Field(default=30, ge=1, le=1000)


class Bounds(BaseModel):
    """A validated settings file (``path`` is where relative paths start from)."""

    model_config = ConfigDict(extra="forbid")

    defaults: Defaults = Defaults()
    instruments: dict[str, InstrumentBounds] = {}
    futures: Futures = Futures()
    search: Search = Search()
    path: Path | None = None

    def parameter_file(self) -> Path | None:
        """The fitted parameter file of the parameter draws, resolved."""
        if self.futures.parameter_draws is None:
            return None
        base = self.path.parent if self.path is not None else Path.cwd()
        return (base / self.futures.parameter_draws).resolve()


def load_bounds(path: Path | str | None) -> Bounds:
    """Read and validate a settings file (``None``: the shipped one); errors name the field."""
    path = DEFAULT_BOUNDS if path is None else Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: optimisation bounds file not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from exc
    if "path" in raw:
        raise ScenarioError(f"{path}: field 'path': unknown table or key")
    try:
        bounds = Bounds.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"])
        raise ScenarioError(f"{path}: field '{field}': {err['msg']}") from exc
    for kind, b in bounds.instruments.items():
        if b.max_yuan is not None and b.max_yuan < b.min_yuan:
            raise ScenarioError(f"{path}: field 'instruments.{kind}.max_yuan': below min_yuan")
    bounds = bounds.model_copy(update={"path": path.resolve()})
    pfile = bounds.parameter_file()
    if pfile is not None and not pfile.is_file():
        raise ScenarioError(f"{path}: field 'futures.parameter_draws': {pfile} not found")
    return bounds
