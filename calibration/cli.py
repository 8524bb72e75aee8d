"""``jobsim calibrate CONFIG --out FITTED.toml [--resume] [--workers N]``: the whole calibration.

Loads and validates the configuration, builds the targets from the data, fits (global stage,
local stage, standard errors), runs the diagnostics (objective profiles, Jacobian
identification, Morris sensitivity, the check of parameters held fixed), and writes

- ``FITTED.toml`` — a full parameter file (``ParameterSet.load`` reads it; scenarios name it),
- ``FITTED.meta.json`` — targets, method, seeds, objective, estimates, standard errors,
  covariance, version and timings,
- ``FITTED_report/`` — report.md, tables (CSV) and figures.

Every finished simulation is checkpointed in the folder ``FITTED.checkpoint/`` (jobsim's one
resume cache, :mod:`jobsim.store`); with ``resume=True`` the run replays from it and only
simulates what is missing. The checkpoint is removed when the outputs are written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from pathlib import Path

import jobsim as model
import jobsim.calibration as calibration
import numpy as np
import pandas as pd
from jobsim import data
from jobsim.calibration import diagnostics
from jobsim.calibration.config import CalibrationConfigError, LoadedConfig, load_config
from jobsim.calibration.evaluator import Evaluator, remove_checkpoint
from jobsim.calibration.fitted import write_fitted
from jobsim.calibration.report import fit_table, parameter_table, write_report
from jobsim.calibration.simulate import simulate_monthly
from jobsim.calibration.smm import FitResult, base_values, fit
from jobsim.calibration.targets import Moment, build_targets
from jobsim.results import git_commit, package_version
from scipy.stats import chi2

__all__ = ["run_calibrate", "fingerprint", "source_sha1"]


def source_sha1(*packages: object) -> str:
    """Hash of the packages' Python sources and data files (what a result depends on)."""
    h = hashlib.sha1()
    for pkg in packages:
        root = Path(pkg.__file__).resolve().parent  # type: ignore[attr-defined]
        files = sorted(p for p in root.rglob("*") if p.suffix in (".py", ".csv", ".toml")
                       and "__pycache__" not in p.parts and "fitted" not in p.parts)
        for p in files:
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def fingerprint(cfg: LoadedConfig) -> str:
    """Hash configuration text, base parameters, data and code (what a checkpoint is for)."""
    h = hashlib.sha1(cfg.text.encode())
    h.update(cfg.base_path.read_bytes())
    h.update(source_sha1(model, calibration).encode())
    return h.hexdigest()


def _entries(result: FitResult) -> list[dict]:
    pb = result.problem
    return [{"path": p.path, "index": p.index, "name": p.name,
             "estimate": float(f"{result.estimate[i]:.6g}"), "se": float(result.se[i])}
            for i, p in enumerate(pb.free)]


def _target_meta(moments: list[Moment], data_values: np.ndarray) -> list[dict]:
    return [{"name": m.name, "kind": m.kind, "value": float(v), "unit": m.unit,
             "sd": None if not np.isfinite(m.sd) else m.sd, "sd_basis": m.spec.sd_basis,
             "fitted": m.fit, "source": m.source, "note": m.spec.note}
            for m, v in zip(moments, data_values)]


def _observed_rates() -> pd.Series:
    return data.national_monthly_surveyed().dropna()


def _summary(meta: dict, pt: pd.DataFrame, ft: pd.DataFrame, fitted: Path, report: Path
             ) -> str:
    """Format what the command prints when it is done."""
    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.float_format", "{:.4g}".format):
        params = pt[["parameter", "estimate", "se", "ci_low", "ci_high"]].to_string(index=False)
        fit_rows = ft[["moment", "target", "simulated", "se", "t", "fitted"]].to_string(
            index=False)
    return (f"calibration {meta['name']}: objective {meta['objective']:.4g} "
            f"({meta['dof']} degrees of freedom), {meta['wall_seconds']:.0f} s\n\n{params}\n\n"
            f"{fit_rows}\n\nfitted parameters: {fitted}\nreport: {report}")


