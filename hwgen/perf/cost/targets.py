"""What the cost model knows about each synthesis target: LUT size, carry cells, DSP slices,
block and LUT RAM geometry.

The figures are those of the Yosys flows ``hwgen synth`` runs (docs/synthesis.md), taken from
Yosys' own technology libraries so that the model makes the choices Yosys makes:

* DSP inference is Yosys' ``mul2dsp`` with the target's port limits (``synth_xilinx``:
  27 x 18 on UltraScale+, 25 x 18 on 7-series, partial products of 18 bits, signed only,
  products narrower than 9 bits stay in LUTs; ``synth_ecp5``: 18 x 18 from 2 x 2 bits up;
  ``synth_ice40`` is run without ``-dsp``: every product is LUTs).
* Memory mapping is ``memory_libmap``'s cost comparison: a memory costs ``bits x 1/64``
  (Xilinx ROM), ``bits x 1/16`` (ECP5 / iCE40 ROM) or ``bits x 1`` (RAM) in soft logic,
  ``cost x tiles`` in block RAM (RAMB18 129, RAMB36 257, DP16KD / PDPW16KD 128, SB_RAM40_4K
  64) and, for RAMs only (ROMs never map to LUT RAM), the LUT RAM cost; the cheapest wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import HwgenError

__all__ = ["DspRule", "BramMode", "LutramMode", "CostTarget", "COST_TARGETS", "cost_target"]


@dataclass(frozen=True)
class DspRule:
    """Yosys ``mul2dsp`` parameters: the largest product one DSP takes and the smallest one
    worth a DSP."""

    a_max: int
    b_max: int
    a_partial: int
    b_partial: int
    a_min: int = 2
    b_min: int = 2
    y_min: int = 0
    signed_only: bool = False
    cascade: bool = False      # partial products are summed inside the DSPs


@dataclass(frozen=True)
class BramMode:
    """A block RAM configuration: ``2**abits`` bits at width 1, the widths it offers (a width
    of ``w`` leaves ``2**abits / 2**ceil(log2(w // 9 * 8 or w))`` words), its libmap cost and
    how many ``bram`` it counts as."""

    abits: int
    widths: tuple
    cost: float
    tiles: float


@dataclass(frozen=True)
class LutramMode:
    """A LUT RAM configuration: ``2**abits`` words of ``width`` bits per primitive, made of
    ``cells`` Yosys cells (a 128 x 4 single-port primitive is four RAM128X1S)."""

    abits: int
    width: int
    cost: float
    widthscale: bool
    luts: int          # LUTs one primitive occupies
    cells: int = 1
    #: libmap's ``widthscale N``: of ``cost``, the part that scales with the data bits used
    #: (``(cost - N) x primitives + N x banks x width / mode width``); None: all of it
    widthscale_cost: float | None = None
    #: one cell per data bit used (RAM64X1D / RAM128X1D: ``cells`` is then ignored)
    cell_per_bit: bool = False


@dataclass(frozen=True)
class CostTarget:
    """One target of the cost model (the names of ``hwgen synth --target``)."""

    name: str
    lut_inputs: int
    carry_bits: int                 # adder bits per carry cell
    dsp: DspRule | None
    rom_logic_cost: float
    ram_logic_cost: float
    brams: tuple
    lutram_sdp: tuple               # simple dual port: one write, one async read address
    lutram_sp: tuple                # single port: write and read at one address
    ram_drops_unused_bits: bool = False   # a LUT RAM's never-read data bits are removed
    lutram_depth_mux: bool = True         # a deep LUT RAM's read mux counts against it
    bram_ram_ffs: int = 0                 # flip-flops per data bit beside a block-RAM RAM
    #: more flip-flops per data bit beside a block-RAM RAM read and written at one address
    #: (``Ram.shared_address``, an MVAU's input buffer, whose read sees the old word): where
    #: the block RAM cannot read before it writes (iCE40's SB_RAM40_4K), Yosys
    #: (``Mem::emulate_read_first``) delays the write a cycle, its data a register a bit,
    #: and bypasses the delayed word to the read through a second register a bit
    bram_read_first_ffs: int = 0
    #: a binary MVAU's pieces counted as measured, as on LUT6 targets: a binary-weight dot
    #: product's LUTs as one feature (``bwn_dot``, ``binary_mvau.bwn_dot_luts``), where a LUT4
    #: target would count its negations, selects and carry-save rows apart (ECP5's
    #: ``term_sel``, ``bwn_csa``), and the select in front of the datapath (``bin_in_mux``)
    binary_measured: bool = False
    #: the narrowest adder or comparator (``$alu`` result bits) the target's ``arith_map``
    #: puts on a carry chain; a narrower one is left to LUTs (xilinx/arith_map.v fails
    #: ``Y_WIDTH <= 2``, lattice/arith_map_ccu2c.v ``Y_WIDTH <= 4``)
    carry_min_bits: int = 3
    #: multiplexers that join LUTs into wider selects (PFUMX / L6MUX21, MUXF7 / MUXF8);
    #: iCE40 has none
    wide_muxes: bool = True
    #: the flip-flop's synchronous reset acts only while its clock enable is high (iCE40's
    #: SB_DFFESR), so Yosys ORs the reset into the enable: an enable that is one flip-flop's
    #: output costs a LUT (``E = en | rst``), a wider one takes the reset as one more input
    #: (measured: the 1 -> 16 width converter alone, 16 of its 42 SB_LUT4 ``count_is_L |
    #: rst`` on the held elements' enables)
    enable_takes_reset: bool = False
    #: a ``StreamFifo``'s pointers and level counted bit by bit (``fifo_ctl``: each a LUT
    #: function of its register's bits, the handshakes and the wrap, beside the carry cells
    #: Yosys still gives a pointer or level as wide as its chain takes), as measured alone
    #: (``benchmarks/bench_stream_fifo.py``): iCE40, and xcup and xc7 since their narrow
    #: counters' ``inc_lut`` / ``add_lut`` are fixed at their measurement (``FIXED``;
    #: before, xc7's refit moved them and the converters' ``dwc_ctl`` and put g07's converter
    #: and bw2 beyond 15 %: docs/synthesis.md, "The stream glue on iCE40 and xc7", "The FIFO
    #: control and the narrow counters on xcup and xc7"); ECP5 not measured
    fifo_ctl: bool = False
    #: Yosys' ``xilinx_dsp`` packs the registers at a DSP's ports into it: its operands' (A1 /
    #: A2, B1 / B2, whatever else they feed) and its product's (MREG, PREG). It matches
    #: DSP48E1 cells only (xilinx_dsp.pmg), so on xc7 and not on xcup's DSP48E2: the sweep
    #: synthesised for xc7 keeps about half the flip-flops of xcup's on int MVAUs whose
    #: products are DSPs (i13 2,157 vs 4,282 with the same 66 DSPs)
    dsp_packs_registers: bool = False
    #: the widest sum of a DSP product and another operand that ``xilinx_dsp`` puts into the
    #: DSP's post-adder (``P = A * B + C``, ``Y_WIDTH <= 48``): DSP48E1 only, as the register
    #: packing (xc7: a requantizer lane's two partial products summed in the second DSP, no
    #: CARRY4 or LUT of its own; measured, docs/synthesis.md "xc7's LUTs and LUT RAM"); 0
    #: where nothing is packed
    dsp_post_add_bits: int = 0
    #: ``memory_libmap`` charges a LUT RAM deeper than one primitive its write demultiplexer
    #: too (0.5 a bank; memory_libmap.cc's ``score_demux``): counted on xc7, whose choice
    #: between a RAM64M pair and a RAM128X1D it decides (sweep point w04)
    lutram_demux: bool = False


_XILINX_BRAMS = (BramMode(abits=14, widths=(1, 2, 4, 9, 18, 36), cost=129, tiles=0.5),
                 BramMode(abits=15, widths=(1, 2, 4, 9, 18, 36, 72), cost=257, tiles=1))


def _xilinx(name: str, a_max: int) -> CostTarget:
    return CostTarget(
        name=name, lut_inputs=6, carry_bits=4, dsp_packs_registers=name == "xc7",
        dsp_post_add_bits=48 if name == "xc7" else 0,
        dsp=DspRule(a_max=a_max, b_max=18, a_partial=18, b_partial=18, y_min=9,
                    signed_only=True, cascade=True),
        rom_logic_cost=1 / 64, ram_logic_cost=1.0, brams=_XILINX_BRAMS,
        # RAM32M16 / RAM64M8 (lutrams_xcu.txt; 7-series: RAM32M / RAM64M, half as wide)
        lutram_sdp=((LutramMode(5, 14, 16, True, 8), LutramMode(6, 7, 16, True, 8))
                    if name == "xcup" else
                    # lutrams_xc5v.txt: the simple dual-port RAM32M / RAM64M (``cost 8;
                    # widthscale 7``) and the dual-port RAM, whose RW port writes and R port
                    # reads (``cost 8; widthscale``: a RAM32M of 4 bits, RAM64X1D / RAM128X1D
                    # one a bit); Yosys maps w04's 128 x 1 line buffer to one RAM128X1D
                    # (libmap: 10.0 against two RAM64M's 10.17, in its -debug log)
                    (LutramMode(5, 6, 8, True, 4, widthscale_cost=7),
                     LutramMode(6, 3, 8, True, 4, widthscale_cost=7),
                     LutramMode(5, 4, 8, True, 4),
                     LutramMode(6, 2, 8, True, 2, cell_per_bit=True),
                     LutramMode(7, 1, 8, True, 4, cell_per_bit=True))),
        lutram_demux=name == "xc7", fifo_ctl=True,
        # single port also RAM128X1S / RAM256X1S, one cell per bit (lutrams_xcu.txt's
        # ABITS 7 and 8 options)
        lutram_sp=((LutramMode(5, 16, 16, True, 8), LutramMode(6, 8, 16, True, 8),
                    LutramMode(7, 4, 16, True, 8, cells=4),
                    LutramMode(8, 2, 16, True, 8, cells=2))
                   if name == "xcup" else
                   (LutramMode(5, 8, 8, True, 4), LutramMode(6, 4, 8, True, 4))),
        # xc7's RAM32M holds 6 bits of a simple dual-port RAM, xcup's RAM32M16 14: a
        # primitive none of whose bits is read is removed, and an MX input buffer's unread
        # exponent bits empty whole RAM32Ms (sweep m06 / m12 / m13: 12 / 19 / 20 RAM32M as
        # counted with its used bits, 19 / 34 / 34 with all; xcup's 10 / 17 / 17 RAM32M16
        # as counted with all)
        ram_drops_unused_bits=name == "xc7")


COST_TARGETS = {
    "xcup": _xilinx("xcup", 27),
    "xc7": _xilinx("xc7", 25),
    "ecp5": CostTarget(
        name="ecp5", lut_inputs=4, carry_bits=2,
        dsp=DspRule(a_max=18, b_max=18, a_partial=18, b_partial=18),
        rom_logic_cost=1 / 16, ram_logic_cost=1.0,
        brams=(BramMode(abits=14, widths=(1, 2, 4, 9, 18), cost=128, tiles=1),
               BramMode(abits=14, widths=(1, 2, 4, 9, 18, 36), cost=128, tiles=1)),
        lutram_sdp=(LutramMode(4, 4, 4, False, 2),),
        lutram_sp=(LutramMode(4, 4, 4, False, 2),), ram_drops_unused_bits=True,
        lutram_depth_mux=False, bram_ram_ffs=2, carry_min_bits=5),
    "ice40": CostTarget(
        name="ice40", lut_inputs=4, carry_bits=1, dsp=None, carry_min_bits=3,
        rom_logic_cost=1 / 16, ram_logic_cost=1.0,
        brams=(BramMode(abits=12, widths=(2, 4, 8, 16), cost=64, tiles=1),),
        lutram_sdp=(), lutram_sp=(),
        # a memory's never-read data bits (an MX input's unused exponents) have no
        # flip-flops and no RAM bits: the same as ECP5's (sweep points m06, m07, m12, m13
        # over-counted 220-630 FF each without it; every BRAM count stays exact)
        ram_drops_unused_bits=True,
        # an SB_RAM40_4K written and read at once: Yosys keeps the write data in a register
        # (an SB_DFF a data bit, D the RAM's WDATA) and selects it where the addresses
        # meet (a sliding window's line buffer of 16 / 32 bits alone: 16 / 31 such SB_DFF)
        bram_ram_ffs=1, wide_muxes=False, enable_takes_reset=True, fifo_ctl=True,
        # an MVAU's input buffer in SB_RAM40_4K (read and written at one address): the write
        # data delayed a cycle (D the stream's payload, Q the RAM's WDATA) and a second
        # register a bit (D that one's Q) for the read where the addresses meet, two SB_DFF a
        # data bit (netlists of sweep bw1, t05, bw2, i01: 64 + 64, 48 + 48, 16 + 16, 8 + 8)
        bram_read_first_ffs=1,
        # the dot products inside sweep bw1-bw4 follow bits x (terms - 1.58) at 3.6 LUT4
        # (benchmarks/bench_bwn_tree.py --blocks bw2,bw1,bw3,bw4 --targets ice40); the select
        # in front of them a LUT4 a bit (netlists of bw1, bw2: 64, 16)
        binary_measured=True),
}


def cost_target(name: str) -> CostTarget:
    """The target called ``name``; an unknown name is an error naming the known ones."""
    try:
        return COST_TARGETS[name]
    except KeyError:
        raise HwgenError(f"unknown cost-model target {name!r}; use one of "
                         f"{', '.join(COST_TARGETS)}") from None
