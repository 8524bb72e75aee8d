"""LabourMarket: the monthly labour-market model of a province, as a Mesa 3 model.

Workers and firms are columnar agent sets (numpy arrays) built from the data
(:mod:`jobsim.population`); a month is a handful of vectorised passes. Order of events in a month:

1. demography — ageing, deaths, retirement at the statutory age, entry of 16-year-olds,
   graduates in June–July (a share directly employed, the rest searching);
2. firm turnover — firm exit (its workers laid off), entry;
3. separations — layoffs where desired employment (macro demand x labour-cost factor) fell
   below employment, layoffs by firm hazard (size class x sector), quits, Spring-Festival
   separations of migrant workers, exits from self-employment and flexible work;
4. public posts — terms end; the existing programme refills vacated posts;
5. rural moves — rural workers start off-farm search (transfer); migrants return home;
6. participation — searchers leave the labour force; inactive people start searching;
7. job finding — recalls of workers laid off when demand fell (temporary layoffs), start-ups,
   flexible work, instruments' admissions and placements, then matching per segment
   (Cobb-Douglas);
8. indicators — measured by the NBS definitions; the ledger checks stocks against flows.

Instruments (:mod:`jobsim.policies`) act at two points: before separations (programme exits,
modifiers of layoff and search hazards) and before matching (admissions and placements).

Agents moved in a month do not move again until the next month's search (spell >= 1).
Randomness: one seed, one stream per purpose (:mod:`jobsim.rng`).
"""

from __future__ import annotations

import copy

import mesa
import numpy as np
import pandas as pd
from jobsim import flows, matching
from jobsim.agents import URBAN_EMPLOYMENT, State
from jobsim.flows import Effects, MonthContext, RecallTies
from jobsim.indicators import measure
from jobsim.ledger import Ledger
from jobsim.params import ParameterSet
from jobsim.policies import in_fixed_order
from jobsim.population import build_population
from jobsim.rng import Draws, Stream, streams

__all__ = ["LabourMarket"]


