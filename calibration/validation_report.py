"""The validation's outputs: ``backcast.csv``, ``coverage.csv``, ``bars.json``, figures, the page.

The page (``validation.md``, and ``docs/validation.md`` when asked) is generated from the
numbers, so it never says more than was measured: every bar of issue #10 with its value and
verdict, the coverage of the 80% and 95% bands over the held-out rows, the fits behind each
experiment, the timings and the code version.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from jobsim.calibration.fitted import atomic_write  # noqa: E402
from jobsim.results import git_commit, package_version  # noqa: E402

__all__ = ["write_outputs", "bars", "coverage"]

#: Hunan's 2020 new urban jobs (hunan_indicators.csv, S) is read from the backcast's record.
BAND_80 = ("p10", "p90")
BAND_95 = ("p05", "p95")


VALIDATION_TITLE = "# Validation: backcasts against the record / 回溯检验"


def coverage(backcast: pd.DataFrame, last: int) -> pd.DataFrame:
    """Share of held-out rows with a record inside the 80% and 95% bands, by experiment/group."""
    held = backcast[((backcast["experiment"] == f"oos_{last}") & (backcast["year"] == last))
                    | (backcast["experiment"] == "loyo")]
    # The vacancy-ratio rows check the run's tightness drift (a bar of their own, in_sample);
    # the offices' 2020 ratio moved with registration, not slack (calibration/hunan.toml).
    held = held[np.isfinite(held["record"]) & ~held["indicator"].str.endswith("_vs_china")
                & ~held["indicator"].str.startswith("vacancy_ratio_growth")]
    held = held.assign(
        group=held["indicator"].str.replace(r"_\d\d$", "", regex=True),
        in80=(held["record"] >= held["p10"]) & (held["record"] <= held["p90"]),
        in95=(held["record"] >= held["p05"]) & (held["record"] <= held["p95"]))
    parts = []
    for keys, sub in [(("all", "all"), held)] + [((e, "all"), s) for e, s in
                                                   held.groupby("experiment")] + [
            ((e, g), s) for (e, g), s in held.groupby(["experiment", "group"])]:
        parts.append({"experiment": keys[0], "group": keys[1], "rows": len(sub),
                      "coverage_80": float(sub["in80"].mean()) if len(sub) else np.nan,
                      "coverage_95": float(sub["in95"].mean()) if len(sub) else np.nan})
    return pd.DataFrame(parts)


def _get(bc: pd.DataFrame, exp: str, year: int, ind: str) -> pd.Series | None:
    sub = bc[(bc["experiment"] == exp) & (bc["year"] == year) & (bc["indicator"] == ind)]
    return sub.iloc[0] if len(sub) else None


def bars(backcast: pd.DataFrame, last: int) -> list[dict]:
    """Issue #10's validation bars, measured on the backcast."""
    exp = f"oos_{last}"
    out = []
    jobs = _get(backcast, exp, last, "new_urban_jobs")
    if jobs is not None and np.isfinite(jobs["record"]):
        err = 100 * (jobs["mean"] / jobs["record"] - 1)
        out.append({"bar": f"{exp}: Hunan's {last} new urban jobs within ±5% of the record",
                    "value": f"mean {jobs['mean']:,.0f} vs record {jobs['record']:,.0f} "
                             f"({err:+.1f}%)", "met": bool(abs(err) <= 5)})
        inside = jobs["p05"] <= jobs["record"] <= jobs["p95"]
        out.append({"bar": f"{exp}: record inside the 5–95% band",
                    "value": f"band {jobs['p05']:,.0f}–{jobs['p95']:,.0f}", "met": bool(inside)})
    change = _get(backcast, exp, last, "new_urban_jobs_change_pct_vs_china")
    if change is not None:
        out.append({"bar": f"{exp}: simulated {last} below simulated {last - 1} by 5–20% "
                           f"(China's record {change['record']:+.1f}%)",
                    "value": f"{change['mean']:+.1f}% (5–95%: {change['p05']:+.1f}% to "
                             f"{change['p95']:+.1f}%)",
                    "met": bool(-20 <= change["mean"] <= -5)})
    months = backcast[(backcast["experiment"] == exp) & (backcast["year"] == last)
                      & backcast["indicator"].str.fullmatch(r"surveyed_rate_\d\d")]
    months = months[np.isfinite(months["record"])]
    if len(months):
        mae = float(np.mean(np.abs(months["mean"] - months["record"])))
        feb = _get(backcast, exp, last, "surveyed_rate_02")
        raw = backcast[(backcast["experiment"] == exp) & (backcast["year"] == last)
                       & backcast["indicator"].str.fullmatch(r"hunan_surveyed_rate_\d\d_no_gap")]
        raw_mae = float(np.mean(np.abs(raw["mean"].to_numpy() - months["record"].to_numpy()))) \
            if len(raw) == len(months) else np.nan
        out.append({"bar": f"{exp}: rate-path MAE ≤ 0.4 pp against China's {last} monthly rates",
                    "value": f"{mae:.2f} pp over {len(months)} months (the model's Hunan rate "
                             f"minus the proxy gap; without the gap {raw_mae:.2f} pp)",
                    "met": bool(mae <= 0.4)})
        if feb is not None:
            out.append({"bar": f"{exp}: February peak ≥ 5.8%",
                        "value": f"{feb['mean']:.2f}% (record {feb['record']:.1f}%)",
                        "met": bool(feb["mean"] >= 5.8)})
    cov = coverage(backcast, last)
    loyo_jobs = backcast[(backcast["experiment"] == "loyo")
                         & backcast["indicator"].isin(["new_urban_jobs", "new_urban_jobs_jan_sep"])]
    per_year = []
    for y, sub in loyo_jobs.groupby("year"):
        sub = sub[np.isfinite(sub["record"])]
        row = sub[sub["indicator"] == "new_urban_jobs"]
        row = row if len(row) else sub  # 2019: only Jan-Sep is published
        if len(row):
            r = row.iloc[0]
            per_year.append(bool(r["p10"] <= r["record"] <= r["p90"]))
    if per_year:
        share = float(np.mean(per_year))
        out.append({"bar": "loyo: 80% bands cover ≥ 70% of held-out years (Hunan's new urban "
                           "jobs; 2019 by Jan–Sep)",
                    "value": f"{sum(per_year)} of {len(per_year)} years ({100 * share:.0f}%)",
                    "met": bool(share >= 0.7)})
    drift = _get(backcast, "in_sample", last - 1, "vacancy_ratio_growth_q4_2y")
    if drift is not None and np.isfinite(drift["record"]):
        out.append({"bar": f"in_sample: growth of vacancies per searcher {last - 3}Q4–{last - 1}Q4 "
                           "against the offices' vacancy-to-applicant ratio (求人倍率; a fitted "
                           "target)",
                    "value": f"{drift['mean']:.3f} (5–95%: {drift['p05']:.3f}–{drift['p95']:.3f}) "
                             f"against {drift['record']:.3f}",
                    "met": None})
    allrow = cov[(cov["experiment"] == "all") & (cov["group"] == "all")]
    if len(allrow):
        a = allrow.iloc[0]
        out.append({"bar": "coverage over oos and loyo, all held-out rows with a record",
                    "value": f"80% band {100 * a['coverage_80']:.0f}%, 95% band "
                             f"{100 * a['coverage_95']:.0f}% of {a['rows']} rows",
                    "met": None})
    return out


