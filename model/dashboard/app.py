"""The planner's dashboard (Solara): move a budget, see P(targets met), fan charts, attribution.

Started by ``jobsim dashboard`` (:func:`jobsim.dashboard.serve`), which hands the settings over
in the environment. Every budget change runs the scenario again at the coarse scale of the
settings (:func:`jobsim.dashboard.compute.evaluate`, the same numbers ``compare`` gives); a
progress bar shows the share of model runs done, and the last answer stays on screen,
marked as being recomputed, until the new one is in.
"""

from __future__ import annotations

import html
import threading

import solara
import solara.lab
from jobsim.api import Scenario
from jobsim.compare.executors import LocalExecutor
from jobsim.dashboard.compute import Answer, evaluate, settings_from_env
from jobsim.policies import KINDS

SETTINGS = settings_from_env()
BASE = Scenario.from_toml(SETTINGS.scenario)
PLAN = BASE.budgets
#: Each slider runs from 0 to three times the plan's budget (100 million yuan, 亿元).
MAX_FACTOR = 3.0

budgets = solara.reactive(dict(PLAN))


def _page_font() -> str:
    """CSS: the CJK glyphs this page uses, embedded (a machine may have no CJK font at all)."""
    from pathlib import Path

    from jobsim.compare.report import _font_face

    text = Path(__file__).read_text(encoding="utf-8") + "".join(
        getattr(cls, "label", "") or "" for cls in KINDS.values())
    face = _font_face(text)
    family = '"JobsimCJK", Roboto, "DejaVu Sans", sans-serif'
    return face + f"body, .v-application, .v-application * {{font-family: {family} !important}}"


PAGE_CSS = _page_font()

_executor: LocalExecutor | None = None
_lock = threading.Lock()


def _shared_executor() -> LocalExecutor:
    """One warm pool of worker processes for every session (2 cores: 2 workers)."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = LocalExecutor(workers=2)
        return _executor


@solara.lab.task(prefer_threaded=True)
def answer(chosen: dict[str, float]) -> Answer:
    """Run the chosen budgets (a new call cancels the display of the previous one)."""
    def progress(share: float) -> None:
        answer.progress = 100.0 * share

    return evaluate(BASE, chosen, SETTINGS, progress=progress, executor=_shared_executor())


def _label(kind: str) -> str:
    cls = KINDS[kind]
    return getattr(cls, "label", "") or kind


def _pct(p: float) -> str:
    return f"{p:.0%}"


@solara.component
def BudgetSliders() -> None:
    """One slider per instrument of the scenario, in 亿元 (100 million yuan)."""
    current = budgets.value
    for kind, plan_budget in PLAN.items():
        top = max(MAX_FACTOR * plan_budget / 1e8, 1.0)

        def set_value(value: float, kind: str = kind) -> None:
            budgets.set({**budgets.value, kind: round(float(value), 4) * 1e8})

        with solara.Div(classes=[f"budget-{kind}"], style={"margin-bottom": "6px"}):
            solara.Text(f"{_label(kind)}: {current[kind] / 1e8:.2f} 亿元 "
                        f"(plan {plan_budget / 1e8:.2f})", style={"font-size": "0.85em"})
            solara.SliderFloat("", value=current[kind] / 1e8, min=0.0, max=round(top, 2),
                               step=0.01, on_value=set_value, thumb_label=False)
    solara.Button("恢复计划 / reset to the plan", on_click=lambda: budgets.set(dict(PLAN)),
                  text=True)


@solara.component
def Headline(a: Answer, stale: bool) -> None:
    """P(met) of the two headline targets, each with its definition."""
    shown = "; ".join(f"{k}={v / 1e8:.2f}" for k, v in a.budgets.items())
    solara.HTML(tag="div", attributes={"id": "shown-budgets", "data-budgets": shown},
                unsafe_innerHTML=f"<small>{'(recomputing) ' if stale else ''}budgets shown "
                                 f"(亿元): {html.escape(shown)}</small>")
    with solara.Row():
        with solara.Card("城镇新增就业 ≥ 70万 / new urban jobs ≥ 700,000"):
            solara.HTML(tag="div", attributes={"id": "p-jobs"},
                        unsafe_innerHTML=f"<span style='font-size:2em'>{_pct(a.prob_jobs)}"
                                         "</span>")
            solara.Markdown(f"达标概率: share of replications whose December cumulative new "
                            f"urban jobs reach 700,000 (median {a.jobs_median / 1e4:.1f}万).")
        with solara.Card("城镇调查失业率 ≤ 5.5% / surveyed rate ≤ 5.5%"):
            solara.HTML(tag="div", attributes={"id": "p-rate"},
                        unsafe_innerHTML=f"<span style='font-size:2em'>{_pct(a.prob_rate)}"
                                         "</span>")
            solara.Markdown(f"达标概率: share of replications in which **both** the annual "
                            f"average and December are at most 5.5% (the average alone: "
                            f"{_pct(a.prob_rate_average)}; median average "
                            f"{a.rate_median:.2f}%).")


@solara.component
def Page() -> None:
    """The page."""
    solara.Title("jobsim dashboard")
    solara.Style(PAGE_CSS)
    chosen = budgets.value
    solara.use_effect(lambda: answer(dict(chosen)) and None,
                      [tuple(sorted(chosen.items()))])
    with solara.Sidebar():
        solara.Markdown("### 预算 / budgets\nEach instrument's budget for the year.")
        BudgetSliders()
    solara.Markdown(
        f"## {html.escape(BASE.name)}: 是否达标? / will the targets be met?\n"
        f"{SETTINGS.replications} replications at one agent per "
        f"{SETTINGS.persons_per_agent:g} people (a coarse scale: use `jobsim compare` for the "
        f"report's numbers), with forecast-demand and calibrated-parameter draws.")
    running = answer.pending
    solara.HTML(tag="div", attributes={"id": "status"},
                unsafe_innerHTML="running" if running else "ready")
    if running:
        solara.ProgressLinear(answer.progress if answer.progress is not None else True)
    latest = answer.latest
    if latest is None:
        solara.Text("计算中 / computing the first answer…")
        return
    Headline(latest, stale=running)
    with solara.Row():
        solara.Image(latest.figures["jobs_fan"], width="560px")
        solara.Image(latest.figures["unemployment_fan"], width="560px")
    if "attribution" in latest.figures:
        solara.Markdown("### 政策工具归因 / attribution (scenario minus scenario without the "
                        "instrument)\nNew urban jobs is a gross flow: an instrument that keeps "
                        "people in work can lower it while raising employment (right-hand "
                        "column of the table).")
        solara.Image(latest.figures["attribution"], width="1000px")
