"""The --interface axis top in Verilog: AXI4-Stream port names and widths, blocks named as in
the stream top, design file round trip, lint clean with the shipped waivers."""

import re

import hwgen
from tests.fixtures.axis_designs import tiny_design
from tests.fixtures.lint import lint_verilog_text


def test_axis_top_ports_and_widths():
    verilog = tiny_design().verilog
    header = re.search(r"^module hwgen_top\((.*?)\);", verilog, re.M).group(1)
    assert sorted(p.strip() for p in header.split(",")) == sorted([
        "aclk", "aresetn", "s_axis_tdata", "s_axis_tvalid", "s_axis_tready", "s_axis_tlast",
        "m_axis_tdata", "m_axis_tvalid", "m_axis_tready", "m_axis_tlast"])
    # 12 payload bits -> 2 bytes of TDATA, 20 -> 3 bytes
    assert re.search(r"^\s*input \[15:0\] s_axis_tdata;", verilog, re.M)
    assert re.search(r"^\s*output \[23:0\] m_axis_tdata;", verilog, re.M)
    for name in ("aclk", "aresetn", "s_axis_tvalid", "s_axis_tlast", "m_axis_tready"):
        assert re.search(rf"^\s*input {name};", verilog, re.M), name
    for name in ("s_axis_tready", "m_axis_tvalid", "m_axis_tlast"):
        assert re.search(rf"^\s*output {name};", verilog, re.M), name
    # the blocks are the top's direct children, as in the stream top (hwgen synth counts them)
    assert "module \\hwgen_top.layer_0 " in verilog and "module \\hwgen_top.layer_1 " in verilog


def test_the_design_file_keeps_the_interface(tmp_path):
    design = hwgen.Design(tiny_design())
    design.save(tmp_path / "out")
    again = hwgen.load(tmp_path / "out")
    assert again.interface == "axis"
    assert again.verilog == design.verilog
    assert (tmp_path / "out/rtl/hwgen_top.v").read_text() == design.verilog


def test_axis_top_is_lint_clean_with_its_waivers(tmp_path, verilator):
    result = lint_verilog_text(tmp_path, tiny_design().verilog)
    assert result.returncode == 0 and "%Warning" not in result.stderr, result.stderr[-3000:]
