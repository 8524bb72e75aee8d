"""From the evaluation literature's units to the model's hazards.

Evaluations report effects as percentage points (pp) of participants' employment probability
some months after entry, against comparable non-participants. The model needs hazard
multipliers. A small Markov chain of one person's month-to-month states — employed (E),
searching (U), inactive (N), in the programme (T) — with the model's own base hazards gives
P(E at h | participant) - P(E at h | non-participant); the multipliers are solved so that this
difference equals the evidence at the evidence's horizons. The ABM then realises close to the
same effect; ``tests/model/test_instrument_effects.py`` holds it to the evidence ranges.

Search weight m scales a searcher's key in weighted sampling without replacement (Efraimidis &
Spirakis), so a small group's monthly match probability becomes 1 - (1 - f)^m, not m f.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jobsim.agents import State
from jobsim.params import ParameterSet
from jobsim.population import initial_stocks, stationary_tightness
from scipy.optimize import brentq

__all__ = ["BaseRates", "LabourCostResponse", "employment_gap_pp", "labour_cost_response",
           "solve_phases", "vacancy_filling_rate", "wanted_for_filled"]

E, U, N, T = 0, 1, 2, 3


@dataclass(frozen=True)
class BaseRates:
    """Monthly hazards of the base model used by the conversion."""

    f_match: float  # match probability of a searcher
    f_other: float  # start-up and flexible-work entry of a searcher
    s: float  # separation
    lf_exit: float
    lf_entry: float

    @classmethod
    def from_params(cls, p: ParameterSet, lf_entry: float) -> BaseRates:
        """Base hazards from the parameter set.

        Base hazards from the parameter set; ``lf_entry`` is the model's labour-force entry
        hazard (``flows.lf_entry_rate``, an assumption: entry does not balance exit, see
        docs/calibration.md), as the model passes it.
        """
        # The matching rate at the initial (stationary) tightness, where matches replace the
        # separations of firm employment: A * theta0^(1 - alpha) = s * E / U
        # (jobsim.population.stationary_tightness), so calibrated s and stocks carry through.
        stocks = initial_stocks(p)
        f_match = float(p["flows.separation_rate"]) * stocks[State.EMPLOYED] / (
            stocks[State.UNEMPLOYED])
        return cls(
            f_match=min(f_match, 1.0),
            f_other=float(p["flows.startup_rate"] + p["flows.flexible_entry_rate"]),
            s=float(p["flows.separation_rate"]),
            lf_exit=float(p["flows.lf_exit_rate"]),
            lf_entry=float(lf_entry),
        )


def _matrix(r: BaseRates, m_find: float, m_sep: float, *, exit_first: bool = True
            ) -> np.ndarray:
    """One month of a person's states, in the ABM's order.

    Labour-force exit of searchers comes before start-ups, flexible entry and matching
    (``LabourMarket.step``), so a searcher finds work only if they did not give up first.
    ``exit_first=False``: the month in which participants and controls are drawn, after that
    month's exits (they match, they do not exit).
    """
    exit_ = r.lf_exit if exit_first else 0.0
    find = (1.0 - exit_) * (r.f_other + 1.0 - (1.0 - r.f_match) ** m_find)
    sep = min(r.s * m_sep, 1.0)
    q = np.zeros((4, 4))
    q[E, U] = sep
    q[U, E] = find
    q[U, N] = exit_
    q[N, U] = r.lf_entry
    np.fill_diagonal(q, 1.0 - q.sum(axis=1))
    return q


def _programme_matrix(r: BaseRates, lockin: float) -> np.ndarray:
    """While in the programme: leave for a job at ``lockin`` times the searchers' hazard."""
    q = np.zeros((4, 4))
    q[T, E] = lockin * (r.f_other + r.f_match)
    q[T, T] = 1.0 - q[T, E]
    q[E, E] = q[U, U] = q[N, N] = 1.0
    return q


