"""Strings from a model in generated text: one escaping or naming function per target language.

Graph, node, tensor and layer names come from the model file, so they may hold anything: a
newline, ``*/``, ``$system("...")``, quotes, backslashes, pipes, ``<script>``, control or
bidirectional-override characters. They reach generated text only through the functions
below, one per target; a name still shows (escaped), it never becomes code or markup:

================  ===============================  ============================================
target            function                         what comes out
================  ===============================  ============================================
terminal, logs    :func:`display`                  one line; control and format characters
                                                   (``\\n``, ESC, U+202E, ...) as escapes
                  :func:`terminal`                 a message: lines kept, the rest as above
Verilog / SV      :func:`verilog_comment`          a quoted one-line ASCII phrase: cannot end
                                                   the comment or be a tool metacomment
                  :func:`verilog_string`           a string literal (not a format string)
                  :func:`verilog_identifier`       a legal, non-keyword identifier (distinct
                                                   names stay distinct)
                  :func:`check_verilog_identifier` refuses a user-chosen name (``--top``)
C++               :func:`cpp_comment`              as :func:`verilog_comment`
                  :func:`cpp_string`               a string literal
Markdown          :func:`markdown`                 inline text (table cells, headings)
HTML              :func:`html`                     element text or attribute value
JSON              :func:`json_text`                ``json.dumps``, ASCII only
================  ===============================  ============================================

The Jinja2 templates of ``rtl_templates/`` get these as filters and refuse any string that
did not pass through one (:mod:`hwgen.backend.templates`).
"""

from __future__ import annotations

import hashlib
import html as _html
import json
import re
import unicodedata

from .errors import HwgenError

__all__ = ["display", "terminal", "needs_escaping", "verilog_comment", "verilog_string",
           "verilog_identifier", "check_verilog_identifier", "is_verilog_keyword",
           "cpp_comment", "cpp_string", "markdown", "html", "json_text"]

#: IEEE 1800-2017 (SystemVerilog) keywords, a superset of Verilog-2005's (Annex B).
SV_KEYWORDS = frozenset("""
accept_on alias always always_comb always_ff always_latch and assert assign assume automatic
before begin bind bins binsof bit break buf bufif0 bufif1 byte case casex casez cell chandle
checker class clocking cmos config const constraint context continue cover covergroup
coverpoint cross deassign default defparam design disable dist do edge else end endcase
endchecker endclass endclocking endconfig endfunction endgenerate endgroup endinterface
endmodule endpackage endprimitive endprogram endproperty endspecify endsequence endtable
endtask enum event eventually expect export extends extern final first_match for force
foreach forever fork forkjoin function generate genvar global highz0 highz1 if iff ifnone
ignore_bins illegal_bins implements implies import incdir include initial inout input inside
instance int integer interconnect interface intersect join join_any join_none large let
liblist library local localparam logic longint macromodule matches medium modport module nand
negedge nettype new nexttime nmos nor noshowcancelled not notif0 notif1 null or output package
packed parameter pmos posedge primitive priority program property protected pull0 pull1
pulldown pullup pulsestyle_ondetect pulsestyle_onevent pure rand randc randcase randsequence
rcmos real realtime ref reg reject_on release repeat restrict return rnmos rpmos rtran
rtranif0 rtranif1 s_always s_eventually s_nexttime s_until s_until_with scalared sequence
shortint shortreal showcancelled signed small soft solve specify specparam static string
strong strong0 strong1 struct super supply0 supply1 sync_accept_on sync_reject_on table tagged
task this throughout time timeprecision timeunit tran tranif0 tranif1 tri tri0 tri1 triand
trior trireg type typedef union unique unique0 unsigned until until_with untyped use uwire var
vectored virtual void wait wait_order wand weak weak0 weak1 while wildcard wire with within
wor xnor xor
""".split())

_PLAIN_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Verilator, Yosys and simulators reject or truncate very long names; hwgen's own stay short.
_MAX_IDENTIFIER = 64
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}



