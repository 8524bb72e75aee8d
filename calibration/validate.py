"""``jobsim validate``: backcasts of the calibrated model against the record it did and did not see.

Experiments (rows of ``backcast.csv``: experiment, year, indicator, record, mean, p05..p95):

- ``in_sample`` — the full fit (the fitted file), every year of the run against the record.
- ``oos_2020`` — a fit on the targets of the years before the last (2014–2019) only, from the base
  values with its own global stage (nothing of 2020 enters it), then the continuous run through
  2020 on 2020's observed growth path. Scored on Hunan's 2020 new urban jobs, the rate path
  against China's monthly 2020 rates, and the within-year profile.
- ``loyo`` — for each year before the last, a fit without that year's targets, scored on it.
  To keep it cheap each is a local refit warm-started from the full fit (which saw that year:
  the warm start is a leak the local refit does not fully undo, stated in the report) at a coarser
  scale with fewer replications and iterations.

Bands carry three sources of uncertainty from the model: parameter (joint draws from each fit's
normal approximation, truncated to the bounds; the proxy gap from its own), macro (draws of the
GDP-to-demand relation from :mod:`jobsim.macro` when it offers them; otherwise the observed
path only, and the report says so) and stochastic (each draw is its own replicate). Those
bands (``backcast_model_only.csv``) say what the model would do; they ignore what it cannot
explain. ``backcast.csv`` adds a fourth source, **model discrepancy**: each fit's own
in-sample residuals on the targets it saw (root mean square per family of rows: new-jobs
levels relative, rates and profile shares in points) as a normal error around every draw
(Kennedy & O'Hagan's model-discrepancy term, estimated here from the training years only, so
the held-out year never sets its own band). A predictive band is only honest with it: the
calibration's own weighting says a model driven by demand alone leaves Hunan's between-year
variation of new urban jobs (sd 3.5 wan) unexplained.

Everything runs through one checkpointed :class:`~jobsim.calibration.evaluator.Evaluator`, so an
interrupted validation resumes (``--resume``) where it stopped.
"""

from __future__ import annotations

import hashlib
import time
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from jobsim import data
from jobsim.calibration.config import CalibrationConfigError, LoadedConfig, load_config
from jobsim.calibration.demand import ELASTICITY
from jobsim.calibration.evaluator import Evaluator, remove_checkpoint
from jobsim.calibration.fitted import load_meta
from jobsim.calibration.objective import Problem
from jobsim.calibration.simulate import Extractor, between_quarters, make_spec
from jobsim.calibration.smm import FitResult, fit
from jobsim.calibration.targets import build_targets, vacancy_ratio_growth

__all__ = ["run_validate", "Ensemble", "EXPERIMENTS", "QUANTILES"]

EXPERIMENTS = ("in_sample", "oos_2020", "loyo")
#: Backcast row families with model discrepancy: (relative or absolute, the extractor kinds of
#: the rows, the target kinds whose fit residuals measure it).
DISCREPANCY = {
    "new_urban_jobs": ("relative", {"new_urban_jobs", "new_urban_jobs_ytd"},
                       {"new_urban_jobs", "new_urban_jobs_ytd"}),
    "surveyed_rate": ("absolute", {"surveyed_rate_mean", "surveyed_rate_month"},
                      {"surveyed_rate_mean", "surveyed_rate_month"}),
    "registered_rate": ("absolute", {"registered_rate"}, {"registered_rate"}),
    "profile_share": ("absolute", {"national_new_jobs_cumulative_share"},
                      {"new_jobs_cumulative_share", "new_jobs_cumulative_share_yoy",
                       "national_new_jobs_cumulative_share"}),
}
#: Discrepancy draws per model draw (normal errors are cheap; the model draws are not).
DISCREPANCY_DRAWS = 200
QUANTILES = {"p05": 0.05, "p10": 0.10, "p50": 0.50, "p90": 0.90, "p95": 0.95}
COLUMNS = ["experiment", "year", "indicator", "record", "mean", *QUANTILES]


