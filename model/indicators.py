"""Indicators by the National Bureau of Statistics' definitions (DESIGN §3, data/definitions.md).

- **New urban jobs** 城镇新增就业人数: people newly employed in urban areas in the period minus
  natural attrition 自然减员 (retirement, death of the urban employed), cumulative from January.
  "Newly employed" = moves into a job (firm, self-employed, flexible, public post) from
  non-employment (search, inactivity, training, rural work, entry) or from an internship;
  job-to-job moves, the start of an internship and the recall of a worker laid off when
  demand fell (a temporary layoff, 停工/待岗, whose job resumes) are not new jobs. The statistic is
  administrative: it records a share
  ``indicators.new_jobs_recording_share`` of those moves (calibrated). The deduction of
  attrition is a switch, ``indicators.deduct_natural_attrition`` (default on), because one
  explainer says it is not deducted.
- **Surveyed urban unemployment rate** 城镇调查失业率 = urban unemployed / (urban employed +
  urban unemployed) x 100 (ILO, 19th ICLS): unemployed = aged 16+, not employed, searched,
  available (state UNEMPLOYED); employed includes interns (paid allowance); trainees in a
  full-time course are not available, hence out of the labour force.
- **Surveyed rate with course participants counted as unemployed** (not an NBS indicator; a
  reading aid): (urban unemployed + trainees in a full-time course) / (urban employed + urban
  unemployed + trainees) x 100. Trainees out of the labour force lower the ILO rate; this
  column shows by how much.
- **Total employment**: urban employment plus rural work (agricultural and other rural work),
  so that moving a rural worker into urban search shows as the loss it is.
- **Registered urban unemployment rate** 城镇登记失业率 = registered unemployed / (urban employed in
  units and individually + registered unemployed) x 100; units and individuals = firm
  employment, self-employment and public posts (flexible workers are not in the registers).
"""

from __future__ import annotations

import numpy as np
from jobsim.agents import URBAN_EMPLOYMENT, Group, State, Workers
from jobsim.kernels import byte_histogram
from jobsim.ledger import Flow, Ledger

__all__ = ["NON_EMPLOYMENT", "measure", "ATTRITION_FLOWS"]

#: Origins from which a move into urban employment counts as "newly employed" (an intern
#: taken on by the host is a new job; starting an internship is not).
NON_EMPLOYMENT = (State.TRAINING, State.UNEMPLOYED, State.INACTIVE, State.RURAL_WORK,
                  State.GONE, State.INTERNSHIP)
#: Destinations that are jobs in the administrative count.
NEW_JOB_STATES = (State.EMPLOYED, State.SELF_EMPLOYED, State.FLEXIBLE, State.PUBLIC_POST)
ATTRITION_FLOWS = (Flow.RETIREMENT, Flow.DEATH)
REGISTER_EMPLOYMENT = (State.EMPLOYED, State.SELF_EMPLOYED, State.PUBLIC_POST)


def measure(
    workers: Workers,
    ledger: Ledger,
    stocks: np.ndarray,
    persons_per_agent: float,
    recording_share: float,
    deduct_attrition: bool,
    transfers_completed: int,
) -> dict[str, float]:
    """The month's indicators in persons and percent (one row of ``monthly.csv``)."""
    k = persons_per_agent
    employed = int(stocks[list(URBAN_EMPLOYMENT)].sum())
    unemployed = int(stocks[State.UNEMPLOYED])
    trainees = int(stocks[State.TRAINING])
    searching = ledger.members(State.UNEMPLOYED)
    registered = int(np.count_nonzero(workers.registered[searching]))
    register_employed = int(stocks[list(REGISTER_EMPLOYMENT)].sum())
    trans = ledger.transitions()
    # A recall resumes the job a demand layoff suspended (停工, 待岗): no new employment.
    newly = int(trans[np.ix_(NON_EMPLOYMENT, NEW_JOB_STATES)].sum()) - ledger.flow_total(
        Flow.RECALL)
    attrition = sum(ledger.flow_total(fl, origin=URBAN_EMPLOYMENT) for fl in ATTRITION_FLOWS)
    recorded = recording_share * (newly - attrition if deduct_attrition else newly)
    row: dict[str, float] = {
        "urban_employed": employed * k,
        "urban_unemployed": unemployed * k,
        "surveyed_unemployment_rate": 100.0 * unemployed / max(employed + unemployed, 1),
        "surveyed_unemployment_rate_incl_trainees":
            100.0 * (unemployed + trainees) / max(employed + unemployed + trainees, 1),
        "total_employed": (employed + int(stocks[State.RURAL_WORK])) * k,
        "registered_unemployed": registered * k,
        "registered_unemployment_rate":
            100.0 * registered / max(register_employed + registered, 1),
        "newly_employed_urban": newly * k,
        "natural_attrition": attrition * k,
        "new_urban_jobs": recorded * k,
        "rural_transfer_new": transfers_completed * k,
        "ui_participants":
            int(np.count_nonzero(workers.ui_covered[ledger.members(State.EMPLOYED)])) * k,
    }
    for s in State:
        if s == State.GONE:  # spare slots, not people
            continue
        row[f"stock_{s.name.lower()}"] = int(stocks[s]) * k
    for fl in Flow:
        row[f"flow_{fl.name.lower()}"] = int(ledger.counts[fl].sum()) * k
    # Group flags of the employed and of the unemployed: a histogram of the flag byte over
    # each state's agents, read bit by bit.
    emp_hist = sum(byte_histogram(ledger.members(st), workers.groups) for st in URBAN_EMPLOYMENT)
    unemp_hist = byte_histogram(searching, workers.groups)
    flags = np.arange(256)
    for g in Group:
        has = (flags & g.value) != 0
        row[f"group_{g.name.lower()}_employed"] = int(emp_hist[has].sum()) * k
        row[f"group_{g.name.lower()}_unemployed"] = int(unemp_hist[has].sum()) * k
    return row
