"""Fitted parameter files: a full parameter TOML that ``ParameterSet.load`` reads, and its metadata.

``<name>.toml`` is the base set with the fitted values put in (provenance ``calibrated``, the
reference naming the fit; a list parameter of which one element was fitted says which in its
note). Parameters held fixed while fitting keep their base values. The fit's metadata —
targets, method, seeds, objective, standard errors and covariance, version — goes to
``<name>.meta.json`` beside it, because a parameter file holds parameter tables only.

:func:`sample_parameters` draws parameter sets from the estimates' normal approximation
(truncated to the bounds), so that scenarios can carry calibration uncertainty.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
from jobsim.params import ParameterSet
from jobsim.posterior import load_meta, meta_path, sample_parameters
from jobsim.results import atomic_write

__all__ = ["write_fitted", "meta_path", "load_meta", "sample_parameters", "atomic_write"]


def _fitted_set(base: ParameterSet, entries: list[dict], reference: str) -> ParameterSet:
    """Put the fitted values into the base set (provenance 'calibrated', fit as reference)."""
    declared = {path: base.declaration(path) for path in base}
    by_path: dict[str, list[dict]] = {}
    for e in entries:
        by_path.setdefault(e["path"], []).append(e)
    for path, items in by_path.items():
        old = declared[path]
        value = old.value
        if isinstance(value, list):
            value = list(value)
            for e in items:
                value[e["index"]] = e["estimate"]
            which = ", ".join(f"element {e['index']}" for e in items)
            note = (f"{which} calibrated; other elements as in the base set "
                    f"({old.provenance}: {old.reference})")
        else:
            value = items[0]["estimate"]
            note = f"base set: {old.value!r} ({old.provenance}: {old.reference})"
        se = "; ".join(f"{e['name']} = {e['estimate']:.6g} (se {e['se']:.2g})" for e in items)
        declared[path] = old.model_copy(update={
            "value": value, "provenance": "calibrated", "note": note,
            "reference": f"{reference}: {se}"})
    fitted = ParameterSet(declared, origin="<fitted>")
    # Re-validate every value (units and ranges) through the public override path.
    return fitted.with_overrides({p: fitted[p] for p in by_path})


def write_fitted(out: Path, base: ParameterSet, entries: list[dict], meta: dict,
                 header: list[str]) -> tuple[Path, Path]:
    """Write ``out`` (parameter TOML) and its ``.meta.json``, atomically; returns both paths.

    ``entries`` are dicts with ``path``, ``index``, ``name``, ``estimate``, ``se``.
    """
    out = Path(out)
    mpath = meta_path(out)
    shown = mpath.as_posix() if not mpath.is_absolute() else mpath.name
    reference = f"{shown} (SMM fit '{meta['name']}')"
    fitted = _fitted_set(base, entries, reference)
    text = "".join(f"# {line}\n" if line else "#\n" for line in header) + "\n" + fitted.to_toml()
    fd, tmp = tempfile.mkstemp(dir=out.parent if out.parent.exists() else None, suffix=".toml")
    os.close(fd)
    try:
        Path(tmp).write_text(text, encoding="utf-8")
        ParameterSet.load(tmp)  # the file must load before it replaces anything
    finally:
        Path(tmp).unlink(missing_ok=True)
    atomic_write(mpath, json.dumps(meta, indent=2, default=_json_default) + "\n")
    atomic_write(out, text)
    return out, mpath


def _json_default(obj: object) -> object:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, Path):
        return obj.as_posix()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
