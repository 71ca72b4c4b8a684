"""jinja2 rendering of rtl_templates/ (harness wrappers, file lists, waivers).

A template never pastes a string as it is: every ``{{ ... }}`` that yields text must pass
through one of the filters below, each the :mod:`hwgen.text` function of its target language
(``verilog_comment``, ``verilog_identifier``, ...). Rendering refuses any other string, so a
model's names cannot become code. Numbers print as they are.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import jinja2

from .. import text
from ..errors import HwgenError

__all__ = ["render", "FILTERS"]

_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")


class _Escaped(str):
    """Text made safe for its target by a filter."""


def _identifier(name) -> _Escaped:
    # hwgen's own names (the top, the harness, monitor tags) are identifiers already: one that
    # is not is a bug or a user-chosen name that escaped validation; never map it silently.
    return _Escaped(text.check_verilog_identifier(name, "name"))


def _file_name(name) -> _Escaped:
    if not isinstance(name, str) or not _FILE_NAME.fullmatch(name) or ".." in name.split("/"):
        raise HwgenError(f"{text.display(name)!r} is not a plain relative file name")
    return _Escaped(name)


def _wrap(function):
    return lambda value: _Escaped(function(value))


#: filter name -> function; each returns text that is safe in its target language.
FILTERS = {
    "verilog_comment": _wrap(text.verilog_comment),
    "verilog_string": _wrap(text.verilog_string),
    "verilog_identifier": _wrap(text.verilog_identifier),
    "identifier": _identifier,
    "file_name": _file_name,
    "cpp_comment": _wrap(text.cpp_comment),
    "cpp_string": _wrap(text.cpp_string),
    "markdown": _wrap(text.markdown),
    "html": _wrap(text.html),
}


def _finalize(value):
    """Every printed value: a number, or text that went through a filter."""
    if isinstance(value, _Escaped) or (isinstance(value, (int, float))
                                       and not isinstance(value, bool)):
        return value
    raise HwgenError(f"template value {text.display(value)!r} ({type(value).__name__}) is "
                     "printed without an escaping filter; use one of "
                     f"{', '.join(sorted(FILTERS))}")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    root = resources.files("hwgen.rtl_templates")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_finalize,
    )
    environment.filters.update(FILTERS)
    return environment


def render(template: str, **values) -> str:
    """Render ``rtl_templates/<template>``; a missing value is an error, never blank, and a
    string printed without an escaping filter is an error too."""
    return _environment().get_template(template).render(**values)
