"""The --interface option without hardware: validated before any work, recorded in the
manifest, the cycle model unchanged, and ``Design.simulate`` refusing an axis design."""

import numpy as np
import pytest

import hwgen
from hwgen.errors import ConfigError, IRError, SimulationError
from tests.fixtures.axis_designs import tiny_design


def test_compile_refuses_an_unknown_interface_before_reading_the_model(tmp_path):
    with pytest.raises(ConfigError) as info:
        hwgen.compile(tmp_path / "missing.onnx", interface="axi")
    assert str(info.value) == ("interface must be one of 'stream', 'axis', not 'axi' (the "
                               "CLI's --interface)")


def test_lowered_design_refuses_an_unknown_interface():
    with pytest.raises(IRError) as info:
        tiny_design("avalon")
    assert str(info.value) == "interface must be one of 'stream', 'axis', not 'avalon'"


def test_manifest_records_the_axis_interface():
    manifest = hwgen.Design(tiny_design()).manifest
    assert manifest["interface"]["kind"] == "axis"
    assert manifest["interface"]["added_latency_cycles"] == 0
    assert manifest["clock"] == {"port": "aclk", "reset": "aresetn (synchronous, active low)"}
    ports = manifest["ports"]
    # 12 payload bits -> 2 bytes of TDATA, 20 -> 3 bytes
    assert ports["i_stream"]["payload_bits"] == 12 and ports["i_stream"]["tdata_bits"] == 16
    assert ports["o_stream"]["payload_bits"] == 20 and ports["o_stream"]["tdata_bits"] == 24
    assert ports["i_stream"]["signals"] == {"payload": "s_axis_tdata", "valid": "s_axis_tvalid",
                                           "ready": "s_axis_tready", "last": "s_axis_tlast"}
    assert ports["o_stream"]["signals"] == {"payload": "m_axis_tdata", "valid": "m_axis_tvalid",
                                           "ready": "m_axis_tready", "last": "m_axis_tlast"}


def test_the_stream_interface_stays_the_default_and_cycles_do_not_depend_on_it():
    stream = hwgen.Design(tiny_design("stream")).manifest
    axis = hwgen.Design(tiny_design("axis")).manifest
    assert stream["interface"] == {"kind": "stream"}
    assert stream["clock"] == {"port": "clk", "reset": "rst (synchronous, active high)"}
    assert stream["ports"]["i_stream"]["signals"]["valid"] == "i_stream__valid"
    assert axis["predicted"] == stream["predicted"] and axis["layers"] == stream["layers"]


def test_simulate_refuses_an_axis_design_naming_the_flag():
    design = hwgen.Design(tiny_design())
    with pytest.raises(SimulationError, match=r"compiled with --interface axis .* compile it "
                                              r"again without --interface"):
        design.simulate(np.zeros((1, 6), dtype=np.int64))
