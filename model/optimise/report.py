"""``report.html`` of an optimisation: one self-contained page, Chinese and English labels.

It reuses the comparison report's pieces (:mod:`jobsim.compare.report`: style sheet, tables,
embedded images and the embedded CJK web-font subset), so it reads like the comparison page
and, like it, needs no network and no installed CJK font.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from jobsim.compare import report as creport

__all__ = ["render_section", "render_page"]


def _n(x: float, digits: int = 0) -> str:
    return creport._num(float(x), digits)


def _se(x: float, se: float, digits: int = 0, scale: float = 1.0) -> str:
    if not math.isfinite(float(x)):
        return "–"
    return (f"{float(x) / scale:,.{digits}f} <span class=note>± "
            f"{float(se) / scale:,.{digits}f}</span>")


def _versus(space: Any, rec: pd.Series, plan: pd.Series, labels: dict[str, str]) -> str:
    """Budgets and objectives of the recommended mix and of the plan at the same budget."""
    rows = []
    for kind in space.kinds:
        a, b = float(rec[f"budget_{kind}"]), float(plan[f"budget_{kind}"])
        rows.append([(creport._esc(labels.get(kind, kind)), ""), (_n(b / 1e4), ""),
                     (_n(a / 1e4), ""), (f"{(a - b) / 1e4:+,.0f}", "")])
    rows.append([("<b>合计 / total</b>", ""), (_n(plan["total_budget_yuan"] / 1e4), ""),
                 (_n(rec["total_budget_yuan"] / 1e4), ""),
                 (f"{(rec['total_budget_yuan'] - plan['total_budget_yuan']) / 1e4:+,.0f}", "")])
    budgets = creport._table(["政策工具 / instrument", "原计划（同预算）<br>plan, same budget",
                              "推荐组合<br>recommended", "差额 / difference"], rows,
                             table_id="versus-budgets")
    rows = []
    for label, key, digits, scale in (
            ("两项目标均达成概率 / P(both targets met)", "p_met", 2, 1.0),
            ("期末总就业增量（人）/ gain in total employment (persons)", "gain", 0, 1.0),
            ("每个新增就业人员成本（元）/ cost per additional employed (yuan)", "cost", 0, 1.0)):
        rows.append([(label, ""), (_se(plan[key], plan[f"{key}_se"], digits, scale), ""),
                     (_se(rec[key], rec[f"{key}_se"], digits, scale), "")])
    for label, key, digits in (
            ("城镇新增就业达标概率 / P(≥ 70万 new urban jobs)", "p_jobs_met", 2),
            ("调查失业率达标概率 / P(surveyed rate ≤ 5.5%)", "p_rate_met", 2),
            ("城镇就业增量（人）/ gain in urban employment (persons)", "urban_gain", 0),
            ("城镇新增就业均值 / new urban jobs, mean", "new_urban_jobs", 0),
            ("调查失业率年均 / surveyed rate, annual mean (%)", "surveyed_rate_average", 2),
            ("实际支出（万元）/ spending (10,000 yuan)", "spending_yuan", 0)):
        scale = 1e4 if key == "spending_yuan" else 1.0
        rows.append([(label, ""), (_n(plan[key] / scale, digits), ""),
                     (_n(rec[key] / scale, digits), "")])
    objectives = creport._table(["指标 / measure", "原计划（同预算）<br>plan, same budget",
                                 "推荐组合<br>recommended"], rows, table_id="versus-objectives")
    return budgets + objectives


def _front_rows(front: pd.DataFrame, kinds: tuple[str, ...], labels: dict[str, str]) -> str:
    header = ["#", "P(met)", "总就业增量<br>gain (persons)", "成本<br>cost per employed (yuan)",
              "总预算（万元）<br>total (10,000 yuan)"] + [
        creport._esc(labels.get(k, k)).replace(" / ", "<br>") + "<br>(万元)" for k in kinds]
    rows = []
    for i, (_, r) in enumerate(front.iterrows()):
        tag = " ★" if bool(r["recommended"]) else (" ✕" if bool(r["is_plan"]) else "")
        rows.append([(f"{i + 1}{tag}", ""), (_se(r["p_met"], r["p_met_se"], 2), ""),
                     (_se(r["gain"], r["gain_se"]), ""), (_se(r["cost"], r["cost_se"]), ""),
                     (_n(r["total_budget_yuan"] / 1e4), "")]
                    + [(_n(r[f"budget_{k}"] / 1e4), "") for k in kinds])
    return creport._table(header, rows, table_id="front")


def render_section(res: Any) -> str:
    """The optimisation section (HTML body fragment) of an :class:`OptimiseResult`."""
    m = res.manifest
    rec = res.front.iloc[res.recommended]
    funded = [k for k in res.space.kinds if (res.front[f"budget_{k}"] > 0).any()]
    share = {k: float((res.front[f"budget_{k}"] / res.front["total_budget_yuan"].where(
        res.front["total_budget_yuan"] > 0)).mean()) for k in res.space.kinds}
    funds = ", ".join(f"{creport._esc(res.labels.get(k, k))} ({share[k]:.0%})"
                      for k in sorted(funded, key=lambda k: -share[k]) if share[k] >= 0.005)
    return f"""
