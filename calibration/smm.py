"""Method of simulated moments: a global stage, a local stage, and sandwich standard errors.

1. **Global stage** — ``scipy.optimize.differential_evolution`` over the simulated parameters
   (the recording share is concentrated out, see :mod:`jobsim.calibration.objective`), on the same
   model at a coarser scale (``method.global_persons_per_agent``) with fewer replications. Each
   generation is one parallel batch. The coarse model is the ABM itself with fewer agents, not an
   emulator; ``tests/calibration`` holds its moments to the default scale's. The best
   ``method.global_candidates`` points are re-evaluated at the default scale and the best of
   them starts the local stage.
2. **Local stage** — ``scipy.optimize.least_squares`` (trust-region reflective, bounded) on
   the weighted residuals at the default scale, from the global optimum. The Jacobian is a
   forward difference with a step of ``method.diff_step`` times each parameter's range, its
   columns one parallel batch. The model's draws are counter-based (a hash of seed, replicate,
   purpose, month and agent), so common random numbers hold agent by agent and the simulated
   moments move smoothly with the parameters.
3. **Inference** — with the weighted Jacobian G (central differences at the estimate, one
   column per free parameter; the recording share's column is analytic) and the covariance
   Omega of the weighted residuals,

       V = (G'G)^-1 G' Omega G (G'G)^-1,   Omega = Omega_data + Sigma_sim / R,

   where Omega_data is the identity for documented target standard deviations (the weights are
   their inverse variances) or the simulated covariance of one realisation in a recovery
   experiment, and Sigma_sim is the covariance of the moments over ``se_replications``
   replications at the estimate (Gourieroux & Monfort 1996, *Simulation-Based Econometric
   Methods*, ch. 2; McFadden 1989, Econometrica 57(5), doi:10.2307/1913621).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
from jobsim.calibration.config import LoadedConfig
from jobsim.calibration.evaluator import Evaluator
from jobsim.calibration.objective import Problem
from jobsim.calibration.simulate import SimSpec, make_spec
from jobsim.calibration.targets import Moment, build_targets
from scipy.optimize import differential_evolution, least_squares

__all__ = ["FitResult", "fit", "base_values", "jacobian", "simulated_covariance"]


@dataclass
class FitResult:
    """Estimates, their covariance, and what the diagnostics need."""

    problem: Problem
    spec: SimSpec
    replications: int
    estimate: np.ndarray  # all free parameters
    objective: float
    cov: np.ndarray
    jac: np.ndarray  # d moments / d parameters (all moments, unweighted)
    moments_sim: np.ndarray  # simulated moments at the estimate (mean over R, share applied)
    sigma_sim: np.ndarray  # covariance of one replication's moments at the estimate
    residual_se: np.ndarray  # standard error of (simulated - target) per moment
    gap: float | None = None  # proxy gap (Hunan minus China, pp), concentrated out
    gap_se: float | None = None
    global_best: dict = field(default_factory=dict)
    local: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def se(self) -> np.ndarray:
        """Standard errors of the free parameters."""
        return np.sqrt(np.clip(np.diag(self.cov), 0, None))

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """Normal-approximation confidence intervals, clipped to the bounds: (P, 2)."""
        from scipy.stats import norm

        z = norm.ppf(1 - alpha / 2)
        lo = np.maximum(self.estimate - z * self.se, self.problem.lower)
        hi = np.minimum(self.estimate + z * self.se, self.problem.upper)
        return np.column_stack([lo, hi])

    @property
    def dof(self) -> int:
        """Residual rows minus free parameters (and the proxy gap)."""
        return self.problem.n_rows - len(self.problem.free) - (self.gap is not None)


def base_values(cfg: LoadedConfig) -> dict[str, float]:
    """Base-set value of each free parameter (list elements by index)."""
    out = {}
    for p in cfg.free:
        v = cfg.base[p.path]
        out[p.name] = float(v[p.index] if p.index is not None else v)
    return out


def _mean(ev: Evaluator, spec: SimSpec, points: list[np.ndarray], reps: int) -> np.ndarray:
    return ev.moments(spec, points, reps).mean(axis=1)


def _global_stage(problem: Problem, ev: Evaluator, spec: SimSpec, reps: int, x0: np.ndarray,
                  cfg: LoadedConfig, spec_full: SimSpec, reps_full: int
                  ) -> tuple[np.ndarray, dict]:
    m = cfg.spec.method
    lo, hi = problem.sim_lower, problem.sim_upper
    history: list[tuple[float, tuple[float, ...]]] = []

    def to_x(u: np.ndarray) -> np.ndarray:
        return lo + np.asarray(u) * (hi - lo)

    def obj(u: np.ndarray) -> float:
        x = to_x(u)
        value = problem.objective(x, _mean(ev, spec, [x], reps)[0])
        history.append((value, tuple(map(float, x))))
        ev.note(best=f"{min(h[0] for h in history):.4g}")
        return value

    def batch_map(func, xs):  # one DE generation = one parallel batch
        xs = [np.asarray(x) for x in xs]
        ev.moments(spec, [to_x(u) for u in xs], reps)
        return [func(u) for u in xs]

    d = len(problem.sim_index)
    ev.stage("global (differential evolution, coarse scale)",
             total=m.global_popsize * d * (m.global_maxiter + 1) * reps
             + m.global_candidates * reps_full)
    res = differential_evolution(
        obj, bounds=[(0.0, 1.0)] * d, popsize=m.global_popsize, maxiter=m.global_maxiter,
        seed=m.global_seed, workers=batch_map, updating="deferred", polish=False,
        init="latinhypercube", x0=(x0 - lo) / (hi - lo), tol=0.0, atol=0.0)
    # The coarse objective is noisy and its minimum biased low (the best of many noisy
    # values): the best few candidates are re-evaluated at the default scale.
    by_point: dict[tuple[float, ...], float] = {}
    for value, x in history:
        by_point[x] = min(value, by_point.get(x, float("inf")))
    ranked = sorted(by_point.items(), key=lambda item: item[1])[: m.global_candidates]
    points = [np.array(x) for x, _ in ranked]
    full = [problem.objective(x, r) for x, r in zip(points, _mean(ev, spec_full, points,
                                                                      reps_full))]
    best = int(np.argmin(full))
    info = {"objective_coarse": float(res.fun), "x_coarse": to_x(res.x).tolist(),
            "nfev": int(res.nfev), "generations": int(res.nit),
            "persons_per_agent": spec.persons_per_agent, "replications": reps,
            "candidates": [{"x": list(p), "objective_coarse": v, "objective": f}
                           for (p, v), f in zip(ranked, full)],
            "start": points[best].tolist(), "start_objective": full[best]}
    return points[best], info


def _design(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, rel_step: float
            ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Build the central-difference design [x, x + h e_j ..., x - h e_j ...] around ``x``.

    One-sided at a bound.
    """
    d = x.size
    plus = np.minimum(x + rel_step * (hi - lo), hi)
    minus = np.maximum(x - rel_step * (hi - lo), lo)
    points = [x] + [np.where(np.eye(d)[j] > 0, plus, x) for j in range(d)] + [
        np.where(np.eye(d)[j] > 0, minus, x) for j in range(d)]
    return points, plus, minus


