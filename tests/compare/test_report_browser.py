"""The report in a real browser: headless Chromium loads report.html with no network.

Checks the rendered DOM (plots as data: URIs, the tables, Chinese and English labels) and
takes a screenshot (kept as ``report_screenshot.png`` beside the report, to look at).
``.ci/run`` installs Debian's ``chromium``; elsewhere this test skips, saying what to install.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium: install it to check the report in a browser "
                "(Debian/Ubuntu: apt-get install -y chromium)")


def test_report_renders_in_chromium(small_comparison, tmp_path):
    browser = _chromium()
    out, _ = small_comparison
    url = (out / "report.html").resolve().as_uri()
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run([browser, *FLAGS, *profile, "--dump-dom", url], capture_output=True,
                         text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert html.count('<img id="fig-') == 4
    assert html.count('src="data:image/png;base64,') == 4
    for table in ("glance", "targets", "attribution"):
        assert f'<table id="{table}">' in html
    assert "provenance-list" in html
    for label in ("城镇新增就业", "城镇调查失业率", "达标概率", "政策工具归因", "职业技能培训",
                  "New urban jobs", "Provenance of this run", "plan_2021", "baseline_2021"):
        assert label in html, label

    shot = out / "report_screenshot.png"
    done = subprocess.run([browser, *FLAGS, *profile, "--window-size=1280,2400",
                           f"--screenshot={shot}", url], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