@dataclass
class Ensemble:
    """What a band needs from a fit: estimates, covariance, proxy gap, bounds."""

    name: str
    problem: Problem
    estimate: np.ndarray
    cov: np.ndarray
    gap: float | None
    gap_se: float | None
    info: dict
    discrepancy: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_fit(cls, name: str, result: FitResult, info: dict | None = None) -> Ensemble:
        """From a fit made here."""
        sigma = discrepancy(result.problem, result.moments_sim)
        return cls(name, result.problem, result.estimate, result.cov, result.gap, result.gap_se,
                   {"objective": result.objective, "dof": result.dof,
                    "estimate": dict(zip(result.problem.names, map(float, result.estimate))),
                    "se": dict(zip(result.problem.names, map(float, result.se))),
                    "gap": result.gap, "gap_se": result.gap_se, "discrepancy": sigma,
                    **(info or {})}, sigma)

    @classmethod
    def from_file(cls, cfg: LoadedConfig, fitted: Path) -> Ensemble:
        """From a fitted file's metadata; it must come from the same configuration."""
        meta = load_meta(fitted)
        names = [p.name for p in cfg.free]
        if [p["name"] for p in meta["parameters"]] != names:
            raise CalibrationConfigError(
                f"{fitted}: fitted with other free parameters than {cfg.path} "
                f"({[p['name'] for p in meta['parameters']]}); refit with jobsim calibrate")
        if meta["config"]["sha1"] != hashlib.sha1(cfg.text.encode()).hexdigest():
            raise CalibrationConfigError(
                f"{fitted}: fitted with another version of {cfg.path}; refit with jobsim "
                "calibrate")
        problem = Problem.from_config(cfg, build_targets(cfg))
        gap = meta.get("proxy_gap") or {}
        estimate = np.array([p["estimate"] for p in meta["parameters"]])
        cov = np.array(meta["covariance"], dtype=float)
        table = meta["fit_table"]
        if [r["moment"] for r in table] != [m.name for m in problem.moments]:
            raise CalibrationConfigError(f"{fitted}: its fit table does not list the targets of "
                                         f"{cfg.path}; refit with jobsim calibrate")
        sigma = discrepancy(problem, np.array([np.nan if r["simulated"] is None
                                               else r["simulated"] for r in table], dtype=float))
        return cls("full", problem, estimate, cov, gap.get("estimate"),
                   gap.get("se"), {"objective": meta["objective"], "dof": meta["dof"],
                                   "fitted": str(fitted), "git_commit":
                                   meta["version"]["git_commit"],
                                   "estimate": dict(zip(names, map(float, estimate))),
                                   "se": dict(zip(names, map(float, np.sqrt(np.diag(cov))))),
                                   "discrepancy": sigma}, sigma)

    def draws(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``n`` joint parameter draws (truncated to the bounds) and ``n`` proxy-gap draws."""
        lo, hi = self.problem.lower, self.problem.upper
        cov = np.nan_to_num(self.cov)
        out = np.empty((n, self.estimate.size))
        for i in range(n):
            for _ in range(1000):
                x = rng.multivariate_normal(self.estimate, cov, method="eigh")
                if np.all((x >= lo) & (x <= hi)):
                    break
            out[i] = np.clip(x, lo, hi)
        gaps = np.zeros(n)
        g = self.problem.gap_spec
        if g is not None and self.gap is not None:
            gaps = np.clip(self.gap + (self.gap_se or 0.0) * rng.standard_normal(n), g.lower,
                           g.upper)
        return out, gaps


def discrepancy(problem: Problem, simulated: np.ndarray) -> dict[str, float]:
    """Root-mean-square fit residual of each row family on the fitted targets (module notes).

    ``simulated`` holds the fit's moments at its estimate, comparable with the targets (share
    and proxy gap applied). New-jobs levels are relative (record / simulated - 1), the others
    in points. A family without a fitted target gets no discrepancy (0).
    """
    kinds = np.array([m.kind for m in problem.moments])
    sim = np.asarray(simulated, dtype=float)
    out = {}
    for family, (how, _, target_kinds) in DISCREPANCY.items():
        use = problem.fit & np.isin(kinds, list(target_kinds)) & np.isfinite(sim)
        if not use.any():
            out[family] = 0.0
            continue
        r = problem.data[use] - sim[use]
        if how == "relative":
            r = r / sim[use]
        out[family] = float(np.sqrt(np.mean(r * r)))
    return out


def _family(kind: str) -> str | None:
    for family, (_, row_kinds, _) in DISCREPANCY.items():
        if kind in row_kinds:
            return family
    return None


def with_discrepancy(values: np.ndarray, rows: list[Indicator], sigma: dict[str, float],
                     rng: np.random.Generator, k: int = DISCREPANCY_DRAWS) -> np.ndarray:
    """``k`` discrepancy draws around each model draw: ``(n * k, rows)`` values.

    Errors are independent across rows (a year's residual is not known to carry into the
    next) and normal with the family's sd: relative for new-jobs levels, additive otherwise.
    """
    out = np.repeat(values, k, axis=0)
    z = rng.standard_normal(out.shape)
    for j, r in enumerate(rows):
        family = _family(r.extractor.kind)
        s = sigma.get(family, 0.0) if family else 0.0
        if not s:
            continue
        how = DISCREPANCY[family][0]
        out[:, j] = out[:, j] * (1.0 + s * z[:, j]) if how == "relative" else (
            out[:, j] + s * z[:, j])
    return out


# -- indicators --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    """One row of the backcast: how it is read off the run and what the record says."""

    year: int
    name: str
    record: float
    extractor: Extractor
    level: bool = False  # scales with the recording share
    gapped: bool = False  # compared with China's rate through the proxy gap


def _hunan(period: str) -> float:
    try:
        return data.hunan("new_urban_jobs", period).value
    except data.DataError:
        return float("nan")


def _registered(period: str) -> float:
    try:
        return data.hunan("registered_unemployment_rate", period).value
    except data.DataError:
        return float("nan")


def _pes_growth(a: str, b: str) -> float:
    try:
        return vacancy_ratio_growth(a, b)[0]
    except data.DataError:
        return float("nan")


def indicators(start: str, end: str, spin_up_months: int = 0) -> list[Indicator]:
    """List the backcast's indicators of every year of the run with their records."""
    first = pd.Period(start, freq="M")
    p0 = first - spin_up_months  # offsets count from the run's first (spin-up) month
    years = range(first.year, pd.Period(end, freq="M").year + 1)
    china = data.national_monthly_surveyed()
    ytd = data.national_ytd_new_urban_jobs()
    out: list[Indicator] = []
    for y in years:
        off = (pd.Period(f"{y}-01", freq="M") - p0).n
        if off < 0:
            continue
        out.append(Indicator(y, "new_urban_jobs", _hunan(str(y)),
                             Extractor("new_urban_jobs", (off,)), level=True))
        for m, label in ((6, "jan_jun"), (9, "jan_sep")):
            out.append(Indicator(y, f"new_urban_jobs_{label}", _hunan(f"{y}-01..{y}-{m:02d}"),
                                 Extractor("new_urban_jobs_ytd", (off,), through_month=m),
                                 level=True))
        rates = [china.get(pd.Period(f"{y}-{m:02d}", freq="M"), np.nan) for m in range(1, 13)]
        known = tuple(m for m in range(1, 13) if np.isfinite(rates[m - 1]))
        out.append(Indicator(y, "surveyed_rate_mean",
                             float(np.mean([rates[m - 1] for m in known])) if known else np.nan,
                             Extractor("surveyed_rate_mean", (off,),
                                       months=known or tuple(range(1, 13))), gapped=True))
        if known:
            for m in range(1, 13):
                out.append(Indicator(y, f"surveyed_rate_{m:02d}", float(rates[m - 1]),
                                     Extractor("surveyed_rate_month", (off,), month=m),
                                     gapped=True))
        for m in (6, 9, 12):
            rec = _registered(f"{y}-{m:02d}")
            if m == 12 or np.isfinite(rec):
                out.append(Indicator(y, f"registered_rate_{m:02d}", rec,
                                     Extractor("registered_rate", (off,), month=m)))
        for back, label in ((1, "1y"), (2, "2y")):
            if off - 12 * back >= 0:
                out.append(Indicator(y, f"vacancy_ratio_growth_q4_{label}",
                                     _pes_growth(f"{y - back}Q4", f"{y}Q4"),
                                     between_quarters(Extractor("vacancy_ratio_growth", (off,)),
                                                      p0, f"{y - back}Q4", f"{y}Q4")))
        rows = ytd[ytd["year"] == y].set_index("through_month")["persons"]
        if 12 in rows.index:
            for m in range(1, 12):
                rec = 100 * rows[m] / rows[12] if m in rows.index else np.nan
                out.append(Indicator(y, f"china_profile_share_{m:02d}", float(rec),
                                     Extractor("national_new_jobs_cumulative_share", (off,),
                                               through_month=m)))
    return out


