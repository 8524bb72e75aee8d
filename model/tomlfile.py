"""Reading a user's TOML file, and finding the line each key of it is on.

``tomllib`` gives values without positions, so :class:`TomlLines` scans the text once and maps
every key's full path (table headers included) to its line: ``youth_internship.take_up`` is
found in ``[instruments.youth_internship]``, not at the first ``take_up =`` of the file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jobsim.errors import UserError, read_text

__all__ = ["TomlLines", "read_toml", "parse_toml"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_\-]+)"""
                  r"""(?:\s*\.\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*=""")
_PART = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_\-]+)\s*(?:\.|$)""")
_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _parts(dotted: str) -> tuple[str, ...]:
    out = []
    for m in _PART.finditer(dotted):
        token = m.group(1)
        out.append(token[1:-1] if token[:1] in "\"'" else token)
    return tuple(out)


class TomlLines:
    """Line of every key path in a TOML text (best effort: multi-line values are skipped)."""

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        in_string: str | None = None
        for number, row in enumerate(text.splitlines(), start=1):
            if in_string is not None:  # inside a multi-line string: no keys here
                if row.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = _HEADER.match(row)
            if header and "=" not in row.split("]")[0]:
                table = _parts(header.group(2))
                self.lines.setdefault(table, number)
                continue
            key = _KEY.match(row)
            if key:
                path = table + _parts(key.group(1))
                self.lines.setdefault(path, number)
                rest = row[key.end():]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        in_string = quote

    def line(self, path: Sequence[Any]) -> int | None:
        """Line of the longest prefix of ``path`` found in the text (None if none is)."""
        parts = tuple(str(p) for p in path if not isinstance(p, int))
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return None


def parse_toml(text: str, path: Path | str, error: type[UserError] = UserError
               ) -> dict[str, Any]:
    """``tomllib.loads`` with the error as ``error``, naming the file and the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        pos = _POSITION.search(msg)
        if pos:
            msg = _POSITION.sub("", msg).strip()
            raise error(f"{path}, line {pos.group(1)}: not valid TOML: {msg} "
                        f"(column {pos.group(2)})") from None
        raise error(f"{path}: not valid TOML: {msg}") from None


def read_toml(path: Path | str, what: str, error: type[UserError] = UserError
              ) -> tuple[dict[str, Any], str, TomlLines]:
    """The file's tables, its text and its line map; every failure is ``error``."""
    text = read_text(path, what, error)
    return parse_toml(text, path, error), text, TomlLines(text)
