"""The analyst notebooks run top to bottom (at a tiny scale and few replications)."""

from __future__ import annotations

import os

import pytest
from conftest import ROOT, TINY

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_three_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == ["01_run_a_scenario", "02_compare_intervention_mixes",
                                           "03_calibration"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("JOBSIM_NB_PERSONS_PER_AGENT", str(TINY))
    monkeypatch.setenv("JOBSIM_NB_REPLICATIONS", "2")
    monkeypatch.setenv("JOBSIM_NB_ATTRIBUTION", "1")
    monkeypatch.setenv("JOBSIM_NB_OUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert os.environ["JOBSIM_NB_REPLICATIONS"] == "2"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_starts_with_the_analysts_question(path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "**Question:" in first.source
    text = "\n".join(c.source for c in nb.cells)
    assert "being built" not in text


def test_notebook_01_changes_a_budget_through_the_api():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(ROOT / "notebooks" / "01_run_a_scenario.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import jobsim" in code and ".with_budgets(" in code and "jobsim.run(" in code
