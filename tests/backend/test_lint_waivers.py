"""The shipped lint waivers hide only what Amaranth writes on purpose (finding 8): a width
mismatch added to generated code is reported with them, and every waiver is scoped."""

import re

import numpy as np
import pytest

from hwgen.backend import LoweredDesign, write_design
from hwgen.backend.lint_waivers import WIDTH_OPERATORS, verilog_modules
from hwgen.ir import IntType, TensorQuant
from tests.fixtures.factories import random_mvau_params
from tests.fixtures.lint import verilator_lint

PROBE = """\
  wire [3:0] hwgen_probe_narrow;
  assign hwgen_probe_narrow = 8'hff;
  wire [15:0] hwgen_probe_wide;
  assign hwgen_probe_wide = hwgen_probe_narrow;
"""


@pytest.fixture
def out(tmp_path):
    rng = np.random.default_rng(5)
    layers = (random_mvau_params(rng, mh=8, mw=12, pe=2, simd=3, name="fc1", relu=True),
              random_mvau_params(rng, mh=4, mw=8, pe=4, simd=8, in_bits=8, in_signed=True,
                                 name="fc2", w_bits=2))
    design = LoweredDesign(name="t", blocks=layers,
                           input_quant=TensorQuant(IntType(8, False), 0.1, 3),
                           output_quant=TensorQuant(IntType(8, True), 0.5, -2))
    write_design(design, tmp_path / "out")
    return tmp_path / "out"


def _with_probe(verilog: str) -> str:
    """``verilog`` with two width mismatches at the end of its last module."""
    cut = verilog.rindex("endmodule")
    return verilog[:cut] + PROBE + verilog[cut:]


def test_a_width_mismatch_in_generated_code_is_reported(out, verilator):
    rtl = out / "rtl/hwgen_top.v"
    clean = verilator_lint(rtl, out / "rtl/lint_waivers.vlt")
    assert clean.returncode == 0 and "%Warning" not in clean.stderr, clean.stderr[-2000:]
    rtl.write_text(_with_probe(rtl.read_text()))
    result = verilator_lint(rtl, out / "rtl/lint_waivers.vlt")
    assert result.returncode != 0
    warnings = re.findall(r"%Warning-(WIDTH\w+):[^\n]*\n(?:[^\n]*\n)*?\s*\d+ \|([^\n]*)",
                          result.stderr)
    reported = {(rule, "narrow" if "hwgen_probe_narrow =" in line else "wide")
                for rule, line in warnings if "hwgen_probe" in line}
    assert reported == {("WIDTHTRUNC", "narrow"), ("WIDTHEXPAND", "wide")}, result.stderr


def test_no_rule_is_waived_for_the_whole_file(out):
    waivers = (out / "rtl/lint_waivers.vlt").read_text()
    lines = [line for line in waivers.splitlines() if line.startswith("lint_off")]
    assert lines
    for line in lines:
        assert "-match" in line or "-lines" in line, f"file-wide waiver: {line}"
    width = [line for line in lines if "WIDTH" in line]
    assert {re.search(r'-match "Operator (\w+) expects', line).group(1)
            for line in width if "EXPAND" in line} == set(WIDTH_OPERATORS)
    assert not any("ASSIGN" in line for line in width)


def test_every_generated_module_has_its_own_line_range(out):
    verilog = (out / "rtl/hwgen_top.v").read_text()
    modules = verilog_modules(verilog)
    lines = verilog.splitlines()
    assert [m.name for m in modules][0] == "hwgen_top"
    assert len(modules) == verilog.count("\nendmodule") + verilog.startswith("endmodule")
    for module in modules:
        assert lines[module.first - 1].startswith("module")
        assert lines[module.last - 1].startswith("endmodule")
    waivers = (out / "rtl/lint_waivers.vlt").read_text()
    for module in modules:
        assert f"-lines {module.first}-{module.last}" in waivers, module.name