def _plot_jobs(bc: pd.DataFrame, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.2))
    colours = {"in_sample": "tab:blue", "loyo": "tab:green"}
    for i, (exp, sub) in enumerate(bc[bc["indicator"] == "new_urban_jobs"].groupby("experiment")):
        c = colours.get(exp, "tab:orange")
        x = sub["year"] + (i - 1) * 0.15
        ax.errorbar(x, sub["mean"] / 1e4, yerr=[(sub["mean"] - sub["p05"]) / 1e4,
                                                (sub["p95"] - sub["mean"]) / 1e4],
                    fmt="o", color=c, capsize=3, label=f"{exp} (mean, 5–95%)")
    rec = bc[(bc["indicator"] == "new_urban_jobs") & (bc["experiment"] == "in_sample")]
    ax.plot(rec["year"], rec["record"] / 1e4, "k*", ms=10, label="record (Hunan)")
    ax.set_ylabel("new urban jobs 城镇新增就业, 万 (wan)")
    ax.set_title("Backcast: Hunan's new urban jobs / 湖南城镇新增就业")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_rates(bc: pd.DataFrame, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(10, 4.2))
    rates = bc[bc["indicator"].str.fullmatch(r"surveyed_rate_\d\d")].copy()
    rates["when"] = pd.to_datetime(rates["year"].astype(str) + "-"
                                   + rates["indicator"].str[-2:] + "-15")
    for exp, c in (("in_sample", "tab:blue"), ("oos_2020", "tab:orange")):
        sub = rates[rates["experiment"] == exp].sort_values("when")
        if sub.empty:
            continue
        ax.fill_between(sub["when"], sub["p05"], sub["p95"], color=c, alpha=0.2)
        ax.plot(sub["when"], sub["mean"], "-", color=c, label=f"{exp} (Hunan − gap; 5–95%)")
    obs = rates[rates["experiment"] == "in_sample"].sort_values("when")
    ax.plot(obs["when"], obs["record"], "ks", ms=3, label="China, surveyed (S/D)")
    ax.set_ylabel("surveyed urban unemployment rate 城镇调查失业率, %")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_profile(bc: pd.DataFrame, last: int, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    prof = bc[(bc["year"] == last) & bc["indicator"].str.startswith("china_profile_share_")]
    for exp, sub in prof.groupby("experiment"):
        m = sub["indicator"].str[-2:].astype(int)
        ax.fill_between(m, sub["p05"], sub["p95"], alpha=0.2)
        ax.plot(m, sub["mean"], "-", label=exp)
    rec = prof[prof["experiment"] == "in_sample"]
    ax.plot(rec["indicator"].str[-2:].astype(int), rec["record"], "ks", label="China record")
    ax.set_xlabel("through month")
    ax.set_ylabel("cumulative new urban jobs, % of year")
    ax.set_title(f"{last} within-year profile / 年内进度")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, (float, np.floating)):
                cells.append("—" if not np.isfinite(v) else
                             f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:.3g}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)



