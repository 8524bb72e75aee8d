"""Diagnostics of a fit: identification, sensitivity, and parameters held fixed while fitting.

Identification by objective profiles and the Jacobian; sensitivity by Morris elementary
effects (SALib).

- **Objective profiles** are slices: one free parameter moves over its bounds, the others stay
  at the estimate (the recording share is re-concentrated at every point, as in the fit). A
  flat slice means the targets do not pin the parameter down.
- **Jacobian diagnostics**: singular values of the weighted Jacobian (a near-zero one is a
  direction the moments cannot see), the correlation of the estimates, and the sensitivity of
  each estimate to each moment, Lambda = -(G'WG)^-1 G'W (Andrews, Gentzkow & Shapiro 2017,
  QJE 132(4), doi:10.1093/qje/qjx023), in parameter units per target standard deviation.
- **Morris** (Morris 1991, Technometrics 33(2), doi:10.2307/1269043; Campolongo et al. 2007):
  ``SALib.sample.morris`` trajectories over the bounds, run at the global stage's scale;
  mu* of the objective and of each fitted moment in units of its standard deviation.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from jobsim.calibration.config import LoadedConfig
from jobsim.calibration.evaluator import Evaluator
from jobsim.calibration.smm import FitResult, simulated_covariance
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

__all__ = ["profiles", "identification", "morris", "fixed_check", "weakly_identified"]


def profiles(result: FitResult, ev: Evaluator, points: int,
             persons_per_agent: float | None = None, replications: int | None = None
             ) -> pd.DataFrame:
    """Objective slices through the estimate: columns parameter, value, objective.

    At ``persons_per_agent`` (default the fit's scale) with ``replications``; the slice's
    own value at the estimate is evaluated at that scale too, so a slice compares like with like.
    """
    pb = result.problem
    spec = result.spec if persons_per_agent is None else replace(
        result.spec, persons_per_agent=float(persons_per_agent))
    reps = replications or result.replications
    x_hat = result.estimate[pb.sim_index]
    grid_pts, labels = [], []
    for j, col in enumerate(pb.sim_index):
        for v in np.linspace(pb.lower[col], pb.upper[col], points):
            x = x_hat.copy()
            x[j] = v
            grid_pts.append(x)
            labels.append((pb.names[col], float(v)))
    ev.stage("objective profiles", total=len(grid_pts) * reps)
    raw = ev.moments(spec, grid_pts, reps).mean(axis=1) if grid_pts else []
    rows = [{"parameter": name, "value": v, "objective": pb.objective(x, r)}
            for (name, v), x, r in zip(labels, grid_pts, raw)]
    if pb.share_index is not None:
        raw_hat = ev.moments(spec, [x_hat], reps).mean(axis=1)[0]
        j = pb.share_index
        for v in np.linspace(pb.lower[j], pb.upper[j], max(points, 2) * 4):
            rows.append({"parameter": pb.names[j], "value": float(v),
                         "objective": pb.objective(x_hat, raw_hat, share=float(v),
                                                   concentrate=False)})
    at_hat = result.objective if spec is result.spec else pb.objective(
        x_hat, ev.moments(spec, [x_hat], reps).mean(axis=1)[0])
    for i, name in enumerate(pb.names):
        rows.append({"parameter": name, "value": float(result.estimate[i]),
                     "objective": at_hat})
    return pd.DataFrame(rows).sort_values(["parameter", "value"]).reset_index(drop=True)


def _weighted_jacobian(result: FitResult) -> np.ndarray:
    pb = result.problem
    k_fit = np.flatnonzero(pb.fit)
    rows = [result.jac[k] / pb.sd[k] for k in k_fit]
    rows += [np.eye(len(pb.free))[j] / tau for j, _, tau in pb.priors]
    return np.array(rows)


def identification(result: FitResult) -> dict:
    """Singular values, condition number, correlations and AGS sensitivity of the estimates."""
    pb = result.problem
    g = _weighted_jacobian(result)
    # Scale columns to parameter ranges so singular values compare across parameters.
    g_scaled = g * (pb.upper - pb.lower)
    sv = np.linalg.svd(g_scaled, compute_uv=False)
    se = result.se
    corr = result.cov / np.outer(np.where(se > 0, se, np.nan), np.where(se > 0, se, np.nan))
    bread = np.linalg.pinv(g.T @ g)
    k_fit = np.flatnonzero(pb.fit)
    lam = -(bread @ g.T)[:, : k_fit.size]  # parameter change per +1 sd of each target
    sens = pd.DataFrame(lam, index=pb.names, columns=[pb.moments[k].name for k in k_fit])
    return {"singular_values": sv.tolist(),
            "condition_number": float(sv[0] / sv[-1]) if sv[-1] > 0 else float("inf"),
            "correlation": pd.DataFrame(corr, index=pb.names, columns=pb.names),
            "sensitivity": sens}


def weakly_identified(result: FitResult, prof: pd.DataFrame) -> dict[str, str]:
    """Parameters the targets pin down poorly, with the reason.

    Weak when the 95% interval spans more than half the bound range, when the estimate lies
    within 1% of the range from a bound, or when the objective slice rises by less than 3.84
    (chi2(1) at 5%) anywhere within the bounds.
    """
    pb = result.problem
    out: dict[str, str] = {}
    ci = result.conf_int()
    for i, name in enumerate(pb.names):
        span = pb.upper[i] - pb.lower[i]
        reasons = []
        if ci[i, 1] - ci[i, 0] > 0.5 * span:
            reasons.append(f"95% interval covers {100 * (ci[i, 1] - ci[i, 0]) / span:.0f}% of "
                           "the bounds")
        tol = 0.01 * span
        if result.estimate[i] - pb.lower[i] < tol or pb.upper[i] - result.estimate[i] < tol:
            reasons.append("estimate within 1% of the range from a bound")
        sub = prof[prof["parameter"] == name]
        at = sub.loc[np.isclose(sub["value"], result.estimate[i]), "objective"]
        rise = sub["objective"].max() - (at.min() if len(at) else result.objective)
        if np.isfinite(rise) and rise < 3.84:
            reasons.append(f"objective rises only {rise:.2f} over the whole range")
        if reasons:
            out[name] = "; ".join(reasons)
    return out


def morris(result: FitResult, ev: Evaluator, cfg: LoadedConfig) -> pd.DataFrame:
    """Morris mu*, sigma of the objective and of each fitted moment (in target sds).

    Rows: parameter; columns ``objective_mu_star``, ``objective_sigma``,
    ``objective_mu_star_conf`` and ``<moment>`` (mu* of that moment / its sd).
    """
    m = cfg.spec.method
    pb = result.problem
    problem = {"num_vars": len(pb.free), "names": pb.names,
               "bounds": [[lo, hi] for lo, hi in zip(pb.lower, pb.upper)]}
    x = morris_sample.sample(problem, N=m.morris_trajectories, num_levels=m.morris_levels,
                             seed=m.sensitivity_seed)
    spec = replace(result.spec, persons_per_agent=m.global_persons_per_agent)
    reps = m.global_replications
    ev.stage("sensitivity (Morris, coarse scale)", total=len(x) * reps)
    raw = ev.moments(spec, [row[pb.sim_index] for row in x], reps).mean(axis=1)
    shares = x[:, pb.share_index] if pb.share_index is not None else [None] * len(x)
    y_obj = np.array([pb.objective(row[pb.sim_index], r, share=s, concentrate=False)
                      for row, r, s in zip(x, raw, shares)])
    scaled = np.array([pb.scale(r, s) for r, s in zip(raw, shares)])
    res = morris_analyze.analyze(problem, x, y_obj, num_levels=m.morris_levels,
                                 seed=m.sensitivity_seed)
    table = pd.DataFrame({"objective_mu_star": res["mu_star"], "objective_sigma": res["sigma"],
                          "objective_mu_star_conf": res["mu_star_conf"]}, index=pb.names)
    for k in np.flatnonzero(pb.fit):
        y = scaled[:, k] / pb.sd[k]
        if not np.all(np.isfinite(y)):
            continue
        r = morris_analyze.analyze(problem, x, y, num_levels=m.morris_levels,
                                   seed=m.sensitivity_seed)
        table[pb.moments[k].name] = r["mu_star"]
    table.index.name = "parameter"
    return table


def fixed_check(result: FitResult, ev: Evaluator, reps: int) -> pd.DataFrame | None:
    """Moments at the estimate with the parameters held fixed while fitting put back.

    Returns None when nothing was held fixed; otherwise per moment the fitted value, the value
    with the base set's values restored, the difference and its standard error.
    """
    spec = result.spec
    if not spec.fixed:
        return None
    pb = result.problem
    x = result.estimate[pb.sim_index]
    share = result.estimate[pb.share_index] if pb.share_index is not None else None
    ev.stage("check: fixed parameters restored", total=2 * reps)
    mean_on, cov_on = simulated_covariance(pb, ev, spec, reps, x, share)
    mean_off, cov_off = simulated_covariance(pb, ev, replace(spec, fixed=()), reps, x, share)
    se = np.sqrt((np.diag(cov_on) + np.diag(cov_off)) / reps)
    return pd.DataFrame({
        "moment": [mm.name for mm in pb.moments], "fitted_setting": mean_on,
        "base_setting": mean_off, "difference": mean_off - mean_on, "se": se,
        "target_sd": pb.sd,
    })