def _china_change(year: int) -> float:
    jobs = data.national_annual("new_urban_jobs_wan")
    if year in jobs.index and year - 1 in jobs.index:
        return float(100 * (jobs[year] / jobs[year - 1] - 1))
    return float("nan")


# -- ensembles ---------------------------------------------------------------------------------
def elasticity_to(last_year: int | None):
    """Estimate the employment-output elasticity on China's record up to ``last_year``."""
    from jobsim import macro

    if last_year is None:
        return macro.employment_output_elasticity()
    return macro.estimate_elasticity(years=tuple(y for y in macro.ELASTICITY_YEARS
                                                 if y <= last_year))


def elasticity_free(cfg: LoadedConfig) -> bool:
    """Whether the configuration calibrates the employment-output elasticity."""
    return any(p.path == ELASTICITY for p in cfg.free)


def demand_of(cfg: LoadedConfig, elasticity: float) -> tuple[float, ...]:
    """Return the observed demand path of the configuration's run at a given elasticity."""
    from jobsim import macro

    sim = cfg.spec.simulation
    months = (pd.Period(sim.end, freq="M") - pd.Period(sim.start, freq="M")).n + 1
    if sim.demand != "macro":
        return tuple([1.0] * months)
    return tuple(float(v) for v in macro.observed_demand(sim.start, months,
                                                          elasticity=elasticity))


