"""The comparison's files: columns, ranges, shapes, the report, resuming without redoing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from conftest import ATTRIBUTION, REPLICATIONS, compare
from jobsim.compare.store import frame_from_json, frame_to_json
from jobsim.compare.summarise import ATTRIBUTION_COLUMNS, TARGET_COLUMNS


def test_targets_csv(small_comparison):
    out, _ = small_comparison
    targets = pd.read_csv(out / "targets.csv")
    assert list(targets.columns) == TARGET_COLUMNS == ["scenario", "target", "mean", "p05",
                                                       "p50", "p95", "prob_met"]
    assert list(dict.fromkeys(targets["scenario"])) == ["baseline_2021", "plan_2021"]
    assert {"new_urban_jobs", "surveyed_urban_unemployment_rate",
            "surveyed_urban_unemployment_rate_annual_average"} <= set(targets["target"])
    assert targets["prob_met"].between(0, 1).all()
    assert (targets["p05"] <= targets["p50"]).all() and (targets["p50"] <= targets["p95"]).all()


def test_attribution_csv(small_comparison):
    out, _ = small_comparison
    attribution = pd.read_csv(out / "attribution.csv")
    assert list(attribution.columns[:7]) == [
        "scenario", "instrument", "attributable_new_urban_jobs_mean",
        "attributable_new_urban_jobs_p05", "attributable_new_urban_jobs_p95", "spending_yuan",
        "cost_per_job_yuan"]
    assert list(attribution.columns) == ATTRIBUTION_COLUMNS
    # The baseline has no instruments; the plan's eleven are each attributed on the subset.
    assert set(attribution["scenario"]) == {"plan_2021"}
    assert len(attribution) == 11
    assert (attribution["replications"] == ATTRIBUTION).all()
    positive = attribution["attributable_new_urban_jobs_mean"] >= 1
    assert attribution.loc[~positive, "cost_per_job_yuan"].isna().all()
    assert (attribution.loc[positive, "cost_per_job_yuan"] > 0).all()
    # Total employment (urban plus rural) is carried through from every replicate's table.
    assert attribution["delta_total_employed_mean"].notna().all()
    assert (attribution["delta_total_employed_p05"] <= attribution["delta_total_employed_mean"]
            ).all() and (attribution["delta_total_employed_mean"]
                         <= attribution["delta_total_employed_p95"]).all()
    # Organised transfers take people out of rural work: the urban gain overstates theirs.
    rural = attribution.set_index("instrument").loc["rural_labour_transfer"]
    assert rural["delta_urban_employed_mean"] > 0 > rural["delta_rural_employed_mean"]
    assert rural["delta_total_employed_mean"] < rural["delta_urban_employed_mean"]
    # Accounting: total employment is urban employment plus rural work, instrument by instrument.
    np.testing.assert_allclose(attribution["delta_total_employed_mean"],
                               attribution["delta_urban_employed_mean"]
                               + attribution["delta_rural_employed_mean"], atol=1e-6)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Δ total employed (urban + rural)" in html
    # The findings name exactly the instruments whose whole range lowers total employment.
    lowering = attribution[attribution["delta_total_employed_p95"] < 0]
    assert len(lowering)  # in this small run at least vocational training (lock-in)
    findings = html[html.index('<ul id="findings">'):]
    named = findings.split("instruments that lower total employment", 1)[1].split("</li>")[0]
    assert named.count("(urban employed") == len(lowering), named


def test_monthly_parquet_and_files(small_comparison):
    out, comparison = small_comparison
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert len(monthly) == 2 * REPLICATIONS * 12
    assert list(monthly.columns[:3]) == ["scenario", "replicate", "month"]
    assert sorted(monthly["replicate"].unique()) == list(range(REPLICATIONS))
    for name in ("jobs_fan", "unemployment_fan", "target_probabilities", "attribution"):
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["replications"] == REPLICATIONS
    assert manifest["attribution_replications"] == ATTRIBUTION
    assert manifest["common_random_numbers"].startswith("yes")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 4
    assert "http://" not in html and "https://" not in html  # nothing fetched from a network
    assert "城镇新增就业" in html and "@font-face" in html
    assert "baseline_2021" in comparison.summary()


def test_common_random_numbers_across_scenarios(small_comparison):
    """Replicate r of both scenarios draws the same demography (deaths month by month)."""
    _, comparison = small_comparison
    m = comparison.monthly
    deaths = m.pivot_table(index=["replicate", "month"], columns="scenario",
                           values="flow_death")
    np.testing.assert_array_equal(deaths["baseline_2021"], deaths["plan_2021"])
    # ... and different replicates are different draws.
    first = m[(m["scenario"] == "baseline_2021") & (m["month"] == "2021-12")]
    assert first["new_urban_jobs_cum"].nunique() == REPLICATIONS


def test_rerun_reuses_every_replication(small_comparison, tmp_path):
    out, first = small_comparison
    stored = sorted((out / ".tasks").glob("*/*.json"))
    assert len(stored) == 2 * REPLICATIONS
    stamps = {p: p.stat().st_mtime_ns for p in stored}
    before = (out / "targets.csv").read_bytes()
    again = compare(out)
    assert again.manifest["model_runs_this_time"] == 0
    assert again.manifest["replications_reused"] == 2 * REPLICATIONS
    assert {p: p.stat().st_mtime_ns for p in stored} == stamps
    assert (out / "targets.csv").read_bytes() == before


def test_more_replications_run_only_the_new_ones(tmp_path):
    out = tmp_path / "grow"
    compare(out, replications=2, attribution_replications=0)
    more = compare(out, replications=3, attribution_replications=0)
    assert more.manifest["replications_reused"] == 4
    assert more.manifest["model_runs_this_time"] == 2


def test_frames_round_trip_exactly():
    df = pd.DataFrame({"month": ["2021-01", "2021-02"], "x": [0.1 + 0.2, np.nan],
                       "n": [1, 2], "ok": [True, False]})
    back = frame_from_json(json.loads(json.dumps(frame_to_json(df))))
    pd.testing.assert_frame_equal(back, df)


def test_excel_tables_equal_the_csvs(small_comparison):
    out, _ = small_comparison
    for name in ("targets", "attribution"):
        csv = pd.read_csv(out / f"{name}.csv")
        xlsx = pd.read_excel(out / f"{name}.xlsx", sheet_name=name)
        pd.testing.assert_frame_equal(xlsx, csv, check_dtype=False, atol=1e-6)


def test_report_states_findings_definitions_and_command(small_comparison):
    import re

    out, comparison = small_comparison
    html = (out / "report.html").read_text(encoding="utf-8")
    findings = html[html.index('<ul id="findings">'):html.index("</ul>", html.index(
        '<ul id="findings">'))]
    for s in comparison.scenarios:
        assert f"<b>{s}</b>" in findings
    # plan_2021 states its question in its file; the report answers it
    assert "Question: does the plan as written reach 700,000" in html
    assert "a joint test" in findings and "annual mean and December" in findings
    assert '<code id="command">jobsim compare ' in html
    # no fractional persons: every person count in the tables is in 万 with at most 2 decimals
    table = html[html.index('<table id="targets">'):html.index("</table>", html.index(
        '<table id="targets">'))]
    assert not re.search(r"\d{3},\d{3}\.\d", table)
    attribution = comparison.attribution
    negative = attribution[attribution["attributable_new_urban_jobs_mean"] < 0]
    if len(negative):  # each negative gross-flow effect is explained next to it
        assert "gross count" in html or "lowers both new jobs" in html
