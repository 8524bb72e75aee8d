"""The plan's instruments (levers), one module each, behind one interface (``base.Instrument``).

``KINDS`` maps the scenario name of each instrument to its class. Defaults of every
instrument's settings live in ``model/data/instruments.toml`` with provenance and, where the
evidence gives one, a plausibility range.

Instruments act in the fixed order of ``KINDS`` (``in_fixed_order``), whatever the order of the
``[instruments.*]`` tables in a scenario file: firm-side instruments first (refund, fee cut,
training in lieu of work), then the search side (hiring subsidies, training, internships,
loans, public posts, employment services, transfers, flexible work). Their effects compose:
each multiplies the hazard modifiers it touches (``Effects``), so the result is the same in
any order; the fixed order settles who is admitted first where two instruments draw on the
same searchers in the same month.
"""

from __future__ import annotations

from pathlib import Path

from jobsim.policies.base import GROUP_NAMES, Instrument, InstrumentSettings
from jobsim.policies.entrepreneurship_loan import EntrepreneurshipLoan
from jobsim.policies.flexible_employment_support import FlexibleEmploymentSupport
from jobsim.policies.hiring_subsidy import HiringSubsidy
from jobsim.policies.job_retention_refund import JobRetentionRefund
from jobsim.policies.public_employment_services import PublicEmploymentServices
from jobsim.policies.public_welfare_posts import PublicWelfarePosts
from jobsim.policies.rural_labour_transfer import RuralLabourTransfer
from jobsim.policies.social_insurance_fee_cut import SocialInsuranceFeeCut
from jobsim.policies.training_in_lieu_of_work import TrainingInLieuOfWork
from jobsim.policies.vocational_training import VocationalTraining
from jobsim.policies.youth_internship import YouthInternship

__all__ = ["KINDS", "INSTRUMENT_DEFAULTS", "GROUP_NAMES", "Instrument", "InstrumentSettings",
           "in_fixed_order"]

INSTRUMENT_DEFAULTS = Path(__file__).resolve().parents[1] / "data" / "instruments.toml"

KINDS: dict[str, type[Instrument]] = {
    cls.kind: cls
    for cls in (
        JobRetentionRefund, SocialInsuranceFeeCut, TrainingInLieuOfWork, HiringSubsidy,
        VocationalTraining, YouthInternship, EntrepreneurshipLoan, PublicWelfarePosts,
        PublicEmploymentServices, RuralLabourTransfer, FlexibleEmploymentSupport,
    )
}

assert len({c.index for c in KINDS.values()}) == len(KINDS), "stream indices must be unique"


_RANK = {kind: r for r, kind in enumerate(KINDS)}


def in_fixed_order(pairs: list) -> list:
    """(class, settings) pairs sorted into the documented order of ``KINDS``."""
    return sorted(pairs, key=lambda pair: _RANK[pair[0].kind])
