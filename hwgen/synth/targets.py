"""Synthesis targets: the Yosys command, how its cells count as resources, the devices.

Resources are counted from the cells Yosys maps to, per hierarchy level:

========  =============================  ===================  =============  =============
resource  xcup (UltraScale+)             xc7 (7-series)       ecp5           ice40
========  =============================  ===================  =============  =============
lut       LUT1..LUT6                     LUT1..LUT6           LUT4           SB_LUT4
ff        FDRE FDSE FDCE FDPE            same                 TRELLIS_FF     SB_DFF*
carry     CARRY4 CARRY8                  CARRY4               CCU2C          SB_CARRY
dsp       DSP48E2                        DSP48E1              MULT18X18D     SB_MAC16
bram      RAMB36E2 + RAMB18E2 / 2        RAMB36E1 + 18E1 / 2  DP16KD         SB_RAM40_4K
lutram    RAM32*/RAM64*/RAM128*/RAM256*  same                 TRELLIS_DPR16X4  (none)
          SRL16E SRLC32E
========  =============================  ===================  =============  =============

Yosys maps UltraScale+ carry logic to CARRY4 cells (Vivado places them in CARRY8 sites), so
both count on xcup. BRAM on Xilinx counts 36 Kb tiles (a RAMB18 is half of one). LUTRAM counts
primitives (a RAM32M16 is one primitive that occupies eight LUTs of a SLICEM); ``lutram_luts`` gives
the LUTs they occupy where the primitive's size is known. ECP5 carry cells (CCU2C) each hold
two LUT4s beside their carry logic; they are not in ``lut``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Target", "Device", "TARGETS", "RESOURCE_KEYS", "classify_cells",
           "unclassified_cells"]

RESOURCE_KEYS = ("lut", "ff", "carry", "dsp", "bram", "lutram", "lutram_luts")

_XILINX_FF = ("FDRE", "FDSE", "FDCE", "FDPE")
_XILINX_LUTRAM_LUTS = {"RAM16X1S": 1, "RAM32X1S": 1, "RAM64X1S": 1, "RAM16X1D": 2,
                       "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1S": 2, "RAM128X1D": 4,
                       "RAM256X1S": 4, "RAM256X1D": 8, "RAM32M": 4, "RAM64M": 4,
                       "RAM32M16": 8, "RAM64M8": 8, "RAM512X1S": 8, "SRL16E": 1, "SRLC16E": 1,
                       "SRLC32E": 1}


@dataclass(frozen=True)
class Device:
    """A device that nextpnr can place on, and what it holds."""

    name: str               # the part as vendors spell it
    args: tuple[str, ...]   # nextpnr's device and package options
    luts: int
    dsps: int
    brams: int


@dataclass(frozen=True)
class Target:
    """One ``--target`` of ``hwgen synth``."""

    name: str
    family: str
    synth_command: str       # the Yosys synthesis command (``-top`` is appended)
    cells: dict              # resource -> cell types (prefixes ending in "*")
    uncounted: tuple = ()              # cells deliberately in no resource (muxes, inverters)
    devices: tuple[Device, ...] = ()   # empty: synthesis only, no place and route
    nextpnr: str | None = None         # yowasp tool name
    dsp_registers: bool = False        # hwgen.synth.ecp5_dsp_registers applies (ECP5)

    @property
    def places(self) -> bool:
        return bool(self.devices)


def _matches(cell: str, patterns) -> bool:
    return any(cell.startswith(p[:-1]) if p.endswith("*") else cell == p for p in patterns)


def unclassified_cells(target: Target, cells: dict) -> list[str]:
    """Cell types of ``cells`` that count in no resource and are not known to be uncounted."""
    return sorted(c for c in cells
                  if not any(_matches(c, p) for p in target.cells.values())
                  and not _matches(c, target.uncounted))


def classify_cells(target: Target, cells: dict) -> dict:
    """Resource counts (``RESOURCE_KEYS``) of a ``{cell type: count}`` table."""
    counts = {key: 0 for key in RESOURCE_KEYS}
    for cell, n in cells.items():
        for key, patterns in target.cells.items():
            if _matches(cell, patterns):
                weight = 0.5 if key == "bram" and cell.startswith("RAMB18") else 1
                counts[key] += n * weight
        if target.family == "xilinx" and cell in _XILINX_LUTRAM_LUTS:
            counts["lutram_luts"] += n * _XILINX_LUTRAM_LUTS[cell]
        elif target.name == "ecp5" and cell == "TRELLIS_DPR16X4":
            counts["lutram_luts"] += n * 2     # a DPR16X4 takes a slice's two LUT4s
    if isinstance(counts["bram"], float) and counts["bram"].is_integer():
        counts["bram"] = int(counts["bram"])
    return counts


def _xilinx(name: str, family_flag: str, carry: tuple, dsp: str, bram_suffix: str) -> Target:
    return Target(
        name=name, family="xilinx",
        # -noiopad: the accelerator is a core inside a larger design, not a chip's top
        synth_command=f"synth_xilinx -family {family_flag} -flatten -noiopad",
        cells={"lut": ("LUT1", "LUT2", "LUT3", "LUT4", "LUT5", "LUT6"), "ff": _XILINX_FF,
               "carry": carry, "dsp": (dsp,),
               "bram": (f"RAMB36{bram_suffix}", f"RAMB18{bram_suffix}"),
               "lutram": ("RAM16*", "RAM32*", "RAM64*", "RAM128*", "RAM256*", "RAM512*",
                          "SRL16E", "SRLC16E", "SRLC32E")},
        # wide-function muxes (part of a slice's LUT logic), inverters, clock buffer, ties
        uncounted=("MUXF7", "MUXF8", "MUXF9", "INV", "BUFG", "GND", "VCC"))


# ECP5 LFE5U parts (Lattice ECP5 family data sheet, table 1.1): LUT4s, 18x18 multipliers,
# 18 Kb EBR blocks. All come in the 381-ball caBGA; speed grade 8 is the fastest.
_ECP5_DEVICES = tuple(
    Device(name=f"LFE5U-{size}F-8BG381C", args=(f"--{size}k", "--package", "CABGA381",
                                               "--speed", "8"),
           luts=luts, dsps=dsps, brams=brams)
    for size, luts, dsps, brams in ((12, 12096, 28, 32), (25, 24288, 28, 56),
                                    (45, 43848, 72, 108), (85, 83640, 156, 208)))

# iCE40: HX1K / HX8K (no DSP), UP5K (8 SB_MAC16).
_ICE40_DEVICES = (
    Device(name="iCE40HX1K-TQ144", args=("--hx1k", "--package", "tq144"), luts=1280, dsps=0,
           brams=16),
    Device(name="iCE40UP5K-SG48", args=("--up5k", "--package", "sg48"), luts=5280, dsps=8,
           brams=30),
    Device(name="iCE40HX8K-CT256", args=("--hx8k", "--package", "ct256"), luts=7680, dsps=0,
           brams=32),
)

TARGETS = {
    "xcup": _xilinx("xcup", "xcup", ("CARRY4", "CARRY8"), "DSP48E2", "E2"),
    "xc7": _xilinx("xc7", "xc7", ("CARRY4",), "DSP48E1", "E1"),
    "ecp5": Target(
        name="ecp5", family="lattice", synth_command="synth_ecp5",
        cells={"lut": ("LUT4",), "ff": ("TRELLIS_FF",), "carry": ("CCU2C",),
               "dsp": ("MULT18X18D",), "bram": ("DP16KD", "PDPW16KD"),
               "lutram": ("TRELLIS_DPR16X4",)},
        uncounted=("PFUMX", "L6MUX21", "VHI", "VLO"),   # wide-function muxes, ties
        devices=_ECP5_DEVICES, nextpnr="nextpnr-ecp5", dsp_registers=True),
    "ice40": Target(
        name="ice40", family="lattice",
        # no -dsp: only the UP5K has (eight) multipliers; LUT multipliers fit every part
        synth_command="synth_ice40",
        cells={"lut": ("SB_LUT4",), "ff": ("SB_DFF*",), "carry": ("SB_CARRY",),
               "dsp": ("SB_MAC16",), "bram": ("SB_RAM40_4K",), "lutram": ()},
        uncounted=("SB_GB",),
        devices=_ICE40_DEVICES, nextpnr="nextpnr-ice40"),
}
