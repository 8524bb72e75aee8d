"""The optimisation's figures: the front, and which instruments the front funds.

Drawn with the comparison's style and CJK font (:mod:`jobsim.compare.plots`), as PNG bytes.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from jobsim.compare import plots as cplots  # noqa: E402

__all__ = ["front_chart", "funding_chart"]


def front_chart(front: pd.DataFrame, screening: pd.DataFrame, plan: dict, recommended: int
                ) -> bytes:
    """Left: gain against P(met) (colour: cost per additional employed); right: cost vs gain.

    Grey dots are every candidate screened (at the screening scale); coloured ones the
    confirmed front; the star is the recommended mix, the cross the plan at the same budget.
    """
    with plt.rc_context(cplots._style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
        gain = front["gain"].to_numpy(dtype=float) / 1e4
        p = front["p_met"].to_numpy(dtype=float)
        cost = front["cost"].to_numpy(dtype=float) / 1e4
        left.scatter(screening["gain"] / 1e4, screening["p_met"], s=8, color="0.8",
                     label="筛选的组合 / screened mixes (coarse scale)")
        finite = np.isfinite(cost)
        sc = left.scatter(gain[finite], p[finite], c=cost[finite], cmap="viridis_r", s=36,
                          edgecolor="k", lw=0.4, label="帕累托前沿 / confirmed front")
        if (~finite).any():
            left.scatter(gain[~finite], p[~finite], s=36, facecolor="white", edgecolor="k",
                         lw=0.6, label="前沿（无就业增量）/ front, no gain")
        if len(sc.get_offsets()):
            bar = fig.colorbar(sc, ax=left)
            bar.set_label("每个新增就业人员成本（万元）\n"
                          "cost per additional employed (10,000 yuan)", fontsize=7.5)
        rec = front.iloc[recommended]
        for ax, x, y in ((left, rec["gain"] / 1e4, rec["p_met"]),
                         (right, rec["gain"] / 1e4, rec["cost"] / 1e4)):
            ax.scatter([x], [y], marker="*", s=220, color="#C44E52", edgecolor="k", lw=0.6,
                       zorder=5, label="推荐组合 / recommended")
        left.scatter([plan["gain"] / 1e4], [plan["p_met"]], marker="X", s=110, color="#DD8452",
                     edgecolor="k", lw=0.6, zorder=5, label="原计划（同预算）/ plan, same budget")
        if np.isfinite(plan["cost"]):
            right.scatter([plan["gain"] / 1e4], [plan["cost"] / 1e4], marker="X", s=110,
                          color="#DD8452", edgecolor="k", lw=0.6, zorder=5)
        right.scatter(gain[finite], cost[finite], s=30, color="#4C72B0", edgecolor="k", lw=0.4)
        left.set_xlabel("期末总就业增量（万人）/ gain in total employment, December (10,000)")
        left.set_ylabel("两项主要目标均达成的概率 / P(both targets met)")
        left.set_ylim(-0.03, 1.03)
        right.set_xlabel("期末总就业增量（万人）/ gain in total employment, December (10,000)")
        right.set_ylabel("每个新增就业人员成本（万元）\ncost per additional employed (10,000 yuan)")
        left.legend(fontsize=7, frameon=False, loc="lower right")
        for ax in (left, right):
            ax.grid(color="0.92", lw=0.6)
        fig.suptitle("预算组合的帕累托前沿 / Pareto front of budget mixes "
                     "(same futures for every mix)", fontsize=10.5)
        fig.tight_layout()
        return cplots._png(fig)


def funding_chart(rows: pd.DataFrame, names: list[str], kinds: tuple[str, ...],
                  labels: dict[str, str]) -> bytes:
    """One horizontal bar per mix (front, plan): its budget by instrument (亿元 / 100 m yuan)."""
    colours = plt.get_cmap("tab20")
    with plt.rc_context(cplots._style()):
        fig, ax = plt.subplots(figsize=(11, 0.32 * len(rows) + 2.4))
        y = np.arange(len(rows))
        left = np.zeros(len(rows))
        for k, kind in enumerate(kinds):
            v = rows[f"budget_{kind}"].to_numpy(dtype=float) / 1e8
            ax.barh(y, v, left=left, color=colours(k), label=labels.get(kind, kind), height=0.75)
            left += v
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=7.5)
        ax.invert_yaxis()
        ax.set_xlabel("预算（亿元）/ budget (100 million yuan)")
        ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  ncol=3)
        ax.grid(axis="x", color="0.92", lw=0.6)
        ax.set_title("前沿各组合资助哪些政策工具 / which instruments the front funds", fontsize=10)
        fig.tight_layout()
        return cplots._png(fig)
