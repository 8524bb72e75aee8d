"""Shared helpers of the benchmark scripts: output folder, machine facts, live-agent counts."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "bench"

if str(ROOT) not in sys.path:  # `python benchmarks/x.py` from anywhere
    sys.path.insert(0, str(ROOT))

from jobsim.memory import keep_heap  # noqa: E402,F401  (re-exported for the scripts)


def live_agents(model: Any) -> int:
    """Worker agents that have entered and are not gone (what a month steps)."""
    from jobsim.agents import State

    w = model.workers
    return int(w.n_used - np.count_nonzero(w.state[: w.n_used] == State.GONE))


def machine() -> dict[str, Any]:
    """Describe the machine the figures were measured on (load matters: cores may be shared)."""
    import mesa

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=False).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "model"], cwd=ROOT,
                                    capture_output=True, text=True, check=False).stdout.strip())
    except OSError:
        commit, dirty = "", False
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load_average_1_5_15": list(os.getloadavg()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "platform": platform.platform(),
        "git_commit": commit,
        "model_dirty": dirty,
    }


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write ``out/bench/<name>`` (whole file at once)."""
    from jobsim.results import atomic_write

    path = OUT / name
    atomic_write(path, json.dumps(payload, indent=2) + "\n")
    return path
