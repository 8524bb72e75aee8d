"""Fixtures for the calibration tests: a tiny, fast calibration problem."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HUNAN = REPO / "calibration" / "hunan.toml"

#: Three free parameters, five targets read off one 36-month run, very coarse scale: a fit takes
#: seconds.
TINY = """
[calibration]
name = "tiny"
base_parameters = "default"

[simulation]
persons_per_agent = {ppa}
replications = 2
seed = 11
start = "2017-01"
end = "2019-12"
fixed = {{ "firms.exit_rate" = 0.0 }}
fixed_note = "exercises the fixed-parameter path and its check"

[method]
global_stage = {global_stage}
global_persons_per_agent = 16000
global_replications = 1
global_popsize = 3
global_maxiter = 1
local_max_iterations = 6
diff_step = 0.05
se_replications = 8
profile_points = 3
morris_trajectories = 2
morris_levels = 4

[[parameters]]
path = "flows.separation_rate"
lower = 0.0085
upper = 0.03
prior = "normal"
prior_mean = 0.013
prior_sd = 0.0035
source = "evidence_priors.md"

[[parameters]]
path = "matching.efficiency"
lower = 0.1
upper = 0.45
source = "test"

[[parameters]]
path = "indicators.new_jobs_recording_share"
lower = 0.05
upper = 1.0
source = "test"

[[targets]]
name = "jobs_2018"
kind = "new_urban_jobs"
years = [2018]
sd = 39000
sd_basis = "test"

[[targets]]
name = "jobs_2017"
kind = "new_urban_jobs"
years = [2017]
sd = 39000
sd_basis = "test"

[[targets]]
name = "surveyed_mean_2018"
kind = "surveyed_rate_mean"
years = [2018]
sd = 0.3
sd_basis = "test"

[[targets]]
name = "surveyed_autumn_2018"
kind = "surveyed_rate_contrast"
years = [2018]
plus = [7]
minus = [10, 12]
sd = 0.1
sd_basis = "test"

[[targets]]
name = "registered_2019_09"
kind = "registered_rate"
years = [2019]
month = 9
sd = 0.2
sd_basis = "test"

[[targets]]
name = "loan_per_founder"
kind = "programme_output"
indicator = "entrepreneurship_guaranteed_loans_cumulative"
period = "2018-11"
per_indicator = "entrepreneurship_guaranteed_loans_people_cumulative"
fit = false
"""


def write_tiny(folder: Path, *, ppa: float = 8000, global_stage: bool = True,
               replace: dict[str, str] | None = None) -> Path:
    """Write the tiny configuration (with text replacements) and return its path."""
    text = TINY.format(ppa=ppa, global_stage=str(global_stage).lower())
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    """Path of the tiny configuration in a temporary folder."""
    return write_tiny(tmp_path)


@pytest.fixture()
def make_tiny(tmp_path: Path):
    """``make_tiny(**kw)`` writes a variant of the tiny configuration (see ``write_tiny``)."""
    return lambda **kw: write_tiny(tmp_path, **kw)


@pytest.fixture(scope="session")
def hunan_path() -> Path:
    """Return the shipped Hunan configuration."""
    return HUNAN
