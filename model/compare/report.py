"""``report.html``: one self-contained page a planner reads, in Chinese and English.

Plots are embedded as base64 PNGs; the Chinese glyphs of the page's own text come from a
subset of Noto Sans CJK SC (only the characters the page uses, a few kilobytes) embedded as a
web font, so the page renders the same on a fresh machine with no CJK font and no network.
The web font comes first in ``font-family`` (restricted by ``unicode-range`` to the characters
past U+2000): listed after a system font, Chromium drew some runs with its last-resort font
(boxes) instead of falling back to it.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
from jobsim.compare.plots import cjk_font

__all__ = ["render_report", "scenario_question"]

CSS = """
body{font-family:"JobsimCJK","DejaVu Sans","Liberation Sans",Arial,sans-serif;max-width:1180px;
margin:24px auto;padding:0 16px;color:#1d2430;line-height:1.45;font-size:14px}
h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;margin-top:34px;border-bottom:1px solid
#d5dae1;padding-bottom:4px}p.lede{color:#4a5563;margin-top:0}
table{border-collapse:collapse;margin:10px 0;font-size:12.5px}th,td{border:1px solid #d5dae1;
padding:4px 8px;text-align:right;vertical-align:top}th{background:#f1f4f8;text-align:center}
td.l,th.l{text-align:left}img{max-width:100%;border:1px solid #e3e7ec;margin:8px 0}
.good{background:#d9f0d3}.mid{background:#fdf2c4}.bad{background:#f7d4d0}
.note{color:#4a5563;font-size:12.5px}dl{display:grid;grid-template-columns:260px 1fr;gap:4px 12px;
font-size:12.5px}dt{font-weight:bold}dd{margin:0;word-break:break-all}
"""


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _num(x: float, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:,.{digits}f}"


def _pct(p: float) -> str:
    return "–" if not math.isfinite(p) else f"{p:.0%}"


def _cls(p: float) -> str:
    if not math.isfinite(p):
        return ""
    return "good" if p >= 0.9 else "mid" if p >= 0.5 else "bad"


def _table(header: list[str], rows: list[list[tuple[str, str]]], left: int = 1,
           table_id: str = "") -> str:
    """Rows of (text, css class) cells; the first ``left`` columns are left-aligned."""
    head = "".join(f'<th class="l">{h}</th>' if k < left else f"<th>{h}</th>"
                   for k, h in enumerate(header))
    body = []
    for row in rows:
        cells = []
        for k, (text, css) in enumerate(row):
            classes = " ".join(c for c in (("l" if k < left else ""), css) if c)
            cells.append(f'<td class="{classes}">{text}</td>' if classes else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _img(png: bytes, alt: str, name: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img id="{name}" alt="{_esc(alt)}" src="data:image/png;base64,{data}">'


def _font_face(text: str) -> str:
    """An @font-face rule with the CJK glyphs ``text`` uses, or '' if no font is found."""
    chars = sorted({c for c in text if ord(c) > 0x2000})
    _, path = cjk_font()
    if not chars or path is None:
        return ""
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont

        font = TTFont(str(path), lazy=True)
        opts = subset.Options()
        opts.layout_features = []
        opts.notdef_outline = True
        sub = subset.Subsetter(opts)
        sub.populate(text="".join(chars))
        sub.subset(font)
        buf = io.BytesIO()
        font.save(buf)
    except Exception:  # noqa: BLE001 - a missing web font must not lose the report
        return ""
    fmt = "opentype" if path.suffix.lower() == ".otf" else "truetype"
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    mime = "font/otf" if fmt == "opentype" else "font/ttf"
    return (f'@font-face{{font-family:"JobsimCJK";src:url(data:{mime};base64,{data}) '
            f'format("{fmt}");unicode-range:U+2000-FFFF;}}')


def _glance(res: Any) -> str:
    """Per scenario: the two headline targets, and new urban jobs against the first scenario."""
    t = res.targets.set_index(["scenario", "target"])
    ref = res.scenarios[0]
    rows = []
    for s in res.scenarios:
        jobs = t.loc[(s, "new_urban_jobs")] if (s, "new_urban_jobs") in t.index else None
        rate_key = (s, "surveyed_urban_unemployment_rate_annual_average")
        rate = t.loc[rate_key] if rate_key in t.index else None
        both = (t.loc[(s, "surveyed_urban_unemployment_rate"), "prob_met"]
                if (s, "surveyed_urban_unemployment_rate") in t.index else math.nan)
        diff = res.differences.get(s)
        rows.append([
            (f"<b>{_esc(s)}</b><br><span class=note>{_esc(res.descriptions.get(s, ''))}</span>",
             ""),
            (_num(jobs["p50"] / 1e4, 1) + f" <span class=note>[{_num(jobs['p05'] / 1e4, 1)}–"
             f"{_num(jobs['p95'] / 1e4, 1)}]</span>" if jobs is not None else "–", ""),
            (_pct(jobs["prob_met"]) if jobs is not None else "–",
             _cls(jobs["prob_met"]) if jobs is not None else ""),
            (_num(rate["p50"], 2) + f" <span class=note>[{_num(rate['p05'], 2)}–"
             f"{_num(rate['p95'], 2)}]</span>" if rate is not None else "–", ""),
            (_pct(both), _cls(both)),
            ("–" if s == ref or diff is None else
             f"{diff[0] / 1e4:+,.1f} <span class=note>[{diff[1] / 1e4:+,.1f}, "
             f"{diff[2] / 1e4:+,.1f}]</span>", ""),
        ])
    header = ["情景 / scenario",
              "城镇新增就业（万人）<br>new urban jobs (10,000)<br>median [5–95%]",
              "达标概率<br>P(≥ 70万)",
              "城镇调查失业率年均（%）<br>surveyed rate, annual mean<br>median [5–95%]",
              "达标概率<br>P(≤ 5.5%, mean and Dec.)",
              f"与 {_esc(ref)} 之差（万人）<br>difference from {_esc(ref)}<br>mean [5–95%]"]
    return _table(header, rows, table_id="glance")


def _targets_rows(res: Any) -> str:
    rows = []
    for _, r in res.targets.iterrows():
        name = r["target"]
        base = name.removesuffix("_annual_average")
        label, threshold, comparison = res.info.get(base, (base, math.nan, ""))
        if name != base:
            zh, _, en = label.partition(" / ")
            label = f"{zh}（年均）/ {en}, annual average"
        if "rate" in name:
            fmt = lambda v: _num(v, 2) + "%"  # noqa: E731 - a local formatter
        else:
            fmt = lambda v: _num(v / 1e4, 2) + "万"  # noqa: E731
        if name == "surveyed_urban_unemployment_rate":
            label += " — P(met): annual mean and December both ≤ target; values: December"
        elif name != base:
            label += " — P(met): annual mean alone"
        else:
            label += " — P(met): share of replications meeting it (December value)"
        rows.append([(_esc(r["scenario"]), ""), (_esc(label), ""),
                     (f"{_esc(comparison)} {fmt(threshold)}", ""),
                     (fmt(r["mean"]), ""), (fmt(r["p05"]), ""),
                     (fmt(r["p50"]), ""), (fmt(r["p95"]), ""),
                     (_pct(r["prob_met"]), _cls(r["prob_met"]))])
    header = ["情景 / scenario", "目标 / target (how P(met) is judged)",
              "目标值 / target value", "均值 / mean", "p05", "p50", "p95", "达标概率 / P(met)"]
    return _table(header, rows, left=2, table_id="targets")


def _attribution_rows(res: Any) -> str:
    rows = []
    for _, r in res.attribution.iterrows():
        cost = (f"{r['cost_per_job_yuan'] / 1e4:,.1f}" if r["attributable_new_urban_jobs_p05"] > 0
                and math.isfinite(r["cost_per_job_yuan"]) else "–")
        cost_e = (f"{r['cost_per_employed_yuan'] / 1e4:,.1f}"
                  if math.isfinite(r["cost_per_employed_yuan"]) else "–")
        total, cost_t = r["delta_total_employed_mean"], r["cost_per_total_employed_yuan"]
        rows.append([(_esc(r["scenario"]), ""),
                     (_esc(res.instrument_labels.get(r["instrument"], r["instrument"])), ""),
                     (f"{r['attributable_new_urban_jobs_mean'] / 1e4:,.2f}",
                      "mid" if r["attributable_new_urban_jobs_mean"] < 0 else ""),
                     (f"{r['attributable_new_urban_jobs_p05'] / 1e4:,.2f} – "
                      f"{r['attributable_new_urban_jobs_p95'] / 1e4:,.2f}", ""),
                     (f"{r['spending_yuan'] / 1e8:,.2f}", ""),
                     (cost, ""),
                     (f"{r['delta_urban_employed_mean'] / 1e4:,.2f}", ""),
                     (cost_e, ""),
                     (f"{total / 1e4:,.2f}" if math.isfinite(total) else "–",
                      "mid" if math.isfinite(total) and total < 0 else ""),
                     (f"{cost_t / 1e4:,.1f}" if math.isfinite(cost_t) else "–", ""),
                     (str(int(r["replications"])), ""),
                     (_esc(_gross_flow_note(r)), "")])
    header = ["情景 / scenario", "政策工具 / instrument",
              "可归因新增就业（万人）<br>attributable new urban jobs (10,000)<br>mean", "5–95%",
              "支出（亿元）<br>spending (100 million yuan)",
              "每个新增就业成本（万元）<br>cost per job (10,000 yuan)",
              "期末城镇就业增量（万人）<br>Δ urban employed, end (10,000)",
              "每个就业增量成本（万元）<br>cost per employed (10,000 yuan)",
              "期末全部就业增量（城镇+乡村，万人）<br>Δ total employed (urban + rural), end "
              "(10,000)",
              "每个全部就业增量成本（万元）<br>cost per total employed (10,000 yuan)",
              "重复次数<br>replications", "说明 / note"]
    return _table(header, rows, left=2, table_id="attribution")


def _provenance(manifest: dict[str, Any]) -> str:
    items = []
    for key, value in manifest.items():
        if key == "scenarios":
            value = "<br>".join(
                f"{_esc(s['name'])}: {_esc(s['path'])} (seed {s['seed']}, hash "
                f"{_esc(s['hash'][:12])})" for s in value)
        elif isinstance(value, dict):
            value = "<br>".join(f"{_esc(k)}: {_esc(v)}" for k, v in value.items())
        else:
            value = _esc(value)
        items.append(f"<dt>{_esc(key)}</dt><dd>{value}</dd>")
    return f'<dl id="provenance-list">{"".join(items)}</dl>'


def render_report(res: Any) -> str:
    """The HTML page of a :class:`jobsim.compare.cli.Comparison`."""
    m = res.manifest
    n, k = m["replications"], m["attribution_replications"]
    figs = res.figures
    body = f"""
<h1>就业计划干预组合比较 / Comparing intervention mixes</h1>
<p class="lede">{len(res.scenarios)} 个情景，每个 {n} 次重复模拟，每个代理人代表
{m['persons_per_agent']:g} 人 / {len(res.scenarios)} scenarios, {n} replications each, one agent
per {m['persons_per_agent']:g} people. Horizon {_esc(m['horizon'])}. Uncertainty included:
{_esc('; '.join(f'{a}: {b}' for a, b in m['uncertainty'].items()))}.</p>

<h2 id="findings-h">结论 / What this comparison found</h2>
{_findings(res)}
<p class="note">Command: <code id="command">{_esc(_command(m))}</code></p>

<h2 id="glance-h">结论一览 / At a glance</h2>
{_glance(res)}
<p class="note">达标概率 / P(met) = the share of replications meeting the target. New urban
jobs: December's cumulative count ≥ 700,000. Surveyed rate: a joint test, the annual mean
<b>and</b> December both ≤ 5.5% — so P(met) can be well below what the average rate alone
suggests (the targets table gives the annual mean's own P(met)).
Medians and 5–95% ranges over replications. The difference from
{_esc(res.scenarios[0])} is taken replication by replication (same seed and replicate: common
random numbers), so it is much tighter than the two ranges side by side.</p>

<h2 id="jobs-h">城镇新增就业 / New urban jobs against the 700,000 target</h2>
{_img(figs['jobs_fan'], '城镇新增就业扇形图 / fan chart of cumulative new urban jobs',
      'fig-jobs')}

<h2 id="rate-h">城镇调查失业率 / Surveyed urban unemployment against the national target</h2>
{_img(figs['unemployment_fan'], '城镇调查失业率扇形图 / fan chart of the surveyed rate',
      'fig-rate')}

<h2 id="prob-h">达标概率 / Probability of meeting each target</h2>
{_img(figs['target_probabilities'], '达标概率 / probability of meeting each target',
      'fig-prob')}
{_targets_rows(res)}
<p class="note">P(met) = share of replications meeting the target; the surveyed rate is judged
on the annual average and on December together, its "annual average" row on the average alone.
Programme outputs (trainings, internships) are judged against the plan's counts.</p>

<h2 id="attr-h">政策工具归因 / Attributable jobs and cost per job, by instrument</h2>
{_img(figs['attribution'], '政策工具归因 / attribution by instrument', 'fig-attr')
 if 'attribution' in figs else '<p>No scenario with instruments.</p>'}
{_attribution_rows(res)}
<p class="note">Attribution = the scenario minus the same scenario without that instrument, on the
same seed and replicate; computed on the first {k} of the {n} replications (one counterfactual
run per instrument and replication; {m.get('attribution_runs', '–')} runs). Cost per job =
mean spending / mean attributable jobs, shown where the 5–95% range of attributable jobs lies
above zero (attribution.csv gives it wherever the mean is positive).
"New urban jobs" is a gross administrative flow: instruments that keep people in their jobs
(job-retention refund, fee cuts, training in lieu of work) lower churn and can lower it while
raising employment, which the Δ urban employed columns show; training's lock-in lowers it in the
first year (docs/coverage.md).</p>

<h2 id="prov-h">来源与可复现性 / Provenance of this run</h2>
{_provenance(m)}
"""
    text_only = body  # the images are base64 (ASCII): the glyphs needed are in the text
    font = _font_face(text_only)
    return (f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">\n'
            f"<title>就业计划情景比较 / jobsim comparison</title>\n"
            f"<style>{font}{CSS}</style></head>\n<body>{body}</body></html>\n")


def scenario_question(text: str) -> str:
    """The question a scenario file's leading comments state (``# Question: ...``), or ''.

    The comment block runs until the first line that is not a comment; the question is the
    text after ``Question:`` (or ``Question answered:``) to the first ``?``.
    """
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    block = " ".join(lines)
    hit = re.search(r"Question(?: answered)?:\s*(.+?\?)", block)
    return hit.group(1).strip() if hit else ""


# -- findings: what the comparison found, per scenario, in words computed from the tables ------

def _question_of(res: Any, scenario: str) -> str:
    """The scenario file's stated question (its leading comments), '' if none or unreadable."""
    for entry in res.manifest.get("scenarios", []):
        if entry.get("name") == scenario:
            try:
                return scenario_question(Path(entry["path"]).read_text(encoding="utf-8"))
            except (OSError, KeyError, UnicodeDecodeError):
                return ""
    return ""


def _wan(persons: float, digits: int = 1) -> str:
    """Persons in 万人 (10,000), signed where asked by the caller."""
    return f"{persons / 1e4:,.{digits}f}万"


def _likelihood(p: float) -> tuple[str, str]:
    """Chinese and English words for a probability of meeting a target."""
    if p >= 0.9:
        return "很可能达标", "very likely met"
    if p >= 0.5:
        return "较可能达标", "more likely met than not"
    if p > 0.1:
        return "不太可能达标", "unlikely to be met"
    return "几乎不可能达标", "almost certainly missed"


def _row(t: pd.DataFrame, scenario: str, target: str) -> pd.Series | None:
    key = (scenario, target)
    return t.loc[key] if key in t.index else None


def _why_lower(res: Any, scenario: str, ref: str, *, jobs: bool, rate: bool) -> list[str]:
    """Reasons, from the attribution and monthly tables, why ``scenario`` trails ``ref``.

    ``jobs``/``rate``: which target it scores lower on; the rate's reasons come first for it.
    """
    reasons: list[str] = []
    a = res.attribution
    part = a[a["scenario"] == scenario] if len(a) else a
    if rate:
        reasons += _rate_reasons(res, scenario, ref)
    if len(part) and jobs:
        negative = part[part["attributable_new_urban_jobs_mean"] < 0].sort_values(
            "attributable_new_urban_jobs_mean")
        for _, r in negative.head(3).iterrows():
            label = res.instrument_labels.get(r["instrument"], r["instrument"])
            employed = r["delta_urban_employed_mean"]
            reasons.append(
                f"{_esc(label)}: {_wan(r['attributable_new_urban_jobs_mean'], 2)} 城镇新增就业 / "
                f"new urban jobs, {'+' if employed >= 0 else ''}{_wan(employed, 2)} "
                f"期末城镇就业 / urban employed at the end of the year")
    if len(part) and rate:
        worse = part[part["delta_surveyed_rate_pp_mean"] >= 0.005].sort_values(
            "delta_surveyed_rate_pp_mean", ascending=False)
        for _, r in worse.head(2).iterrows():
            label = res.instrument_labels.get(r["instrument"], r["instrument"])
            reasons.append(f"{_esc(label)} 使年均调查失业率上升 / raises the surveyed rate's "
                           f"annual mean by {r['delta_surveyed_rate_pp_mean']:+.2f} pp")
    return reasons


def _lowers_total(res: Any, scenario: str) -> list[str]:
    """Instruments of ``scenario`` whose total-employment effect is below zero at the p95.

    A gain in urban jobs they report can be a move out of rural work, which counts as
    employment too.
    """
    a = res.attribution
    part = a[(a["scenario"] == scenario) & (a["delta_total_employed_p95"] < 0)]
    out = []
    for _, r in part.sort_values("delta_total_employed_mean").iterrows():
        label = res.instrument_labels.get(r["instrument"], r["instrument"])
        out.append(f"{_esc(label)} {_wan(r['delta_total_employed_mean'], 2)} "
                   f"[{_wan(r['delta_total_employed_p05'], 2)}, "
                   f"{_wan(r['delta_total_employed_p95'], 2)}] (urban employed "
                   f"{_wan(r['delta_urban_employed_mean'], 2)})")
    return out


def _rate_reasons(res: Any, scenario: str, ref: str) -> list[str]:
    """The surveyed rate against the reference: annual mean and December, by replicate."""
    reasons = []
    m = res.monthly
    if len(m):
        year = m.groupby(["scenario", "replicate"], sort=False)["surveyed_unemployment_rate"]
        mean = year.mean()
        dec = year.last()
        if scenario in mean.index.get_level_values(0) and ref in mean.index.get_level_values(0):
            d_mean = float((mean.loc[scenario] - mean.loc[ref]).mean())
            d_dec = float((dec.loc[scenario] - dec.loc[ref]).mean())
            if d_mean > 0 or d_dec > 0:
                reasons.append(f"调查失业率高于 {_esc(ref)} / surveyed rate above {_esc(ref)}: "
                               f"annual mean {d_mean:+.2f} pp, December {d_dec:+.2f} pp "
                               f"(mean over replications, replicate by replicate)")
    return reasons


def _findings(res: Any) -> str:
    """Per scenario: its question, and the answer the numbers give (bilingual)."""
    t = res.targets.set_index(["scenario", "target"])
    ref = res.scenarios[0]
    ref_jobs = _row(t, ref, "new_urban_jobs")
    ref_rate = _row(t, ref, "surveyed_urban_unemployment_rate")
    items = []
    for s in res.scenarios:
        jobs, rate = _row(t, s, "new_urban_jobs"), _row(t, s, "surveyed_urban_unemployment_rate")
        avg = _row(t, s, "surveyed_urban_unemployment_rate_annual_average")
        if jobs is None or rate is None:
            continue
        question = _question_of(res, s)
        zh_j, en_j = _likelihood(float(jobs["prob_met"]))
        zh_r, en_r = _likelihood(float(rate["prob_met"]))
        lines = [f"<b>{_esc(s)}</b>" + (f" — <i>Question: {_esc(question)}</i>" if question
                                        else "")]
        lines.append(
            f"城镇新增就业 70万目标{zh_j} / the 700,000 new-urban-jobs target is {en_j}: "
            f"P(met) {_pct(jobs['prob_met'])} (share of replications whose December cumulative "
            f"count reaches 700,000), median {_wan(jobs['p50'])} "
            f"[5–95%: {_wan(jobs['p05'])}–{_wan(jobs['p95'])}].")
        avg_text = (f"; the annual mean alone is met in {_pct(avg['prob_met'])}, median "
                    f"{avg['p50']:.2f}%" if avg is not None else "")
        lines.append(
            f"城镇调查失业率 5.5%目标{zh_r} / the surveyed-rate target (≤ 5.5%) is {en_r}: "
            f"P(met) {_pct(rate['prob_met'])}, a joint test — the annual mean and December must "
            f"both be at most 5.5%{avg_text}; December's median {rate['p50']:.2f}%.")
        if s != ref and ref_jobs is not None and ref_rate is not None:
            diff = res.differences.get(s)
            lower_jobs = float(jobs["prob_met"]) < float(ref_jobs["prob_met"])
            lower_rate = float(rate["prob_met"]) < float(ref_rate["prob_met"])
            if diff is not None:
                lines.append(
                    f"与 {_esc(ref)} 相比 / against {_esc(ref)}: {diff[0] / 1e4:+,.1f}万 new urban "
                    f"jobs [5–95%: {diff[1] / 1e4:+,.1f}, {diff[2] / 1e4:+,.1f}], P(met) "
                    f"{_pct(jobs['prob_met'])} vs {_pct(ref_jobs['prob_met'])} (jobs) and "
                    f"{_pct(rate['prob_met'])} vs {_pct(ref_rate['prob_met'])} (rate).")
            if lower_jobs or lower_rate or (diff is not None and diff[0] < 0):
                reasons = _why_lower(res, s, ref, jobs=lower_jobs or (
                    diff is not None and diff[0] < 0), rate=lower_rate)
                head = (f"为何低于 {_esc(ref)} / why it scores below {_esc(ref)}"
                        + (": " if reasons else ": no single instrument explains it; the "
                           "difference lies within the replications' spread."))
                lines.append(head + ("<ul>" + "".join(f"<li>{r}</li>" for r in reasons)
                                     + "</ul>" if reasons else ""))
        lowering = _lowers_total(res, s)
        if lowering:
            lines.append("降低全部就业（城镇+乡村）的工具 / instruments that lower total "
                         "employment (urban plus rural work) at the end of the year, over the "
                         "whole 5–95% range of the attribution replicates: "
                         + "; ".join(lowering) + ".")
        items.append("<li>" + "<br>".join(lines) + "</li>")
    return f'<ul id="findings">{"".join(items)}</ul>'


def _gross_flow_note(row: pd.Series) -> str:
    """Why an instrument's attributable new urban jobs are negative, from its own numbers."""
    jobs, employed = row["attributable_new_urban_jobs_mean"], row["delta_urban_employed_mean"]
    total = row["delta_total_employed_mean"]
    if math.isfinite(employed) and employed > 0 and math.isfinite(total) and total < 0:
        return (f"+{_wan(employed, 2)} urban employed but {_wan(total, 2)} total employment "
                "(urban + rural) at year end: it moves people out of rural work, which counts "
                "as employment (从农业转移，乡村就业减少)")
    if not (math.isfinite(jobs) and jobs < 0):
        return ""
    if math.isfinite(employed) and employed > 0:
        return (f"gross count {_wan(jobs, 2)} but +{_wan(employed, 2)} employed at year end: it "
                "keeps people in work, so fewer separations need re-hiring (新增就业是毛流量)")
    return (f"lowers both new jobs ({_wan(jobs, 2)}) and year-end employment "
            f"({_wan(employed, 2)}) this year: participants leave search while in the "
            "programme (lock-in), the return comes later")


def _command(manifest: dict[str, Any]) -> str:
    """The command that made the comparison, as recorded (with its flags)."""
    return str(manifest.get("command", ""))
