"""The shipped RTL of a design: one Verilog file, and the memory images it reads.

Weights and per-channel constants are not Verilog literals: every read-only table is an
instance of a small ROM module (``rtl_templates/rom.v.j2``, appended to the Verilog once)
that loads ``mem/<file>.memh`` with ``$readmemh`` (docs/simulation.md). The images are
recorded while the very same elaboration builds the hardware, so the files and the RTL that
reads them cannot disagree. ``memories="inline"`` gives the other form, every table as
initial memory contents (what Amaranth's simulator runs), for comparing the two.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.back import verilog as amaranth_verilog

from ..hw.accelerator import Accelerator
from ..hw.axis_top import AxisTop
from ..hw.rom import RomFiles, rom_module_names
from .templates import render

__all__ = ["Rtl", "MEMORIES", "export_rtl"]

#: Where a design's tables live: ``$readmemh`` images (shipped) or Verilog initial values.
MEMORIES = ("files", "inline")


@dataclass(frozen=True)
class Rtl:
    """Verilog of a design and the memory images it reads.

    Attributes
    ----------
    verilog : str
        The accelerator and (with image files) its ROM modules; deterministic.
    images : tuple of hwgen.hw.rom.RomImage
        Every table, in file name order; empty for ``memories="inline"``.
    """

    verilog: str
    images: tuple


def export_rtl(design, *, memories: str = "files") -> Rtl:
    """Convert ``design`` (a LoweredDesign) to Verilog, with its tables in image files or not.

    Parameters
    ----------
    design : LoweredDesign
    memories : {"files", "inline"}
        ``"files"``: ROM instances that read ``mem/*.memh`` (what ``hwgen compile`` ships);
        ``"inline"``: Amaranth memories initialised in the Verilog itself.
    """
    if memories not in MEMORIES:
        raise ValueError(f"memories must be one of {MEMORIES}, not {memories!r}")
    files = RomFiles(design.top) if memories == "files" else None
    top = AxisTop if design.interface == "axis" else Accelerator
    accelerator = top(blocks=design.blocks, edges=design.edges, roms=files)
    text = amaranth_verilog.convert(accelerator, name=design.top, emit_src=False)
    if files is None:
        return Rtl(verilog=text, images=())
    names = rom_module_names(design.top)
    text += render("rom.v.j2", top=design.top, sync_module=names["sync"],
                   comb_module=names["comb"])
    return Rtl(verilog=text, images=tuple(files.images[name] for name in sorted(files.images)))

