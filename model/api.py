"""The Python API, statsmodels-style: scenarios are values, runs return result objects.

::

    import jobsim

    plan = jobsim.Scenario.from_toml("scenarios/plan_2021.toml")
    more = plan.with_budgets(hiring_subsidy=3e8)          # a new, validated scenario
    r = jobsim.run(more, persons_per_agent=1000)          # -> Results
    r.targets                                            # DataFrame, one row per plan target
    c = jobsim.compare([plan, more.with_name("more_hiring")], replications=20)
    c.targets                                            # DataFrame: mean, p05..p95, prob_met

A :class:`Scenario` is immutable: every ``with_*`` method builds the scenario's tables anew
and validates them exactly as a file is validated (:func:`jobsim.scenario.scenario_from_mapping`),
so a bad budget or an unknown parameter raises the same :class:`ScenarioError`, naming the
scenario and the field. Documented in ``docs/api.md``.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
from jobsim import results as _results
from jobsim.runner import run_scenario
from jobsim.scenario import LoadedScenario, ScenarioError, load_scenario, scenario_from_mapping

__all__ = ["Scenario", "Results", "Comparison", "run", "compare", "ema_model", "ScenarioError",
           "HEADLINE_OUTCOMES"]


def _from_mapping(data: Mapping[str, Any], origin: str, base_dir: Path) -> LoadedScenario:
    """Validate a scenario mapping as a file would be (the scenario module's own function)."""
    return scenario_from_mapping(data, origin=origin, base_dir=base_dir)


def _question(text: str) -> str:
    """The analyst's question a scenario file states in its leading comments, if any."""
    from jobsim.compare.report import scenario_question

    return scenario_question(text)


class Scenario:
    """A validated scenario; ``with_*`` methods return new ones (the original is unchanged).

    Build one with :meth:`from_toml` or :meth:`from_dict`.
    """

    def __init__(self, loaded: LoadedScenario, data: dict[str, Any], base_dir: Path,
                 question: str = "") -> None:
        self._loaded = loaded
        self._data = data
        self._base_dir = base_dir
        self._question = question

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: Path | str) -> Scenario:
        """Read and validate a scenario file (``extends`` resolved)."""
        path = Path(path)
        loaded = load_scenario(path)
        return cls(loaded, _tables(loaded), path.resolve().parent, _question(loaded.text))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base_dir: Path | str | None = None,
                  origin: str = "<dict>") -> Scenario:
        """Validate a mapping with a scenario file's tables (``scenario``, ``macro``, ...).

        Relative paths in it (``parameters``, ``extends``) resolve against ``base_dir``
        (default: the current folder).
        """
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        loaded = _from_mapping(copy.deepcopy(dict(data)), origin, base)
        return cls(loaded, _tables(loaded), base.resolve())

    def _amend(self, change: Callable[[dict[str, Any]], None], what: str) -> Scenario:
        data = copy.deepcopy(self._data)
        change(data)
        origin = f"{self.name} ({what})"
        loaded = _from_mapping(data, origin, self._base_dir)
        return Scenario(loaded, _tables(loaded), self._base_dir, self._question)

    # -- variants -------------------------------------------------------------------------
    def with_budgets(self, budgets: Mapping[str, float] | None = None, /,
                     **more: float) -> Scenario:
        """Set instruments' budgets in yuan (``hiring_subsidy=3e8``); 0 switches one off.

        An instrument the scenario does not have yet is added with its default settings.
        """
        given = {**(budgets or {}), **more}

        def change(data: dict[str, Any]) -> None:
            table = data.setdefault("instruments", {})
            for kind, value in given.items():
                table.setdefault(kind, {})["budget_yuan"] = value

        return self._amend(change, "with_budgets " + ", ".join(f"{k}={v:g}" if isinstance(
            v, (int, float)) else f"{k}={v!r}" for k, v in given.items()))

    def with_overrides(self, overrides: Mapping[str, Any] | None = None, /,
                       **more: Any) -> Scenario:
        """Override parameters by dotted path: ``with_overrides({"matching.efficiency": 0.5})``.

        Keyword form: ``matching__efficiency=0.5`` (a double underscore stands for the dot).
        """
        given = {**(overrides or {}), **{k.replace("__", "."): v for k, v in more.items()}}

        def change(data: dict[str, Any]) -> None:
            data.setdefault("overrides", {}).update(given)

        return self._amend(change, "with_overrides")

    def with_macro(self, demand_index: float | Sequence[float] | None = None, *,
                   source: str | None = None, description: str | None = None) -> Scenario:
        """Replace the ``[macro]`` table's demand index (one value or one per month), source."""

        def change(data: dict[str, Any]) -> None:
            macro = data.setdefault("macro", {})
            if demand_index is not None:
                macro["demand_index"] = (list(demand_index) if not isinstance(
                    demand_index, (int, float)) else demand_index)
            if source is not None:
                macro["source"] = source
            if description is not None:
                macro["description"] = description

        return self._amend(change, "with_macro")

    def with_settings(self, **settings: Any) -> Scenario:
        """Change ``[scenario]`` fields: ``name``, ``seed``, ``persons_per_agent``, ..."""

        def change(data: dict[str, Any]) -> None:
            data["scenario"].update(settings)

        return self._amend(change, "with_settings")

    def with_name(self, name: str) -> Scenario:
        """The same scenario under another name (names must differ within a comparison)."""
        return self.with_settings(name=name)

    # -- reading --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._loaded.spec.scenario.name

    @property
    def question(self) -> str:
        """The question the scenario file says it answers ('' if it states none)."""
        return self._question

    @property
    def budgets(self) -> dict[str, float]:
        """Each instrument's budget in yuan."""
        return {k: v.budget_yuan for k, v in self._loaded.spec.instruments.items()}

    @property
    def loaded(self) -> LoadedScenario:
        """The resolved scenario the model runs (parameters and instruments resolved)."""
        return self._loaded

    def to_dict(self) -> dict[str, Any]:
        """The scenario's tables (``parameters`` as an absolute path); feed to :meth:`from_dict`."""
        return copy.deepcopy(self._data)

    def to_toml(self, path: Path | str) -> Path:
        """Write the scenario as a self-contained TOML file (paths absolute)."""
        path = Path(path)
        head = "".join(f"# {line}\n" for line in
                       (f"Question: {self._question}" if self._question else "").splitlines())
        _results.atomic_write(path, head + tomli_w.dumps(self._data))
        return path

    def __repr__(self) -> str:
        spend = sum(self.budgets.values())
        return (f"Scenario({self.name!r}, {len(self.budgets)} instruments, "
                f"{spend / 1e8:,.2f} 亿 yuan)")


