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
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import tomli_w
from jobsim.errors import UserError
from jobsim.tomlfile import read_toml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["Parameter", "ParameterSet", "ParameterError", "DEFAULT_PARAMETERS", "SUM_TO_ONE",
           "value_problem"]

DEFAULT_PARAMETERS = Path(__file__).resolve().parent / "data" / "parameters.toml"

Provenance = Literal["data", "derived", "literature-prior", "calibrated", "assumption"]
Value = bool | int | float | list[float]

#: Bounds by unit: (low, high, low is open). Every value must also be finite.
_UNIT_BOUNDS: dict[str, tuple[float, float, bool]] = {
    "1": (0.0, 1.0, False),          # fractions
    "per_month": (0.0, 1.0, False),  # monthly hazards
    "persons": (0.0, math.inf, True),  # a zero head count or size divides the model by zero
    "months": (0.0, math.inf, True),   # a zero duration never ends (or divides by zero)
    "years": (0.0, math.inf, False),
    "percent": (0.0, 100.0, False),
    "pp": (-100.0, 100.0, False),      # effects in percentage points of a probability
    "yuan": (0.0, math.inf, False),
    "ratio": (0.0, math.inf, False),
}
#: Groups of parameters that are shares of one whole (each list-valued ``*_share`` of unit
#: "1" is one too): they must sum to 1.
SUM_TO_ONE: tuple[tuple[str, ...], ...] = (
    ("population.share_under_16", "population.share_16_59", "population.share_60_plus"),
)
_SUM_TOLERANCE = 1e-6


class ParameterError(UserError, ValueError):
    """A parameter file or override is malformed; the message names file, line and path."""


