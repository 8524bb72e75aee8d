"""Rewrite the project's internal imports from ``model.``/``calibration.`` to ``jobsim.``.

The import package is ``jobsim`` (``model/`` mapped onto it, ``calibration/`` onto
``jobsim.calibration``, see ``pyproject.toml``), so that a user's own ``model.py`` cannot shadow
it. Run once after merging every branch, from the project root::

    python tools/rename_imports.py          # rewrite in place, print what changed
    python tools/rename_imports.py --check  # exit 1 if anything is left to rewrite

What it rewrites, and nothing else:

- Python files in model/, calibration/, tests/, benchmarks/, tools/ and notebooks' code cells:
  ``import model...`` / ``from model... import`` statements (and the same for
  ``calibration``), found with :mod:`tokenize` so that a local variable named ``model``
  (``model.step()``, ``model.ledger``) is never touched; and, inside strings and comments,
  dotted names of the project's real modules (``"model.compare.tasks"``, ``model.cli:main``).
- Markdown (README, docs/, model/**/*.md, notebooks' markdown cells), the Makefile and
  ``.ci/run``: dotted names of real modules (``model.forecast.paths``); folder paths such as
  ``model/compare/`` stay, they name folders.
- ``pyproject.toml``: the console script, and the packaging section is regenerated with every
  package folder present (so subpackages added since are packaged), without the transitional
  ``model``/``calibration`` aliases.

It is idempotent: a second run changes nothing (``--check`` then exits 0).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Old top-level import name -> (folder, new dotted prefix).
PACKAGES = {"model": ("model", "jobsim"), "calibration": ("calibration", "jobsim.calibration")}
PY_DIRS = ("model", "calibration", "tests", "benchmarks", "tools")
TEXT_FILES = ("README.md", "Makefile", ".ci/run")
TEXT_DIRS = ("docs", "model", "calibration")


def module_names(root: Path = ROOT) -> dict[str, str]:
    """Every real module and package under the old names: old dotted name -> new."""
    names: dict[str, str] = {}
    for old, (folder, new) in PACKAGES.items():
        base = root / folder
        for path in base.rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            rel = path.relative_to(base).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            names[".".join([old, *parts])] = ".".join([new, *parts])
    return names


def _dotted_pattern(names: dict[str, str]) -> re.Pattern[str]:
    # Longest first, so ``model.compare.tasks`` wins over ``model.compare``; not preceded by a
    # word character or a dot (``jobsim.calibration``, ``self.model.x`` are left alone), and not
    # followed by more of a dotted name that is not a module (``model.compare.tasks.run_one``
    # is still rewritten: its module prefix is what matters).
    dotted = sorted((n for n in names if "." in n), key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in dotted)
    return re.compile(rf"(?<![\w.])({alternatives})(?![\w])")


#: Mesa's own ``model.agents`` (an AgentSet) in prose: not this project's module.
_MESA_AGENTSET = re.compile(r"\.(?:shuffle_do|do|select|shuffle|agg|groupby|map|sort|set)\b")


def rewrite_text(text: str, names: dict[str, str]) -> str:
    """Dotted module names in free text (strings, comments, Markdown, Makefile)."""
    pattern = _dotted_pattern(names)

    def swap(m: re.Match[str]) -> str:
        if m.group(1) == "model.agents" and _MESA_AGENTSET.match(text, m.end()):
            return m.group(0)
        return names[m.group(1)]

    return pattern.sub(swap, text)


def _rewrite_string(token: str, names: dict[str, str]) -> str:
    """A string literal; in an f-string, only the literal parts (never ``{code}``)."""
    prefix = re.match(r"[A-Za-z]*", token).group(0).lower()
    if "f" not in prefix:
        return rewrite_text(token, names)
    parts = re.split(r"(\{\{|\}\}|\{[^{}]*\})", token)
    return "".join(p if p.startswith("{") and not p.startswith("{{") else
                   rewrite_text(p, names) for p in parts)


def _rewrite_import_line(tokens: list[tokenize.TokenInfo]) -> dict[tuple[int, int], str]:
    """Replacements (start position -> new text) for one logical line's import names."""
    out: dict[tuple[int, int], str] = {}
    names = [t for t in tokens if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT,
                                                  tokenize.INDENT, tokenize.DEDENT)]
    if not names or names[0].type != tokenize.NAME or names[0].string not in ("import", "from"):
        return out
    if names[0].string == "from":
        # from X[.Y] import ...  (X is the token after 'from'; relative imports start with '.')
        head = names[1] if len(names) > 1 else None
        if head is not None and head.type == tokenize.NAME and head.string in PACKAGES:
            out[head.start] = PACKAGES[head.string][1]
        return out
    # import X[.Y] [as Z], X2 ...: a name that starts a dotted module path. A bare
    # ``import model`` binds ``model`` to the package and code uses it as a value
    # (``source_sha1(model)``): it becomes ``import jobsim as model``, the same binding.
    expect_module = True
    rest = names[1:]
    for k, tok in enumerate(rest):
        if tok.type == tokenize.OP and tok.string == ",":
            expect_module = True
            continue
        if expect_module and tok.type == tokenize.NAME and tok.string in PACKAGES:
            nxt = rest[k + 1].string if k + 1 < len(rest) else ""
            new = PACKAGES[tok.string][1]
            out[tok.start] = new if nxt in (".", "as") else f"{new} as {tok.string}"
        expect_module = False
    return out