def _local_stage(problem: Problem, ev: Evaluator, spec: SimSpec, reps: int, x0: np.ndarray,
                 cfg: LoadedConfig, max_nfev: int | None = None) -> tuple[np.ndarray, dict]:
    """Run ``scipy.optimize.least_squares`` (trust-region reflective) on the residuals.

    The Jacobian's forward differences are one parallel batch.
    """
    m = cfg.spec.method
    lo, hi = problem.sim_lower, problem.sim_upper
    step = m.diff_step * (hi - lo)
    seen: list[tuple[float, list[float]]] = []

    def fun(x: np.ndarray) -> np.ndarray:
        r, _ = problem.residuals(x, _mean(ev, spec, [x], reps)[0])
        seen.append((float(r @ r), list(map(float, x))))
        ev.note(objective=f"{min(v for v, _ in seen):.4g}")
        return r

    def jac(x: np.ndarray, *_: object) -> np.ndarray:
        h = np.where(x + step <= hi, step, -step)
        points = [x] + [x + h * np.eye(x.size)[j] for j in range(x.size)]
        raw = _mean(ev, spec, points, reps)
        r0 = problem.residuals(points[0], raw[0])[0]
        return np.column_stack([(problem.residuals(points[j + 1], raw[j + 1])[0] - r0) / h[j]
                                for j in range(x.size)])

    ev.stage("local (least squares, default scale)",
             total=m.local_max_iterations * (x0.size + 1) * reps)
    res = least_squares(fun, np.clip(x0, lo, hi), jac=jac, bounds=(lo, hi), x_scale=hi - lo,
                        method="trf", max_nfev=max_nfev or m.local_max_iterations, ftol=1e-3,
                        xtol=1e-3, gtol=1e-6)
    value, best = min(seen, key=lambda s: s[0])  # the last accepted point, or better
    return np.asarray(best), {
        "objective": value, "x": best, "nfev": int(res.nfev), "njev": int(res.njev or 0),
        "status": int(res.status), "message": res.message,
        "path": [v for v, _ in seen], "persons_per_agent": spec.persons_per_agent,
        "replications": reps}