def _macro_paths(cfg: LoadedConfig, n: int, rng: np.random.Generator, last_year: int | None
                 ) -> tuple[list[tuple[float, ...]], str]:
    """Demand paths of ``n`` macro draws: the elasticity drawn from its estimate's normal."""
    if cfg.spec.simulation.demand != "macro":
        return [demand_of(cfg, 0.0)] * n, "none (the configuration runs at flat demand)"
    el = elasticity_to(last_year)
    etas = el.value + el.se * rng.standard_normal(n)
    note = (f"the employment-output elasticity drawn from N({el.value:.3g}, {el.se:.2g}) "
            f"(China {el.years[0]}–{el.years[-1]}), applied to the observed growth path")
    return [demand_of(cfg, float(e)) for e in etas], note


def ensemble_rows(ev: Evaluator, cfg: LoadedConfig, ens: Ensemble, rows: list[Indicator],
                  experiment: str, n: int, persons_per_agent: float, seed: int,
                  years: set[int] | None = None, elasticity_last_year: int | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Simulate ``n`` draws of ``ens`` and summarise ``rows`` (only ``years`` if given).

    Returns the rows with model discrepancy (``backcast.csv``), the same rows from the model's
    draws alone (``backcast_model_only.csv``) and the note on macro uncertainty.
    """
    moments = build_targets(cfg)[:0]
    base = make_spec(cfg, moments, persons_per_agent, seed=cfg.spec.simulation.seed)
    base = replace(base, extract=tuple(r.extractor for r in rows))
    rng = np.random.default_rng([seed, zlib.crc32(experiment.encode())])
    theta, gaps = ens.draws(n, rng)
    pb = ens.problem
    if elasticity_free(cfg):
        # The elasticity is a calibrated parameter: each draw's path follows its own value
        # (drawn jointly with the other parameters), through the spec's output gap.
        macro_note = ("the employment-output elasticity is calibrated: each draw runs the "
                      "observed growth path at its own joint parameter draw of it")
        tasks = [(base, tuple(theta[i, pb.sim_index]), i) for i in range(n)]
    else:
        paths, macro_note = _macro_paths(cfg, n, rng, elasticity_last_year)
        spin = (1.0,) * cfg.spec.simulation.spin_up_months
        tasks = [(replace(base, demand=spin + paths[i]), tuple(theta[i, pb.sim_index]), i)
                 for i in range(n)]
    ev.stage(f"validate {experiment}: {n} draws", total=n)
    raw = ev.tasks(tasks)
    level = np.array([r.level for r in rows])
    gapped = np.array([r.gapped for r in rows])
    share = theta[:, pb.share_index] if pb.share_index is not None else np.ones(n)
    values = raw.copy()
    values[:, level] *= share[:, None]
    values[:, gapped] -= gaps[:, None]
    noise = np.random.default_rng([seed, zlib.crc32(experiment.encode()), 1])
    predictive = with_discrepancy(values, rows, ens.discrepancy, noise)
    gaps_k = np.repeat(gaps, DISCREPANCY_DRAWS)
    return (_summarise(experiment, rows, predictive, gaps_k, years),
            _summarise(experiment, rows, values, gaps, years), macro_note)


def _summarise(experiment: str, rows: list[Indicator], values: np.ndarray, gaps: np.ndarray,
               years: set[int] | None) -> pd.DataFrame:
    out = []
    by_key = {(r.year, r.name): k for k, r in enumerate(rows)}
    for k, r in enumerate(rows):
        if years is not None and r.year not in years:
            continue
        out.append(_row(experiment, r.year, r.name, r.record, values[:, k]))
        if r.name == "new_urban_jobs" and (r.year - 1, r.name) in by_key:
            prev = values[:, by_key[(r.year - 1, r.name)]]
            change = 100 * (values[:, k] / prev - 1)
            rec_prev = rows[by_key[(r.year - 1, r.name)]].record
            out.append(_row(experiment, r.year, "new_urban_jobs_change_pct",
                            100 * (r.record / rec_prev - 1), change))
            out.append(_row(experiment, r.year, "new_urban_jobs_change_pct_vs_china",
                            _china_change(r.year), change))
        if r.gapped:
            raw_k = values[:, k] + gaps
            out.append(_row(experiment, r.year, f"hunan_{r.name}_no_gap", float("nan"), raw_k))
    return pd.DataFrame(out, columns=COLUMNS)


def _row(experiment: str, year: int, name: str, record: float, values: np.ndarray) -> dict:
    v = values[np.isfinite(values)]
    q = {k: float(np.quantile(v, p)) if v.size else np.nan for k, p in QUANTILES.items()}
    return {"experiment": experiment, "year": int(year), "indicator": name,
            "record": float(record), "mean": float(v.mean()) if v.size else np.nan, **q}


# -- refits ------------------------------------------------------------------------------------
def restricted(cfg: LoadedConfig, drop_years: set[int], end: str | None = None) -> LoadedConfig:
    """Return the configuration without the targets that read any of ``drop_years``."""
    keep = [t for t in cfg.spec.targets
            if not set(t.years) & drop_years and not _period_years(t) & drop_years]
    sim = cfg.spec.simulation if end is None else cfg.spec.simulation.model_copy(
        update={"end": end})
    spec = cfg.spec.model_copy(update={"targets": keep, "simulation": sim})
    return cfg.model_copy(update={"spec": spec})


def _period_years(t) -> set[int]:
    out = set()
    for p in (t.from_period, t.to_period, t.period):
        if p and p[:4].isdigit() and t.kind != "programme_output":
            out.add(int(p[:4]))
    if t.kind in ("rural_transfer_stock_increase", "vacancy_ratio_growth") and (
            t.from_period and t.to_period):
        out |= set(range(int(t.from_period[:4]) + 1, int(t.to_period[:4]) + 1))
    return out


@dataclass
class Options:
    """How much the validation computes (the small version in the tests sets all of them low)."""

    draws: int = 16
    persons_per_agent: float | None = None  # ensembles (default: the configuration's)
    # The oos fit: its own global stage as configured, the local stage and standard errors at
    # this scale (a full second fit at 100 persons per agent would double the cost).
    oos_persons_per_agent: float | None = 250.0
    oos_replications: int | None = 3
    loyo_persons_per_agent: float = 500.0
    loyo_replications: int = 2
    loyo_iterations: int = 2
    loyo_se_replications: int = 6
    loyo_draws: int = 12
    seed: int = 20210301


def run_validate(config: Path, out: Path, fitted: Path | None = None, workers: int = 2,
                 resume: bool = False, options: Options | None = None,
                 docs: Path | None = None, progress: bool = True) -> dict:
    """Run the three experiments, write ``backcast.csv``, figures and ``validation.md``.

    ``fitted`` is the full fit (default: fit here, as the small test does).
    """
    from jobsim.calibration.cli import fingerprint
    from jobsim.calibration.validation_report import write_outputs

    t_start = time.perf_counter()
    opt = options or Options()
    cfg = load_config(config)
    sim = cfg.spec.simulation
    first = int(sim.start[:4])
    last = int(sim.end[:4])
    if sim.end[5:] != "12" or last - first < 2:
        raise CalibrationConfigError(f"{config}: validation needs a run of whole years, at least "
                                     "three (simulation.start, simulation.end)")
    from jobsim.calibration.validation_report import VALIDATION_TITLE
    from jobsim.results import check_output_dir, mark_output

    out = check_output_dir(out)  # a user's folder is refused before any work
    if docs is not None and Path(docs).exists() and not Path(docs).read_text(
            encoding="utf-8-sig").startswith(VALIDATION_TITLE):
        raise CalibrationConfigError(f"{docs}: --docs exists and is not a validation page "
                                     "jobsim wrote; choose another path")
    out.mkdir(parents=True, exist_ok=True)
    mark_output(out)  # ours from now on: a rerun may resume in it and replace its files
    checkpoint = out / "validate.checkpoint"
    key = fingerprint(cfg) + (Path(fitted).read_text(encoding="utf-8") if fitted else "") \
        + repr(opt)
    timings: dict[str, float] = {}
    frames: list[pd.DataFrame] = []
    model_only: list[pd.DataFrame] = []
    fits: dict[str, dict] = {}
    rows = indicators(sim.start, sim.end, sim.spin_up_months)
    ppa = opt.persons_per_agent or sim.persons_per_agent
    with Evaluator(workers=workers, checkpoint=checkpoint, resume=resume, progress=progress,
                   fingerprint=hashlib.sha1(key.encode()).hexdigest()) as ev:
        t0 = time.perf_counter()
        if fitted is not None:
            full = Ensemble.from_file(cfg, Path(fitted))
        else:
            full = Ensemble.from_fit("full", fit(cfg, ev))
        timings["full_fit_s"] = time.perf_counter() - t0
        fits["full"] = full.info
        t0 = time.perf_counter()
        frame, bare, macro_note = ensemble_rows(ev, cfg, full, rows, "in_sample", opt.draws,
                                                ppa, opt.seed)
        frames.append(frame)
        model_only.append(bare)
        timings["in_sample_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        oos_cfg = restricted(cfg, {last}, end=f"{last - 1}-12")
        # Strict: the elasticity too is estimated on the record before the held-out year —
        # by the fit itself where the configuration frees it, else by the regression.
        free_eta = elasticity_free(cfg)
        eta_oos = elasticity_to(last - 1)
        oos = fit(oos_cfg, ev, persons_per_agent=opt.oos_persons_per_agent,
                  replications=opt.oos_replications,
                  demand=None if free_eta else demand_of(oos_cfg, eta_oos.value))
        info = {"targets": int(oos.problem.fit.sum())}
        if not free_eta:
            info.update(elasticity=eta_oos.value, elasticity_se=eta_oos.se)
        oos_ens = Ensemble.from_fit("oos", oos, info)
        fits[f"oos_{last}"] = oos_ens.info
        timings["oos_fit_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        frame, bare, oos_macro = ensemble_rows(ev, cfg, oos_ens, rows, f"oos_{last}", opt.draws,
                                               ppa, opt.seed, years={last - 1, last},
                                               elasticity_last_year=last - 1)
        frames.append(frame)
        model_only.append(bare)
        if not free_eta:
            # The same oos fit with the elasticity of the whole record (it saw China's
            # 2020): shown beside the strict experiment, never scored as out of sample.
            frame, bare, _ = ensemble_rows(ev, cfg, oos_ens, rows, f"oos_{last}_eta_full",
                                           opt.draws, ppa, opt.seed, years={last - 1, last})
            frames.append(frame)
            model_only.append(bare)
        timings["oos_ensemble_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        x_full = full.estimate[full.problem.sim_index]
        for y in range(first, last):
            lcfg = restricted(cfg, {y})
            res = fit(lcfg, ev, start=x_full, global_stage=False,
                      persons_per_agent=opt.loyo_persons_per_agent,
                      replications=opt.loyo_replications,
                      local_max_iterations=opt.loyo_iterations,
                      se_replications=opt.loyo_se_replications)
            ens = Ensemble.from_fit(f"loyo_{y}", res, {"left_out": y,
                                                       "targets": int(res.problem.fit.sum())})
            fits[f"loyo_{y}"] = ens.info
            frame, bare, _ = ensemble_rows(ev, cfg, ens, rows, f"loyo:{y}", opt.loyo_draws,
                                           opt.loyo_persons_per_agent, opt.seed, years={y})
            frame["experiment"] = bare["experiment"] = "loyo"
            frames.append(frame)
            model_only.append(bare)
        timings["loyo_s"] = time.perf_counter() - t0
        computed, reused = ev.computed, ev.reused
    backcast = pd.concat(frames, ignore_index=True)[COLUMNS]
    bare_backcast = pd.concat(model_only, ignore_index=True)[COLUMNS]
    wall = time.perf_counter() - t_start
    meta = {"config": str(config), "fitted": str(fitted) if fitted else None,
            "workers": workers, "options": opt.__dict__, "timings": timings, "wall_seconds": wall,
            "tasks": {"computed": computed, "reused": reused}, "macro": macro_note,
            "macro_oos": oos_macro,
            "fits": fits, "years": [first, last], "persons_per_agent": ppa}
    written = write_outputs(out, backcast, meta, docs, model_only=bare_backcast)
    remove_checkpoint(checkpoint)
    return {"backcast": backcast, "meta": meta, **written}
