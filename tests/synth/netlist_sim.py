"""Cycle-by-cycle comparison of a synthesised ECP5 netlist with the shipped RTL (Icarus).

Both are simulated inside the same pin harness (``synth/harness.v``, what nextpnr places) with
the same seeded pin stimulus: random input bits, valid and ready mostly high, reset at the start
and in a few random cycles (so that the DSP registers' reset is exercised mid-stream). Every
cycle the harness pins and the accelerator's stream ports (``dut.o_stream__payload``, valid,
ready) are recorded; the two traces must be equal line for line.

The netlist is ``synth/netlist.json`` (what nextpnr reads) written back as Verilog by Yosys,
with Yosys's ``share/lattice/cells_sim_ecp5.v`` flattened into it for the LUTs, carry cells,
flip-flops and LUT RAM, and simulated with ``verilog/mult18x18d_model.v`` for the
multipliers (Yosys ships no simulation model of MULT18X18D).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from hwgen.synth.tools import YOSYS

_MODEL = Path(__file__).parent / "verilog" / "mult18x18d_model.v"

_TESTBENCH = """\
`timescale 1ns/1ps
module tb;
  reg clk = 1'b0, rst_pin = 1'b1, sin = 1'b0, in_valid_pin = 1'b0, out_ready_pin = 1'b0;
  wire sout, in_ready_pin, out_valid_pin;
  hwgen_synth_harness h (.clk(clk), .rst_pin(rst_pin), .sin(sin),
    .in_valid_pin(in_valid_pin), .out_ready_pin(out_ready_pin), .sout(sout),
    .in_ready_pin(in_ready_pin), .out_valid_pin(out_valid_pin));
  integer i, seed, f;
  initial begin
    seed = {seed};
    f = $fopen("{trace}", "w");
    for (i = 0; i < {cycles}; i = i + 1) begin
      rst_pin = (i < 3) || ($unsigned($random(seed)) % 400 == 0);
      sin = $random(seed);
      in_valid_pin = ($unsigned($random(seed)) % 8) != 0;
      out_ready_pin = ($unsigned($random(seed)) % 4) != 0;
      #5 clk = 1'b1;
      #5 clk = 1'b0;
      $fdisplay(f, "%0d %b %b %b %b %b %b %h", i, sout, in_ready_pin, out_valid_pin,
                h.dut.i_stream__ready, h.dut.o_stream__valid, h.dut.o_stream__ready,
                h.dut.o_stream__payload);
    end
    $fclose(f);
    $finish;
  end
endmodule
"""


def netlist_verilog(out: Path) -> Path:
    """``out/synth/netlist.json`` as simulation Verilog (``out/synth/netlist_sim.v``).

    Only the design's modules are kept (the library cells' derived modules are dropped); Yosys
    reads its ECP5 cell models (``NO_INCLUDES``: they include the flip-flop and I/O cells
    twice otherwise), flattens them into each block, and writes Verilog that Icarus reads
    (the models themselves use constructs Icarus does not). MULT18X18D stays an instance.
    """
    netlist = json.loads((out / "synth" / "netlist.json").read_text())
    netlist["modules"] = {
        name: module for name, module in netlist["modules"].items()
        if not name.startswith(("$", "\\"))
        and not {"blackbox", "whitebox"} & set(module.get("attributes", {}))}
    (out / "synth" / "netlist_design.json").write_text(json.dumps(netlist))
    script = ("read_verilog -DNO_INCLUDES +/lattice/cells_sim_ecp5.v; "
              "read_json synth/netlist_design.json; hierarchy -top hwgen_synth_harness; "
              "proc; flatten; write_verilog -noattr synth/netlist_sim.v")
    subprocess.run(YOSYS.command(["-q", "-p", script]), cwd=out, check=True,
                   capture_output=True)
    return out / "synth" / "netlist_sim.v"


def simulate(sources, work: Path, *, cycles: int, seed: int, defines=()) -> list[str]:
    """Simulate the harness built from ``sources`` in Icarus; the trace, one line a cycle."""
    work.mkdir(parents=True, exist_ok=True)
    trace = work / "trace.txt"
    (work / "tb.v").write_text(_TESTBENCH.replace("{seed}", str(seed))
                               .replace("{trace}", str(trace)).replace("{cycles}", str(cycles)))
    flags = [f"-D{d}" for d in defines]
    subprocess.run(["iverilog", "-g2012", "-o", str(work / "sim.vvp"), "-s", "tb", *flags,
                    str(work / "tb.v"), *map(str, sources)], check=True, capture_output=True,
                   text=True)
    subprocess.run(["vvp", "-n", str(work / "sim.vvp")], cwd=work, check=True,
                   capture_output=True, text=True)
    return trace.read_text().splitlines()


def rtl_trace(out: Path, work: Path, *, cycles: int, seed: int) -> list[str]:
    """The shipped RTL in the harness (ROM images resolve from ``out``)."""
    sources = [out / "rtl" / "hwgen_top.v", out / "synth" / "harness.v"]
    return simulate(sources, work, cycles=cycles, seed=seed,
                    defines=[f'HWGEN_MEM_DIR="{(out / "mem").resolve()}"'])


def netlist_trace(out: Path, work: Path, *, cycles: int, seed: int) -> list[str]:
    """The synthesised netlist in the same harness (it holds the harness already)."""
    return simulate([netlist_verilog(out), _MODEL], work, cycles=cycles, seed=seed)