<h2 id="opt-h">最优预算组合 / The best mix for a budget of {_n(res.space.budget / 1e8, 2)} 亿元
(100 million yuan)</h2>
<p class="lede">NSGA-II (pymoo {creport._esc(m['pymoo_version'])}) searched
{m['screening']['candidates']} budget mixes of the {len(res.space.kinds)} instruments of
{creport._esc(m['scenario']['name'])}, each judged on the same {m['futures']['replications']}
uncertain futures ({creport._esc(m['futures']['description'])}) at
{m['screening']['persons_per_agent']:g} persons per agent; the
{m['confirm']['candidates']} mixes of that front were run again at
{m['confirm']['persons_per_agent']:g} persons per agent on the same futures, and the
{len(res.front)} non-dominated ones form the front below. Budgets sum to at most
{_n(res.space.budget)} yuan (no candidate exceeds it: every one is repaired, then checked).</p>

<h3>前沿 / The front</h3>
{creport._img(res.figures['front'], '帕累托前沿 / Pareto front', 'fig-front')}
<p class="note">Objectives: P(both headline targets met: 700,000 new urban jobs and the surveyed
rate ≤ 5.5% on the annual average and December, judged as <code>jobsim compare</code> does);
the expected gain in total employment (urban employed plus rural work) in December over the
baseline on the same future; cost per additional employed = mean spending / mean gain.
± = one standard error over futures.</p>

<h3>推荐组合与原计划 / The recommended mix against the plan at the same budget</h3>
<p>Rule: {creport._esc(res.rule)}. The plan at the same budget is {creport._esc(
        m['scenario']['name'])}'s own mix scaled to the total (each instrument keeps its share).
Scenario file: <code>recommended.toml</code>.</p>
{_versus(res.space, rec, res.plan_row, res.labels)}

<h3>前沿资助哪些工具 / Which instruments the front funds</h3>
<p>Average share of the budget on the front: {funds or '–'}.</p>
{creport._img(res.figures['funding'], '前沿资助的政策工具 / instruments funded on the front',
              'fig-funding')}
{_front_rows(res.front, res.space.kinds, res.labels)}
<p class="note">★ recommended, ✕ the plan scaled to the budget. Budgets in 10,000 yuan.
Screening at a coarse scale can rank mixes that differ by less than its noise wrongly; the
front and every number on this page are from the confirming runs.</p>
"""


def render_page(res: Any) -> str:
    """A self-contained page with the section and the run's provenance."""
    body = (f"<h1>就业计划预算优化 / Optimising the intervention mix</h1>{render_section(res)}"
            f'<h2 id="prov-h">来源与可复现性 / Provenance of this run</h2>'
            f"{creport._provenance(res.manifest)}")
    font = creport._font_face(body)
    return (f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">\n'
            f"<title>预算优化 / jobsim optimise</title>\n"
            f"<style>{font}{creport.CSS}h3{{font-size:15px;margin-top:22px}}</style></head>\n"
            f"<body>{body}</body></html>\n")
