"""A binary CNN (BWN, XNOR with -1 padding, ternary convolutions: 1-bit sliding windows) in
the backend: lint-clean and deterministic Verilog, manifest facts."""

import subprocess

from hwgen.backend.templates import render
from hwgen.compiler import compile_graph
from tests.fixtures.binary_conv_factory import binary_cnn_graph


def test_binary_cnn_verilog_is_deterministic_and_lint_clean(tmp_path, verilator):
    design = compile_graph(binary_cnn_graph(2), max_macs=24)
    verilog = design.verilog
    assert compile_graph(binary_cnn_graph(2), max_macs=24).verilog == verilog
    (tmp_path / "hwgen_top.v").write_text(verilog)
    (tmp_path / "lint_waivers.vlt").write_text(render("lint_waivers.vlt.j2", top="hwgen_top"))
    result = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--top-module", "hwgen_top",
         str(tmp_path / "lint_waivers.vlt"), str(tmp_path / "hwgen_top.v")],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "%Warning" not in result.stderr, result.stderr[-3000:]
    window = design.blocks[2].describe()
    assert window["pad_value"] == 0 and design.blocks[2].element.bits == 1   # bipolar -1
    assert design.blocks[3].describe()["input_type"] == "bipolar"