def employment_gap_pp(
    r: BaseRates, horizon: int, *, phases: list[tuple[int, float]] | None = None,
    programme_months: int = 0, lockin: float = 0.0, tie_separation: bool = False,
    f_path: list[float] | None = None,
) -> float:
    """P(employed at ``horizon``) of a participant minus a non-participant, in pp.

    Both start searching. The participant first spends ``programme_months`` in the programme
    (leaving for a job at ``lockin`` times the search hazard), then searches with the
    multiplier of the phase in force: ``phases`` lists (first month since entry, multiplier).
    With ``tie_separation`` the separation hazard is divided by the same multiplier (a better
    match is found faster and lasts longer). ``f_path`` gives the searchers' matching rate
    month by month (the last value for later months) where the market is not stationary.
    """
    if f_path is not None:
        return _gap_on_path(r, horizon, phases or [(0, 1.0)], programme_months, f_path)
    phases = phases or [(0, 1.0)]
    start = np.zeros(4)
    start[U] = 1.0
    # Controls are drawn after the month's exits and match in it (exit-free first month).
    control = start @ _matrix(r, 1.0, 1.0, exit_first=False)
    control = control @ np.linalg.matrix_power(_matrix(r, 1.0, 1.0), max(horizon - 1, 0))
    part = np.zeros(4)
    steps = min(programme_months, horizon)
    if steps:
        part[T] = 1.0
        part = part @ np.linalg.matrix_power(_programme_matrix(r, lockin), steps)
        part[U] += part[T]
        part[T] = 0.0
        # The month the programme ends is idle: its leavers search from the next (a searcher's
        # spell starts at 0; matching and exit take searchers of at least a month).
        first_search = steps + 1
    else:
        part[U] = 1.0
        first_search = 0
    for month in range(first_search, horizon):
        m = [mult for first, mult in phases if first <= month][-1]
        part = part @ _matrix(r, m, 1.0 / m if tie_separation else 1.0,
                              exit_first=month > 0)
    return 100.0 * float(part[E] - control[E])


def _gap_on_path(r: BaseRates, horizon: int, phases: list[tuple[int, float]],
                 programme_months: int, f_path: list[float]) -> float:
    """The same gap with a month-specific matching rate (no lock-in job finding)."""
    def rates(month: int) -> BaseRates:
        f = f_path[min(month, len(f_path) - 1)]
        return BaseRates(f_match=min(f, 1.0), f_other=r.f_other, s=r.s, lf_exit=r.lf_exit,
                         lf_entry=r.lf_entry)

    control = np.zeros(4)
    control[U] = 1.0
    part = np.zeros(4)
    part[U] = 1.0
    # As employment_gap_pp: controls' first month is exit-free, the month a programme ends
    # is idle.
    first_search = programme_months + 1 if programme_months else 0
    for month in range(horizon):
        control = control @ _matrix(rates(month), 1.0, 1.0, exit_first=month > 0)
        if month >= first_search:
            m = [mult for first, mult in phases if first <= month][-1]
            part = part @ _matrix(rates(month), m, 1.0, exit_first=month > 0)
    return 100.0 * float(part[E] - control[E])


def solve_phases(
    r: BaseRates, targets: dict[int, float], *, programme_months: int = 0,
    lockin: float = 0.0, tie_separation: bool = False, bounds: tuple[float, float] = (1.0, 20.0),
) -> list[tuple[int, float]]:
    """One multiplier per evidence horizon, solved in order of horizon.

    The first phase runs from entry to the first horizon, the next from there to the second,
    and so on; each multiplier makes the gap at its horizon equal the target (or sits at a
    bound if the target cannot be reached). Effects that grow with time (training, CKW 2018)
    get growing multipliers. The lower bound 1 keeps a programme from making its participants
    search less well than non-participants: where the chain would want that (it has no
    retirement, no congestion and a simpler labour-force exit than the ABM), the ABM's
    realised effect is checked against the evidence instead (tests/model).
    """
    phases: list[tuple[int, float]] = []
    first = 0
    for h in sorted(targets):
        def gap(m: float, h: int = h) -> float:
            trial = phases + [(first, m)]
            return employment_gap_pp(r, h, phases=trial, programme_months=programme_months,
                                     lockin=lockin, tie_separation=tie_separation) - targets[h]

        lo, hi = bounds
        if gap(lo) > 0:
            m = lo
        elif gap(hi) < 0:
            m = hi
        else:
            m = float(brentq(gap, lo, hi, xtol=1e-8))
        phases.append((first, m))
        first = h
    return phases


def vacancy_filling_rate(p: ParameterSet) -> float:
    """A vacancy's monthly filling rate ``q = f / theta`` at the stationary tightness.

    ``f = s E / U`` is the searchers' matching rate where matches replace separations
    (:class:`BaseRates`), ``theta`` the stationary vacancies per searcher
    (:func:`jobsim.population.stationary_tightness`).
    """
    e, u, theta = _stationary_point(p)
    return float(p["flows.separation_rate"]) * e / u / theta


def _stationary_point(p: ParameterSet) -> tuple[float, float, float]:
    """Initial firm employment, searchers and the stationary tightness of a parameter set."""
    stocks = initial_stocks(p)
    e, u = float(stocks[State.EMPLOYED]), float(stocks[State.UNEMPLOYED])
    return e, u, stationary_tightness(p, e, u)


def wanted_for_filled(p: ParameterSet, filled: float, months: int) -> float:
    """Positions a new firm must want so that ``filled`` of them are filled within ``months``.

    Each vacancy fills at the stationary rate ``q`` (:func:`vacancy_filling_rate`) a month,
    so a share ``1 - (1 - q)^months`` of a new firm's wanted positions is filled by then.
    Evidence that counts jobs created (filled) becomes the model's desired employment by this
    share; where vacancies fill fast it is close to one.
    """
    share = 1.0 - (1.0 - min(vacancy_filling_rate(p), 1.0)) ** months
    return filled / share if share > 0 else filled


