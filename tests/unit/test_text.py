"""Model strings in generated text (finding 1): one escaping or naming function per target
language, and templates that refuse a string no filter escaped."""

import json
import re

import pytest

from hwgen import text
from hwgen.backend.templates import FILTERS, _environment, render
from hwgen.errors import HwgenError

#: Names a hostile or careless model may carry.
HOSTILE = [
    'fc1\n initial $system("touch X");\n//',
    "a */ initial $finish; /* b",
    'quote " and \\ backslash',
    "pipe | in | cells",
    "<script>alert(1)</script>",
    "[link](javascript:alert(1))",
    "caf\u00e9 \u6570\u636e",            # non-ASCII letters
    "evil\u202etxt.v",                   # right-to-left override
    "esc\x1b[31mred",                    # terminal escape
    "verilator lint_off WIDTH",          # a Verilator metacomment if it started a comment
    "ends in backslash \\",
    "`define X 1",
    "line\u2028separator",
    "",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_display_is_one_visible_line(name):
    shown = text.display(name)
    assert "\n" not in shown and "\r" not in shown and "\x1b" not in shown
    assert all(ch == " " or ch.isprintable() for ch in shown)
    assert "\u202e" not in shown and "\u2028" not in shown
    if name.isprintable() and "\\" not in name:
        assert shown == name                     # ordinary names show as they are


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("comment", [text.verilog_comment, text.cpp_comment])
def test_comment_phrase_cannot_leave_the_comment(name, comment):
    phrase = comment(name)
    assert phrase.isascii() and phrase.isprintable()
    assert "*/" not in phrase and "/*" not in phrase
    assert phrase.startswith('"') and phrase.endswith('"')     # never a metacomment
    assert not phrase.endswith("\\")                          # no C++ line continuation


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("literal", [text.verilog_string, text.cpp_string])
def test_string_literal_is_closed_and_ascii(name, literal):
    quoted = literal(name)
    assert quoted.isascii() and quoted.isprintable()
    body = quoted[1:-1]
    # every quote and backslash inside is escaped: strip escapes, none may remain
    assert '"' not in re.sub(r'\\(\\|"|\?|[0-7]{3})', "", body)
    assert quoted[0] == quoted[-1] == '"'


def test_string_literal_octal_escapes_round_trip():
    name = 'a"b\\c\n\u00e9'
    body = text.verilog_string(name)[1:-1]
    decoded = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), body)
    decoded = re.sub(r'\\(["\\])', r"\1", decoded)
    assert decoded.encode("latin-1").decode("utf-8") == name


@pytest.mark.parametrize("name", HOSTILE + ["module", "fc1", "9lives", "a" * 100])
def test_verilog_identifier_is_legal_and_no_keyword(name):
    ident = text.verilog_identifier(name)
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ident) and len(ident) <= 64
    assert not text.is_verilog_keyword(ident)


def test_verilog_identifier_keeps_plain_names_and_distinct_names_distinct():
    assert text.verilog_identifier("fc1") == "fc1"
    mapped = {text.verilog_identifier(n) for n in ("a.b", "a_b", "a-b", "a b", "module")}
    assert len(mapped) == 5 and "a_b" in mapped
    assert text.verilog_identifier("a.b") == text.verilog_identifier("a.b")   # deterministic


@pytest.mark.parametrize("bad", ["hwgen_top\n", "a\nb", "module", "wire", "1top", "a-b", "",
                                 "a" * 65, "\\escaped"])
def test_user_chosen_names_that_are_no_plain_identifier_are_refused(bad):
    with pytest.raises(HwgenError, match="--top"):
        text.check_verilog_identifier(bad, "--top")


@pytest.mark.parametrize("name", HOSTILE)
def test_markdown_cell_stays_one_cell_of_plain_text(name):
    cell = text.markdown(name)
    assert "\n" not in cell
    assert "|" not in cell.replace("\\|", "")
    assert "<" not in cell and ">" not in cell
    assert "[" not in cell.replace("\\[", "")
    assert "`" not in cell.replace("\\`", "")


def test_markdown_leaves_ordinary_names_readable():
    assert text.markdown("conv_1.weight") == "conv_1.weight"
    assert text.markdown("fc1") == "fc1"


@pytest.mark.parametrize("name", HOSTILE)
def test_html_and_json(name):
    assert "<" not in text.html(name) and '"' not in text.html(name)
    encoded = text.json_text({"name": name})
    assert encoded.isascii() and json.loads(encoded) == {"name": name}


def test_needs_escaping():
    assert not text.needs_escaping("fc1") and not text.needs_escaping("conv_1.weight")
    plain = {"", "verilator lint_off WIDTH"}      # shown as spelled (quoted in comments)
    assert all(text.needs_escaping(n) for n in HOSTILE if n not in plain)


def test_templates_refuse_a_string_without_a_filter():
    environment = _environment()
    with pytest.raises(HwgenError, match="without an escaping filter"):
        environment.from_string("// {{ name }}").render(name="fc1")
    assert environment.from_string("// {{ name | verilog_comment }}").render(
        name='x\n$system("touch X");') == '// "x\\n$system(\\"touch X\\");"'
    assert environment.from_string("{{ n }} {{ x }}").render(n=3, x=1.5) == "3 1.5"
    assert set(FILTERS) >= {"verilog_comment", "verilog_identifier", "cpp_string", "markdown"}


def test_identifier_filter_refuses_rather_than_maps():
    with pytest.raises(HwgenError, match="not a Verilog identifier"):
        render("files.f.j2", top="top\ninitial", sources=["top.v"])


def test_terminal_keeps_lines_and_backslashes_but_no_escape_sequence():
    message = "2 problems:\n  - node 'a\\nb': \x1b[2J bad \u202e"
    shown = text.terminal(message)
    assert shown.split("\n") == ["2 problems:", "  - node 'a\\nb': \\x1b[2J bad \\u202e"]