def _tables(loaded: LoadedScenario) -> dict[str, Any]:
    """A loaded scenario's tables as plain data, parameter path made absolute."""
    data = loaded.spec.model_dump(mode="json", exclude_none=True)
    data["scenario"].pop("extends", None)
    params = data["scenario"].get("parameters", "default")
    if params != "default":
        # load_scenario resolved it against the file that named it; the params know where.
        origin = Path(str(loaded.params.origin))
        data["scenario"]["parameters"] = str(origin.resolve() if origin.is_file() else params)
    return data


# -- one run ------------------------------------------------------------------------------

class Results:
    """One run: ``monthly``, ``targets`` and ``attribution`` DataFrames and the manifest."""

    def __init__(self, monthly: pd.DataFrame, targets: dict[str, Any],
                 attribution: pd.DataFrame | None, manifest: dict[str, Any],
                 programmes: dict[str, Any] | None = None) -> None:
        self.monthly = monthly
        self._targets = targets
        self.attribution = (attribution if attribution is not None
                            else pd.DataFrame(columns=_ATTRIBUTION_COLUMNS))
        self.manifest = manifest
        self.programmes = programmes or {}

    @property
    def targets(self) -> pd.DataFrame:
        """One row per plan target: label, simulated value, target, comparison, met."""
        rows = []
        for name, t in self._targets.items():
            rows.append({"target": name, "value": t.get("value"),
                         "annual_average": t.get("annual_average"),
                         "comparison": t.get("comparison"), "threshold": t.get("target"),
                         "met": t.get("met"), "label": t.get("label", name)})
        frame = pd.DataFrame(rows).set_index("target")
        return frame

    def plot(self):  # -> matplotlib.figure.Figure
        """Cumulative new urban jobs against 700,000 and the surveyed rate against 5.5%."""
        from jobsim.compare.plots import run_figure

        return run_figure(self.monthly, self._targets)

    def to_excel(self, path: Path | str) -> Path:
        """One workbook: sheets ``targets``, ``monthly``, ``attribution``."""
        from jobsim.compare.summarise import write_excel

        return write_excel(path, {"targets": self.targets.reset_index(),
                                  "monthly": self.monthly, "attribution": self.attribution})

    def save(self, folder: Path | str) -> Path:
        """Write ``monthly.csv``, ``summary.json``, ``attribution.csv``, ``manifest.json``."""
        inner = _results.Results(monthly=self.monthly, manifest=self.manifest,
                                 targets=self._targets, programmes=self.programmes,
                                 attribution=self.attribution)
        return inner.save(folder)

    @classmethod
    def load(cls, folder: Path | str) -> Results:
        """Read what :meth:`save` (or ``jobsim run``) wrote."""
        folder = Path(folder)
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        attribution = (pd.read_csv(folder / "attribution.csv")
                       if (folder / "attribution.csv").is_file() else None)
        monthly = pd.read_csv(folder / "monthly.csv", dtype={"month": str})
        return cls(monthly, summary["targets"], attribution, manifest,
                   summary.get("programmes", {}))

    def __repr__(self) -> str:
        met = {k: v.get("met") for k, v in self._targets.items() if v.get("met") is not None}
        return f"Results({len(self.monthly)} months, targets met: {sum(met.values())}/{len(met)})"