@dataclass(frozen=True)
class LabourCostResponse:
    """The evidence's employment elasticity, delivered on the model's two margins."""

    theta: float  # stationary tightness (vacancies per searcher)
    pass_through: float  # dE/dT: share of a change in desired employment that is filled
    desired_to_employment: float  # dlnE/dlnT = pass_through x T / E
    separation_denominator: float  # D: dE = -(s_l E / D) dm for a layoff multiplier m
    individual_layoff_rate: float  # s_l: the layoff hazard the multiplier scales
    employment_elasticity: float  # the evidence's (labour_demand.own_wage_elasticity)
    separation_share: float  # share of it delivered by fewer layoffs
    desired_elasticity: float  # of desired employment to labour cost
    layoff_elasticity: float  # of the firm's layoff hazard to labour cost


def labour_cost_response(p: ParameterSet, separation_share: float) -> LabourCostResponse:
    """Convert the evidence's employment elasticity into the model's two margins.

    ``labour_demand.own_wage_elasticity`` (evidence_priors.md: -0.3, range -0.1 to -0.6) is
    an *employment* elasticity: meta-analyses of how employment responds to labour cost. The
    model's firms reach employment through two margins, and neither moves employment one for
    one, so the elasticity is converted on each from the model's own steady state:

    - **hiring**: desired employment ``T`` (vacancies ``V = T - E``), filled by matching;
    - **separations**: the firm's individual layoff hazard ``s_l`` (times a multiplier m).

    In the steady state of the urban market (urban labour force fixed, ``A U^a V^(1-a) =
    (s_l m + x + s_q c(theta)) E``, with firm exits ``x`` and quits ``s_q`` following the
    hiring climate ``c = (theta / theta_0)^((1 - a) k)``, ``k`` =
    ``flows.quit_climate_elasticity``) the linearisation at the stationary tightness gives

        D dE = [(1 - a) q - C / V] dT - s_l E dm,
        D = s + a f + (1 - a) q + C / U - C / V,   C = E s_q (1 - a) k,

    with ``f = s E / U`` the searchers' and ``q = f / theta`` the vacancies' monthly filling
    rate. A share ``w`` (``common.labour_cost_separation_share``) of the evidence's response
    ``dlnE = eps dlnc`` is put on separations and the rest on desired employment:

    - desired employment: ``T = base x demand x cost^eps_T`` with ``eps_T = (1 - w) eps / (P T
      / E)``, ``P = [(1 - a) q - C / V] / D`` (:attr:`LabourCostResponse.pass_through`);
    - layoffs: ``m = cost^eps_L`` with ``eps_L = -w eps D / s_l``.

    These are units conversions of the one elasticity, computed from the parameters at the
    stationary point, not fitted to any outcome; ``docs/effects.md`` measures what the ABM
    realises, including the climate's pull of rural workers and entrants into search, which
    the fixed urban labour force above leaves out. The split ``w`` is a declared assumption:
    the evidence file gives the elasticity, not the margin.
    """
    e, u, theta = _stationary_point(p)
    v = theta * u
    s, a = float(p["flows.separation_rate"]), float(p["matching.elasticity"])
    layoff_share = float(p["flows.layoff_share_of_separations"])
    s_l = s * layoff_share - float(p["firms.exit_rate"])
    s_q = s * (1.0 - layoff_share)
    c = e * s_q * (1.0 - a) * float(p["flows.quit_climate_elasticity"])
    f = s * e / u
    q = f / theta
    d = s + a * f + (1.0 - a) * q + c / u - c / v
    share = ((1.0 - a) * q - c / v) / d
    eps = float(p["labour_demand.own_wage_elasticity"])
    w = float(separation_share)
    to_e = share * (e + v) / e
    if w < 1.0 and to_e <= 0.0:
        raise ValueError(f"{p.origin}: at these parameters more desired employment does not "
                         "raise employment in the steady state (quits respond more to the "
                         "climate than vacancies fill): the labour-cost channel needs "
                         "common.labour_cost_separation_share = 1")
    if w > 0.0 and s_l <= 0.0:
        raise ValueError(f"{p.origin}: no individual layoff hazard to lower "
                         "(firms.exit_rate >= the layoff part of flows.separation_rate)")
    return LabourCostResponse(
        theta=theta, pass_through=share, desired_to_employment=to_e,
        separation_denominator=d, individual_layoff_rate=s_l, employment_elasticity=eps,
        separation_share=w,
        desired_elasticity=(1.0 - w) * eps / to_e if w < 1.0 else 0.0,
        layoff_elasticity=-w * eps * d / s_l if w > 0.0 else 0.0)
