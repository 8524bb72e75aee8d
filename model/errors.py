"""User errors: the one kind of exception the command line turns into exit status 2.

Any command raises a subclass of :class:`UserError` for a mistake in what the user gave it
(a file, a flag, an output folder). ``jobsim.cli.main`` prints its message as one line,
``jobsim: error: <message>``, and exits 2, with no traceback. Everything else is a bug and
surfaces as a traceback. A new command needs nothing more than to raise ``UserError`` (or a
subclass) with a message that names the file, the line where known, and the field.

:func:`read_text` is how jobsim reads a user's text file: UTF-8 with or without a byte-order
mark, and every OS or decoding failure becomes a ``UserError`` naming the file.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["UserError", "OutputError", "read_text"]


class UserError(Exception):
    """A mistake in the user's input; the message says where (file, line, field) and what."""


class OutputError(UserError):
    """An output location jobsim may not write to (a foreign folder, a file, no permission)."""


def read_text(path: Path | str, what: str = "file", error: type[UserError] = UserError) -> str:
    """The text of ``path`` (``utf-8-sig``), or ``error`` naming the file and the cause."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{path}: {what} is a folder, not a file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if b"\x00" in data:
        raise error(f"{path}: the {what} is binary, not a UTF-8 text file") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise error(f"{path}, line {line}: the {what} is not UTF-8 text (byte "
                    f"0x{data[exc.start]:02x}); save it as UTF-8") from None