def _record_before(last: int) -> str:
    """What China's record before the held-out year says about the response to growth."""
    from jobsim import macro

    before = macro.estimate_elasticity(years=tuple(y for y in macro.ELASTICITY_YEARS
                                                   if y < last))
    full = macro.estimate_elasticity()
    return (f"The record before {last} barely identifies the response of new jobs to growth: "
            f"China's new urban jobs against GDP growth (differences, {before.years[0]}–"
            f"{before.years[-1]}) give a semi-elasticity of {before.jobs_semi_elasticity:+.3f} "
            f"per pp (se {before.jobs_se:.3f}), against {full.jobs_semi_elasticity:+.3f} "
            f"(se {full.jobs_se:.3f}) with {last}: growth moved by at most "
            f"{_max_step(before.years):.1f} pp a year before {last}, so an out-of-sample "
            f"{last} can only be as good as the model's own mechanics.")


def _max_step(years: tuple[int, ...]) -> float:
    from jobsim import macro

    g = macro.annual_growth("china")
    return float(max(abs(g[y] - g[y - 1]) for y in years if y in g.index and y - 1 in g.index))


def _oos_elasticity(meta: dict, last: int) -> str:
    """How the held-out fit got its employment-output elasticity (free or from the record)."""
    fit = meta["fits"].get(f"oos_{last}", {})
    name = "labour_demand.output_elasticity"
    if name in fit.get("estimate", {}):
        return (_record_before(last) + " "
                f"Strict: the employment-output elasticity is a parameter of that fit, "
                f"estimated on {last - 1} and before alone: {fit['estimate'][name]:.3g} "
                f"(se {fit['se'][name]:.2g}; the full fit, which saw {last}: "
                f"{meta['fits'].get('full', {}).get('estimate', {}).get(name, float('nan')):.3g})"
                f"; each draw runs at its own joint draw of it.")
    return (f"Strict: the employment-output elasticity too is estimated on China's record to "
            f"{last - 1} ({meta['macro_oos']}). `oos_{last}_eta_full` is the same fit with the "
            f"elasticity of the whole record, which saw China's {last}: shown for comparison, "
            f"not scored.")


