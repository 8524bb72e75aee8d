"""Synthetic population of Hunan's people aged 16+ and of its urban firms, built from the data.

Stocks (persons) come from ``parameters.toml`` (each traced to ``model/data``):

- urban employed (2017) split into firm, self-employed, flexible and public-post employment;
- urban unemployed from the surveyed rate: U = E * u / (1 - u);
- rural work = total employed - urban employed;
- inactive = persons 16+ - employed - urban unemployed - college students (college students
  are held outside the agent population until they graduate, see ``Demography``).

Ages: urban labour-force states below the retirement age of the agent's sex; the 60+ mass
of the data is spread over rural work and inactivity. Firms per segment and size class carry
their share of firm employment, with vacancies at the stationary tightness
(:func:`stationary_tightness`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jobsim.agents import Firms, Group, State, Workers
from jobsim.params import ParameterSet

__all__ = ["Demography", "build_population", "entrant_attributes", "stochastic_round",
           "stationary_tightness", "initial_stocks"]

MONTHS_PER_YEAR = 12
FIRST_WORKING_AGE = 16  # NBS: the labour-force survey covers people aged 16 and over


@dataclass(frozen=True)
class Demography:
    """Scalars derived while building the population, used by the monthly rules."""

    persons_per_agent: float
    graduates_per_year: float  # persons
    youth_per_year: float  # persons turning 16 who do not go to college
    registration_rate: float  # probability that a new unemployed person registers
    ui_coverage: float  # probability that a firm employee is an UI participant


def stochastic_round(x: float | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unbiased integer rounding: floor(x + U(0, 1))."""
    x = np.asarray(x, dtype=np.float64)
    return np.floor(x + rng.random(x.shape)).astype(np.int64)


#: Draws of 10^7 uniforms are made in chunks of this size: the same numbers as one call (each
#: double uses one 64-bit output of the generator), without a float64 temporary per draw.
_CHUNK = 1 << 20


def _uniform_below(rng: np.random.Generator, n: int, prob: float,
                   out: np.ndarray | None = None) -> np.ndarray:
    """Compute ``rng.random(n) < prob``, drawing chunk by chunk (same draws, same result)."""
    out = np.empty(n, dtype=bool) if out is None else out
    for a in range(0, n, _CHUNK):
        b = min(a + _CHUNK, n)
        np.less(rng.random(b - a), prob, out=out[a:b])
    return out


def _set_flag(groups: np.ndarray, member: np.ndarray, flag: Group) -> None:
    """Set ``flag`` in ``groups`` where ``member`` (no int64 temporary, unlike np.where)."""
    groups |= member.view(np.uint8) * np.uint8(flag)


def initial_stocks(p: ParameterSet) -> dict[State, float]:
    """Urban labour-force stocks and rural work at the start (persons; module notes)."""
    e_urban = p["population.urban_employed"]
    u0 = p["population.initial_surveyed_rate"] / 100
    return {
        State.EMPLOYED: e_urban * (1 - p["population.share_self_employed"]
                                   - p["population.share_flexible"]
                                   - p["population.share_public_post"]),
        State.SELF_EMPLOYED: e_urban * p["population.share_self_employed"],
        State.FLEXIBLE: e_urban * p["population.share_flexible"],
        State.PUBLIC_POST: e_urban * p["population.share_public_post"],
        State.UNEMPLOYED: e_urban * u0 / (1 - u0),
        State.RURAL_WORK: p["population.total_employed"] - e_urban,
    }


def _retirement_months(p: ParameterSet, female: np.ndarray) -> np.ndarray:
    return np.where(
        female, p["population.retirement_age_female"], p["population.retirement_age_male"]
    ).astype(np.int16) * MONTHS_PER_YEAR


