"""The result of a comparison: tables, figures and provenance, and how they are written.

A :class:`Comparison` is built from the per-replication results (in scenario and replicate
order, whatever order they finished in) and writes ``targets.csv``, ``attribution.csv``,
``monthly.parquet``, the PNG plots, ``report.html`` and ``manifest.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jobsim.compare import plots, summarise
from jobsim.compare.report import render_report
from jobsim.compare.tasks import TaskResult
from jobsim.policies import KINDS

__all__ = ["Comparison", "build_comparison", "FIGURES"]

#: PNG files written beside the report.
FIGURES = ("jobs_fan", "unemployment_fan", "target_probabilities", "attribution")


@dataclass(frozen=True)
class Comparison:
    """Scenarios compared over replications."""

    scenarios: list[str]
    descriptions: dict[str, str]
    targets: pd.DataFrame          # targets.csv
    attribution: pd.DataFrame      # attribution.csv
    monthly: pd.DataFrame          # monthly.parquet
    info: plots.TargetInfo         # label, threshold, comparison per target
    instrument_labels: dict[str, str]
    differences: dict[str, tuple[float, float, float]]  # new urban jobs vs first: mean, p05, p95
    manifest: dict[str, Any]
    figures: dict[str, bytes] = field(default_factory=dict)

    def prob_met(self, target: str) -> dict[str, float]:
        """P(met) of one target, per scenario."""
        rows = self.targets[self.targets["target"] == target]
        return dict(zip(rows["scenario"], rows["prob_met"].astype(float)))

    def summary(self) -> str:
        """Headline text: per scenario, new urban jobs and the surveyed rate, P(met)."""
        lines = [f"{'scenario':32s} {'new urban jobs p50 [p05, p95]':>34s} {'P(met)':>7s} "
                 f"{'surveyed rate avg p50':>22s} {'P(met)':>7s}"]
        t = self.targets.set_index(["scenario", "target"])
        for s in self.scenarios:
            j = t.loc[(s, "new_urban_jobs")]
            r = t.loc[(s, "surveyed_urban_unemployment_rate_annual_average")]
            p = t.loc[(s, "surveyed_urban_unemployment_rate"), "prob_met"]
            lines.append(f"{s:32s} {j['p50']:>12,.0f} [{j['p05']:>9,.0f}, {j['p95']:>9,.0f}] "
                         f"{j['prob_met']:>7.0%} {r['p50']:>21.2f}% {p:>7.0%}")
        return "\n".join(lines)

    def write(self, folder: Path) -> None:
        """Write every output file into ``folder`` (the caller makes it atomic)."""
        folder = Path(folder)
        self.targets.to_csv(folder / "targets.csv", index=False, float_format="%.6f")
        self.attribution.to_csv(folder / "attribution.csv", index=False, float_format="%.6f")
        summarise.write_excel(folder / "targets.xlsx", {"targets": self.targets})
        summarise.write_excel(folder / "attribution.xlsx", {"attribution": self.attribution})
        self.monthly.to_parquet(folder / "monthly.parquet", index=False)
        for name, png in self.figures.items():
            (folder / f"{name}.png").write_bytes(png)
        (folder / "report.html").write_text(render_report(self), encoding="utf-8")
        (folder / "manifest.json").write_text(
            json.dumps(self.manifest, indent=2, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8")


def _differences(monthly: pd.DataFrame, scenarios: list[str]) -> dict[str, tuple]:
    """December new urban jobs minus the first scenario's, replicate by replicate."""
    last = monthly.groupby(["scenario", "replicate"], sort=False)["new_urban_jobs_cum"].last()
    ref = last.loc[scenarios[0]]
    out = {}
    for s in scenarios[1:]:
        d = (last.loc[s] - ref).dropna().to_numpy(dtype=float)
        if d.size:
            out[s] = (float(d.mean()), float(np.quantile(d, 0.05)), float(np.quantile(d, 0.95)))
    return out


def build_comparison(results: dict[str, list[TaskResult]], descriptions: dict[str, str],
                     manifest: dict[str, Any], *, figures: bool = True) -> Comparison:
    """Tables and figures from each scenario's results, in replicate order."""
    scenarios = list(results)
    targets = summarise.targets_table({s: [r.targets for r in rs] for s, rs in results.items()})
    attribution = summarise.attribution_summary(
        {s: [r.attribution for r in rs] for s, rs in results.items()})
    monthly = summarise.monthly_frame({s: [r.monthly for r in rs] for s, rs in results.items()})
    first = next(iter(results.values()))[0].targets
    info = {row.target: (row.label, float(row.threshold), row.comparison)
            for row in first.itertuples()}
    labels = {kind: cls.label or kind for kind, cls in KINDS.items()}
    comparison = Comparison(
        scenarios=scenarios, descriptions=descriptions, targets=targets,
        attribution=attribution, monthly=monthly, info=info, instrument_labels=labels,
        differences=_differences(monthly, scenarios), manifest=manifest)
    if figures:
        comparison.figures.update(_figures(comparison))
    return comparison


def _figures(c: Comparison) -> dict[str, bytes]:
    jobs_label, jobs_target, _ = c.info.get("new_urban_jobs", ("", 700000.0, ">="))
    rate_label, rate_target, _ = c.info.get("surveyed_urban_unemployment_rate",
                                            ("", 5.5, "<="))
    out = {
        "jobs_fan": plots.fan_chart(
            c.monthly, c.scenarios, "new_urban_jobs_cum", scale=1e4,
            unit="万人 / 10,000 persons",
            title="累计城镇新增就业 / cumulative new urban jobs (median, 50% and 90% bands)",
            threshold=jobs_target, threshold_label=f"目标 / target {jobs_target / 1e4:g}万",
            prob_met=c.prob_met("new_urban_jobs")),
        "unemployment_fan": plots.fan_chart(
            c.monthly, c.scenarios, "surveyed_unemployment_rate", scale=1.0, unit="%",
            title="城镇调查失业率 / surveyed urban unemployment rate (median, 50% and 90% bands)",
            threshold=rate_target, threshold_label=f"全国目标 / national target {rate_target:g}%",
            prob_met=c.prob_met("surveyed_urban_unemployment_rate")),
        "target_probabilities": plots.probability_chart(c.targets, c.scenarios, c.info),
    }
    if len(c.attribution):
        out["attribution"] = plots.attribution_chart(c.attribution, c.instrument_labels)
    return out