def _discrepancy_rows(meta: dict) -> list[str]:
    out = []
    for k, v in meta["fits"].items():
        d = v.get("discrepancy") or {}
        if d:
            out.append(f"| {k} | {100 * d.get('new_urban_jobs', 0):.1f}% | "
                       f"{d.get('surveyed_rate', 0):.2f} | {d.get('registered_rate', 0):.2f} | "
                       f"{d.get('profile_share', 0):.2f} |")
    return out


def _page(bc: pd.DataFrame, meta: dict, bar_list: list[dict], cov: pd.DataFrame,
          cov_bare: pd.DataFrame | None = None) -> str:
    first, last = meta["years"]
    opt = meta["options"]
    key = bc[bc["indicator"].isin(["new_urban_jobs", "new_urban_jobs_jan_sep",
                                   "surveyed_rate_mean", "new_urban_jobs_change_pct_vs_china"])]
    verdict = {True: "met", False: "**not met**", None: "—"}
    lines = [
        VALIDATION_TITLE, "",
        "Generated by `jobsim validate` (calibration/validate.py, calibration/validation_report.py)"
        "; do not edit by hand. Command:", "",
        "```", f"jobsim validate {meta['config']} --out {meta.get('out', 'DIR')}"
        + (f" --fitted {meta['fitted']}" if meta["fitted"] else "") + " --docs docs/validation.md"
        + f" --draws {opt['draws']} --workers {meta['workers']}",
        "```", "",
        f"jobsim {package_version()}, git {git_commit()}; full fit: "
        f"{meta['fitted'] or 'fitted in this run'}"
        + (f" (made at git {meta['fits']['full'].get('git_commit')})"
           if meta["fits"]["full"].get("git_commit") else "") + ".", "",
        f"Wall time {meta['wall_seconds']:.0f} s on {meta['workers']} worker processes "
        f"({meta['tasks']['computed']} simulations, {meta['tasks']['reused']} from the "
        "checkpoint); timings (s): " + ", ".join(f"{k.removesuffix('_s')} {v:.0f}"
                                                 for k, v in meta["timings"].items())
        + ". Measured on a machine shared with other jobs.", "",
        "## What was run", "",
        f"- **in_sample**: the full fit, the continuous run {first}–{last}; {opt['draws']} draws "
        f"at {meta['persons_per_agent']:g} persons per agent.",
        f"- **oos_{last}**: fitted on the targets of {first}–{last - 1} only (its own global "
        f"stage from the base values as configured, then the local stage and standard errors at "
        f"{opt['oos_persons_per_agent'] or meta['persons_per_agent']:g} persons per agent with "
        f"{opt['oos_replications'] or 'the configured'} replications; nothing of {last} "
        f"enters), then the run through {last} "
        f"on its observed growth path; {opt['draws']} draws. " + _oos_elasticity(meta, last),
        f"- **loyo**: each year {first}–{last - 1} left out in turn; a local refit "
        f"warm-started from the full fit (which saw that year: a leak the refit does not fully "
        f"undo), at {opt['loyo_persons_per_agent']:g} persons per agent, "
        f"{opt['loyo_replications']} replications, at most {opt['loyo_iterations']} "
        f"evaluations; {opt['loyo_draws']} draws.",
        "- **Bands** carry parameter uncertainty (joint draws from each fit's normal "
        "approximation, truncated to the bounds; the proxy gap from its own), stochastic "
        f"uncertainty (each draw its own replicate), macro uncertainty: {meta['macro']}; and "
        "model discrepancy: each fit's root-mean-square residual on the targets it saw (new-jobs "
        "levels relative, rates and profile shares in points; table below) as a normal error "
        "around every draw (200 per draw), independent across rows. The held-out year never "
        "sets its own band. `backcast_model_only.csv` has the bands without it; their coverage "
        "is the second table.",
        "- Surveyed-rate rows compare the model's Hunan rate minus the proxy gap with China's "
        "monthly rate (Hunan's is not published); `hunan_*_no_gap` rows are the model's Hunan "
        "rate itself.", "",
        "## Bars (issue #10)", "",
        "| bar | measured | verdict |", "|---|---|---|",
        *[f"| {b['bar']} | {b['value']} | {verdict[b['met']]} |" for b in bar_list], "",
        "## Coverage of the bands (held-out rows: oos year and loyo years)", "",
        _table(cov), "",
        *(["Without model discrepancy (the model's own draws, `backcast_model_only.csv`):", "",
           _table(cov_bare), ""] if cov_bare is not None else []),
        "## Key rows", "",
        _table(key[["experiment", "year", "indicator", "record", "mean", "p05", "p95"]]), "",
        "![new urban jobs](backcast_jobs.png)", "",
        "![surveyed rate](backcast_rates.png)", "",
        f"![{last} profile](backcast_profile.png)", "",
        "## Fits behind the experiments", "",
        "| fit | objective | dof | proxy gap (pp) |", "|---|---|---|---|",
        *[f"| {k} | {v['objective']:.4g} | {v['dof']} | "
          + ("—" if v.get("gap") is None else f"{v['gap']:.3g}") + " |"
          for k, v in meta["fits"].items()], "",
        "Model discrepancy of each fit (root-mean-square residual on its fitted targets):", "",
        "| fit | new urban jobs (relative) | surveyed rate (pp) | registered rate (pp) | "
        "within-year profile (pp) |", "|---|---|---|---|---|",
        *_discrepancy_rows(meta), "",
        "All rows are in `backcast.csv` (columns experiment, year, indicator, record, mean, "
        "p05, p10, p50, p90, p95); `coverage.csv` and `bars.json` beside it.", "",
    ]
    return "\n".join(lines)


