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
from typing import Any

from model.compare.plots import cjk_font

__all__ = ["render_report"]

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
        digits = 2 if "rate" in name else 0
        rows.append([(_esc(r["scenario"]), ""), (_esc(label), ""),
                     (f"{_esc(comparison)} {_num(threshold, digits)}", ""),
                     (_num(r["mean"], digits), ""), (_num(r["p05"], digits), ""),
                     (_num(r["p50"], digits), ""), (_num(r["p95"], digits), ""),
                     (_pct(r["prob_met"]), _cls(r["prob_met"]))])
    header = ["情景 / scenario", "目标 / target", "目标值 / target value", "均值 / mean",
              "p05", "p50", "p95", "达标概率 / P(met)"]
    return _table(header, rows, left=2, table_id="targets")


def _attribution_rows(res: Any) -> str:
    rows = []
    for _, r in res.attribution.iterrows():
        rows.append([(_esc(r["scenario"]), ""),
                     (_esc(res.instrument_labels.get(r["instrument"], r["instrument"])), ""),
                     (_num(r["attributable_new_urban_jobs_mean"]), ""),
                     (f"{_num(r['attributable_new_urban_jobs_p05'])} – "
                      f"{_num(r['attributable_new_urban_jobs_p95'])}", ""),
                     (_num(r["spending_yuan"] / 1e4), ""),
                     (_num(r["cost_per_job_yuan"]) if r["attributable_new_urban_jobs_p05"] > 0
                      else "–", ""),
                     (_num(r["delta_urban_employed_mean"]), ""),
                     (_num(r["cost_per_employed_yuan"]), ""),
                     (str(int(r["replications"])), "")])
    header = ["情景 / scenario", "政策工具 / instrument",
              "可归因新增就业<br>attributable new urban jobs<br>mean", "5–95%",
              "支出（万元）<br>spending (10,000 yuan)",
              "每个新增就业成本（元）<br>cost per job (yuan)",
              "期末城镇就业增量<br>Δ urban employed, end",
              "每个就业增量成本（元）<br>cost per employed (yuan)",
              "重复次数<br>replications"]
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
    """The HTML page of a :class:`model.compare.cli.Comparison`."""
    m = res.manifest
    n, k = m["replications"], m["attribution_replications"]
    figs = res.figures
    body = f"""
<h1>就业计划干预组合比较 / Comparing intervention mixes</h1>
<p class="lede">{len(res.scenarios)} 个情景，每个 {n} 次重复模拟，每个代理人代表
{m['persons_per_agent']:g} 人 / {len(res.scenarios)} scenarios, {n} replications each, one agent
per {m['persons_per_agent']:g} people. Horizon {_esc(m['horizon'])}. Uncertainty included:
{_esc('; '.join(f'{a}: {b}' for a, b in m['uncertainty'].items()))}.</p>

<h2 id="glance-h">结论一览 / At a glance</h2>
{_glance(res)}
<p class="note">Medians and 5–95% ranges over replications. The difference from
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
