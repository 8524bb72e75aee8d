"""The comparison's figures (matplotlib, Agg), as PNG bytes, with Chinese and English labels.

Chinese glyphs come from Noto Sans CJK SC as shipped by the PyPI package ``mplfonts``,
registered with matplotlib's font manager at plot time (nothing is copied into matplotlib's
own folders). Without it, an installed CJK font is used if matplotlib knows one; failing both,
the plots are drawn with a warning and the Chinese characters show as boxes.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

__all__ = ["cjk_font", "fan_chart", "probability_chart", "attribution_chart", "TargetInfo",
           "run_figure", "fan_figure"]

#: Installed CJK families matplotlib may know, used when mplfonts is missing.
_SYSTEM_CJK = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
               "WenQuanYi Micro Hei", "Droid Sans Fallback", "SimHei", "Microsoft YaHei")

#: (label "中文 / English", threshold, comparison) per target name.
TargetInfo = dict[str, tuple[str, float, str]]


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str | None, Path | None]:
    """Register a CJK font with matplotlib; return its family name and file (or Nones)."""
    try:
        from mplfonts.conf import FONT_DIR

        path = Path(FONT_DIR) / "NotoSansCJKsc-Regular.otf"
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name(), path
    except ImportError:
        pass
    for entry in font_manager.fontManager.ttflist:
        if entry.name in _SYSTEM_CJK:
            return entry.name, Path(entry.fname)
    warnings.warn("no CJK font found (pip install mplfonts, or apt-get install fonts-noto-cjk):"
                  " Chinese labels in the plots will show as boxes", stacklevel=2)
    return None, None


def _style() -> dict:
    family, _ = cjk_font()
    fonts = ["DejaVu Sans"] + ([family] if family else [])
    return {"font.family": fonts, "axes.spines.top": False, "axes.spines.right": False,
            "figure.dpi": 100, "savefig.dpi": 110, "font.size": 9}


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _month_ticks(ax: plt.Axes, months: list[str]) -> None:
    step = max(1, int(np.ceil(len(months) / 12)))
    pos = list(range(0, len(months), step))
    ax.set_xticks(pos)
    ax.set_xticklabels([months[p][2:] for p in pos], rotation=60, fontsize=7)


def _bands(frame: pd.DataFrame, column: str) -> tuple[list[str], np.ndarray]:
    """Months and the 5/25/50/75/95th percentiles over replications, month by month."""
    table = frame.pivot(index="month", columns="replicate", values=column).sort_index()
    q = np.quantile(table.to_numpy(dtype=float), [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    return list(table.index), q


def fan_chart(monthly: pd.DataFrame, scenarios: list[str], column: str, *, scale: float,
              unit: str, title: str, threshold: float, threshold_label: str,
              prob_met: dict[str, float]) -> bytes:
    """One panel per scenario: median, 50% and 90% bands over replications, the target line.

    The first scenario's median is drawn in every other panel as the reference.
    """
    with plt.rc_context(_style()):
        n = len(scenarios)
        cols = min(3, n)
        rows = int(np.ceil(n / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.8 * rows + 0.6),
                                 sharey=True, squeeze=False)
        ref_months, ref_q = _bands(monthly[monthly["scenario"] == scenarios[0]], column)
        for ax, name in zip(axes.flat, scenarios):
            months, q = _bands(monthly[monthly["scenario"] == name], column)
            x = np.arange(len(months))
            q = q / scale
            ax.fill_between(x, q[0], q[4], color="#4C72B0", alpha=0.18, lw=0,
                            label="5–95%")
            ax.fill_between(x, q[1], q[3], color="#4C72B0", alpha=0.35, lw=0,
                            label="25–75%")
            ax.plot(x, q[2], color="#1F3A68", lw=1.6, label="中位数 / median")
            if name != scenarios[0] and ref_months == months:
                ax.plot(x, ref_q[2] / scale, color="0.45", lw=1, ls="--",
                        label=f"{scenarios[0]} 中位数 / median")
            ax.axhline(threshold / scale, color="#C44E52", lw=1.2, ls="-")
            ax.text(0.02, threshold / scale, threshold_label, color="#C44E52", fontsize=7,
                    va="bottom", transform=ax.get_yaxis_transform())
            p = prob_met.get(name)
            ax.set_title(name + (f"\n达标概率 / P(met) = {p:.0%}" if p is not None else ""),
                         fontsize=8.5)
            _month_ticks(ax, months)
            ax.grid(axis="y", color="0.9", lw=0.6)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel(unit)
        handles, labels = axes.flat[min(1, n - 1)].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=7.5, frameon=False,
                   bbox_to_anchor=(0.5, -0.02))
        fig.suptitle(title, fontsize=10.5)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        return _png(fig)


def probability_chart(targets: pd.DataFrame, scenarios: list[str], info: TargetInfo) -> bytes:
    """Heat map: the probability that each scenario meets each target."""
    names = [t for t in dict.fromkeys(targets["target"]) if t in info]
    grid = np.full((len(scenarios), len(names)), np.nan)
    for i, s in enumerate(scenarios):
        for j, t in enumerate(names):
            hit = targets[(targets["scenario"] == s) & (targets["target"] == t)]
            if len(hit):
                grid[i, j] = float(hit["prob_met"].iloc[0])
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(1.5 * len(names) + 2.6, 0.5 * len(scenarios) + 2.2))
        ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                if np.isfinite(grid[i, j]):
                    ax.text(j, i, f"{grid[i, j]:.0%}", ha="center", va="center", fontsize=8.5,
                            color="black")
        labels = []
        for t in names:
            label, threshold, comparison = info[t]
            zh, _, en = label.partition(" / ")
            en = textwrap.fill(en, 20)
            labels.append(f"{zh}\n{en}\n{_threshold(t, threshold, comparison)}")
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(labels, fontsize=7)
        ax.set_yticks(range(len(scenarios)))
        ax.set_yticklabels(scenarios, fontsize=8)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title("达标概率 / probability of meeting each target (share of replications)",
                     fontsize=10)
        fig.tight_layout()
        return _png(fig)


def _threshold(target: str, value: float, comparison: str) -> str:
    """``≥ 70万`` or ``≤ 5.5%``."""
    sign = {">=": "≥", "<=": "≤"}.get(comparison, comparison)
    if "rate" in target:
        return f"{sign} {value:g}%"
    if abs(value) >= 1e4:
        return f"{sign} {value / 1e4:,.4g}万"
    return f"{sign} {value:,.0f}"


def attribution_chart(attribution: pd.DataFrame, labels: dict[str, str]) -> bytes:
    """Per instrument: attributable new urban jobs (mean, 5–95%) and cost per job, by scenario."""
    scenarios = list(dict.fromkeys(attribution["scenario"]))
    instruments = list(dict.fromkeys(attribution["instrument"]))
    n_s, n_i = len(scenarios), len(instruments)
    height = 0.8 / max(n_s, 1)
    colours = plt.get_cmap("tab10")
    with plt.rc_context(_style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.22 * n_i * max(n_s, 2) + 1.8),
                                          sharey=True)
        y0 = np.arange(n_i)
        shown_costs: list[float] = []
        for k, s in enumerate(scenarios):
            part = attribution[attribution["scenario"] == s].set_index("instrument")
            part = part.reindex(instruments)
            y = y0 - 0.4 + height * (k + 0.5)
            mean = part["attributable_new_urban_jobs_mean"].to_numpy(dtype=float) / 1e4
            lo = part["attributable_new_urban_jobs_p05"].to_numpy(dtype=float) / 1e4
            hi = part["attributable_new_urban_jobs_p95"].to_numpy(dtype=float) / 1e4
            err = np.vstack([np.clip(mean - lo, 0, None), np.clip(hi - mean, 0, None)])
            left.barh(y, mean, height=height, color=colours(k), label=s)
            left.errorbar(mean, y, xerr=np.nan_to_num(err), fmt="none", ecolor="0.25", lw=0.8,
                          capsize=1.5)
            cost = part["cost_per_job_yuan"].to_numpy(dtype=float) / 1e4
            # A cost per job is shown only where the 90% range of jobs lies above zero.
            ok = np.isfinite(cost) & (cost > 0) & (lo > 0)
            right.barh(y[ok], cost[ok], height=height, color=colours(k))
            for yy, c, good in zip(y, cost, ok):
                if not good:
                    right.text(0.0, yy, " –", va="center", fontsize=7, color="0.4",
                               transform=right.get_yaxis_transform())
            shown_costs.extend(cost[ok].tolist())
        left.axvline(0, color="0.3", lw=0.8)
        left.set_yticks(y0)
        left.set_yticklabels([labels.get(i, i).replace(" / ", "\n") for i in instruments],
                             fontsize=7.5)
        left.invert_yaxis()
        left.set_xlabel("可归因城镇新增就业（万人）/ attributable new urban jobs (10,000), "
                        "mean and 5–95%", fontsize=8)
        costs = [c for c in shown_costs if c > 0]
        log = bool(costs) and max(costs) / min(costs) > 50
        if log:
            right.set_xscale("log")
            right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.4g}"))
            right.xaxis.set_minor_formatter(NullFormatter())
        right.set_xlabel("每个新增就业的支出（万元）/ spending per attributable job "
                         f"(10,000 yuan{', log scale' if log else ''})\n"
                         "– : jobs' 5–95% range not above zero", fontsize=8)
        for ax in (left, right):
            ax.grid(axis="x", color="0.9", lw=0.6)
        left.legend(fontsize=7, frameon=False, loc="lower right")
        fig.suptitle("政策工具归因 / attribution by instrument "
                     "(scenario minus scenario without the instrument)", fontsize=10)
        fig.tight_layout()
        return _png(fig)


#: Headline monthly columns: (label, unit, scale, target line).
_HEADLINE = {
    "new_urban_jobs_cum": ("累计城镇新增就业 / cumulative new urban jobs", "万人 / 10,000 persons",
                           1e4, 700_000.0),
    "surveyed_unemployment_rate": ("城镇调查失业率 / surveyed urban unemployment rate", "%", 1.0,
                                   5.5),
}


def run_figure(monthly: pd.DataFrame, targets: dict | None = None) -> plt.Figure:
    """One run: cumulative new urban jobs and the surveyed rate by month, with the targets.

    Returned open (for a notebook to show); the thresholds are the plan's, from ``targets``
    when given (as :func:`jobsim.results.judge_targets` returns them).
    """
    names = {"new_urban_jobs_cum": "new_urban_jobs",
             "surveyed_unemployment_rate": "surveyed_urban_unemployment_rate"}
    with plt.rc_context(_style()):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
        months = list(monthly["month"])
        x = np.arange(len(months))
        for ax, (column, (label, unit, scale, line)) in zip(axes, _HEADLINE.items()):
            threshold = (targets or {}).get(names[column], {}).get("target") or line
            ax.plot(x, monthly[column].to_numpy(dtype=float) / scale, color="#1F3A68", lw=1.6)
            ax.axhline(float(threshold) / scale, color="#C44E52", lw=1.2)
            ax.set_title(label, fontsize=9)
            ax.set_ylabel(unit)
            _month_ticks(ax, months)
            ax.grid(axis="y", color="0.9", lw=0.6)
        fig.tight_layout()
    return fig


def fan_figure(monthly: pd.DataFrame, scenarios: list[str],
               column: str = "new_urban_jobs_cum") -> plt.Figure:
    """All scenarios on one axis: median and 5–95% band of ``column`` over replications."""
    label, unit, scale, line = _HEADLINE.get(column, (column, "", 1.0, None))
    colours = plt.get_cmap("tab10")
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7, 3.6))
        months: list[str] = []
        for k, name in enumerate(scenarios):
            months, q = _bands(monthly[monthly["scenario"] == name], column)
            x = np.arange(len(months))
            ax.fill_between(x, q[0] / scale, q[4] / scale, color=colours(k), alpha=0.15, lw=0)
            ax.plot(x, q[2] / scale, color=colours(k), lw=1.6, label=name)
        if line is not None:
            ax.axhline(line / scale, color="#C44E52", lw=1.2, ls="-")
        _month_ticks(ax, months)
        ax.set_ylabel(unit)
        ax.set_title(f"{label}: median and 5–95%", fontsize=9)
        ax.legend(fontsize=7, frameon=False)
        ax.grid(axis="y", color="0.9", lw=0.6)
        fig.tight_layout()
    return fig