def rewrite_python(source: str, names: dict[str, str]) -> str:
    """Import statements, and module names in strings and comments, of Python source."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source  # not Python we can read: leave it as it is
    replacements: dict[tuple[int, int], tuple[int, str]] = {}
    line: list[tokenize.TokenInfo] = []
    for tok in tokens:
        if tok.type in (tokenize.STRING, tokenize.COMMENT):
            new = (_rewrite_string(tok.string, names) if tok.type == tokenize.STRING
                   else rewrite_text(tok.string, names))
            if new != tok.string:
                replacements[tok.start] = (len(tok.string), new)
        line.append(tok)
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER) or (
                tok.type == tokenize.OP and tok.string == ";"):
            for start, text in _rewrite_import_line(line).items():
                old_len = len(next(t.string for t in line if t.start == start))
                replacements[start] = (old_len, text)
            line = []
    replacements.update(_bound_package_uses(tokens, names))
    if not replacements:
        return source
    starts = [0]
    for line_text in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line_text))
    # Apply from the end so earlier offsets stay valid (a string token may span lines).
    out = source
    for (row, col), (length, text) in sorted(replacements.items(), reverse=True):
        at = starts[row - 1] + col
        out = out[:at] + text + out[at + length:]
    return out


def _bound_package_uses(tokens: list[tokenize.TokenInfo], names: dict[str, str]
                        ) -> dict[tuple[int, int], tuple[int, str]]:
    """``import model.runner`` binds the name ``model``: rewrite its uses (``model.runner.x``).

    Only in a file that has such a plain import (no ``as``), and only where the name is
    followed by ``.`` and one of the package's real submodules, and is not itself an attribute
    (``self.model.runner`` stays).
    """
    code = [t for t in tokens if t.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT,
                                                 tokenize.DEDENT, tokenize.NEWLINE)]
    bound = set()
    for i, tok in enumerate(code[:-2]):
        if tok.type == tokenize.NAME and tok.string == "import" and code[i + 1].string in \
                PACKAGES and code[i + 2].string == ".":
            j = i + 3
            while j + 1 < len(code) and code[j + 1].string == ".":
                j += 2
            if j + 1 >= len(code) or code[j + 1].string != "as":
                bound.add(code[i + 1].string)
    out: dict[tuple[int, int], tuple[int, str]] = {}
    for i, tok in enumerate(code[:-2]):
        if tok.type != tokenize.NAME or tok.string not in bound:
            continue
        if i > 0 and code[i - 1].string in (".", "import", "from"):
            continue  # an attribute, or the import statement itself (handled there)
        if code[i + 1].string == "." and f"{tok.string}.{code[i + 2].string}" in names:
            out[tok.start] = (len(tok.string), PACKAGES[tok.string][1])
    return out


def rewrite_notebook(text: str, names: dict[str, str]) -> str:
    """Code cells as Python, Markdown cells as text; the JSON layout kept (nbformat's)."""
    nb = json.loads(text)
    changed = False
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        joined = "".join(src) if isinstance(src, list) else src
        new = (rewrite_python(joined, names) if cell.get("cell_type") == "code"
               else rewrite_text(joined, names))
        if new != joined:
            changed = True
            cell["source"] = new.splitlines(keepends=True) if isinstance(src, list) else new
    if not changed:
        return text
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def packaging_section(root: Path = ROOT) -> str:
    """The ``[tool.setuptools]`` tables for the package folders present now."""
    packages = []
    for old, (folder, new) in PACKAGES.items():
        for init in sorted((root / folder).rglob("__init__.py")):
            if "__pycache__" in init.parts:
                continue
            rel = init.parent.relative_to(root / folder)
            packages.append(".".join([new, *rel.parts]))
    packages = sorted(set(packages))
    lines = ["[tool.setuptools]", "packages = ["]
    lines += [f'  "{p}",' for p in packages]
    lines += ["]", "", "[tool.setuptools.package-dir]", 'jobsim = "model"',
              '"jobsim.calibration" = "calibration"', ""]
    return "\n".join(lines)


_SECTION = re.compile(r"\[tool\.setuptools\]\n.*?(?=\n\[tool\.setuptools\.package-data\])",
                      re.DOTALL)


def rewrite_pyproject(text: str, names: dict[str, str], root: Path = ROOT) -> str:
    """Console script and packaging: the ``jobsim`` package only."""
    text = rewrite_text(text, names)  # model.cli:main -> jobsim.cli:main
    text = _SECTION.sub(lambda _: packaging_section(root).rstrip("\n") + "\n", text, count=1)
    text = re.sub(r"^model = \[.*\]  # transitional\n", "", text, flags=re.MULTILINE)
    text = re.sub(r"^pythonpath = .*# transitional.*\n", "", text, flags=re.MULTILINE)
    text = re.sub(r"^# tools/rename_imports\.py rewrites.*\n(?:^# .*\n)*?(?=\[tool\.setuptools\])",
                  "", text, flags=re.MULTILINE)
    return text


def targets(root: Path = ROOT) -> list[Path]:
    """Every file the rewrite looks at."""
    files: set[Path] = set()
    for d in PY_DIRS:
        files.update(p for p in (root / d).rglob("*.py") if "__pycache__" not in p.parts)
    files.update((root / "notebooks").glob("*.ipynb"))
    for d in TEXT_DIRS:
        files.update((root / d).rglob("*.md"))
    for f in TEXT_FILES:
        if (root / f).is_file():
            files.add(root / f)
    files.add(root / "pyproject.toml")
    return sorted(files)


def rewrite_file(path: Path, names: dict[str, str], root: Path = ROOT) -> str:
    """The new text of one file."""
    text = path.read_text(encoding="utf-8")
    if path.name == "pyproject.toml":
        return rewrite_pyproject(text, names, root)
    if path.suffix == ".py":
        return rewrite_python(text, names)
    if path.suffix == ".ipynb":
        return rewrite_notebook(text, names)
    return rewrite_text(text, names)


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or, with ``--check``, list) the files that still use the old names."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    names = module_names(root)
    changed = []
    for path in targets(root):
        if path.resolve() == Path(__file__).resolve():
            continue  # this script names the old packages on purpose
        old = path.read_text(encoding="utf-8")
        new = rewrite_file(path, names, root)
        if new != old:
            changed.append(path.relative_to(root))
            if not args.check:
                path.write_text(new, encoding="utf-8")
    verb = "to rewrite" if args.check else "rewritten"
    print(f"{len(changed)} files {verb}" + "".join(f"\n  {p}" for p in changed))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
