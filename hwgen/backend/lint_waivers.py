"""Verilator lint waivers for the generated RTL: per expression kind and per block, with reasons.

``verilator --lint-only -Wall rtl/lint_waivers.vlt rtl/TOP.v --top-module TOP`` is clean on
every design hwgen writes. No rule is switched off for the whole file:

* width rules (WIDTHEXPAND, WIDTHTRUNC) are waived only for the expression kinds Amaranth
  writes on purpose (:data:`WIDTH_OPERATORS`, ``!x`` of a multi-bit ``x``), by message. A width
  mismatch anywhere else (an assignment, a port connection, another operator) is reported;
* style rules Amaranth's output trips in every module (UNUSEDSIGNAL, PROCASSINIT,
  CASEINCOMPLETE) are waived per block: one waiver per generated module, by its name and
  line range in the Verilog, so code outside a generated module is linted in full;
* DECLFILENAME only for the submodules (named ``TOP.<instance path>``) of the one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .templates import render

__all__ = ["lint_waivers", "verilog_modules", "VerilogModule", "WIDTH_OPERATORS"]

#: Verilator's names of the operators whose operands Amaranth's Verilog leaves at their own
#: widths: arithmetic and negation, comparisons (``S``: signed), shifts and bitwise logic.
#: Amaranth gives each result the exact width it needs; Verilog extends the narrower operand
#: (sign-extends when both are ``$signed``), which is what Amaranth's semantics say.
WIDTH_OPERATORS = ("ADD", "SUB", "MUL", "MULS", "DIV", "DIVS", "MODDIV", "MODDIVS",
                   "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "LTS", "LTES", "GTS", "GTES",
                   "SHIFTL", "SHIFTR", "SHIFTRS", "NEGATE", "NOT", "AND", "OR", "XOR")

_MODULE = re.compile(r"^module\s+\\?([^\s(]+)")


@dataclass(frozen=True)
class VerilogModule:
    """A module of a Verilog file: its name and its lines (1-based, inclusive)."""

    name: str
    first: int
    last: int
    has_case: bool


def verilog_modules(verilog: str) -> list[VerilogModule]:
    """Every ``module ... endmodule`` of ``verilog``, in file order."""
    modules, name, first, case = [], None, 0, False
    for number, line in enumerate(verilog.splitlines(), start=1):
        match = _MODULE.match(line)
        if match:
            name, first, case = match.group(1), number, False
        elif name is not None and line.startswith("endmodule"):
            modules.append(VerilogModule(name, first, number, case))
            name = None
        elif name is not None and re.search(r"\bcase[zx]?\b", line):
            case = True
    return modules


def lint_waivers(verilog: str, top: str) -> str:
    """The text of ``rtl/lint_waivers.vlt`` for ``verilog``, the Verilog of module ``top``."""
    return render("lint_waivers.vlt.j2", top=top, operators=list(WIDTH_OPERATORS),
                  modules=verilog_modules(verilog))
