"""A binary CNN (BWN, XNOR with -1 padding, ternary convolutions: 1-bit sliding windows) in
the backend: lint-clean and deterministic Verilog, manifest facts."""

from hwgen.compiler import compile_graph
from tests.fixtures.binary_conv_factory import binary_cnn_graph
from tests.fixtures.lint import lint_verilog_text


def test_binary_cnn_verilog_is_deterministic_and_lint_clean(tmp_path, verilator):
    design = compile_graph(binary_cnn_graph(2), max_macs=24)
    verilog = design.verilog
    assert compile_graph(binary_cnn_graph(2), max_macs=24).verilog == verilog
    result = lint_verilog_text(tmp_path, verilog)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "%Warning" not in result.stderr, result.stderr[-3000:]
    window = design.blocks[2].describe()
    assert window["pad_value"] == 0 and design.blocks[2].element.bits == 1   # bipolar -1
    assert design.blocks[3].describe()["input_type"] == "bipolar"