def run_calibrate(config: Path, out: Path, resume: bool = False, workers: int = 2) -> dict:
    """Calibrate to the configuration's targets and write the fitted file, metadata and report.

    Parameters
    ----------
    config : Path
        Calibration configuration (e.g. ``calibration/hunan.toml``).
    out : Path
        Fitted parameter file to write (``.toml``).
    resume : bool
        Continue from the checkpoint of an interrupted run of the same configuration.
    workers : int
        Worker processes for the simulations.

    Returns
    -------
    dict
        Paths written, estimates and standard errors, objective, wall time.

    Raises
    ------
    ValueError
        A malformed configuration (``CalibrationConfigError``, naming the file and the field),
        missing target data, a bad ``out`` path, or a checkpoint that cannot be resumed.
    """
    t_start = time.perf_counter()
    config, out = Path(config), Path(out)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if out.suffix != ".toml":
        raise ValueError(f"{out}: the fitted parameter file must end in .toml")
    cfg = load_config(config)
    moments = build_targets(cfg)
    method, sim = cfg.spec.method, cfg.spec.simulation
    checkpoint = out.with_name(out.stem + ".checkpoint")  # cleared unless resuming
    out.parent.mkdir(parents=True, exist_ok=True)
    with Evaluator(workers=workers, checkpoint=checkpoint, fingerprint=fingerprint(cfg),
                   resume=resume) as ev:
        result = fit(cfg, ev, moments=moments)
        t0 = time.perf_counter()
        prof = diagnostics.profiles(
            result, ev, method.profile_points, method.profile_persons_per_agent,
            method.global_replications if method.profile_persons_per_agent else None)
        result.timings["profiles_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        morris = (diagnostics.morris(result, ev, cfg) if method.morris_trajectories else None)
        result.timings["morris_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        check = diagnostics.fixed_check(result, ev, method.se_replications)
        result.timings["fixed_check_s"] = time.perf_counter() - t0
        computed, reused = ev.computed, ev.reused
    ident = diagnostics.identification(result)
    weak = diagnostics.weakly_identified(result, prof)
    pb = result.problem
    share = result.estimate[pb.share_index] if pb.share_index is not None else None
    monthly = simulate_monthly(result.spec, tuple(result.estimate[pb.sim_index]), 0, share)
    monthly["gap"] = 0.0 if result.gap is None else result.gap
    base = base_values(cfg)
    ft = fit_table(result)
    pt = parameter_table(result, base, weak)
    wall = time.perf_counter() - t_start
    meta = {
        "name": cfg.spec.calibration.name,
        "description": cfg.spec.calibration.description,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "version": {"package": package_version(), "git_commit": git_commit(),
                    "model_sha1": source_sha1(model), "calibration_sha1": source_sha1(calibration)},
        "config": {"path": config.as_posix(), "sha1": hashlib.sha1(cfg.text.encode()).hexdigest(),
                   "text": cfg.text},
        "base_parameters": cfg.base_path.as_posix(),
        "method": {"name": "method of simulated moments, common random numbers",
                   **method.model_dump()},
        "simulation": {**sim.model_dump(), "run_start": result.spec.start,
                       "run_months": result.spec.months,
                       "demand_path": list(result.spec.demand)},
        "proxy_gap": None if result.gap is None else {
            "estimate": result.gap, "se": result.gap_se,
            **cfg.spec.proxy_gap.model_dump()},
        "seeds": {"simulation": sim.seed, "global_stage": method.global_seed,
                  "sensitivity": method.sensitivity_seed,
                  "replications": list(range(max(sim.replications, method.se_replications)))},
        "objective": result.objective, "rows": pb.n_rows,
        "n_fitted_moments": int(pb.fit.sum()), "n_prior_rows": len(pb.priors),
        "n_parameters": len(pb.free), "dof": result.dof,
        "p_value": float(chi2.sf(result.objective, result.dof)) if result.dof > 0 else None,
        "parameters": [{"name": p.name, "path": p.path, "index": p.index,
                        "estimate": float(result.estimate[i]), "se": float(result.se[i]),
                        "ci95": result.conf_int()[i].tolist(), "lower": p.lower,
                        "upper": p.upper, "prior": p.prior, "prior_mean": p.prior_mean,
                        "prior_sd": p.prior_sd, "base": base[p.name], "source": p.source}
                       for i, p in enumerate(pb.free)],
        "covariance": result.cov,
        "weakly_identified": weak,
        "targets": _target_meta(moments, pb.data),
        "fit_table": ft.drop(columns=["source"]).to_dict(orient="records"),
        "stages": {"global": result.global_best, "local": result.local},
        "timings": {k: round(v, 1) for k, v in result.timings.items()},
        "wall_seconds": wall, "workers": workers,
        "tasks": {"computed": computed, "reused": reused},
    }
    header = [
        f"jobsim fitted parameter set '{meta['name']}': the base set "
        f"({cfg.base_path.name}) with {len(pb.free)} parameters calibrated",
        f"by the method of simulated moments to {config.as_posix()} on {meta['date']}.",
        "Calibrated (estimate, standard error): " + "; ".join(
            f"{p.name} = {result.estimate[i]:.4g} ({result.se[i]:.2g})"
            for i, p in enumerate(pb.free)) + ("" if result.gap is None else
                                               f"; proxy gap (Hunan - China surveyed rate) = "
                                               f"{result.gap:.3g} pp ({result.gap_se:.2g})"),
        f"Objective {result.objective:.4g} over {pb.n_rows} rows; seed {sim.seed}, "
        f"{sim.replications} replications, {sim.persons_per_agent:g} persons per agent.",
        f"jobsim {meta['version']['package']}, git {meta['version']['git_commit']}.",
        f"Targets, method, seeds, covariance: {out.stem}.meta.json; report: "
        f"{out.stem}_report/report.md.",
    ]
    out_toml, out_meta = write_fitted(out, cfg.base, _entries(result), meta, header)
    profile_pts = {(m.spec.years[0], m.spec.through_month): float(v)
                   for m, v in zip(pb.moments, pb.data) if "cumulative_share" in m.kind}
    annual = {tuple(m.spec.years): float(v) for m, v in zip(pb.moments, pb.data)
              if m.kind == "new_urban_jobs"}
    report = write_report(out.with_name(out.stem + "_report"), result=result, meta=meta, ft=ft,
                          pt=pt, prof=prof, ident=ident, mt=morris, check=check,
                          monthly=monthly, observed=_observed_rates(),
                          profile_pts=profile_pts, annual=annual)
    remove_checkpoint(checkpoint)
    print(_summary(meta, pt, ft, out_toml, report))
    return {"fitted": str(out_toml), "meta": str(out_meta), "report": str(report),
            "objective": result.objective, "dof": result.dof,
            "parameters": {p.name: float(result.estimate[i]) for i, p in enumerate(pb.free)},
            "se": {p.name: float(result.se[i]) for i, p in enumerate(pb.free)},
            "weakly_identified": weak, "wall_seconds": wall,
            "fit_table": ft.drop(columns=["source"])}


__all__ += ["CalibrationConfigError"]
