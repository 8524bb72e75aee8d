"""``jobsim effects``: the measurement's accounting, the parameter file it runs on, and refusal
to overwrite a page it did not write. Coarse scale (one agent per 4,000 people): properties,
not sizes (``docs/effects.md`` has the sizes).
"""

from __future__ import annotations

import numpy as np
import pytest
from jobsim.effects_report import (
    fee_cut_elasticity,
    measure_effects,
    plan_cost_response,
    summarise,
    write_effects,
)
from jobsim.params import DEFAULT_PARAMETERS

SCALE = 4000.0


@pytest.fixture(scope="module")
def fee_cut():
    raw = measure_effects(replications=2, persons_per_agent=SCALE,
                          kinds=["social_insurance_fee_cut"])
    return raw, summarise(raw)


def test_totals_add_up_and_cost_is_spending_over_net(fee_cut):
    raw, summary = fee_cut
    # Total employment is urban plus rural work, run by run.
    assert np.allclose(raw["net_12"], raw["urban_12"] + raw["rural_12"])
    for _, row in summary.iterrows():
        if row["net_12"] > 0:
            assert row["cost_per_net_job_12"] == pytest.approx(row["spending_yuan"]
                                                               / row["net_12"])
        # Cheaper labour: more desired employment than the firms reach by matching.
        assert row["desired_12"] > row["firm_employed_12"] > 0
    assert fee_cut_elasticity(summary) < 0


def test_another_parameter_file_is_run_and_named(fee_cut, tmp_path):
    _, summary = fee_cut
    base = summarise(measure_effects(replications=2, persons_per_agent=SCALE,
                                     kinds=["social_insurance_fee_cut"],
                                     parameters=DEFAULT_PARAMETERS))
    assert not np.allclose(base["desired_12"], summary["desired_12"])
    out = tmp_path / "effects.md"
    write_effects(out, base, replications=2, persons_per_agent=SCALE, seed=1,
                  cost=plan_cost_response(DEFAULT_PARAMETERS), parameters=DEFAULT_PARAMETERS)
    text = out.read_text(encoding="utf-8")
    assert f"--parameters {DEFAULT_PARAMETERS}" in text
    # The conversion reported is the one of the file run (the base set's tightness).
    assert f"{plan_cost_response(DEFAULT_PARAMETERS).theta:.2f} vacancies" in text
    assert f"{plan_cost_response().theta:.2f} vacancies" not in text


def test_a_page_it_did_not_write_is_refused(tmp_path, capsys):
    from jobsim.cli import main

    page = tmp_path / "notes.md"
    page.write_text("# my notes\n", encoding="utf-8")
    assert main(["effects", "--out", str(page)]) == 2
    assert page.read_text(encoding="utf-8") == "# my notes\n"
    assert "not an effects page" in capsys.readouterr().err
