"""Regenerate the module map of docs/architecture.md from the module docstrings.

    python docs/generate_architecture.py           # rewrite the generated section
    python docs/generate_architecture.py --check   # exit 1 if it is out of date

The map lists every module of the ``hwgen`` package (``sim/`` is installed as ``hwgen.sim``),
grouped by package in stage order, each with the first sentence of its docstring. Only the text
between the two markers is rewritten. Modules are read with :mod:`ast`, never imported, so the
script runs without Amaranth, onnx or a working package.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
BEGIN = "<!-- BEGIN GENERATED MODULE MAP: python docs/generate_architecture.py -->"
END = "<!-- END GENERATED MODULE MAP -->"
COMMAND = "python docs/generate_architecture.py"

#: Source directory of each top-level package (setuptools package-dir of pyproject.toml).
SOURCES = {"hwgen": ROOT / "hwgen", "hwgen.sim": ROOT / "sim"}
#: Packages in the order of the stages; packages not listed follow, alphabetically.
STAGE_ORDER = ("hwgen", "hwgen.frontend", "hwgen.quant", "hwgen.ir", "hwgen.passes",
               "hwgen.golden", "hwgen.perf", "hwgen.hw", "hwgen.backend", "hwgen.sim",
               "hwgen.reference")
NO_DOCSTRING = "**(no module docstring)**"


def _role(match) -> str:
    """``:class:`~a.b.C``` -> ```C```, ``:func:`a.f``` -> ```a.f``` (as Sphinx shows them)."""
    target = match.group(2)
    return f"`{target.split('.')[-1] if match.group(1) else target}`"


def summary(docstring: str | None) -> str:
    """First sentence of a docstring's first paragraph, Sphinx roles turned into code."""
    if not docstring:
        return NO_DOCSTRING
    paragraph = " ".join(docstring.strip().split("\n\n")[0].split())
    end = re.search(r"[.!?](\s|$)", paragraph)
    sentence = paragraph[:end.end()].strip() if end else paragraph
    sentence = re.sub(r":[a-z]+:`(~?)([^`]+)`", _role, sentence).replace("``", "`")
    return sentence.replace("|", "\\|")


def modules() -> dict:
    """``{package: [(path relative to the repository, summary), ...]}``, the package's own
    ``__init__.py`` first."""
    packages: dict = {}
    for prefix, source in SOURCES.items():
        for path in sorted(source.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = path.relative_to(source).with_suffix("").parts
            package = ".".join((prefix,) + parts[:-1])
            text = summary(ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))))
            entry = (path.relative_to(ROOT).as_posix(), text)
            entries = packages.setdefault(package, [])
            if parts[-1] == "__init__":
                entries.insert(0, entry)
            else:
                entries.append(entry)
    return packages


def _order(package: str) -> tuple:
    top = next((i for i, p in enumerate(STAGE_ORDER)
                if package == p or package.startswith(p + ".") and p != "hwgen"),
               len(STAGE_ORDER))
    return (top, package)


def module_map() -> str:
    """The generated section (without the markers)."""
    lines = []
    for package, entries in sorted(modules().items(), key=lambda item: _order(item[0])):
        init = entries[0] if entries and entries[0][0].endswith("__init__.py") else None
        lines += [f"### `{package}`", ""]
        if init:
            lines += [init[1], ""]
        body = [e for e in entries if e is not init]
        if body:
            lines += ["| module | what it is |", "|---|---|"]
            lines += [f"| `{path}` | {text} |" for path, text in body]
            lines.append("")
    return "\n".join(lines)


def render(document: str) -> str:
    """``document`` with the text between the markers replaced by :func:`module_map`."""
    if BEGIN not in document or END not in document:
        raise SystemExit(f"{DOC} lacks the markers {BEGIN!r} and {END!r}")
    head, rest = document.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{module_map()}\n{END}{tail}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/architecture.md is out of date; write nothing")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    missing = [path for entries in modules().values() for path, text in entries
               if text == NO_DOCSTRING]
    for path in missing:
        print(f"warning: {path} has no module docstring", file=sys.stderr)
    if args.check:
        if wanted != current:
            print(f"{DOC.relative_to(ROOT)} is out of date: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        DOC.write_text(wanted, encoding="utf-8")
        print(f"rewrote the module map of {DOC.relative_to(ROOT)}")
    else:
        print(f"{DOC.relative_to(ROOT)} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
