"""``jobsim dashboard``: a local web app where a planner moves budgets and sees the answer.

Built with Solara (``solara`` + ``solara-assets``), chosen over Panel because the page is a few
reactive Python components (sliders, a background task with progress, images) with no
JavaScript of our own, and ``solara-assets`` ships every script, style sheet and font the page
loads, so the server answers every request itself: nothing comes from a CDN (checked in a
real browser by ``tests/dashboard/test_dashboard_browser.py``). Telemetry and the version
check are switched off for the same reason.

Modules: ``compute`` (what is computed: the same numbers as ``compare``), ``app`` (the page).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from jobsim.dashboard.compute import Settings

__all__ = ["serve", "server_command", "server_environment"]

APP = Path(__file__).resolve().parent / "app.py"


def server_environment(settings: Settings) -> dict[str, str]:
    """The Solara process's environment: the settings, offline switches."""
    env = dict(os.environ)
    env.update({
        "JOBSIM_DASHBOARD_SCENARIO": str(Path(settings.scenario).resolve()),
        "JOBSIM_DASHBOARD_REPLICATIONS": str(settings.replications),
        "JOBSIM_DASHBOARD_PERSONS_PER_AGENT": str(settings.persons_per_agent),
        "JOBSIM_DASHBOARD_ATTRIBUTION": str(settings.attribution_replications),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_TELEMETRY_SENTRY_ENABLE": "False",
        "SOLARA_CHECK_VERSION": "False",
    })
    return env


def server_command(host: str, port: int) -> list[str]:
    """The command that serves the app (Solara's own server, production mode)."""
    return [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port",
            str(port), "--production", "--no-open", "--no-check-version", "--log-level",
            "warning"]


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the dashboard until interrupted; returns the server's exit status."""
    try:
        import solara  # noqa: F401
    except ImportError:
        print("jobsim dashboard needs Solara: pip install -e '.[dashboard]'", file=sys.stderr)
        return 2
    print(f"jobsim dashboard: http://{host}:{port}/  (Ctrl-C stops it)", file=sys.stderr)
    proc = subprocess.Popen(server_command(host, port), env=server_environment(settings))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return 0
