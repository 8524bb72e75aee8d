"""Parameters: one typed tree, each value with unit and provenance, loaded from and saved to TOML.

A parameter is declared like a tax-benefit microsimulation parameter (PolicyEngine style): its
value, unit, provenance (``data``, ``derived``, ``literature-prior``, ``calibrated`` or
``assumption``) and a reference. Model code reads values by dotted path
(``params["flows.separation_rate"]``); no number lives in the model code itself.

Overrides (from a scenario or a calibration) are validated in full before anything changes:
an unknown path, a wrong type or an out-of-range value raises ``ParameterError`` naming the
file and the path, and the original set is untouched.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["Parameter", "ParameterSet", "ParameterError", "DEFAULT_PARAMETERS"]

DEFAULT_PARAMETERS = Path(__file__).resolve().parent / "data" / "parameters.toml"

Provenance = Literal["data", "derived", "literature-prior", "calibrated", "assumption"]
Value = bool | int | float | list[float]

#: Units whose values must lie in [0, 1] (fractions and monthly hazards).
_UNIT_INTERVAL = {"1", "per_month"}
#: Units whose values must be non-negative.
_NON_NEGATIVE = {"persons", "years", "months", "percent", "yuan", "ratio"}


class ParameterError(ValueError):
    """A parameter file or override is malformed; the message names file and path."""


class Parameter(BaseModel):
    """One declared parameter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Value
    unit: str
    provenance: Provenance
    reference: str
    note: str = ""
    range: list[float] | None = None  # evidence's plausibility range, where it gives one


def _check_range(path: str, param: Parameter, where: str) -> None:
    values = param.value if isinstance(param.value, list) else [param.value]
    for v in values:
        if isinstance(v, bool):
            continue
        if param.unit in _UNIT_INTERVAL and not 0.0 <= v <= 1.0:
            raise ParameterError(f"{where}: '{path}' = {v} must lie in [0, 1] (unit {param.unit})")
        if param.unit in _NON_NEGATIVE and v < 0:
            raise ParameterError(f"{where}: '{path}' = {v} must be >= 0 (unit {param.unit})")


class ParameterSet(Mapping[str, Value]):
    """An immutable mapping from dotted path to value, with the declarations behind it."""

    def __init__(self, declared: dict[str, Parameter], origin: str = "<memory>") -> None:
        self._declared = declared
        self.origin = origin

    # -- loading and saving -------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | str = DEFAULT_PARAMETERS) -> ParameterSet:
        """Read a parameter file; every error names the file and the parameter path."""
        path = Path(path)
        if not path.is_file():
            raise ParameterError(f"{path}: parameter file not found")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ParameterError(f"{path}: not valid TOML ({exc})") from exc
        declared: dict[str, Parameter] = {}
        for group, members in raw.items():
            if not isinstance(members, dict):
                raise ParameterError(f"{path}: '{group}' must be a table of parameters")
            for name, body in members.items():
                dotted = f"{group}.{name}"
                try:
                    param = Parameter.model_validate(body)
                except ValidationError as exc:
                    first = exc.errors()[0]
                    field = ".".join(str(x) for x in first["loc"])
                    raise ParameterError(
                        f"{path}: parameter '{dotted}', field '{field}': {first['msg']}"
                    ) from exc
                _check_range(dotted, param, str(path))
                declared[dotted] = param
        return cls(declared, origin=str(path))

    def to_toml(self) -> str:
        """The set as TOML, in the same layout it was read from."""
        tree: dict[str, dict[str, Any]] = {}
        for dotted, param in self._declared.items():
            group, name = dotted.split(".", 1)
            tree.setdefault(group, {})[name] = param.model_dump(exclude_defaults=True)
        return tomli_w.dumps(tree)

    def save(self, path: Path | str) -> None:
        """Write the set as TOML."""
        Path(path).write_text(self.to_toml(), encoding="utf-8")

    # -- access -------------------------------------------------------------------------
    def __getitem__(self, path: str) -> Value:
        try:
            return self._declared[path].value
        except KeyError:
            raise KeyError(f"unknown parameter '{path}' (in {self.origin})") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._declared)

    def __len__(self) -> int:
        return len(self._declared)

    def declaration(self, path: str) -> Parameter:
        """The full declaration (value, unit, provenance, reference) of one parameter."""
        if path not in self._declared:
            raise KeyError(f"unknown parameter '{path}' (in {self.origin})")
        return self._declared[path]

    def assumptions(self) -> list[tuple[str, Parameter]]:
        """Every parameter without a source or a calibration behind it."""
        return [(k, p) for k, p in self._declared.items() if p.provenance == "assumption"]

    def values(self) -> dict[str, Value]:  # type: ignore[override]
        """Plain ``{path: value}`` dict (for manifests)."""
        return {k: copy.deepcopy(p.value) for k, p in self._declared.items()}

    # -- changes ------------------------------------------------------------------------
    def with_overrides(
        self,
        overrides: Mapping[str, Value],
        *,
        provenance: Provenance | None = None,
        reference: str | None = None,
        where: str = "<overrides>",
    ) -> ParameterSet:
        """A new set with some values replaced; all checked before any is applied."""
        staged = dict(self._declared)
        for path, value in overrides.items():
            if path not in self._declared:
                raise ParameterError(f"{where}: unknown parameter '{path}'")
            old = self._declared[path]
            if isinstance(old.value, list):
                if not isinstance(value, list) or len(value) != len(old.value):
                    raise ParameterError(
                        f"{where}: '{path}' must be a list of {len(old.value)} numbers"
                    )
                if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
                    raise ParameterError(f"{where}: '{path}' must hold numbers only")
            elif isinstance(old.value, bool):
                if not isinstance(value, bool):
                    raise ParameterError(f"{where}: '{path}' must be true or false")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParameterError(f"{where}: '{path}' must be a number, got {value!r}")
            update: dict[str, Any] = {"value": value}
            if provenance is not None:
                update["provenance"] = provenance
            if reference is not None:
                update["reference"] = reference
            new = old.model_copy(update=update)
            _check_range(path, new, where)
            staged[path] = new
        return ParameterSet(staged, origin=self.origin)