class LabourMarket(mesa.Model):
    """Hunan's labour market, month by month.

    Parameters
    ----------
    params : ParameterSet, optional
        Parameter set (default: the base set in ``model/data/parameters.toml``).
    start : str
        First month, ``YYYY-MM``.
    months : int
        Horizon in months.
    persons_per_agent : float
        Scale: people per agent (1 = every person).
    demand_index : float or sequence of float
        Labour-demand multiplier per month (macro path), 1 = the base year.
    seed : int
        The run's seed; all streams derive from it.
    replicate : int
        Replication number (independent streams under the same seed).
    stripped : bool
        Switch off entry, exit, demography, seasonality and self/flexible/rural channels
        (the search-theory steady-state test).
    instruments : list of (Instrument subclass, InstrumentSettings), optional
        The scenario's levers (see :func:`jobsim.scenario.load_scenario`).
    evaluate_instruments : bool
        Hold out a random control group at each admission (tests of effect sizes).
    past : LabourMarket, optional
        A model whose run this one continues (:func:`jobsim.past.run_past`): its population,
        firms, recall ties, streams and hiring-climate reference are copied, and the month
        counter of the draws carries on, so ``start`` is the month after its last. Without it
        the population is built from the data.
    """

    def __init__(
        self,
        params: ParameterSet | None = None,
        start: str = "2021-01",
        months: int = 12,
        persons_per_agent: float = 100.0,
        demand_index: float | list[float] = 1.0,
        seed: int = 0,
        replicate: int = 0,
        stripped: bool = False,
        instruments: list | None = None,
        evaluate_instruments: bool = False,
        past: LabourMarket | None = None,
    ) -> None:
        super().__init__(seed=seed)
        if months < 1:
            raise ValueError("months must be >= 1")
        if persons_per_agent < 1:
            raise ValueError("persons_per_agent must be >= 1")
        self.params = params if params is not None else ParameterSet.load()
        self.calendar = pd.period_range(pd.Period(start, freq="M"), periods=months, freq="M")
        demand = np.broadcast_to(np.asarray(demand_index, dtype=float), (months,)).copy()
        if np.any(demand <= 0) or demand.shape != (months,):
            raise ValueError("demand_index must be positive, one value or one per month")
        self.demand = demand
        self.horizon = months
        self.persons_per_agent = float(persons_per_agent)
        self.seed_value = int(seed)
        self.replicate = int(replicate)
        self.stripped = stripped
        self.draws = Draws(self.seed_value, self.replicate)
        self._stocks: np.ndarray | None = None  # last month's closing stocks open the next
        self.effects = Effects()
        if past is not None:
            self._continue(past)
        else:
            self.t_offset = 0  # months of the run before this model's first
            self.streams = streams(self.seed_value, self.replicate)
            self.workers, self.firms, self.demography = build_population(
                self.params, self.persons_per_agent, months, self.streams[Stream.POPULATION]
            )
            self.ledger = Ledger(self.workers)
            # Tightness of the initial population, the reference of the hiring climate.
            searchers = self.ledger.members(State.UNEMPLOYED).size
            self.theta_ref = (float(self.firms.vacancies(1.0).sum()) / searchers
                              if searchers else 0.0)
            self.recall = RecallTies()  # temporary layoffs, carried across months
            self.finding_rate = float(self.params["flows.job_finding_rate"])
        self.instruments = [
            cls(settings=settings, calendar=self.calendar, persons_per_agent=self.persons_per_agent,
                params=self.params, seed=self.seed_value, replicate=self.replicate,
                evaluate=evaluate_instruments,
                lf_entry_rate=float(self.params["flows.lf_entry_rate"]))
            for cls, settings in in_fixed_order(instruments or [])  # documented order
        ]
        self._active = [i for i in self.instruments if i.enabled]
        self.rows: list[dict[str, float]] = []
        self.graduate_cohorts: dict[int, np.ndarray] = {}  # year -> entering graduates
        self.cohort_employment: dict[str, float] = {}  # "YYYY-MM" -> share of the cohort employed
        self._cum_new_jobs = 0.0
        self._cum_transfer = 0.0
        self.datacollector = mesa.DataCollector(model_reporters={
            "surveyed_unemployment_rate": lambda m: m.rows[-1]["surveyed_unemployment_rate"],
            "new_urban_jobs_cum": lambda m: m.rows[-1]["new_urban_jobs_cum"],
        })

    def _continue(self, past: LabourMarket) -> None:
        """Take over the state ``past`` has reached (copied: ``past`` may be continued again)."""
        if past.seed_value != self.seed_value or past.replicate != self.replicate:
            raise ValueError("a continued run keeps its seed and replicate")
        if past.persons_per_agent != self.persons_per_agent:
            raise ValueError("a continued run keeps its scale (persons_per_agent)")
        after = past.calendar[past.month_index - 1] + 1
        if self.calendar[0] != after:
            raise ValueError(f"a run continuing one that ended {after - 1} starts {after}, "
                             f"not {self.calendar[0]}")
        (self.workers, self.firms, self.demography, self.recall, self.streams) = copy.deepcopy(
            (past.workers, past.firms, past.demography, past.recall, past.streams))
        self.t_offset = past.t_offset + past.month_index
        self.ledger = Ledger(self.workers)
        self.theta_ref = past.theta_ref
        self.finding_rate = past.finding_rate

    @property
    def month_index(self) -> int:
        """Months already simulated."""
        return len(self.rows)

    def step(self) -> None:
        """One month, in the order of the module docstring."""
        t = self.month_index
        if t >= self.horizon:
            self.running = False
            return
        period = self.calendar[t]
        ctx = MonthContext(
            workers=self.workers, firms=self.firms, ledger=self.ledger, params=self.params,
            demography=self.demography, rng=self.streams, draws=self.draws,
            t=self.t_offset + t,
            calendar_month=period.month,
            demand_index=float(self.demand[t]), stripped=self.stripped,
            effects=self.effects, finding_rate=self.finding_rate, theta_ref=self.theta_ref,
            recall=self.recall,
        )
        # Room for this month's firm entrants: start-ups are at most one per searcher, firm
        # entries at most one per exit (arrays never grow in the middle of a month, when
        # per-firm demand and modifiers of the month's length are in use).
        searchers = self.ledger.members(State.UNEMPLOYED).size
        self.firms.reserve(searchers + 2 * int(np.count_nonzero(
            self.firms.alive[: self.firms.n_used])) // 100 + 64)
        self.effects.fit_firms(self.firms.capacity)
        self.ledger.begin_month(self._stocks)
        self.effects.reset()
        flows.demography(ctx)
        flows.firm_turnover(ctx)
        for instrument in self._active:
            instrument.before_separations(ctx, t)
        ctx.demand_index = flows.firm_demand(ctx)  # labour costs set by instruments act
        flows.separations(ctx)
        flows.public_posts(ctx)
        flows.rural_moves(ctx)
        flows.participation(ctx)
        recalled = flows.recalls(ctx)
        founders, flexible = flows.self_and_flexible_entry(ctx)
        for instrument in self._active:
            instrument.before_matching(ctx, t)
        hired, self.finding_rate = matching.match(ctx)
        transfers = self._complete_transfers(founders, flexible, hired, recalled,
                                             *ctx.new_hires)
        if ctx.graduates is not None:
            cohort = self.graduate_cohorts.get(period.year, ctx.graduates[:0])
            self.graduate_cohorts[period.year] = np.concatenate([cohort, ctx.graduates])
        for instrument in self._active:
            instrument.end_of_month(ctx, t)
        stocks = self._stocks = self.ledger.end_month()
        self._record(period, stocks, transfers, ctx.theta)
        cohort = self.graduate_cohorts.get(period.year)
        if cohort is not None and cohort.size:
            employed = np.isin(self.workers.state[cohort], URBAN_EMPLOYMENT)
            self.cohort_employment[str(period)] = float(employed.mean())
        self.datacollector.collect(self)
        if self.month_index >= self.horizon:
            self.running = False

    def _complete_transfers(self, *newly: np.ndarray) -> int:
        """Rural transfers complete when the mover takes off-farm work (counted once)."""
        w = self.workers
        idx = np.concatenate(newly).astype(np.int64)
        done = np.unique(idx[w.transfer_pending[idx]])
        w.transfer_pending[done] = False
        # Graduates placed directly and other entries are not transfers.
        return int(done.size)

    def _record(self, period: pd.Period, stocks: np.ndarray, transfers: int,
                tightness: float) -> None:
        if period.month == 1:
            self._cum_new_jobs = 0.0
            self._cum_transfer = 0.0
        row = measure(
            self.workers, self.ledger, stocks, self.persons_per_agent,
            float(self.params["indicators.new_jobs_recording_share"]),
            bool(self.params["indicators.deduct_natural_attrition"]), transfers,
        )
        self._cum_new_jobs += row["new_urban_jobs"]
        self._cum_transfer += row["rural_transfer_new"]
        row = {"month": str(period), **row,
               "new_urban_jobs_cum": self._cum_new_jobs,
               "rural_transfer_new_cum": self._cum_transfer,
               # Vacancies (at the month's demand) per unemployed searcher, before matching
               # (flows.hiring_climate); 0 in a stripped run.
               "vacancy_tightness": tightness}
        self.rows.append(row)

    def run(self) -> pd.DataFrame:
        """Run the whole horizon; one row per month."""
        while self.month_index < self.horizon:
            self.step()
        return self.monthly()

    def monthly(self) -> pd.DataFrame:
        """The months simulated so far as a frame."""
        return pd.DataFrame(self.rows)

    def stock(self, state: State) -> int:
        """Agents in ``state`` now."""
        return int(np.count_nonzero(self.workers.state[: self.workers.n_used] == state))
