"""The --interface option: validated before any work, recorded in the manifest and design file,
AXI4-Stream ports of the documented widths, and ``hwgen sim`` refusing an axis design."""

import re

import numpy as np
import pytest

import hwgen
from hwgen.backend import LoweredDesign
from hwgen.errors import ConfigError, IRError, SimulationError
from hwgen.ir import IntType, TensorQuant
from tests.fixtures.cli_helpers import run_cli
from tests.fixtures.factories import random_mvau_params
from tests.fixtures.lint import lint_verilog_text


def lowered(interface: str = "axis") -> LoweredDesign:
    """4-bit input lanes x 3 (12-bit beats) and 4-bit output lanes x 5 (20-bit beats), two
    output beats per inference."""
    rng = np.random.default_rng(4)
    layers = (
        random_mvau_params(rng, mh=10, mw=6, pe=2, simd=3, in_bits=4, name="fc1", relu=True),
        random_mvau_params(rng, mh=10, mw=10, pe=5, simd=5, in_bits=8, in_signed=True,
                           out_bits=4, name="fc2"),
    )
    return LoweredDesign(name="tiny", blocks=layers, interface=interface,
                         input_quant=TensorQuant(IntType(4, False), 1 / 15, 0),
                         output_quant=TensorQuant(IntType(4, True), 0.25, 0))


def test_compile_refuses_an_unknown_interface_before_reading_the_model(tmp_path):
    with pytest.raises(ConfigError) as info:
        hwgen.compile(tmp_path / "missing.onnx", interface="axi")
    assert str(info.value) == ("interface must be one of 'stream', 'axis', not 'axi' (the "
                               "CLI's --interface)")


def test_cli_refuses_an_unknown_interface_naming_the_flag(tmp_path):
    done = run_cli("compile", tmp_path / "missing.onnx", "-o", tmp_path / "out",
                   "--interface", "AXIS")
    assert done.returncode == 2
    assert "--interface: invalid choice: 'AXIS'" in done.stderr
    assert "stream" in done.stderr and "axis" in done.stderr
    assert not (tmp_path / "out").exists()


def test_lowered_design_refuses_an_unknown_interface():
    with pytest.raises(IRError) as info:
        lowered("avalon")
    assert str(info.value) == "interface must be one of 'stream', 'axis', not 'avalon'"


def test_axis_top_ports_and_widths():
    verilog = lowered().verilog
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
    # the blocks are the top's direct children, as in the stream top
    assert "module \\hwgen_top.layer_0 " in verilog and "module \\hwgen_top.layer_1 " in verilog


def test_manifest_and_design_file_record_the_interface(tmp_path):
    design = hwgen.Design(lowered())
    manifest = design.manifest
    assert manifest["interface"]["kind"] == "axis"
    assert manifest["interface"]["added_latency_cycles"] == 0
    assert manifest["clock"] == {"port": "aclk", "reset": "aresetn (synchronous, active low)"}
    ports = manifest["ports"]
    assert ports["i_stream"]["tdata_bits"] == 16 and ports["o_stream"]["tdata_bits"] == 24
    assert ports["i_stream"]["signals"] == {"payload": "s_axis_tdata", "valid": "s_axis_tvalid",
                                           "ready": "s_axis_tready", "last": "s_axis_tlast"}
    assert ports["o_stream"]["signals"]["last"] == "m_axis_tlast"
    # the cycle model does not depend on the interface
    stream = hwgen.Design(lowered("stream"))
    assert manifest["predicted"] == stream.manifest["predicted"]
    assert stream.manifest["interface"] == {"kind": "stream"}
    assert stream.manifest["clock"]["port"] == "clk"
    design.save(tmp_path / "out")
    again = hwgen.load(tmp_path / "out")
    assert again.interface == "axis"
    assert again.verilog == design.verilog


def test_simulate_refuses_an_axis_design_naming_the_flag():
    design = hwgen.Design(lowered())
    with pytest.raises(SimulationError, match=r"compiled with --interface axis .* compile it "
                                              r"again without --interface"):
        design.simulate(np.zeros((1, 6), dtype=np.int64))


def test_axis_top_is_lint_clean_with_its_waivers(tmp_path, verilator):
    result = lint_verilog_text(tmp_path, lowered().verilog)
    assert result.returncode == 0 and "%Warning" not in result.stderr, result.stderr[-3000:]
