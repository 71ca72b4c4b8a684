"""The Yosys script of ``hwgen synth``: hierarchy kept per block, flattened below.

Two steps before the target's synthesis command matter:

* ``rename -hide w:*]`` gives every non-port wire whose name ends in ``]`` a private name.
  Amaranth names the elements of an array-layout stream payload ``i_stream__payload[0]``,
  ``i_stream__payload[1]``, ... beside the whole ``i_stream__payload``. ABC9 hands wires to
  ABC and back by name with a ``[bit]`` suffix, so bit 1 of ``o_stream__payload`` and bit 0 of
  ``o_stream__payload[1]`` get the same name; when both cross a module boundary (they do in a
  pass-through module such as a FIFO wrapper once hierarchy is kept), re-integration adds a
  wire that already exists and Yosys stops on ``Assert `count_id(wire->name) == 0'`` (Yosys
  issue 4349). The renamed wires are aliases of the payload, so hiding their names changes
  no logic; ports keep their names.
* ``keep_hierarchy`` on the top's direct children (one module per block, plus the glue
  FIFOs, width converters and forks) and on the top itself: the target's ``-flatten`` then
  flattens everything below them, so each block is optimised whole, and ``stat`` counts each
  block's cells apart. Nothing is optimised across a block boundary.
"""

from __future__ import annotations

from .design_dir import DesignDir
from .targets import Target

__all__ = ["yosys_script", "split_yosys_scripts", "STAT_FILE", "NETLIST_FILE", "COARSE_FILE",
           "ABSORBED_FILE", "SPLIT_LABEL"]

STAT_FILE = "stat.json"
NETLIST_FILE = "netlist.json"
COARSE_FILE = "coarse.json"        # the design at SPLIT_LABEL, as Yosys wrote it
ABSORBED_FILE = "coarse_dsp.json"  # the same after hwgen.synth.ecp5_dsp_registers
# synth_ecp5's label after `coarse`: multiplies are MULT18X18D cells, flip-flops still coarse
SPLIT_LABEL = "map_ram"
# what synth_ecp5's `begin` step reads: the library cells (blackboxes and whiteboxes)
_ECP5_LIBRARY = "read_verilog -lib -specify +/lattice/cells_sim_ecp5.v +/lattice/cells_bb_ecp5.v"


def _read_lines(design: DesignDir, *, top: str, extra_sources) -> list[str]:
    sources = " ".join([*design.sources, *extra_sources])
    kept = " ".join(f"{design.module(child)}" for child in design.children)
    return [
        # -defer: a ROM module is elaborated only with its FILE parameter (its default names
        # no image, and $readmemh runs at elaboration)
        f"read_verilog -defer {sources}",
        f"hierarchy -check -top {top}",
        "rename -hide w:*]",
        f"setattr -mod -set keep_hierarchy 1 {design.top} {kept}",
    ]


def _result_lines(target: Target, work: str) -> list[str]:
    lines = [f"tee -q -o {work}/{STAT_FILE} stat -json"]
    if target.places:
        lines.append(f"write_json {work}/{NETLIST_FILE}")
    return lines


def yosys_script(design: DesignDir, target: Target, *, top: str, extra_sources=(),
                 work: str = "synth") -> str:
    """The script, run with the output directory as working directory.

    ``top`` is the synthesis top (the accelerator, or the harness around it); paths are
    relative so that they resolve inside YoWASP's sandbox (which maps ``/tmp`` elsewhere).
    """
    lines = [*_read_lines(design, top=top, extra_sources=extra_sources),
             f"{target.synth_command} -top {top}", *_result_lines(target, work)]
    return "\n".join(lines) + "\n"


def split_yosys_scripts(design: DesignDir, target: Target, *, top: str, extra_sources=(),
                        work: str = "synth") -> tuple[str, str]:
    """The same synthesis in two runs with a netlist rewrite between them (ECP5 only).

    The first runs ``synth_ecp5`` up to ``SPLIT_LABEL`` and writes ``COARSE_FILE`` without the
    library cells (``write_json`` cannot write their processes; they are not the design's);
    the second reads the library cells as ``begin`` does, then ``ABSORBED_FILE``, and runs
    the rest of ``synth_ecp5``.
    """
    first = [*_read_lines(design, top=top, extra_sources=extra_sources),
             f"{target.synth_command} -top {top} -run :{SPLIT_LABEL}",
             "delete =A:blackbox =A:whitebox",
             f"write_json {work}/{COARSE_FILE}"]
    second = [_ECP5_LIBRARY, f"read_json {work}/{ABSORBED_FILE}",
              f"hierarchy -check -top {top}",
              f"{target.synth_command} -top {top} -run {SPLIT_LABEL}:",
              *_result_lines(target, work)]
    return "\n".join(first) + "\n", "\n".join(second) + "\n"