def build_population(
    p: ParameterSet, persons_per_agent: float, months: int, rng: np.random.Generator
) -> tuple[Workers, Firms, Demography]:
    """Workers and firms at the start of the horizon, with spare capacity for ``months``."""
    k = float(persons_per_agent)
    pop16 = p["population.resident_population"] * (
        p["population.share_16_59"] + p["population.share_60_plus"]
    )
    share_60 = p["population.share_60_plus"] / (
        p["population.share_16_59"] + p["population.share_60_plus"]
    )
    graduates = p["population.national_graduates"] * p["population.hunan_share_of_national"]
    cohort16 = p["population.resident_population"] * p["population.share_under_16"] / 16
    students = graduates * p["population.college_years"]

    persons = initial_stocks(p)
    persons[State.INACTIVE] = pop16 - p["population.total_employed"] - persons[
        State.UNEMPLOYED] - students
    if min(persons.values()) < 0:
        raise ValueError(f"{p.origin}: population stocks inconsistent (negative stock): {persons}")
    counts = {s: int(stochastic_round(v / k, rng)) for s, v in persons.items()}
    n0 = sum(counts.values())
    entrants_per_month = (cohort16 / MONTHS_PER_YEAR) / k
    capacity = n0 + int(np.ceil(entrants_per_month * (months + 1) * 1.2)) + 64
    w = Workers.empty(capacity)
    w.n_used = n0  # w.claim(n0) on an empty set, without its index array of n0 int64
    w.state[:n0] = np.repeat(
        np.array(list(counts), dtype=np.int8), np.array(list(counts.values()))
    )
    state = w.state[:n0]
    _uniform_below(rng, n0, p["population.share_female"], out=w.female[:n0])

    # Ages: urban labour force below retirement; the 60+ mass goes to rural work / inactive.
    urban_lf = np.isin(state, [State.EMPLOYED, State.SELF_EMPLOYED, State.FLEXIBLE,
                               State.PUBLIC_POST, State.UNEMPLOYED])
    # Four draws of n0 uniforms, in this order, each made chunk by chunk (same numbers as one
    # call each): an age below retirement, whether 60+, an age 60+, an age below 60. The age
    # is the first unless the agent is outside the urban labour force (then the fourth) or
    # 60+ (then the third).
    lo = FIRST_WORKING_AGE * MONTHS_PER_YEAR
    age = w.age_months[:n0]
    for a in range(0, n0, _CHUNK):
        b = min(a + _CHUNK, n0)
        ret = _retirement_months(p, w.female[a:b])
        age[a:b] = lo + (rng.random(b - a) * (ret - lo)).astype(np.int64)
    other = ~urban_lf
    n60 = share_60 * pop16 / k
    q60 = min(1.0, n60 / max(int(other.sum()), 1))
    old = _uniform_below(rng, n0, q60)
    old &= other
    top = int(p["population.age_max"]) * MONTHS_PER_YEAR
    for a in range(0, n0, _CHUNK):
        b = min(a + _CHUNK, n0)
        age_old = 60 * MONTHS_PER_YEAR + (rng.random(b - a) * (top - 60 * MONTHS_PER_YEAR))
        sel = old[a:b]
        age[a:b][sel] = age_old[sel].astype(np.int16)
    for a in range(0, n0, _CHUNK):
        b = min(a + _CHUNK, n0)
        age_young = lo + rng.random(b - a) * (60 * MONTHS_PER_YEAR - lo)
        sel = other[a:b] & ~old[a:b]
        age[a:b][sel] = age_young[sel].astype(np.int16)

    # Residence, hukou, education, groups.
    inactive = state == State.INACTIVE.value
    urban = urban_lf | (inactive & _uniform_below(rng, n0,
                                                  p["population.urban_share_of_inactive"]))
    w.urban[:n0] = urban
    rural_hukou = ~urban | _uniform_below(rng, n0, p["population.share_rural_hukou_urban"])
    w.rural_hukou[:n0] = rural_hukou
    w.college[:n0] = urban & _uniform_below(rng, n0, p["population.share_college"])
    groups = w.groups[:n0]  # zeros
    _set_flag(groups, rural_hukou & urban_lf, Group.MIGRANT)
    _set_flag(groups, rural_hukou & _uniform_below(
        rng, n0, p["population.share_poverty_alleviated"]), Group.POVERTY_ALLEVIATED)
    _set_flag(groups, rural_hukou & _uniform_below(rng, n0, p["population.share_fishermen"]),
              Group.FISHERMAN)
    _set_flag(groups, _uniform_below(rng, n0, p["population.share_veterans"]), Group.VETERAN)
    _set_flag(groups, _uniform_below(rng, n0, p["population.share_difficulty"]),
              Group.DIFFICULTY)
    graduate_age_limit = (p["population.college_entry_age"] + p["population.college_years"]
                          + p["population.graduate_status_years"]) * MONTHS_PER_YEAR
    young_grad = (state == State.UNEMPLOYED.value) & w.college[:n0] & (age < graduate_age_limit)
    _set_flag(groups, young_grad, Group.GRADUATE)

    # Spells: time already spent in the state (public posts end after their term).
    term = int(p["flows.public_post_duration_months"])
    spells = rng.integers(0, term, n0)  # one call: bounded integers are not chunk-stable
    posts = state == State.PUBLIC_POST.value
    w.spell[:n0][posts] = spells[posts]
    del spells

    # Unemployment insurance and registration, solved to the data.
    firm_emp = state == State.EMPLOYED.value
    ui_coverage = min(1.0, p["population.ui_participants"] / persons[State.EMPLOYED])
    unemployed = state == State.UNEMPLOYED.value
    w.ui_covered[:n0] = (firm_emp | unemployed) & _uniform_below(rng, n0, ui_coverage)
    reg = p["population.initial_registered_rate"] / 100
    base = persons[State.EMPLOYED] + persons[State.SELF_EMPLOYED] + persons[State.PUBLIC_POST]
    registration = reg / (1 - reg) * base / persons[State.UNEMPLOYED]
    if not 0 <= registration <= 1:
        raise ValueError(
            f"{p.origin}: population.initial_registered_rate implies a registration share "
            f"{registration:.3f} outside [0, 1]"
        )
    w.registered[:n0] = unemployed & _uniform_below(rng, n0, registration)

    firms = _build_firms(p, w, n0, months, rng)
    demog = Demography(
        persons_per_agent=k,
        graduates_per_year=graduates,
        youth_per_year=max(cohort16 - graduates, 0.0),
        registration_rate=registration,
        ui_coverage=ui_coverage,
    )
    return w, firms, demog


