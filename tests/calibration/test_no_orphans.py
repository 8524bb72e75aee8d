"""After SIGKILL of ``jobsim calibrate``'s main process no worker process is left (#15).

The workers are jobsim's one executor's (:mod:`jobsim.executors`): forked by a fork server, so
they are the main process's grandchildren; the fork server and resource tracker must go too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkill_of_calibrate_leaves_no_worker(make_tiny, tmp_path):
    cfg = make_tiny(replace={"local_max_iterations = 6": "local_max_iterations = 60"})
    cmd = [sys.executable, "-c", "import sys; from jobsim.cli import main; sys.exit(main())",
           "calibrate", str(cfg), "--out", str(tmp_path / "fit.toml"), "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        helpers: set[int] = set()  # fork server, resource tracker
        workers: set[int] = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(workers) < 2:
            helpers |= {c for c in _children(proc.pid) if _alive(c)}
            workers |= {w for h in helpers for w in _children(h) if _alive(w)}
            time.sleep(0.2)
        assert len(workers) >= 2, "the calibration never started its workers"
        workers |= helpers
        time.sleep(1.0)  # let the workers take tasks
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        left = [w for w in workers if _alive(w)]
        assert not left, f"worker processes left after 10 s: {left}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # only the group this test started
        except ProcessLookupError:
            pass