class Parameter(BaseModel):
    """One declared parameter."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    value: Value
    unit: str
    provenance: Provenance
    reference: str
    note: str = ""
    range: list[float] | None = Field(default=None, min_length=2, max_length=2)


def _number_problem(v: object, unit: str, declared_range: list[float] | None) -> str | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return f"must be a number, not {_kind(v)}"
    if not math.isfinite(v):
        return f"must be a finite number, not {v}"
    low, high, open_low = _UNIT_BOUNDS.get(unit, (-math.inf, math.inf, False))
    if (v <= low if open_low else v < low) or v > high:
        if high == math.inf:
            return f"must be {'>' if open_low else '>='} {low:g}, not {v:g} (unit {unit!r})"
        return f"{v:g} is outside [{low:g}, {high:g}] (unit {unit!r})"
    if declared_range is not None and not declared_range[0] <= v <= declared_range[1]:
        return (f"{v:g} is outside its declared range [{declared_range[0]:g}, "
                f"{declared_range[1]:g}]")
    return None


def _kind(v: object) -> str:
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, str):
        return f"the text {v!r}"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, (int, float)):
        return repr(v)
    return type(v).__name__


def value_problem(value: object, *, unit: str, like: Value,
                  declared_range: list[float] | None = None) -> str | None:
    """Why ``value`` cannot stand for a parameter declared as ``like`` in ``unit`` (or None)."""
    if unit == "switch" or isinstance(like, bool):
        return None if isinstance(value, bool) else f"must be true or false, not {_kind(value)}"
    if isinstance(like, list):
        if not isinstance(value, list):
            return f"must be a list of {len(like)} numbers, not {_kind(value)}"
        if len(value) != len(like):
            return f"must be a list of {len(like)} numbers, not {len(value)}"
        for i, v in enumerate(value):
            problem = _number_problem(v, unit, declared_range)
            if problem:
                return f"item {i + 1}: {problem}"
        return None
    return _number_problem(value, unit, declared_range)


def _sum_problems(values: Mapping[str, Value], units: Mapping[str, str]) -> list[tuple[str, str]]:
    out = []
    for group in SUM_TO_ONE:
        if all(p in values for p in group):
            total = sum(float(values[p]) for p in group)  # type: ignore[arg-type]
            if abs(total - 1.0) > _SUM_TOLERANCE:
                out.append((group[0], f"the shares {', '.join(group)} sum to {total:.6g}, "
                                      "not 1"))
    for path, v in values.items():
        if isinstance(v, list) and path.endswith("_share") and units.get(path) == "1":
            total = float(sum(v))
            if abs(total - 1.0) > _SUM_TOLERANCE:
                out.append((path, f"the shares sum to {total:.6g}, not 1"))
    return out


class ParameterSet(Mapping[str, Value]):
    """An immutable mapping from dotted path to value, with the declarations behind it."""

    def __init__(self, declared: dict[str, Parameter], origin: str = "<memory>") -> None:
        self._declared = declared
        self.origin = origin

    # -- loading and saving -------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | str = DEFAULT_PARAMETERS, *, like: ParameterSet | None = None
             ) -> ParameterSet:
        """Read a parameter file; every error (all at once) names file, line and parameter.

        ``like``: the file must declare exactly ``like``'s parameters (a scenario's parameter
        file must match the model's set: an unknown or a missing parameter is an error).
        """
        path = Path(path)
        raw, _, lines = read_toml(path, "parameter file", ParameterError)
        problems: list[tuple[int | None, str]] = []
        declared: dict[str, Parameter] = {}
        seen: set[str] = set()
        for group, members in raw.items():
            if not isinstance(members, dict) or not all(isinstance(b, dict)
                                                        for b in members.values()):
                problems.append((lines.line([group]),
                                 f"'{group}' must be a table of parameter tables"))
                continue
            for name, body in members.items():
                dotted = f"{group}.{name}"
                where = [group, name]
                seen.add(dotted)
                if "value" not in body:
                    problems.append((lines.line(where), f"parameter '{dotted}': no 'value'"))
                    continue
                v = body["value"]
                if not (isinstance(v, (bool, int, float)) or (isinstance(v, list) and all(
                        isinstance(x, (int, float)) and not isinstance(x, bool) for x in v))):
                    problems.append((lines.line(where + ["value"]),
                                     f"parameter '{dotted}', field 'value': must be a number, "
                                     f"true/false or a list of numbers, not {_kind(v)}"))
                    continue
                try:
                    param = Parameter.model_validate(body)
                except ValidationError as exc:
                    for err in exc.errors():
                        field = str(err["loc"][0]) if err["loc"] else "value"
                        problems.append((lines.line(where + [field]),
                                         f"parameter '{dotted}', field '{field}': "
                                         f"{plain_message(err)}"))
                    continue
                rng = param.range
                if rng is not None and not (all(map(math.isfinite, rng)) and rng[0] <= rng[1]):
                    problems.append((lines.line(where + ["range"]),
                                     f"parameter '{dotted}', field 'range': must be [low, high]"))
                    continue
                problem = value_problem(param.value, unit=param.unit, like=param.value,
                                        declared_range=rng)
                if problem is None and param.unit != "switch" and isinstance(param.value, bool):
                    problem = "must be a number, not true/false"
                if problem is None and param.unit == "switch" and not isinstance(param.value,
                                                                                   bool):
                    problem = "must be true or false (unit 'switch')"
                if problem:
                    problems.append((lines.line(where + ["value"]),
                                     f"parameter '{dotted}', field 'value': {problem}"))
                    continue
                declared[dotted] = param
        if like is not None:
            for dotted in sorted(seen - set(like._declared)):
                problems.append((lines.line(dotted.split(".", 1)),
                                 f"parameter '{dotted}': unknown (not a parameter of the model; "
                                 f"compare {like.origin})"))
            for dotted in sorted(set(like._declared) - seen):
                problems.append((None, f"parameter '{dotted}': missing (the model needs "
                                       f"every parameter of {like.origin})"))
            for dotted in sorted(set(declared) & set(like._declared)):
                want, got = like._declared[dotted], declared[dotted]
                if (want.unit != got.unit or isinstance(want.value, list) != isinstance(
                        got.value, list) or (isinstance(want.value, list)
                                             and len(want.value) != len(got.value))):
                    field = "unit" if want.unit != got.unit else "value"
                    problems.append((lines.line(dotted.split(".", 1) + [field]),
                                     f"parameter '{dotted}', field '{field}': must have unit "
                                     f"{want.unit!r} and the shape of {like.origin}'s"))
        if not problems:
            units = {k: p.unit for k, p in declared.items()}
            for dotted, msg in _sum_problems({k: p.value for k, p in declared.items()}, units):
                problems.append((lines.line(dotted.split(".", 1) + ["value"]),
                                 f"parameter '{dotted}', field 'value': {msg}"))
        if problems:
            raise ParameterError("\n".join(
                f"{path}, line {ln}: {msg}" if ln else f"{path}: {msg}" for ln, msg in problems))
        return cls(declared, origin=str(path))

    def to_toml(self) -> str:
        """The set as TOML, in the same layout it was read from."""
        tree: dict[str, dict[str, Any]] = {}
        for dotted, param in self._declared.items():
            group, name = dotted.split(".", 1)
            tree.setdefault(group, {})[name] = param.model_dump(exclude_defaults=True)
        return tomli_w.dumps(tree)

    def save(self, path: Path | str) -> None:
        """Write the set as TOML (atomically)."""
        from jobsim.results import atomic_write

        atomic_write(Path(path), self.to_toml())

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
    def override_problems(self, overrides: Mapping[str, object]) -> list[tuple[str, str]]:
        """Every ``(path, why)`` that stops ``overrides`` from applying; empty if they can."""
        out: list[tuple[str, str]] = []
        for path, value in overrides.items():
            if path not in self._declared:
                out.append((path, "unknown parameter"))
                continue
            old = self._declared[path]
            problem = value_problem(value, unit=old.unit, like=old.value,
                                    declared_range=old.range)
            if problem:
                out.append((path, problem))
        if not out:
            merged = {k: p.value for k, p in self._declared.items()}
            merged.update(overrides)  # type: ignore[arg-type]
            units = {k: p.unit for k, p in self._declared.items()}
            touched = set(overrides)
            for path, msg in _sum_problems(merged, units):
                group = next((g for g in SUM_TO_ONE if path in g), (path,))
                if touched & set(group):
                    out.append((next(p for p in group if p in touched), msg))
        return out

    def with_overrides(
        self,
        overrides: Mapping[str, Value],
        *,
        provenance: Provenance | None = None,
        reference: str | None = None,
        where: str = "<overrides>",
    ) -> ParameterSet:
        """A new set with some values replaced; all checked before any is applied."""
        problems = self.override_problems(overrides)
        if problems:
            raise ParameterError("\n".join(f"{where}: field '{p}': {msg}"
                                            for p, msg in problems))
        staged = dict(self._declared)
        for path, value in overrides.items():
            update: dict[str, Any] = {"value": value}
            if provenance is not None:
                update["provenance"] = provenance
            if reference is not None:
                update["reference"] = reference
            staged[path] = self._declared[path].model_copy(update=update)
        return ParameterSet(staged, origin=self.origin)


def plain_message(err: Mapping[str, Any]) -> str:
    """A pydantic error in plain words (no pydantic type names)."""
    kind, msg, value = err.get("type", ""), str(err.get("msg", "")), err.get("input")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    if kind in ("float_type", "int_type", "float_parsing", "int_parsing"):
        what = "a whole number" if kind.startswith("int") else "a number"
        return f"must be {what}, not {_kind(value)}"
    if kind == "int_from_float":
        return f"must be a whole number, not {value}"
    if kind in ("string_type", "bool_type", "list_type", "dict_type", "model_type"):
        what = {"string_type": "text in quotes", "bool_type": "true or false",
                "list_type": "a list", "dict_type": "a table",
                "model_type": "a table"}[kind]
        return f"must be {what}, not {_kind(value)}"
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
              "less_than_equal": "<="}
    if kind in bounds and isinstance(err.get("ctx"), Mapping):
        limit = next(iter(err["ctx"].values()))
        return f"must be {bounds[kind]} {limit:g}, not {value!r}"
    if kind == "finite_number":
        return f"must be a finite number, not {value}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} does not have the expected form"
    if kind == "literal_error":
        return msg.replace("Input should be", "must be")
    if kind.startswith("value_error") or kind == "assertion_error":
        return msg.split(", ", 1)[1] if ", " in msg else msg
    for pydantic_words, plain in (("Input should be", "must be"),
                                  ("List should have", "must have")):
        if msg.startswith(pydantic_words):
            msg = plain + msg[len(pydantic_words):]
    msg = msg.replace(" after validation", "")
    return msg if value is None or isinstance(value, (dict, list)) else f"{msg} (got {value!r})"