_ATTRIBUTION_COLUMNS = ["instrument", "spending_yuan", "participants",
                        "attributable_new_urban_jobs", "delta_surveyed_rate_pp",
                        "cost_per_job_yuan", "delta_urban_employed", "cost_per_employed_yuan",
                        "budget_exhausted_month"]


def run(scenario: Scenario | Path | str, *, seed: int | None = None,
        persons_per_agent: float | None = None, replicate: int = 0,
        attribution: bool = True) -> Results:
    """Simulate a scenario once (and, with ``attribution``, once more per instrument).

    ``seed`` and ``persons_per_agent`` default to the scenario's own.
    """
    s = scenario if isinstance(scenario, Scenario) else Scenario.from_toml(scenario)
    r = run_scenario(s.loaded, seed=seed, persons_per_agent=persons_per_agent,
                     replicate=replicate, attribution=attribution)
    return Results(r.monthly, r.targets, r.attribution, r.manifest, r.programmes)


# -- comparisons --------------------------------------------------------------------------

class Comparison:
    """Scenarios compared over replications: ``targets``, ``attribution``, ``monthly``."""

    def __init__(self, targets: pd.DataFrame, attribution: pd.DataFrame, monthly: pd.DataFrame,
                 manifest: dict[str, Any], inner: Any = None) -> None:
        self.targets = targets
        self.attribution = attribution
        self.monthly = monthly
        self.manifest = manifest
        self._inner = inner  # jobsim.compare.Comparison, when computed in this process

    @property
    def scenarios(self) -> list[str]:
        """Scenario names in the order given."""
        return list(dict.fromkeys(self.targets["scenario"]))

    def prob_met(self, target: str = "new_urban_jobs") -> dict[str, float]:
        """P(target met) per scenario (share of replications meeting it)."""
        rows = self.targets[self.targets["target"] == target]
        return dict(zip(rows["scenario"], rows["prob_met"].astype(float)))

    def plot(self, column: str = "new_urban_jobs_cum"):  # -> matplotlib.figure.Figure
        """Fan chart of a monthly column by scenario (median, 50% and 90% bands)."""
        from jobsim.compare.plots import fan_figure

        return fan_figure(self.monthly, self.scenarios, column)

    def to_excel(self, path: Path | str) -> Path:
        """One workbook: sheets ``targets`` and ``attribution``."""
        from jobsim.compare.summarise import write_excel

        return write_excel(path, {"targets": self.targets, "attribution": self.attribution})

    def save(self, folder: Path | str) -> Path:
        """Write the comparison's files (with the HTML report when computed here)."""
        folder = Path(folder)
        with _results.atomic_dir(folder) as tmp:
            if self._inner is not None:
                self._inner.write(tmp)
            else:
                self.targets.to_csv(tmp / "targets.csv", index=False, float_format="%.6f")
                self.attribution.to_csv(tmp / "attribution.csv", index=False,
                                        float_format="%.6f")
                self.monthly.to_parquet(tmp / "monthly.parquet", index=False)
                (tmp / "manifest.json").write_text(
                    json.dumps(self.manifest, indent=2, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path | str) -> Comparison:
        """Read a comparison folder (``jobsim compare --out DIR`` or :meth:`save`)."""
        folder = Path(folder)
        return cls(pd.read_csv(folder / "targets.csv"), pd.read_csv(folder / "attribution.csv"),
                   pd.read_parquet(folder / "monthly.parquet"),
                   json.loads((folder / "manifest.json").read_text(encoding="utf-8")))

    def summary(self) -> str:
        """The headline text table."""
        if self._inner is not None:
            return self._inner.summary()
        return self.targets.to_string(index=False)

    def __repr__(self) -> str:
        return f"Comparison({self.scenarios}, {self.manifest.get('replications')} replications)"


def _executor(executor: int | str | None) -> dict[str, Any]:
    if executor is None:
        return {}
    if isinstance(executor, bool) or not isinstance(executor, (int, str)):
        raise ScenarioError(f"executor must be a number of local processes or a Dask scheduler "
                            f"address, got {executor!r}")
    if isinstance(executor, int):
        return {"workers": executor}
    return {"scheduler": executor}


def compare(scenarios: Sequence[Scenario | Path | str], *, replications: int = 20,
            executor: int | str | None = None, out: Path | str | None = None,
            macro_draws: bool = True, parameter_draws: Path | str | bool | None = True,
            progress: bool = False, quiet: bool = True, **options: Any) -> Comparison:
    """Compare scenarios over replications, as ``jobsim compare`` does (same numbers).

    Parameters
    ----------
    scenarios : sequence of Scenario or path
        Names must differ (:meth:`Scenario.with_name`).
    replications : int
        Replications per scenario.
    executor : int or str, optional
        Local processes (``1`` = this process) or a Dask scheduler address; default: all CPUs.
    out : path, optional
        Also write the comparison folder there (report included).
    macro_draws, parameter_draws :
        Full uncertainty by default, as ``jobsim compare``: one forecast demand path and one
        draw of the calibrated parameters per replicate (``parameter_draws=True``: from each
        scenario's own fitted parameter file; a path: from that file; False: none).
    **options
        Passed to :func:`jobsim.compare.run_compare`: ``seed``, ``persons_per_agent``,
        ``attribution_replications``.
    """
    from jobsim.compare.cli import run_compare

    given = [s if isinstance(s, Scenario) else Scenario.from_toml(s) for s in scenarios]
    with tempfile.TemporaryDirectory(prefix="jobsim-compare-") as tmp:
        # Workers re-read scenarios by path (a task stays small): each one gets a file.
        paths = []
        for s in given:
            if s.loaded.path.is_file() and s.loaded.spec == load_scenario(s.loaded.path).spec:
                paths.append(s.loaded.path)
            else:
                paths.append(s.to_toml(Path(tmp) / f"{s.name}.toml"))
        target = Path(out) if out is not None else Path(tmp) / "out"
        command = ("jobsim.compare([" + ", ".join(s.name for s in given) + f"], replications="
                   f"{replications}, macro_draws={macro_draws}, parameter_draws="
                   f"{parameter_draws!s}" + "".join(f", {k}={v!r}" for k, v in options.items())
                   + (f", executor={executor!r}" if executor is not None else "") + ")")
        inner = run_compare(paths, target, replications, progress=progress, quiet=quiet,
                            macro_draws=macro_draws, parameter_draws=parameter_draws,
                            command=command, **_executor(executor), **options)
    return Comparison(inner.targets, inner.attribution, inner.monthly, inner.manifest, inner)


# -- EMA Workbench and SALib --------------------------------------------------------------

#: Outcomes the adapter returns (scalars per experiment).
HEADLINE_OUTCOMES = ("new_urban_jobs", "surveyed_rate_annual_average", "surveyed_rate_december",
                     "urban_employed_december", "spending_yuan", "targets_met")


def ema_model(scenario: Scenario | Path | str = "scenarios/plan_2021.toml", *,
              seed: int | None = None, persons_per_agent: float | None = None,
              replicate: int = 0) -> Callable[..., dict[str, float]]:
    """A function of keyword arguments returning outcomes, for EMA Workbench or SALib.

    Keywords (all optional): ``<instrument>`` = its budget in yuan (``hiring_subsidy=3e8``);
    ``demand_factor`` = a factor on the scenario's demand path; ``<section>__<name>`` = a
    parameter override (``matching__efficiency=0.5``). The returned dict has
    :data:`HEADLINE_OUTCOMES`. Each call is one run on the scenario's seed (or ``seed``), so
    the same keywords give the same outcomes.

    Example (EMA Workbench 2.5)::

        from ema_workbench import Model, RealParameter, ScalarOutcome, perform_experiments
        m = Model("jobsim", function=jobsim.ema_model(persons_per_agent=2000))
        m.levers = [RealParameter("hiring_subsidy", 0, 1e9)]
        m.uncertainties = [RealParameter("demand_factor", 0.95, 1.05)]
        m.outcomes = [ScalarOutcome(n) for n in jobsim.api.HEADLINE_OUTCOMES]
        experiments, outcomes = perform_experiments(m, scenarios=20, policies=2)
    """
    base = scenario if isinstance(scenario, Scenario) else Scenario.from_toml(scenario)
    kinds = set(_instrument_kinds())

    def evaluate(**kwargs: float) -> dict[str, float]:
        budgets = {k: float(v) for k, v in kwargs.items() if k in kinds}
        overrides = {k.replace("__", "."): _plain(v) for k, v in kwargs.items() if "__" in k}
        factor = kwargs.get("demand_factor")
        unknown = set(kwargs) - kinds - {k for k in kwargs if "__" in k} - {"demand_factor"}
        if unknown:
            raise ScenarioError(f"ema_model: unknown keyword(s) {', '.join(sorted(unknown))} "
                                f"(instrument budgets, demand_factor or section__parameter)")
        s = base
        if budgets:
            s = s.with_budgets(budgets)
        if overrides:
            s = s.with_overrides(overrides)
        if factor is not None:
            path = s.loaded.demand_path()
            s = s.with_macro([p * float(factor) for p in path], source="fixed")
        r = run(s, seed=seed, persons_per_agent=persons_per_agent, replicate=replicate,
                attribution=False)
        return headline_outcomes(r)

    return evaluate


def headline_outcomes(r: Results) -> dict[str, float]:
    """The adapter's outcomes from one run."""
    m = r.monthly
    year = m[m["month"].str[:4] == m["month"].iloc[-1][:4]]
    met = [t["met"] for t in r._targets.values() if t.get("met") is not None]
    spending = sum(float(p.get("spending_yuan", 0.0)) for p in r.programmes.values()
                   if isinstance(p, dict))
    return {"new_urban_jobs": float(m["new_urban_jobs_cum"].iloc[-1]),
            "surveyed_rate_annual_average": float(year["surveyed_unemployment_rate"].mean()),
            "surveyed_rate_december": float(m["surveyed_unemployment_rate"].iloc[-1]),
            "urban_employed_december": float(m["urban_employed"].iloc[-1]),
            "spending_yuan": spending, "targets_met": float(sum(bool(x) for x in met))}


def _plain(value: Any) -> Any:
    """Turn numpy scalars (what samplers hand over) into Python numbers, for validation."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _instrument_kinds() -> list[str]:
    from jobsim.policies import KINDS

    return list(KINDS)
