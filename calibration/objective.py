"""The SMM objective: weighted distance between target and simulated moments, plus priors.

For free parameters theta, simulated moments m(theta) (the mean over R replications with
common random numbers) and targets d with documented standard deviations sd, the objective is

    J(theta) = sum_k ((m_k(theta) - d_k) / sd_k)^2 + sum_j ((theta_j - mu_j) / tau_j)^2,

a diagonal weighting matrix W = diag(1/sd^2) over the fitted targets. The second sum holds
the literature priors (normal, mean mu and sd tau) of the parameters that have one; it enters
as pseudo-moments, rows of the same residual vector, so that standard errors and diagnostics
treat prior and data information alike. Parameters with flat priors have no row.

The new-jobs recording share s scales every new-jobs level moment and nothing else (the
indicator is ``s x (newly employed - natural attrition)``), so it is concentrated out: for
each theta the optimal share is the weighted least-squares ratio

    s*(theta) = sum_k a_k d_k / sd_k^2 / sum_k a_k^2 / sd_k^2,   a_k = m_k(theta; s = 1),

clipped to its bounds; the search runs over the other parameters only.

The proxy gap g (Hunan's surveyed rate minus China's, pp; ``[proxy_gap]``) enters the
surveyed-rate level moments, which compare the model's Hunan rate minus g with China's
record. It is concentrated out too: with its normal prior N(mu_g, tau_g),

    g*(theta) = (sum_k w_k (m_k - d_k) + mu_g / tau_g^2) / (sum_k w_k + 1 / tau_g^2),

clipped to its bounds, and its prior is one more pseudo-moment row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from jobsim.calibration.config import RECORDING_SHARE, LoadedConfig, ParameterSpec, ProxyGap
from jobsim.calibration.targets import Moment

__all__ = ["Problem"]


@dataclass
class Problem:
    """Targets, free parameters and weights of one calibration."""

    moments: list[Moment]
    free: list[ParameterSpec]
    use_priors: bool = True
    data: np.ndarray = field(default=None)  # type: ignore[assignment]
    gap_spec: ProxyGap | None = None

    def __post_init__(self) -> None:
        if self.data is None:
            self.data = np.array([m.value for m in self.moments], dtype=float)
        self.data = np.asarray(self.data, dtype=float)
        self.sd = np.array([m.sd for m in self.moments], dtype=float)
        self.fit = np.array([m.fit for m in self.moments], dtype=bool)
        self.level = np.array([m.level for m in self.moments], dtype=bool)
        self.gapped = np.array([m.gap for m in self.moments], dtype=bool) & (
            self.gap_spec is not None)
        self.names = [p.name for p in self.free]
        self.lower = np.array([p.lower for p in self.free], dtype=float)
        self.upper = np.array([p.upper for p in self.free], dtype=float)
        share = [i for i, p in enumerate(self.free) if p.path == RECORDING_SHARE]
        self.share_index = share[0] if share else None
        self.sim_index = [i for i in range(len(self.free)) if i != self.share_index]
        self.priors = [(j, p.prior_mean, p.prior_sd) for j, p in enumerate(self.free)
                       if self.use_priors and p.prior == "normal"]

    @classmethod
    def from_config(cls, cfg: LoadedConfig, moments: list[Moment],
                    data: np.ndarray | None = None, use_priors: bool | None = None) -> Problem:
        """Build the problem of a configuration (``data`` replaces the targets' values)."""
        priors = cfg.spec.method.use_priors if use_priors is None else use_priors
        return cls(moments=moments, free=list(cfg.free), use_priors=priors, data=data,
                   gap_spec=cfg.spec.proxy_gap)

    # -- parameter vectors -------------------------------------------------------------
    @property
    def sim_lower(self) -> np.ndarray:
        """Lower bounds of the simulated (not concentrated) parameters."""
        return self.lower[self.sim_index]

    @property
    def sim_upper(self) -> np.ndarray:
        """Upper bounds of the simulated parameters."""
        return self.upper[self.sim_index]

    def full(self, theta_sim: np.ndarray, share: float | None) -> np.ndarray:
        """All free parameters from the simulated ones and the share."""
        out = np.empty(len(self.free))
        out[self.sim_index] = theta_sim
        if self.share_index is not None:
            out[self.share_index] = share
        return out

    def start(self, base: dict[str, float]) -> np.ndarray:
        """Return the base values of the simulated parameters, clipped into the bounds."""
        x = np.array([base[self.free[i].name] for i in self.sim_index], dtype=float)
        return np.clip(x, self.sim_lower, self.sim_upper)

    # -- moments and residuals ---------------------------------------------------------
    def best_share(self, raw: np.ndarray) -> float | None:
        """Return the recording share minimising the objective (None if it is not free)."""
        if self.share_index is None:
            return None
        j = self.share_index
        use = self.fit & self.level
        a, d, w = raw[use], self.data[use], 1.0 / self.sd[use] ** 2
        denom = float(np.sum(w * a * a))
        if denom <= 0 or not np.isfinite(denom):
            return float(self.lower[j])
        return float(np.clip(np.sum(w * a * d) / denom, self.lower[j], self.upper[j]))

    def best_gap(self, scaled: np.ndarray) -> float | None:
        """Return the proxy gap minimising the objective given scaled moments (None if unused)."""
        g = self.gap_spec
        if g is None:
            return None
        use = self.fit & self.gapped
        w = 1.0 / self.sd[use] ** 2
        num = float(np.sum(w * (scaled[use] - self.data[use]))) + g.prior_mean / g.prior_sd ** 2
        den = float(np.sum(w)) + 1.0 / g.prior_sd ** 2
        value = num / den
        return float(np.clip(value, g.lower, g.upper)) if np.isfinite(value) else g.prior_mean

    def scale(self, raw: np.ndarray, share: float | None, gap: float | None = None
              ) -> np.ndarray:
        """Apply the recording share to level moments and take the gap off rate levels."""
        out = np.array(raw, dtype=float, copy=True)
        if share is not None:
            out[..., self.level] *= share
        if gap is not None:
            out[..., self.gapped] -= gap
        return out

    def adjusted(self, raw: np.ndarray, share: float | None = None, concentrate: bool = True
                 ) -> tuple[np.ndarray, float | None, float | None]:
        """Moments comparable with the targets, the share and the gap used."""
        if concentrate:
            share = self.best_share(raw)
        scaled = self.scale(raw, share)
        gap = self.best_gap(scaled)
        if gap is not None:
            scaled[..., self.gapped] -= gap
        return scaled, share, gap

    def residuals(self, theta_sim: np.ndarray, raw: np.ndarray, share: float | None = None,
                  concentrate: bool = True) -> tuple[np.ndarray, float | None]:
        """Weighted residuals (fitted moments, prior rows, the gap's prior row), the share."""
        m, share, gap = self.adjusted(raw, share, concentrate)
        r = (m[self.fit] - self.data[self.fit]) / self.sd[self.fit]
        theta = self.full(np.asarray(theta_sim, dtype=float), share)
        prior = [(theta[j] - mu) / tau for j, mu, tau in self.priors]
        if gap is not None:
            prior.append((gap - self.gap_spec.prior_mean) / self.gap_spec.prior_sd)
        return np.concatenate([r, np.asarray(prior, dtype=float)]), share

    def objective(self, theta_sim: np.ndarray, raw: np.ndarray, share: float | None = None,
                  concentrate: bool = True) -> float:
        """J(theta) = squared norm of the weighted residuals (inf if a moment is undefined)."""
        r, _ = self.residuals(theta_sim, raw, share, concentrate)
        value = float(r @ r)
        return value if np.isfinite(value) else float("inf")

    @property
    def n_rows(self) -> int:
        """Rows of the residual vector: fitted moments, prior rows and the gap's prior row."""
        return int(self.fit.sum()) + len(self.priors) + (self.gap_spec is not None)
