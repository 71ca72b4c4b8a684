"""ECP5 DSP register absorption keeps behaviour: the synthesised netlist equals the RTL.

The tiny MLP is synthesised for ECP5 as `hwgen synth` does it (registers absorbed into the
MULT18X18D cells); the netlist nextpnr reads is simulated in Icarus beside the shipped RTL,
both in the pin harness with the same seeded stimulus (resets mid-stream included), and the
two traces must agree cycle for cycle (tests/synth/netlist_sim.py). The tiny MLP's operand
registers read memories, so the default rule keeps them in the fabric; a second run absorbs
them anyway (``after_memory=True``) to check the input registers too. A deliberately wrong
rewrite (each absorbed product register taken twice: as the DSP's pipeline and its output
register) must make the traces differ, so the comparison can fail.
"""

from __future__ import annotations

import json
import shutil

import pytest

from hwgen.synth import flow
from hwgen.synth.ecp5_dsp_registers import absorb_dsp_registers
from tests.conftest import require_simulator

from .conftest import require_yowasp
from .netlist_sim import netlist_trace, rtl_trace

pytestmark = pytest.mark.synth

CYCLES = 1500
SEED = 7


def _synthesize(design, tmp_path, name, monkeypatch=None, rewrite=None):
    out = tmp_path / name
    shutil.copytree(design, out)
    if rewrite is not None:
        monkeypatch.setattr(flow, "absorb_dsp_registers", rewrite)
    data = flow.synthesize(out, "ecp5", progress=flow.Progress(lambda line: None))
    return out, data


@pytest.fixture(scope="module")
def rtl(tiny_design, tmp_path_factory):
    require_simulator("icarus")
    require_yowasp()
    # the harness comes from hwgen synth; it is the same Verilog with and without absorption
    out, _ = _synthesize(tiny_design, tmp_path_factory.mktemp("rtl"), "design")
    return out, rtl_trace(out, out / "sim_rtl", cycles=CYCLES, seed=SEED)


def test_absorbed_netlist_equals_rtl_cycle_for_cycle(rtl):
    out, expected = rtl
    data = json.loads((out / "synth/resources.json").read_text())
    # every multiplier of the tiny MLP has its product register absorbed
    registers = data["dsp_registers"]
    assert registers["cells"] == data["totals"]["dsp"] > 0
    assert registers["output"] == registers["cells"]
    # the stimulus reaches the outputs (the comparison is not of idle ports)
    assert sum(line.split()[5] == "1" for line in expected) > CYCLES // 4
    assert len({line.split()[7] for line in expected}) > 4
    assert netlist_trace(out, out / "sim_net", cycles=CYCLES, seed=SEED) == expected


def test_absorbed_operand_registers_equal_rtl(rtl, tmp_path, monkeypatch):
    _, expected = rtl

    def with_operands(netlist):
        return absorb_dsp_registers(netlist, after_memory=True)

    out, data = _synthesize(rtl[0], tmp_path, "operands", monkeypatch, with_operands)
    registers = data["dsp_registers"]
    # both operands of every product multiplier (the requantizer's read a constant table)
    assert registers["input_a"] == registers["input_b"] > 0
    assert registers["output"] == registers["cells"]
    assert netlist_trace(out, out / "sim_net", cycles=CYCLES, seed=SEED) == expected


def _absorbed_twice(netlist):
    counts = absorb_dsp_registers(netlist)
    for module in netlist["modules"].values():
        for cell in module.get("cells", {}).values():
            if cell["type"] == "MULT18X18D" and \
                    cell["parameters"].get("REG_OUTPUT_CLK", "NONE") != "NONE":
                cell["parameters"]["REG_PIPELINE_CLK"] = "CLK0"
    return counts


def test_a_wrong_rewrite_is_caught(rtl, tmp_path, monkeypatch):
    _, expected = rtl
    out, _ = _synthesize(rtl[0], tmp_path, "broken", monkeypatch, _absorbed_twice)
    trace = netlist_trace(out, out / "sim_net", cycles=CYCLES, seed=SEED)
    assert len(trace) == len(expected)
    assert trace != expected