def jacobian(problem: Problem, ev: Evaluator, spec: SimSpec, reps: int, x: np.ndarray,
             share: float | None, rel_step: float) -> np.ndarray:
    """Differentiate the moments by the free parameters at ``(x, share)``: shape (K, P).

    Central differences (one-sided at a bound) for the simulated parameters, analytic for the
    recording share.
    """
    points, plus, minus = _design(x, problem.sim_lower, problem.sim_upper, rel_step)
    d = x.size
    raw = _mean(ev, spec, points, reps)
    scaled = problem.scale(raw, share)
    jac = np.zeros((raw.shape[1], len(problem.free)))
    for j, col in enumerate(problem.sim_index):
        jac[:, col] = (scaled[1 + j] - scaled[1 + d + j]) / (plus[j] - minus[j])
    if problem.share_index is not None:
        jac[:, problem.share_index] = np.where(problem.level, raw[0], 0.0)
    return jac


def simulated_covariance(problem: Problem, ev: Evaluator, spec: SimSpec, reps: int,
                         x: np.ndarray, share: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of one replication's moments at ``(x, share)`` over ``reps``."""
    draws = problem.scale(ev.moments(spec, [x], reps)[0], share)
    ok = np.isfinite(draws).all(axis=0)
    cov = np.full((draws.shape[1],) * 2, np.nan)
    cov[np.ix_(ok, ok)] = np.atleast_2d(np.cov(draws[:, ok], rowvar=False))
    return draws.mean(axis=0), cov


def _sandwich(problem: Problem, jac: np.ndarray, sigma_sim: np.ndarray, reps: int,
              data_cov: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Parameter covariance and the standard error of each moment's residual.

    With a proxy gap the covariance has one more row and column (the gap, last).
    """
    fit, sd = problem.fit, problem.sd
    k_fit = np.flatnonzero(fit)
    gap = problem.gap_spec is not None
    p = len(problem.free) + gap
    jac = np.column_stack([jac, -problem.gapped.astype(float)]) if gap else jac
    rows_g = [jac[k] / sd[k] for k in k_fit]
    for j, _, tau in problem.priors:
        rows_g.append(np.eye(p)[j] / tau)
    if gap:
        rows_g.append(np.eye(p)[-1] / problem.gap_spec.prior_sd)
    g = np.array(rows_g)
    n = g.shape[0]
    omega = np.zeros((n, n))
    dinv = np.diag(1.0 / sd[k_fit])
    s_fit = np.nan_to_num(sigma_sim[np.ix_(k_fit, k_fit)])
    data_part = np.eye(k_fit.size) if data_cov is None else dinv @ np.nan_to_num(
        data_cov[np.ix_(k_fit, k_fit)]) @ dinv
    omega[: k_fit.size, : k_fit.size] = data_part + dinv @ s_fit @ dinv / reps
    omega[k_fit.size:, k_fit.size:] = np.eye(n - k_fit.size)
    bread = np.linalg.pinv(g.T @ g)
    cov = bread @ g.T @ omega @ g @ bread
    # Residual (simulated - target) of fitted rows: M Omega M', M = I - G bread G'.
    proj = np.eye(n) - g @ bread @ g.T
    var_rows = np.diag(proj @ omega @ proj.T)
    se = np.full(len(problem.moments), np.nan)
    se[k_fit] = sd[k_fit] * np.sqrt(np.clip(var_rows[: k_fit.size], 0, None))
    for k in np.flatnonzero(~fit):
        data_var = sd[k] ** 2 if data_cov is None else data_cov[k, k]
        var = data_var + sigma_sim[k, k] / reps + jac[k] @ cov @ jac[k]
        se[k] = np.sqrt(var) if np.isfinite(var) else np.nan
    return cov, se


def fit(cfg: LoadedConfig, ev: Evaluator, *, moments: list[Moment] | None = None,
        data: np.ndarray | None = None, data_cov: np.ndarray | None = None,
        use_priors: bool | None = None, seed: int | None = None,
        start: np.ndarray | None = None, global_stage: bool | None = None,
        persons_per_agent: float | None = None, replications: int | None = None,
        local_max_iterations: int | None = None, se_replications: int | None = None,
        demand: tuple[float, ...] | None = None) -> FitResult:
    """Fit the configuration's free parameters to its targets (or to ``data``).

    Parameters
    ----------
    cfg : LoadedConfig
        The calibration configuration.
    ev : Evaluator
        Parallel, checkpointed evaluator.
    moments : list of Moment, optional
        Targets (default: built from the data).
    data : ndarray, optional
        Target values replacing the data (a recovery experiment).
    data_cov : ndarray, optional
        Covariance of the target values (default: diagonal of the documented sd).
    use_priors : bool, optional
        Override ``method.use_priors``.
    seed : int, optional
        Simulation seed (default ``simulation.seed``).
    start : ndarray, optional
        Starting point of the simulated parameters (a warm start; default the base values).
    global_stage, persons_per_agent, replications, local_max_iterations, se_replications
        Override the configuration's settings (cheaper refits in validation).
    demand : tuple of float, optional
        Demand path of the run replacing the configured one (validation's strict oos fit).
    """
    m, sim = cfg.spec.method, cfg.spec.simulation
    moments = moments if moments is not None else build_targets(cfg)
    problem = Problem.from_config(cfg, moments, data=data, use_priors=use_priors)
    spec = make_spec(cfg, moments, persons_per_agent or sim.persons_per_agent, seed,
                     demand=demand)
    reps = replications or sim.replications
    se_reps = se_replications or m.se_replications
    timings: dict[str, float] = {}
    x = problem.start(base_values(cfg)) if start is None else np.clip(
        np.asarray(start, dtype=float), problem.sim_lower, problem.sim_upper)
    global_info: dict = {}
    t0 = time.perf_counter()
    run_global = m.global_stage if global_stage is None else global_stage
    if run_global and m.global_maxiter > 0:
        spec_g = replace(spec, persons_per_agent=m.global_persons_per_agent)
        x, global_info = _global_stage(problem, ev, spec_g, m.global_replications, x, cfg,
                                       spec, reps)
    timings["global_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    x, local_info = _local_stage(problem, ev, spec, reps, x, cfg, local_max_iterations)
    timings["local_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ev.stage("standard errors (Jacobian, replications)",
             total=(2 * x.size + 1) * reps + se_reps)
    raw_hat = _mean(ev, spec, [x], reps)[0]
    share = problem.best_share(raw_hat)
    objective = problem.objective(x, raw_hat)
    jac = jacobian(problem, ev, spec, reps, x, share, m.diff_step)
    _, sigma_sim = simulated_covariance(problem, ev, spec, max(se_reps, reps), x,
                                        share)
    cov_all, res_se = _sandwich(problem, jac, sigma_sim, reps, data_cov)
    p = len(problem.free)
    moments_sim, _, gap = problem.adjusted(raw_hat, share, concentrate=False)
    timings["inference_s"] = time.perf_counter() - t0
    return FitResult(problem=problem, spec=spec, replications=reps,
                     estimate=problem.full(x, share), objective=objective, cov=cov_all[:p, :p],
                     jac=jac, moments_sim=moments_sim, sigma_sim=sigma_sim,
                     residual_se=res_se, gap=gap,
                     gap_se=float(np.sqrt(max(cov_all[p, p], 0))) if gap is not None else None,
                     global_best=global_info, local=local_info, timings=timings)