def _octal_quoted(text, escaped: str) -> str:
    """``text`` in double quotes: the characters of ``escaped`` backslash-escaped, printable
    ASCII as is, every other byte of the UTF-8 encoding as a three-digit octal escape (octal
    escapes end after three digits, so no following character is swallowed)."""
    out = []
    for byte in str(text).encode("utf-8", "surrogatepass"):
        char = chr(byte)
        if char in escaped:
            out.append("\\" + char)
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'

def _escape(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _visible(char: str) -> bool:
    """A character that shows as itself: no control, format, separator or private use."""
    if char == " ":
        return True
    return unicodedata.category(char)[0] not in "CZ"


def display(text) -> str:
    """``text`` as one line that shows every character: for terminals, logs and messages.

    Backslash, control characters (newline, ESC, ...), format characters (bidirectional
    overrides, zero-width spaces), line and paragraph separators and unassigned code points
    become Python-style escapes (``\\n``, ``\\x1b``, ``\\u202e``); printable non-ASCII
    letters stay as they are.
    """
    return "".join(char if char != "\\" and _visible(char) else _escape(char)
                   for char in str(text))


def terminal(message) -> str:
    """A message for a terminal: its lines kept, control and format characters escaped.

    For hwgen's own messages, which may quote names already (as ``repr`` does): unlike
    :func:`display`, newlines between lines and backslashes stay as they are, but no escape
    sequence, bidirectional override or other invisible character reaches the terminal.
    """
    return "".join(char if char in "\n\\" or _visible(char) else _escape(char)
                   for char in str(message))


def _ascii(text) -> str:
    """:func:`display`, with every non-ASCII character escaped too (code generators)."""
    return "".join(char if " " <= char <= "~" and char != "\\" else _escape(char)
                   for char in str(text))


def needs_escaping(text) -> bool:
    """Whether some generated text shows ``text`` otherwise than it is spelled.

    True for names with control or format characters, backslashes, characters Markdown or
    HTML would read as markup, or non-ASCII characters (Verilog and C++ show those as
    escapes); ``hwgen check`` lists such names.
    """
    text = str(text)
    return (not text.isascii() or display(text) != text or markdown(text) != text
            or html(text) != text)


def _quoted_ascii(text) -> str:
    # In double quotes, so the comment never starts with a tool keyword ("verilator lint_off",
    # "synopsys translate_off") and never ends in a backslash (a C++ line continuation);
    # "*/" and "/*" are split so that a block comment cannot end or nest.
    body = _ascii(text).replace('"', '\\"')
    return '"' + body.replace("*/", "*\\/").replace("/*", "/\\*") + '"'


def verilog_comment(text) -> str:
    """``text`` as a phrase inside a Verilog / SystemVerilog comment (``//`` or ``/* */``).

    A double-quoted, single-line ASCII string: it cannot end the comment, start a
    ``// verilator ...`` or ``// synopsys ...`` metacomment, or carry a newline out of it.
    """
    return _quoted_ascii(text)


def verilog_string(text) -> str:
    """``text`` as a Verilog string literal, quotes included.

    Backslash, double quote and every character outside printable ASCII are escaped (octal
    for bytes of the UTF-8 encoding). Not for a format argument: pass it to ``%s``.
    """
    return _octal_quoted(text, '"\\')


def is_verilog_keyword(name: str) -> bool:
    """Whether ``name`` is a Verilog or SystemVerilog keyword."""
    return name in SV_KEYWORDS


def verilog_identifier(text) -> str:
    """A legal Verilog / SystemVerilog identifier for ``text`` (deterministic).

    A plain identifier that is no keyword and at most 64 characters comes back unchanged.
    Anything else is mapped: every character outside ``[A-Za-z0-9_]`` becomes ``_``, a
    leading digit gets an ``n_`` prefix, and 8 hex digits of the name's sha256 are appended,
    so two different names never map to the same identifier.
    """
    text = str(text)
    if (_PLAIN_IDENTIFIER.fullmatch(text) and not is_verilog_keyword(text)
            and len(text) <= _MAX_IDENTIFIER):
        return text
    stem = re.sub(r"[^A-Za-z0-9_]", "_", text)[:_MAX_IDENTIFIER - 12] or "_"
    if not (stem[0].isalpha() or stem[0] == "_"):
        stem = "n_" + stem
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{stem}_{digest}"


def check_verilog_identifier(name, what: str) -> str:
    """``name`` if the user may choose it as a Verilog name; otherwise a clear error.

    Parameters
    ----------
    name : str
        The chosen name (e.g. ``--top``).
    what : str
        How to call it in the message, e.g. ``"--top"``.

    Raises
    ------
    HwgenError
        When ``name`` is not a plain identifier (``[A-Za-z_][A-Za-z0-9_]*``: no newline, no
        escaped identifier), longer than 64 characters, or a Verilog / SystemVerilog keyword.
    """
    if not isinstance(name, str) or not _PLAIN_IDENTIFIER.fullmatch(name):
        raise HwgenError(f"{what} {display(name)!r} is not a Verilog identifier: use letters, "
                         "digits and _, not starting with a digit (e.g. hwgen_top)")
    if len(name) > _MAX_IDENTIFIER:
        raise HwgenError(f"{what} {name!r} is {len(name)} characters long; use at most "
                         f"{_MAX_IDENTIFIER}")
    if is_verilog_keyword(name):
        raise HwgenError(f"{what} {name!r} is a Verilog / SystemVerilog keyword; choose "
                         f"another name (e.g. {name}_top)")
    return name


def cpp_comment(text) -> str:
    """``text`` as a phrase inside a C++ comment (``//`` or ``/* */``), like
    :func:`verilog_comment`."""
    return _quoted_ascii(text)


def cpp_string(text) -> str:
    """``text`` as a C++ narrow string literal, quotes included.

    Backslash, double quote and ``?`` (no trigraph can form) are escaped, and every byte of
    the UTF-8 encoding outside printable ASCII becomes a three-digit octal escape (octal
    escapes end after three digits; hex escapes would swallow the characters after them).
    """
    return _octal_quoted(text, '"\\?')


# Characters that Markdown (CommonMark, GitHub) reads as syntax anywhere in a line: escaped
# with a backslash. <, > and & become HTML entities, which render as the characters themselves.
# Characters that are syntax only at the start of a line (#, -, +, 1.) or after "]" ("(") stay
# as they are: a name never starts a line of hwgen's Markdown, and "[" is escaped.
_MARKDOWN_SPECIAL = set("\\`*[]|~$")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def markdown(text) -> str:
    """``text`` as inline Markdown (a table cell, a heading): shows as spelled, on one line.

    :func:`display` first (newlines and control characters as visible escapes), then every
    character Markdown could read as syntax inside a line gets a backslash (``_`` only where
    it could start or end emphasis, not inside a word such as ``conv_1``), and ``<``, ``>``
    and ``&`` become HTML entities: a pipe cannot split a table cell, ``<script>`` and
    ``[x](url)`` are text.
    """
    shown = display(text)
    out = []
    for i, char in enumerate(shown):
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _MARKDOWN_SPECIAL:
            out.append("\\" + char)
        elif char == "_" and not (0 < i < len(shown) - 1 and shown[i - 1].isalnum()
                                  and shown[i + 1].isalnum()):
            out.append("\\_")
        else:
            out.append(char)
    return "".join(out)


def html(text) -> str:
    """``text`` as HTML element text or a quoted attribute value (one visible line)."""
    return _html.escape(display(text), quote=True)


def json_text(value, **options) -> str:
    """``json.dumps(value)`` with every non-ASCII character escaped (``ensure_ascii``).

    JSON's own escaping is complete (quotes, backslashes, control characters); ASCII output
    also keeps bidirectional overrides out of files that people open in editors.
    """
    return json.dumps(value, ensure_ascii=True, **options)
