"""The nowcast's section of the HTML report: fans of the year's path, the actuals, the targets.

It uses the look of ``jobsim compare``'s report: its CSS, table and image helpers and web-font
subsetting (:mod:`jobsim.compare.report`), and its plot style (:mod:`jobsim.compare.plots`).
The page is self-contained (PNG plots and the font subset embedded, no network), with
bilingual labels.
"""

from __future__ import annotations

import html
import math
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jobsim.compare import plots as cplots
from jobsim.compare import report as creport
from jobsim.nowcast.actuals import SERIES

__all__ = ["fan_figure", "render_section", "render_page"]

_EXTRA_LABELS = {
    "hunan_surveyed_unemployment_rate":
        "湖南城镇调查失业率（年均，模拟）/ Hunan, surveyed urban unemployment rate "
        "(annual average, simulated)",
}
_METHODS = {"statistical": "统计模型 / statistical", "abm": "主体模型 / agent-based model"}


def _label(series: str) -> str:
    return SERIES[series].label if series in SERIES else _EXTRA_LABELS.get(series, series)


def fan_figure(paths: dict[str, dict], targets: dict[str, float], year: int) -> bytes:
    """One panel per (method, plan, series): 80% and 95% bands, median, actuals, target."""
    keys = list(paths)
    with plt.rc_context(cplots._style()):
        cols = min(2, len(keys))
        rows = int(math.ceil(len(keys) / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(5.4 * cols, 3.3 * rows + 0.5),
                                 squeeze=False)
        for ax, key in zip(axes.flat, keys):
            data = paths[key]
            series = key.split(":")[-1]
            x = np.asarray(data["months"])
            b = {q: np.asarray(v, float) / 1e4 for q, v in data["bands"].items()}
            ax.fill_between(x, b[0.025], b[0.975], color="#4C72B0", alpha=0.18, lw=0,
                            label="95%")
            ax.fill_between(x, b[0.10], b[0.90], color="#4C72B0", alpha=0.35, lw=0,
                            label="80%")
            ax.plot(x, b[0.5], color="#1F3A68", lw=1.6, label="中位数 / median")
            obs = data["observed"]
            if len(obs):
                ax.plot(obs.index, obs.to_numpy(float) / 1e4, "o-", color="#222222",
                        ms=4, lw=1, label="实际 / actual")
            tgt = targets.get(series, float("nan"))
            if np.isfinite(tgt):
                ax.axhline(tgt / 1e4, color="#C44E52", lw=1.2)
                ax.text(0.02, tgt / 1e4, f"目标 / target {tgt / 1e4:,.4g}万", color="#C44E52",
                        fontsize=7, va="bottom", transform=ax.get_yaxis_transform())
            method, *rest = key.split(":")
            plan = rest[0] if len(rest) == 2 else "as_written"
            ax.set_title(f"{_METHODS[method]} · {plan}\n{_label(series)}", fontsize=8)
            ax.set_xlim(0, 12.5)  # month 0: the start of the year, nothing in
            ax.set_xticks(range(1, 13))
            ax.set_xticklabels([f"{year % 100:02d}-{k:02d}" for k in range(1, 13)],
                               rotation=60, fontsize=7)
            ax.set_ylabel("万人 / 10,000 persons")
            ax.grid(axis="y", color="0.9", lw=0.6)
        for ax in axes.flat[len(keys):]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=7.5, frameon=False,
                   bbox_to_anchor=(0.5, -0.02))
        fig.suptitle(f"{year} 年全年路径（自第 m 月起）/ the year's path from month m, "
                     "cumulative from January", fontsize=10)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        return cplots._png(fig)


def _fmt(value: float, rate: bool) -> str:
    if not np.isfinite(value):
        return "–"
    return f"{value:.2f}" if rate else f"{value / 1e4:,.1f}"


def _rows_table(frame: pd.DataFrame) -> str:
    rows = []
    for _, r in frame.iterrows():
        rate = "rate" in r["series"]
        p = float(r["prob_target_met"])
        rows.append([
            (html.escape(_METHODS.get(r["method"], r["method"])), ""),
            (html.escape(str(r["plan"])), ""),
            (html.escape(_label(r["series"])), ""),
            (str(int(r["through"])), ""),
            (_fmt(r["mean"], rate), ""),
            (f"{_fmt(r['lo80'], rate)} – {_fmt(r['hi80'], rate)}", ""),
            (f"{_fmt(r['lo95'], rate)} – {_fmt(r['hi95'], rate)}", ""),
            (f"{html.escape(str(r['comparison']))} {_fmt(r['target'], rate)}", ""),
            (creport._pct(p), creport._cls(p)),
        ])
    header = ["方法 / method", "方案 / plan", "指标 / series", "已观测至 m<br>observed to m",
              "全年均值<br>year, mean", "80% 区间<br>80% interval", "95% 区间<br>95% interval",
              "目标 / target", "达标概率<br>P(target met)"]
    return creport._table(header, rows, left=3, table_id="nowcast-table")


def render_section(frame: pd.DataFrame, fan_png: bytes | None, info: dict[str, Any]) -> str:
    """Render the nowcast section (an HTML fragment)."""
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in info.get("notes", []))
    fig = (creport._img(fan_png, "全年路径扇形图 / fan of the year's path", "fig-nowcast")
           if fan_png else "")
    return f"""
<h2 id="nowcast-h">年中预测 / Nowcast: are we on track?</h2>
<p class="lede">{html.escape(info.get('lede', ''))}</p>
{_rows_table(frame)}
<p class="note">Counts in 万人 (10,000 persons), the year's total; rates in percent, the annual
average. P(target met) is the share of the year-end distribution meeting the target (the
statistical model's Student t, recalibrated on its own out-of-sample errors of earlier years,
or the ensemble's weighted replicates).</p>
{fig}
<ul class="note">{notes}</ul>
"""


def render_page(section: str, provenance: dict[str, Any]) -> str:
    """Render a self-contained page holding the nowcast section and its provenance."""
    body = (f"<h1>就业目标年中预测 / jobsim nowcast</h1>{section}"
            f'<h2 id="prov-h">来源与可复现性 / Provenance</h2>{creport._provenance(provenance)}')
    font = creport._font_face(body)
    return (f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">\n'
            f"<title>年中预测 / jobsim nowcast</title>\n"
            f"<style>{font}{creport.CSS}</style></head>\n<body>{body}</body></html>\n")
