"""``docs/nowcast.md`` is what its generator writes today (no hand-edited figure)."""

from __future__ import annotations

from pathlib import Path

from jobsim.nowcast.docs import render_page

ROOT = Path(__file__).resolve().parents[2]


def test_docs_page_is_generated():
    """Regenerate the page in memory; it must equal the file (else run the command)."""
    page = (ROOT / "docs" / "nowcast.md").read_text(encoding="utf-8")
    assert page == render_page(), "run: python -m jobsim.nowcast.docs"
