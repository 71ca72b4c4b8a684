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

__all__ = ["yosys_script", "STAT_FILE", "NETLIST_FILE"]

STAT_FILE = "stat.json"
NETLIST_FILE = "netlist.json"


def yosys_script(design: DesignDir, target: Target, *, top: str, extra_sources=(),
                 work: str = "synth") -> str:
    """The script, run with the output directory as working directory.

    ``top`` is the synthesis top (the accelerator, or the harness around it); paths are
    relative so that they resolve inside YoWASP's sandbox (which maps ``/tmp`` elsewhere).
    """
    sources = " ".join([*design.sources, *extra_sources])
    kept = " ".join(f"{design.module(child)}" for child in design.children)
    lines = [
        # -defer: a ROM module is elaborated only with its FILE parameter (its default names
        # no image, and $readmemh runs at elaboration)
        f"read_verilog -defer {sources}",
        f"hierarchy -check -top {top}",
        "rename -hide w:*]",
        f"setattr -mod -set keep_hierarchy 1 {design.top} {kept}",
        f"{target.synth_command} -top {top}",
        f"tee -q -o {work}/{STAT_FILE} stat -json",
    ]
    if target.places:
        lines.append(f"write_json {work}/{NETLIST_FILE}")
    return "\n".join(lines) + "\n"