def _fonts() -> None:
    """Use the project's CJK font for the bilingual labels (jobsim.compare.plots)."""
    from jobsim.compare.plots import cjk_font

    family, _ = cjk_font()
    plt.rcParams["font.family"] = ["DejaVu Sans"] + ([family] if family else [])


def write_outputs(out: Path, backcast: pd.DataFrame, meta: dict, docs: Path | None,
                  model_only: pd.DataFrame | None = None) -> dict:
    """Write every output of a validation; returns their paths.

    ``model_only`` is the backcast without model discrepancy (the model's own draws): written
    beside ``backcast.csv`` and its coverage reported next to the predictive bands'.
    """
    _fonts()
    last = meta["years"][1]
    meta = {**meta, "out": out.as_posix()}
    backcast.to_csv(out / "backcast.csv", index=False, float_format="%.6g")
    cov = coverage(backcast, last)
    cov.to_csv(out / "coverage.csv", index=False, float_format="%.4g")
    bar_list = bars(backcast, last)
    cov_bare = None
    if model_only is not None:
        model_only.to_csv(out / "backcast_model_only.csv", index=False, float_format="%.6g")
        cov_bare = coverage(model_only, last)
        cov_bare.to_csv(out / "coverage_model_only.csv", index=False, float_format="%.4g")
        for b in bars(model_only, last):
            if "band" in b["bar"] or "cover" in b["bar"]:
                bar_list.append({**b, "bar": b["bar"] + " — model-only bands (no discrepancy)"})
    atomic_write(out / "bars.json", json.dumps({"bars": bar_list, "meta": meta}, indent=2,
                                                default=str) + "\n")
    _plot_jobs(backcast, out / "backcast_jobs.png")
    _plot_rates(backcast, out / "backcast_rates.png")
    _plot_profile(backcast, last, out / "backcast_profile.png")
    page = _page(backcast, meta, bar_list, cov, cov_bare)
    atomic_write(out / "validation.md", page)
    written = {"page": str(out / "validation.md")}
    if docs is not None:
        docs = Path(docs)
        docs.parent.mkdir(parents=True, exist_ok=True)
        rel = "../" + out.as_posix() if not out.is_absolute() else out.as_posix()
        atomic_write(docs, page.replace("](backcast_", f"]({rel}/backcast_"))
        written["docs"] = str(docs)
    return written
