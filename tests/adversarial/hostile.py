"""Helpers of the hostile-input suite: a user's folder, a snapshot of it, an in-process CLI."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

#: A scenario whose every line the cases below can point at (default parameters: fast load).
BASE = """\
[scenario]
name = "adversarial"
start = "2021-01"
months = 12
parameters = "default"
persons_per_agent = 20000
seed = 1

[macro]
demand_index = 1.0

[instruments.vocational_training]
budget_yuan = 825000000.0
take_up = 0.05
max_participants = 550000

[instruments.youth_internship]
budget_yuan = 71544000.0
take_up = 0.15
eligible_groups = ["graduate"]
"""


def set_value(text: str, table: str, key: str, value: str) -> tuple[str, int]:
    """``text`` with ``key``'s value in ``[table]`` replaced, and that line's number."""
    lines = text.splitlines()
    current = None
    for i, row in enumerate(lines):
        header = re.match(r"^\[(.+)\]$", row.strip())
        if header:
            current = header.group(1)
            continue
        if current == table and re.match(rf'^"?{re.escape(key)}"?\s*=', row):
            lines[i] = f"{row.split('=', 1)[0].rstrip()} = {value}"
            return "\n".join(lines) + "\n", i + 1
    raise KeyError(f"{table}.{key}")


def add_line(text: str, table: str, row: str) -> tuple[str, int]:
    """``text`` with ``row`` added as the first line of ``[table]`` (made if absent)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == f"[{table}]":
            lines.insert(i + 1, row)
            return "\n".join(lines) + "\n", i + 2
    lines += ["", f"[{table}]", row]
    return "\n".join(lines) + "\n", len(lines)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes (what 'untouched' means)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``jobsim.cli.main(argv)`` in this process: (exit status, stderr)."""
    from jobsim.cli import main

    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().err


@pytest.fixture()
def user_folder(tmp_path: Path) -> Path:
    """A user's folder: their own files, including one that holds a ``manifest.json``."""
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "manifest.json").write_text('{"mine": true}\n', encoding="utf-8")
    (keep / "background.js").write_text("console.log('precious');\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("my notes\n", encoding="utf-8")
    return tmp_path
