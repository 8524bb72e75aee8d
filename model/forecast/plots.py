"""One figure per series: history, forecast with 80/95% intervals, and the 2021 target.

Drawn on an Agg canvas directly (no ``pyplot``, no global backend switch). Chinese labels
are added when a CJK font is installed; otherwise the figure is labelled in English only,
silently (the glyphs would otherwise render as boxes).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from jobsim.forecast.pipeline import SeriesForecast
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["plot_forecast"]

_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
              "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei",
              "PingFang SC", "Heiti SC")
#: Persons are drawn in millions so that axes stay readable.
_UNITS = {"persons": (1e6, "million persons"), "percent": (1.0, "percent"),
          "share": (1.0, "share of the year's total")}
_COMPARISON = {"<=": "≤", ">=": "≥", "==": "="}


@lru_cache(maxsize=1)
def _cjk_font() -> str | None:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in installed), None)


def _title(fc: SeriesForecast) -> str:
    font = _cjk_font()
    title = fc.series.label + (f" / {fc.series.label_zh}" if font else "")
    return f"{title}\nforecast: {fc.fitted.name} (chosen by rolling-origin backtest)"


def _when(index: pd.PeriodIndex) -> np.ndarray:
    return np.asarray(index.to_timestamp(how="start"))


def _bands(ax, x, frame: pd.DataFrame, factor: float) -> None:
    ax.fill_between(x, frame["lo95"] / factor, frame["hi95"] / factor, color="tab:blue",
                    alpha=0.15, linewidth=0, label="95% interval")
    ax.fill_between(x, frame["lo80"] / factor, frame["hi80"] / factor, color="tab:blue",
                    alpha=0.3, linewidth=0, label="80% interval")
    ax.plot(x, frame["mean"] / factor, color="tab:blue", linewidth=2, label="forecast")


def _time_plot(ax, fc: SeriesForecast, factor: float) -> None:
    series = fc.series
    history = series.output()
    ax.plot(_when(history.index), history / factor, color="black", marker="o", markersize=3,
            linewidth=1, label="observed")
    if len(series.memory):
        ax.plot(_when(series.memory.index), series.memory / factor, linestyle="none",
                marker="o", markersize=5, markerfacecolor="none", color="grey",
                label="memory-flagged (not used)")
    if len(series.history_targets):
        ax.plot(_when(series.history_targets.index), series.history_targets / factor,
                linestyle="none", marker="_", markersize=12, color="tab:red", alpha=0.6,
                label="past targets")
    _bands(ax, _when(fc.forecast.index), fc.forecast, factor)
    for target in series.targets:
        year = pd.Period(target.period, freq="Y")
        if series.freq == "M":
            span = pd.period_range(year.start_time, year.end_time, freq="M")
            x = [span[0].start_time, span[-1].end_time]
        else:
            x = [year.start_time - pd.Timedelta(days=120), year.start_time + pd.Timedelta(days=120)]
        ax.plot(x, [target.value / factor] * 2, color="tab:red", linewidth=2,
                label=f"{target.period} target {_COMPARISON.get(target.comparison, '')}"
                      f" {target.value / factor:g}")


def _profile_plot(ax, fc: SeriesForecast) -> None:
    series = fc.series
    history = series.output().dropna()
    for year, values in history.groupby(history.index.year):
        ax.plot(values.index.month, values, marker="o", linestyle="none",
                label=f"{year} observed")
    months = np.arange(1, 13)
    ax.plot(np.r_[0, months], np.r_[0, months] / 12, color="grey", linestyle=":",
            label="even accrual")
    frame = fc.forecast
    year = frame.index[0].year
    _bands(ax, np.asarray(frame.index.month), frame, 1.0)
    ax.lines[-1].set_label(f"{year} forecast")
    refs = series.references
    if len(refs):
        ax.plot([p.month for p in refs["period"]], refs["value"], marker="x", color="black",
                linestyle="none", label="Hunan (reference, not fitted)")
    ax.set_xticks(months)
    ax.set_xlabel("month (cumulative to the end of)")


def plot_forecast(fc: SeriesForecast, path: Path) -> Path:
    """Draw ``fc`` to ``path`` (PNG) and return the path.

    Parameters
    ----------
    fc : SeriesForecast
        A series' forecast and data.
    path : Path
        Where to write the figure.
    """
    factor, unit = _UNITS[fc.series.unit]
    figure = Figure(figsize=(9, 5), dpi=100)
    FigureCanvasAgg(figure)
    font = _cjk_font()
    ax = figure.add_subplot()
    if fc.series.transform == "ytd_share":
        _profile_plot(ax, fc)
    else:
        _time_plot(ax, fc, factor)
    ax.set_ylabel(unit)
    family = {"fontfamily": [font, "DejaVu Sans"]} if font else {}
    ax.set_title(_title(fc), fontsize=10, **family)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    figure.tight_layout()
    figure.savefig(path, format="png", metadata={"Software": None})
    return Path(path)