def _build_firms(
    p: ParameterSet, w: Workers, n0: int, months: int, rng: np.random.Generator
) -> Firms:
    """Firms per segment and size class; employees assigned at random within their segment."""
    shares = np.asarray(p["firms.size_class_employment_share"], dtype=float)
    sizes = np.asarray(p["firms.size_class_mean_size"], dtype=float)
    sector_share = np.asarray(p["firms.sector_employment_share"], dtype=float)
    employed = np.flatnonzero(w.state[:n0] == State.EMPLOYED.value)
    unemployed_college = w.college[:n0][w.state[:n0] == State.UNEMPLOYED.value]

    plan: list[tuple[int, int, np.ndarray]] = []  # (segment, size class, member indices)
    for segment in (0, 1):
        members = employed[w.college[employed] == bool(segment)]
        members = members[rng.permutation(members.size)]
        cuts = np.floor(np.cumsum(shares) / shares.sum() * members.size).astype(int)
        for cls, part in enumerate(np.split(members, cuts[:-1])):
            plan.append((segment, cls, part))
    n_firms = sum(max(1, int(round(part.size / sizes[cls]))) for _, cls, part in plan)
    capacity = int(n_firms * (1 + p["firms.exit_rate"] * (months + 1) * 2)) + 64
    # A first estimate: the model reserves more room each month if start-ups outgrow it.
    capacity += int(np.ceil(p["flows.startup_rate"] * np.count_nonzero(
        w.state[:n0] == State.UNEMPLOYED.value) * (months + 1) * 2))
    f = Firms.empty(capacity)
    for segment, cls, part in plan:
        count = max(1, int(round(part.size / sizes[cls])))
        ids = f.claim(count)
        f.size_class[ids] = cls
        f.segment[ids] = segment
        f.sector[ids] = rng.choice(sector_share.size, size=count,
                                   p=sector_share / sector_share.sum())
        f.alive[ids] = True
        f.offset[ids] = rng.random(count)
        w.firm[part] = rng.choice(ids, size=part.size) if part.size else part
    f.employment[: f.n_used] = np.bincount(w.firm[employed], minlength=f.n_used)[: f.n_used]
    # Vacancies: the segment's stationary tightness x its unemployed, spread over firms by
    # employment.
    for segment in (0, 1):
        in_seg = np.flatnonzero(f.segment[: f.n_used] == segment)
        u_seg = np.count_nonzero(unemployed_college == bool(segment))
        emp = f.employment[in_seg].astype(float)
        total = emp.sum()
        theta = stationary_tightness(p, total, u_seg, college=bool(segment))
        vac = theta * u_seg * emp / total if total > 0 else np.zeros_like(emp)
        f.base_target[in_seg] = emp + vac
    return f


def stationary_tightness(p: ParameterSet, employed: float, unemployed: float, *,
                         college: bool = False) -> float:
    """Vacancies per searcher at which matching replaces the separations of firm employment.

    Solves ``A U^alpha V^(1-alpha) = s E`` for ``theta = V / U`` (``A`` the segment's matching
    efficiency, ``s`` ``flows.separation_rate``): with it, firm employment at flat demand
    neither grows nor drains its vacancy stock in the first year. The public employment
    offices' vacancy-to-applicant ratio (``matching.initial_tightness``, 1.52) counts
    PES-registered flows only; taken as the economy's vacancy stock, it made firms hire about
    0.8 x U more than they lose in the first simulated year (a transient in every 2021 run)
    and buffered a demand fall by about 11% of employment.
    """
    if unemployed <= 0 or employed <= 0:
        return 0.0
    a = float(p["matching.efficiency"]) * (float(p["matching.college_efficiency"])
                                           if college else 1.0)
    alpha = float(p["matching.elasticity"])
    hires = float(p["flows.separation_rate"]) * employed
    return float((hires / (a * unemployed ** alpha)) ** (1.0 / (1.0 - alpha)) / unemployed)


def entrant_attributes(
    w: Workers, idx: np.ndarray, *, age_years: float, urban: bool | np.ndarray,
    college: bool, groups: int, p: ParameterSet, rng: np.random.Generator,
) -> None:
    """Set the attributes of new entrants (16-year-olds or graduates)."""
    n = idx.size
    w.age_months[idx] = int(age_years * MONTHS_PER_YEAR)
    w.female[idx] = rng.random(n) < p["population.share_female"]
    w.urban[idx] = urban
    w.rural_hukou[idx] = ~np.asarray(urban, dtype=bool) if not college else (
        rng.random(n) < p["population.share_rural_hukou_urban"])
    w.college[idx] = college
    w.groups[idx] = groups
    w.firm[idx] = -1
    w.registered[idx] = False
    w.ui_covered[idx] = False
    w.transfer_pending[idx] = False

