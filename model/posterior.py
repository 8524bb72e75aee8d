"""Parameter draws from a fitted parameter file's normal approximation (calibration uncertainty).

A fitted file ``<name>.toml`` (written by ``jobsim calibrate``) has its metadata beside it in
``<name>.meta.json``: estimates, bounds and covariance of the calibrated parameters.
:func:`sample_parameters` draws parameter sets from it, so that scenarios can carry
calibration uncertainty. It lives in ``model/`` (``jobsim.calibration.fitted`` re-exports it)
because ensembles draw from it and ``model/`` never imports ``calibration``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from jobsim.params import ParameterSet

__all__ = ["meta_path", "load_meta", "sample_parameters"]


def meta_path(fitted: Path | str) -> Path:
    """``hunan_2020.toml`` -> ``hunan_2020.meta.json``."""
    fitted = Path(fitted)
    return fitted.with_name(fitted.stem + ".meta.json")


def load_meta(fitted: Path | str) -> dict:
    """Read the metadata of a fitted file."""
    path = meta_path(fitted)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no metadata beside fitted file {fitted}")
    return json.loads(path.read_text(encoding="utf-8"))


def sample_parameters(fitted: Path | str, n: int, seed: int) -> list[ParameterSet]:
    """``n`` parameter sets drawn from the fit's normal approximation, truncated to bounds.

    Each set is the fitted file with its calibrated values replaced by one joint draw from
    N(estimate, covariance) (rejection within the bounds, at most 1000 tries per draw, then
    clipping).
    """
    meta = load_meta(fitted)
    params = meta["parameters"]
    mean = np.array([p["estimate"] for p in params])
    cov = np.array(meta["covariance"])
    lo = np.array([p["lower"] for p in params])
    hi = np.array([p["upper"] for p in params])
    rng = np.random.default_rng(seed)
    base = ParameterSet.load(fitted)
    out = []
    for _ in range(n):
        for _ in range(1000):
            draw = rng.multivariate_normal(mean, cov, method="eigh")
            if np.all((draw >= lo) & (draw <= hi)):
                break
        draw = np.clip(draw, lo, hi)
        over: dict = {}
        for p, v in zip(params, draw):
            if p["index"] is None:
                over[p["path"]] = float(v)
            else:
                current = list(over.get(p["path"], base[p["path"]]))
                current[p["index"]] = float(v)
                over[p["path"]] = current
        out.append(base.with_overrides(over, where=f"{fitted} (posterior draw)"))
    return out
