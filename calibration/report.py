"""The calibration report: fit table, parameters, identification, sensitivity, plots.

Written to ``<name>_report/`` beside the fitted file: ``report.md``, ``fit_table.csv``,
``parameters.csv``, ``profiles.csv``, ``morris.csv``, ``fixed_check.csv`` and the figures
``fit.png``, ``profiles.png``, ``morris.png``, ``paths.png``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from jobsim.calibration.fitted import atomic_write  # noqa: E402
from jobsim.calibration.smm import FitResult  # noqa: E402

__all__ = ["fit_table", "parameter_table", "write_report", "markdown_table"]


def _fmt(x: float, unit: str = "") -> str:
    if x is None or not np.isfinite(x):
        return "—"
    if unit.startswith("persons") or abs(x) >= 1e5:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def fit_table(result: FitResult) -> pd.DataFrame:
    """Moment, target, simulated, standard error of the difference, t-statistic."""
    pb = result.problem
    se = result.residual_se
    diff = result.moments_sim - pb.data
    t = np.where(se > 0, diff / np.where(se > 0, se, 1), np.nan)
    return pd.DataFrame({
        "moment": [m.name for m in pb.moments], "target": pb.data,
        "simulated": result.moments_sim, "se": se, "t": t,
        "fitted": pb.fit, "sd_weight": pb.sd, "unit": [m.unit for m in pb.moments],
        "source": [m.source for m in pb.moments],
    })


def parameter_table(result: FitResult, base: dict[str, float], weak: dict[str, str]
                    ) -> pd.DataFrame:
    """Estimate, standard error, interval, bounds, prior and base value per free parameter."""
    pb = result.problem
    ci = result.conf_int()
    prior = {p.name: (f"N({p.prior_mean:g}, {p.prior_sd:g})" if p.prior == "normal" and
                      pb.use_priors else "flat") for p in pb.free}
    return pd.DataFrame({
        "parameter": pb.names, "base": [base[n] for n in pb.names],
        "estimate": result.estimate, "se": result.se, "ci_low": ci[:, 0], "ci_high": ci[:, 1],
        "lower": pb.lower, "upper": pb.upper, "prior": [prior[n] for n in pb.names],
        "weakly_identified": [weak.get(n, "") for n in pb.names],
    })


_UNIT_COLUMNS = {"target", "simulated", "se", "fitted_setting", "base_setting", "difference",
                 "target_sd"}


def markdown_table(df: pd.DataFrame, units: list[str] | None = None) -> str:
    """Format a pipe table (``units`` per row, applied to the value columns)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for i, row in enumerate(df.itertuples(index=False)):
        cells = []
        for c, v in zip(cols, row):
            if isinstance(v, (float, np.floating)):
                unit = units[i] if units and c in _UNIT_COLUMNS else ""
                cells.append(_fmt(float(v), unit))
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _plot_fit(ft: pd.DataFrame, path: Path) -> None:
    ok = np.isfinite(ft["t"])
    fig, ax = plt.subplots(figsize=(8, 0.32 * ok.sum() + 1.2))
    sub = ft[ok]
    colors = ["tab:blue" if f else "tab:gray" for f in sub["fitted"]]
    ax.barh(sub["moment"], sub["t"], color=colors)
    for x in (-2, 2):
        ax.axvline(x, color="tab:red", lw=0.8, ls="--")
    ax.axvline(0, color="black", lw=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("t = (simulated - target) / se   (blue: fitted, grey: reported only)")
    ax.set_title("Fit to Hunan's record")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_profiles(prof: pd.DataFrame, estimate: dict[str, float], path: Path) -> None:
    names = list(dict.fromkeys(prof["parameter"]))
    cols = 3
    rows = int(np.ceil(len(names) / cols)) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        sub = prof[prof["parameter"] == name]
        ax.plot(sub["value"], sub["objective"], "o-", ms=3)
        ax.axvline(estimate[name], color="tab:red", lw=0.8)
        ax.set_title(name, fontsize=8)
        ax.set_yscale("log")
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle("Objective slices through the estimate (others fixed)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_morris(mt: pd.DataFrame, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.scatter(mt["objective_mu_star"], mt["objective_sigma"])
    for name, row in mt.iterrows():
        ax.annotate(name, (row["objective_mu_star"], row["objective_sigma"]), fontsize=7)
    ax.set_xlabel("mu* (objective)")
    ax.set_ylabel("sigma (objective)")
    ax.set_title("Morris elementary effects on the objective")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_paths(monthly: pd.DataFrame, observed: pd.Series,
                profile_pts: dict[tuple[int, int], float], annual: dict[tuple, float],
                path: Path) -> None:
    """Plot the continuous run at the estimate against the record."""
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(15, 4))
    when = pd.PeriodIndex(monthly["month"], freq="M").to_timestamp()
    gap = float(monthly["gap"].iloc[0]) if "gap" in monthly else 0.0
    a.plot(when, monthly["surveyed_unemployment_rate"] - gap, "-",
           label=f"simulated Hunan rate minus gap ({gap:+.2f} pp)")
    a.plot(observed.index.to_timestamp(), observed.to_numpy(), "s", ms=3,
           label="China, surveyed (S/D)")
    a.set_ylabel("surveyed urban unemployment rate, %")
    a.legend(fontsize=7)
    years = monthly["month"].str[:4].astype(int)
    sim = monthly.groupby(years)["new_urban_jobs"].sum()
    b.plot(sim.index, sim.to_numpy() / 1e4, "o-", label="simulated")
    for ys, v in annual.items():
        b.plot([np.mean(ys)], [v / 1e4 / len(ys)], "s", color="tab:red")
    b.set_ylabel("new urban jobs, wan (red: record)")
    b.legend(fontsize=7)
    for y in sorted({y for y, _ in profile_pts}):
        sub = monthly[years == y]
        if len(sub) < 12:
            continue
        cum = sub["new_urban_jobs"].cumsum().to_numpy()
        line, = c.plot(np.arange(1, 13), 100 * cum / cum[-1], "-", lw=1, label=str(y))
        pts = [(m, v) for (yy, m), v in profile_pts.items() if yy == y]
        c.plot([m for m, _ in pts], [v for _, v in pts], "s", color=line.get_color())
    c.set_xlabel("month")
    c.set_ylabel("cumulative new urban jobs, % of year (squares: record)")
    c.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(folder: Path, *, result: FitResult, meta: dict, ft: pd.DataFrame,
                 pt: pd.DataFrame, prof: pd.DataFrame, ident: dict, mt: pd.DataFrame | None,
                 check: pd.DataFrame | None, monthly: pd.DataFrame | None,
                 observed: pd.Series | None, profile_pts: dict[tuple[int, int], float],
                 annual: dict[tuple, float] | None = None) -> Path:
    """Write the report folder; returns the path of ``report.md``."""
    folder.mkdir(parents=True, exist_ok=True)
    ft.to_csv(folder / "fit_table.csv", index=False)
    pt.to_csv(folder / "parameters.csv", index=False)
    prof.to_csv(folder / "profiles.csv", index=False)
    _plot_fit(ft, folder / "fit.png")
    _plot_profiles(prof, dict(zip(pt["parameter"], pt["estimate"])), folder / "profiles.png")
    if mt is not None:
        mt.to_csv(folder / "morris.csv")
        _plot_morris(mt, folder / "morris.png")
    if check is not None:
        check.to_csv(folder / "fixed_check.csv", index=False)
    if monthly is not None and observed is not None:
        _plot_paths(monthly, observed, profile_pts, annual or {}, folder / "paths.png")

    units = list(ft["unit"])
    show = ft[["moment", "target", "simulated", "se", "t", "fitted", "unit"]].copy()
    show["t"] = show["t"].round(2)
    lines = [
        f"# Calibration report: {meta['name']}", "",
        f"{meta['description']}", "",
        f"- Date: {meta['date']}; jobsim {meta['version']['package']}, git commit "
        f"{meta['version']['git_commit']}, model source sha1 {meta['version']['model_sha1']}",
        f"- Configuration: `{meta['config']['path']}` (sha1 {meta['config']['sha1']})",
        f"- Scale: {meta['simulation']['persons_per_agent']:g} persons per agent, "
        f"{meta['simulation']['replications']} replications per point, seed "
        f"{meta['simulation']['seed']} (common random numbers: replication r uses "
        "replicate=r under this seed at every parameter point)",
        f"- Objective J = {meta['objective']:.4g} over {meta['rows']} rows "
        f"({meta['n_fitted_moments']} fitted moments + {meta['n_prior_rows']} prior rows), "
        f"{meta['n_parameters']} parameters, {meta['dof']} degrees of freedom; "
        f"indicative p = {meta['p_value']:.3g} (chi-square; the weighting is not the "
        "optimal one, so read it as a scale, not a test)",
        f"- Wall time {meta['wall_seconds']:.0f} s on {meta['workers']} worker processes "
        f"({meta['tasks']['computed']} simulations run, {meta['tasks']['reused']} from the "
        "checkpoint cache)",
        "",
        "## Parameters", "",
        markdown_table(pt), "",
        *([] if not meta.get("proxy_gap") else [
            f"Proxy gap (Hunan's surveyed rate minus China's, concentrated out): "
            f"{meta['proxy_gap']['estimate']:.3g} pp (se {meta['proxy_gap']['se']:.2g}); "
            f"bounds [{meta['proxy_gap']['lower']:g}, {meta['proxy_gap']['upper']:g}], prior "
            f"N({meta['proxy_gap']['prior_mean']:g}, {meta['proxy_gap']['prior_sd']:g}): "
            f"{meta['proxy_gap']['source']}", ""]),
        "## Fit", "",
        "`se` is the standard error of (simulated − target): for fitted moments from the "
        "sandwich formula's residual covariance, for reported-only moments the target's sd, "
        "simulation noise and parameter uncertainty combined. `t` = (simulated − target) / se.",
        "", markdown_table(show, units), "", "![fit](fit.png)", "",
        "## Identification", "",
        "Singular values of the weighted Jacobian (columns scaled to each parameter's range): "
        + ", ".join(f"{s:.3g}" for s in ident["singular_values"])
        + f"; condition number {ident['condition_number']:.3g}.", "",
        "Weakly identified: " + ("; ".join(f"**{k}** ({v})" for k, v in
                                           meta["weakly_identified"].items()) or "none") + ".",
        "", "Correlation of the estimates:", "",
        markdown_table(ident["correlation"].reset_index(names="parameter")), "",
        "Sensitivity of each estimate to the targets (Andrews, Gentzkow & Shapiro 2017): the "
        "three moments that move it most, per +1 sd of the target:", "",
    ]
    sens = ident["sensitivity"]
    for name, row in sens.iterrows():
        top = row.abs().sort_values(ascending=False).index[:3]
        lines.append(f"- {name}: " + ", ".join(f"{m} ({row[m]:+.3g})" for m in top))
    lines += ["", "![profiles](profiles.png)", ""]
    if mt is not None:
        shown = mt.T.drop_duplicates().T  # identical moments (same simulated year) once
        lines += ["## Sensitivity (Morris)", "",
                  f"{meta['method']['morris_trajectories']} trajectories, "
                  f"{meta['method']['morris_levels']} levels, at "
                  f"{meta['method']['global_persons_per_agent']:g} persons per agent. "
                  "Columns after the objective: mu* of each fitted moment in units of its sd "
                  "(moments read off the same simulated year are shown once).",
                  "", markdown_table(shown.reset_index()), "", "![morris](morris.png)", ""]
    if check is not None:
        lines += ["## Parameters held fixed while fitting", "",
                  f"Fixed: {meta['simulation']['fixed']}. {meta['simulation']['fixed_note']}.",
                  "Moments at the estimate with the base values restored "
                  f"({meta['method']['se_replications']} replications each):", "",
                  markdown_table(check, list(ft["unit"])), ""]
    g, loc = meta["stages"]["global"], meta["stages"]["local"]
    lines += ["## Paths at the estimate", "", "![paths](paths.png)", "",
              "## Stages and timings", ""]
    if g:
        cands = "; ".join(f"{c['objective_coarse']:.4g} -> {c['objective']:.4g}"
                          for c in g["candidates"])
        lines.append(f"- Global: differential evolution, {g['nfev']} points over "
                     f"{g['generations']} generations at {g['persons_per_agent']:g} persons per "
                     f"agent and {g['replications']} replications; best coarse objective "
                     f"{g['objective_coarse']:.4g}. Candidates re-evaluated at the default scale "
                     f"(coarse -> default): {cands}; start {g['start_objective']:.4g}.")
    lines += [f"- Local: least squares, {loc['nfev']} evaluations and {loc['njev']} Jacobians "
              f"({loc['message']}); objective path "
              + ", ".join(f"{v:.4g}" for v in loc["path"]) + ".",
              "- Timings (s): " + ", ".join(f"{k.removesuffix('_s')} {v:g}"
                                            for k, v in meta["timings"].items())
              + f"; wall {meta['wall_seconds']:.0f}.", ""]
    path = folder / "report.md"
    atomic_write(path, "\n".join(lines))
    return path
