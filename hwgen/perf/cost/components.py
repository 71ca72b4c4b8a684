"""The parts several block kinds share, counted as their Amaranth components build them.

``stream_fifo`` (``hwgen.hw.stream.fifo.StreamFifo``), ``fold_table``
(``hwgen.hw.arith.fold_table``), ``mvau_core`` (``hwgen.hw.arith.mvau_core.MvauCore``),
``requantizer`` (``hwgen.hw.arith.requantizer.Requantizer``), ``shared_requantizer``
(``hwgen.hw.arith.shared_requantizer.SharedRequantizer``) and ``threshold_unit``
(``hwgen.hw.binary.threshold_unit.ThresholdUnit``). A counter over one value, a table whose
rows are all equal and a shift by a constant cost nothing: Yosys removes them, so they are not
counted.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .arith import index_bits, popcount_tree, range_bits, set_bits, width
from .memory import Ram, Rom, rom_from_bits, rom_from_fields
from .tally import Tally

__all__ = ["counter", "stream_fifo", "register_slice", "fold_table", "mvau_core", "requantizer",
           "requant_multiply", "shared_requantizer", "threshold_unit", "FoldTable",
           "shifted_acc_low_bits", "odd_zero_clamp", "FOLDED_PRELOAD_FOLDS", "table_rows"]


def counter(t: Tally, count: int) -> None:
    """A wrapping counter over ``count`` values (nothing when it has one value)."""
    if count > 1:
        bits = index_bits(count)
        t.reg(bits)
        t.add(bits, increment=True)


def stream_fifo(t: Tally, name: str, *, width_bits: int, depth: int) -> None:
    """A :class:`StreamFifo`: one register stage at depth 1, else Amaranth's ``SyncFIFO``
    (storage read without a clock, two pointers and a level)."""
    if depth == 1:
        t.reg(width_bits + 1)
        t.mux(1)
        return
    t.ram(name, Ram(depth=depth, width=width_bits, sync_read=False))
    if t.target.fifo_ctl:
        # the write and read pointers (wrapping at ``depth``) and the level (up or down by
        # one), each bit a LUT function of its register, the handshakes and the wrap;
        # with the ready and valid flags and the enables (``| rst`` on iCE40) they measure
        # about one LUT6 a bit on xcup / xc7 and two LUT4 on iCE40 (the FIFOs alone, 2 to
        # 17 deep, ``benchmarks/bench_stream_fifo.py``; ``FIXED[...]["fifo_ctl"]``); each
        # keeps its carry cells where it is as wide as the target's chain takes (the binary
        # MLP's 9-beat FIFO on xc7: 3 CARRY4, a 4-bit pointer, pointer and level)
        bits = 2 * index_bits(depth) + range_bits(depth + 1)
        t.reg(bits)
        t.features["fifo_ctl"] += bits
        t.carry_cells(index_bits(depth), count=2)
        t.carry_cells(range_bits(depth + 1))
        return
    counter(t, depth)
    counter(t, depth)
    t.reg(range_bits(depth + 1))
    t.add(range_bits(depth + 1))
    t.cmp(2 * range_bits(depth + 1), constant=True)


def register_slice(t: Tally, *, width_bits: int) -> None:
    """A :class:`StreamRegisterSlice`: the output and skid registers with their valid bits,
    the output register's choice between the skid register and the input."""
    t.reg(2 * width_bits + 2)
    t.mux(width_bits)


class FoldTable:
    """Per-fold lane constants (``(folds, lanes)``): constants when every row is equal,
    else a ROM read without a clock."""

    def __init__(self, values, bits: int):
        self.values = np.asarray(values, dtype=object)
        self.bits = bits
        self.style = "logic"            # where the table went (memory_style)
        rows = {tuple(int(v) for v in row) for row in self.values.tolist()}
        self.constant = len(rows) == 1

    def lane_values(self, lane: int) -> list[int]:
        return [int(v) for v in self.values[:, lane].tolist()]

    def varying(self, lane: int) -> bool:
        return len(set(self.lane_values(lane))) > 1


def fold_table(t: Tally, name: str, values, *, bits: int,
               registered_output: bool = False, selected_address: bool = False) -> FoldTable:
    """Count a fold table; return it (callers ask whether its lanes vary).
    ``registered_output``: its read goes straight into a register (see :class:`Rom`).
    ``selected_address``: its address is a select between two sources (the shared
    requantizer's fold base or round slot): its columns are ``rq_table``
    (:meth:`Tally.rom`)."""
    table = FoldTable(values, bits)
    if not table.constant:
        folds, lanes = table.values.shape
        if bits <= 60:
            rom = rom_from_fields(np.array(table.values.tolist(), dtype=np.int64)
                                  & ((1 << bits) - 1), bits, sync_read=False)
        else:
            matrix = np.array([[(int(v) >> b) & 1 for v in row for b in range(bits)]
                               for row in table.values.tolist()], dtype=np.uint8)
            rom = rom_from_bits(matrix, sync_read=False)
        # a table read at the shared requantizer's select: ABC maps for depth and folds the
        # select (``Mux(i_valid, base, slot)``) into every column, so a column costs more
        # than one read at a register, the more the deeper (``ROM_LUTS[...]["selected"]``)
        table.style = t.rom(name, replace(rom, registered_output=registered_output),
                            selected=selected_address)
    return table


def shifted_acc_low_bits(bias, zeros: int) -> int:
    """Flip-flops Yosys keeps for the accumulators' low ``zeros`` bits when every dot product's
    low ``zeros`` bits are 0 (``bias``: the ``(NF, PE)`` preloads).

    Such a bit is ``first ? bias bit of the fold : itself`` from a reset of 0: a bit that is 0
    in every fold stays 0 (dropped), and bits with the same value in every fold have the same
    next state, across lanes too (merged); so one flip-flop per distinct non-zero column of
    the bits over the folds (measured: the binary MLP's fc3, 5 lanes x 17 low bits over 2
    folds, keeps 3)."""
    rows = np.asarray(bias, dtype=object).tolist()
    columns = {tuple((int(row[lane]) >> bit) & 1 for row in rows)
               for lane in range(len(rows[0])) for bit in range(zeros)}
    return len(columns - {(0,) * len(rows)})


#: Most folds whose bias table and preload select a LUT6 target folds into the accumulators'
#: adders (:func:`mvau_core`).
FOLDED_PRELOAD_FOLDS = 8


def mvau_core(t: Tally, *, nf: int, sf: int, pe: int, in_bits: int, weights: Rom,
              dot_bits: int, acc_bits: int, bias, out_bits: int, depth: int,
              dot_stages: int = 1, flags: bool = False, in_used: int | None = None,
              registered_operands: bool = False, registered_write: bool = False,
              dot_zeros: int = 0, in_mux_feature: str = "in_mux", acc_apart: bool = False,
              weights_decoded: bool = False, in_mask: int = 0) -> None:
    """The folded engine every MVAU shares (the datapath's dot products are not in it).

    ``in_used``: the bits of an input beat the datapath reads (all by default; an MX input
    carries a shared exponent per lane of which one per block is read); ``in_mask``: those
    bits' positions in the beat, as a mask (for the input buffer's LUT RAM primitives).
    ``registered_operands`` (``MvauCore``'s, the XNOR MVAU's): the weight table read
    without a clock from a registered address, every beat through an input buffer read
    without a clock from a registered address (one register of the beat when ``NF = 1``),
    no multiplexer between the stream and the buffer, and at ``SF = 1`` none in front of
    the accumulators.
    ``registered_write`` (the int MVAU's ``pipeline = "deep"``): the input buffer written
    from registers a cycle late and read without a clock from a registered address.
    ``dot_zeros``: low bits every dot product holds at 0 (a binary MVAU's ``acc_shift``):
    Yosys drops their dot registers, and the accumulator's low bits only ever hold the bias's,
    so they have no adder and no multiplexer and keep :func:`shifted_acc_low_bits`
    flip-flops.
    ``in_mux_feature``: the feature the select between the latched beat and the buffer counts
    in (a binary MVAU's, whose inputs feed no multipliers, has its own on LUT6 targets).
    ``acc_apart``: the accumulators' adders counted as measured (``acc_add``, a binary MVAU's
    on LUT6 targets), not by the fitted ``add``.
    ``weights_decoded``: the weight ROM's read register feeds logic (the MX MVAU's
    decoders; ``Tally.rom``'s ``decoded``).
    """
    in_used = in_bits if in_used is None else in_used
    # the input buffer's stored bits (and their positions, for its LUT RAM primitives)
    stored = in_used if t.target.ram_drops_unused_bits else in_bits
    mask = in_mask if t.target.ram_drops_unused_bits else 0
    t.block()
    fold_bits = index_bits(nf) if nf > 1 else 0
    counter(t, nf)
    counter(t, sf)
    counter(t, nf * sf)
    t.reg(range_bits(depth + 1))                 # credits
    t.add(range_bits(depth + 1))
    t.reg(4 + fold_bits)                         # stage-1 control and fold
    t.rom("weights", weights, decoded=weights_decoded)
    if registered_operands:
        t.reg(index_bits(nf * sf) if nf * sf > 1 else 0)     # the weight address
        if nf > 1:
            t.ram("input_buffer", Ram(depth=max(sf, 2), width=stored, sync_read=False,
                                      used_mask=mask))
            t.reg(index_bits(sf) if sf > 1 else 0)            # the buffer address
        else:
            t.reg(in_used)                                    # the input operand
    else:
        t.reg(in_used)                               # the latched input beat
    if nf > 1 and not registered_operands:
        if registered_write:
            t.ram("input_buffer", Ram(depth=max(sf, 2), width=stored, sync_read=False,
                                      used_mask=mask))
            t.reg(1 + 2 * (index_bits(sf) if sf > 1 else 0))    # write enable, addresses
        else:
            t.ram("input_buffer", Ram(depth=max(sf, 2), width=stored, sync_read=True,
                                      shared_address=True, used_mask=mask))
            t.reg(in_used - stored)              # (the read register keeps the used bits)
        t.features[in_mux_feature] += in_used    # latched beat or buffer
    t.reg(dot_stages * (3 + fold_bits))          # control beside the dot products
    # registered dot products: the accumulator reads its own width of them and Yosys drops
    # the bits above (an MX MVAU's step sums are declared wider: m01 keeps 21 of its 24 a
    # lane, the MXFP4 MLP's fc3 16 of 17, the accumulators' widths)
    t.reg(pe * (min(dot_bits, acc_bits) - dot_zeros))
    bias = np.asarray(bias, dtype=object)
    # On LUT6 targets, with at most FOLDED_PRELOAD_FOLDS folds an accumulator bit's next sum is
    # one LUT6 of ``first``, the fold (3 bits: the bias table's address), the accumulator bit
    # and the dot product's: the bias table and the preload select fold into the adder's LUT
    # (measured on xcup: g06's first int MVAU, 8 folds, bias table and select 2 LUT6 against
    # 37 counted; the preload select alone -2 to +2 LUT6 on ten int MVAUs of 1 to 4 folds)
    folded = t.target.lut_inputs >= 6 and nf <= FOLDED_PRELOAD_FOLDS
    if not folded:
        fold_table(t, "bias", bias, bits=width(min(int(bias.min()), -1), max(int(bias.max()), 0)))
    summed = acc_bits - dot_zeros                # the accumulator bits the dots reach
    t.reg(pe * summed + 1 + fold_bits)           # accumulators, acc_valid, acc_fold
    if dot_zeros:
        t.reg(shifted_acc_low_bits(bias, dot_zeros))
    t.add(summed, count=pe, accumulator=acc_apart)
    # preload or running sum into the adder (none where every step adds to the bias)
    if not (registered_operands and sf == 1 or folded):
        t.features["acc_mux"] += pe * summed
    if flags:
        t.reg(2 * pe)
        t.logic(2 * pe)
    stream_fifo(t, "fifo", width_bits=out_bits, depth=depth)


def requant_lane(t: Tally, *, product_bits: int, right_values, out_bits: int,
                 rounding: str, product_in_dsp: bool = False,
                 product_in_fabric: bool = False, cascade_low_bits: int = 0) -> None:
    """One lane's rounding, zero point and saturation after its product register.

    gemmlowp keeps the product's high part (its doubling high multiply drops 30 bits) and a
    constant shift narrows everything after it; the single-rounding rules add the rounding
    half over the whole product, and their result, zero point and clamps stay as wide as
    the declared 63 / 64-bit signals. Per-fold shifts come through a register that Yosys
    keeps for every bit some value sets (it resets to 0): a shifter stage per such bit.
    """
    right_values = [int(v) for v in right_values]
    constant = len(set(right_values)) == 1
    stages = 0 if constant else set_bits(right_values).bit_count()
    if rounding == "gemmlowp":
        high = max(product_bits - 30, 1)
        kept = max(high - right_values[0], 1) if constant else high
        # a right shift of 0 at every fold: RoundingDivideByPOT by 1 is the value itself (its
        # mask, remainder and threshold constants), no rounding divide: a lane of its own
        # (``rq_g0``, ``rq_g0_bits``; measured alone, benchmarks/bench_requant_lanes.py)
        no_shift = constant and right_values[0] == 0
        t.features["rq_g0" if no_shift else "rq_g"] += 1
        t.features["rq_g0_bits" if no_shift else "rq_g_bits"] += kept
        t.features["rq_g_carry"] += (math.ceil((high + 1) / t.target.carry_bits)
                                     + 4 * math.ceil((kept + 1) / t.target.carry_bits))
    else:
        high = product_bits
        t.features["rq_s"] += 1
        t.features["rq_s_bits"] += product_bits
        t.features["rq_s_carry"] += 4 * math.ceil(product_bits / t.target.carry_bits)
    # ``product_in_dsp``: the product register right behind the DSPs' multiply, the product
    # within a DSP48E1's 48-bit P: xc7 packs it into the last DSP's PREG (``Tally.dsp_reg``;
    # measured: the average pools p02 and p03, 44-bit products of two DSPs, xcup's
    # flip-flops less xc7's 88 and 180, these bits). A wider product (the 50-55 bits of
    # a01-a03, d01-d03; the binary MLP's fc3, 56 bits) is kept whole: what xc7 packs of
    # those blocks is the lane's operand register (a01's 88-bit ``i_acc``, d02's 72),
    # counted apart by the blocks (``Tally.dsp_reg``). ``product_in_fabric``: the DSPs'
    # products reach the register through LUTs, their pieces summed there
    # (``pieces_summed_in_dsp``) or the sum shifted left by a per-fold shift, or the product
    # is wider than a P, or the lane is pipelined (its partial products' registers are the
    # DSPs' MREGs, their sum is registered in the fabric: i37): on xc7 the product register
    # is then a plain register, none of it packed (p05: 668 FF on xc7 as on xcup; b04,
    # bw3, t04: their lanes' product registers, 16 / 13 / 12 bits, kept on xc7 as on xcup).
    # ``cascade_low_bits``: one whole multiply cascaded over DSPs (``mul2dsp`` splitting its
    # wide operand): the low bits each DSP before the last finishes leave it through its P
    # and are registered in the fabric, the rest is the last DSP's PREG (measured: the
    # MXFP4 MLP's requantizer lanes, 16 x 32-bit products over two DSP48E1s through PCIN,
    # 17 FDREs a lane and ``PREG`` set on the second DSP, in all 7 lanes of its 3 blocks)
    packs = t.target.dsp_packs_registers
    low = min(cascade_low_bits, high) if product_in_dsp and packs else 0
    t.features["reg"] += low
    t.features["reg_dsp_port" if product_in_dsp and packs
               else "reg" if product_in_fabric and packs else "reg_dsp"] += high - low
    if stages:
        t.features["rq_var"] += 1
        t.features["rq_shift"] += high * stages
        t.features["rq_g_carry" if rounding == "gemmlowp" else "rq_s_carry"] += 2 * math.ceil(
            min(set_bits(right_values), high) / t.target.carry_bits)
    t.reg(out_bits + stages)


#: Widest accumulator the requantizer multiplies in pieces (a DSP48E2's A port, 27 bits);
#: a wider one is multiplied whole (``hwgen.hw.arith.requantizer``).
SPLIT_ACC_BITS = 27
#: The declared width of gemmlowp's high part and of its rounded value
#: (``hwgen.hw.arith.requantizer``: ``high``, ``rounded``).
GEMMLOWP_HIGH_BITS = 33
#: The 31-bit multiplier's pieces: ``(lowest bit, bits)``, each unsigned (one bit wider
#: signed) so that each partial product fits the DSP48E2's B port (18 bits).
MULTIPLIER_PIECES = ((0, 17), (17, 14))
#: A narrow lane (``requant_acc_bits``): the multiplier's low bits left to logic.
NARROW_LOW_BITS = 5


def table_rows(values, pieces=((0, 31),)) -> int:
    """Rows of a product by a per-fold table's registered read (``values``, its folds'
    values), ``pieces`` the ``(lowest bit, bits)`` fields multiplied (one after the other
    through a select: all of them): a row for each bit some fold sets, as Yosys drops the
    register's constant-0 bits. In LUTs, the product's operand pairs are the variable's
    bits times these."""
    return set_bits((int(v) >> low) & ((1 << bits) - 1)
                    for v in values for low, bits in pieces).bit_count()


def requant_multiply(t: Tally, *, acc_bits: int, values, varying: bool,
                     serial: bool = False, narrow_bits: int = 0, low_bits: int = 0,
                     low_set: int = 0, low_folds: int = 1, sum_apart: bool = False) -> int:
    """One requantizer lane's ``acc * qm`` (``qm`` a 31-bit unsigned fold-table value);
    returns the product's bits.

    Up to 27 accumulator bits the product is two partial products, ``acc`` times the low 17
    and the high 14 bits of ``qm`` (18 and 15 bits signed), summed; beyond, one product.
    A constant ``qm`` (the same in every fold) makes each piece a constant product.
    ``serial``: one product, ``acc`` times a mux of the two pieces (one after the other).
    ``narrow_bits``: the accumulator saturated to that many bits (two comparisons and a
    mux), times the top 26 bits of ``qm`` (one product) and its low 5 bits in logic (four
    adds of shifted copies).
    ``low_bits``: the accumulator's low bits that only ever hold its bias preloads (a binary
    MVAU's ``dot_zeros``) over ``low_folds`` folds, of which ``low_set`` bits some fold sets
    (the rest are 0 and have no row). Over one or two folds each such bit, and each bit of
    the table's read, is a constant, the fold bit or its complement, and their pairs cost
    about half a variable's in LUTs (``soft_ab_fold``); over more folds, as much
    (``soft_ab``; measured on iCE40, docs/synthesis.md "Rows over the bias's bits").
    ``sum_apart``: where the target's DSP can sum the two products (xc7) and does not, the
    sum is counted apart from the lane (``dsp_sum``: a gemmlowp lane's, whose fitted ``rq_g``
    is then the lane without it; measured: each lane summed in the fabric keeps about 32
    LUT6 there, none where the DSP48E1's post-adder takes the sum, docs/synthesis.md
    "xc7's gemmlowp lanes: the product's sum counted apart").
    """
    m_bits = 32 if varying else width(-1, values[0])
    product_bits = acc_bits + m_bits
    if narrow_bits:
        low = NARROW_LOW_BITS
        t.cmp(acc_bits, constant=True)
        t.cmp(acc_bits, constant=True)
        t.mux(narrow_bits)
        if varying:
            t.multiply(narrow_bits, 32 - low, narrow_bits + 32 - low,
                       operand_pairs=narrow_bits * table_rows(values, ((low, 31 - low),)))
            # acc << k where bit k of qm is set: x or 0 (a feature of its own, measured
            # alone: no sweep point has a narrow lane, so the fit cannot weigh it)
            t.features["rq_low_and"] += low * narrow_bits
        else:
            t.multiply_constant(narrow_bits, values[0] >> low, narrow_bits + 32 - low)
        t.add(narrow_bits + low, count=low - 1)
        t.add(product_bits, dsp_input=True, fabric_sum=sum_apart)     # the two parts summed
        return product_bits

    def pairs(pieces) -> dict:
        rows = table_rows(values, pieces)
        cheap = low_set if low_folds <= 2 else 0
        return dict(operand_pairs=(acc_bits - low_bits + low_set - cheap) * rows,
                    fold_pairs=cheap * rows)

    if serial:
        piece_bits = MULTIPLIER_PIECES[0][1]
        if varying:
            t.mux(piece_bits)                           # the piece in front of the port
        t.multiply(acc_bits, piece_bits + 1, acc_bits + piece_bits + 1,
                   **pairs(MULTIPLIER_PIECES))
        # the two pieces' products summed (held a cycle apart: never in a post-adder)
        t.add(product_bits, dsp_input=True, fabric_sum=sum_apart)
        return product_bits
    if acc_bits > SPLIT_ACC_BITS:
        if varying:
            t.multiply(acc_bits, m_bits, product_bits, **pairs(((0, 31),)))
        else:
            t.multiply_constant(acc_bits, values[0], product_bits)
        return product_bits
    product_dsp = True
    for low, bits in MULTIPLIER_PIECES:
        y_bits = acc_bits + bits + 1
        if varying:
            product_dsp &= t.multiply(acc_bits, bits + 1, y_bits,
                                      **pairs(((low, bits),))).dsp > 0
        else:
            t.multiply_constant(acc_bits, (values[0] >> low) & ((1 << bits) - 1), y_bits)
    # the two partial products summed (xc7: in the second DSP's post-adder up to 48 bits,
    # where both pieces are DSP products of the per-fold table's values; so too a
    # constant's whose low piece is odd, p03's, ``pieces_summed_in_dsp``; a constant's
    # with an even low piece in the fabric: i20's lane, low piece 0x466, keeps 32 LUT6 and
    # 9 CARRY4 for its 50-bit sum on xc7)
    post_add = varying and product_dsp
    summed = post_add or product_dsp and pieces_summed_in_dsp(values, acc_bits=acc_bits)
    t.add(product_bits, dsp_input=True, post_add=post_add,
          fabric_sum=sum_apart and not summed)
    return product_bits


def pieces_summed_in_dsp(values, *, acc_bits: int, serial: bool = False,
                         narrow_bits: int = 0) -> bool:
    """Whether a requantizer lane's product by ``values`` (its multiplier's per-fold
    values) leaves the DSP whole: two pieces summed in the DSP's post-adder, or one product.

    Yosys' ``alumacc -macc-only`` merges the low piece's product into the sum with the high
    one (a ``$macc``, then ``xilinx_dsp`` puts the sum in the DSP's post-adder, the high
    product at its C port) only where the low piece's product is the sum's operand as it
    is. A low piece whose bit 0 no fold sets is an even constant (or a register bit Yosys
    drops): its zero low bits are split off the product, the two products stay apart and
    are summed in the fabric, and xc7 packs no product register into a PREG (measured: the
    average pool p05, low piece 0x19ac, 668 FF on xc7; the same pool with 0x19ad, 332 FF,
    every lane's 42-bit product register in its DSP48E1's PREG; p03, 0x5d7, packs them).
    """
    if serial or narrow_bits or acc_bits > SPLIT_ACC_BITS:
        return True
    return any(int(v) & 1 for v in values)


def registered_table_bits(values, bits: int) -> int:
    """Flip-flops a register of a per-fold table's read keeps (``values``: ``(folds,
    lanes)``, each ``bits`` wide): its bit columns that change with the fold, equal columns
    once (Yosys drops a flip-flop of a constant and merges flip-flops of equal inputs, across
    lanes too: every lane reads its table with the same fold). A table of a few folds keeps
    a few: two folds, at most two distinct columns (the fold bit and its complement)."""
    values = np.asarray(values, dtype=object)
    matrix = np.array([[(int(v) >> b) & 1 for v in row for b in range(bits)]
                       for row in values.tolist()], dtype=np.uint8)
    varying = matrix[:, (matrix != matrix[:1]).any(axis=0)]
    return len({tuple(column) for column in varying.T.tolist()})


def odd_zero_clamp(t: Tally, *, lanes: int, rounding: str, zero_point: int,
                   out_min: int) -> None:
    """Single-rounding requantizer lanes whose zero point is odd and positive and whose low
    clamp is not negative (``rq_zp_odd``, in lanes).

    Measured, not derived: on ECP5 such a lane maps to 21-33 LUT4 more than the same lane at
    an even or negative zero point, or with its low clamp below zero (one lane alone, 23-bit
    accumulator, zero point 1, 3, 5, 7: 93-99 LUT4; 0, 2, 4, 6, 12, 64: 65-67; -1, -3, -5: 70;
    zero point 5 with the clamp at -5 to -128: 64; an 18-bit accumulator 86 against 60; 4 and
    8 lanes at zero point 7 against 6: 352 / 268 and 713 / 535). Before ABC the netlists are
    the same up to a gate; gemmlowp lanes and xcup show no such step
    (``benchmarks/bench_requant_zero_point.py``).
    """
    if rounding == "single" and zero_point > 0 and zero_point % 2 and out_min >= 0:
        t.features["rq_zp_odd"] += lanes


def requantizer(t: Tally, *, acc_bits: int, out_bits: int, multiplier, shift, rounding: str,
                lanes: int, pipelined: bool = False, serial: bool = False,
                narrow_bits: int = 0, selected_address: bool = False,
                low_bits: int = 0, bias=None) -> None:
    """``Requantizer``: per lane a multiply by the channel's multiplier, rounding, zero point
    and saturation, with per-fold tables where the fold changes the constants; ``pipelined``
    registers the partial products (with the shifts beside them) and the rounded value;
    ``serial`` multiplies the two pieces on one multiplier, one after the other (the low
    piece's product held a cycle, the shifts one stage more); ``selected_address``: the
    tables are read at a select (the shared requantizer's: ``rq_table``); ``low_bits``: the
    accumulators' low bits that only ever hold the ``(NF, lanes)`` ``bias`` preloads (a
    binary MVAU's ``dot_zeros``: :func:`requant_multiply`)."""
    multiplier = np.asarray(multiplier, dtype=np.int64).reshape(-1, lanes)
    low_mask = (1 << low_bits) - 1
    bias = None if not low_bits else np.asarray(bias, dtype=object).reshape(-1, lanes)
    shift = np.asarray(shift, dtype=np.int64).reshape(-1, lanes)
    gemmlowp = rounding == "gemmlowp"
    # (pipelined: every table's read is registered, a register block RAM can take)
    qm = fold_table(t, "multiplier", multiplier, bits=31, registered_output=pipelined,
                    selected_address=selected_address)
    if gemmlowp:
        left = fold_table(t, "left_shift", np.maximum(shift, 0), bits=5,
                          registered_output=pipelined, selected_address=selected_address)
        right_values = np.maximum(-shift, 0)
    else:
        left = None
        right_values = 31 - shift
    right = fold_table(t, "right_shift", right_values, bits=6, registered_output=pipelined,
                       selected_address=selected_address)
    t.reg(2)                                                    # valid_a, o_valid
    for lane in range(lanes):
        # Stage A: the accumulator times the 31-bit multiplier (gemmlowp's left shift is
        # applied to the product: (acc << left) * qm = (acc * qm) << left).
        dsps = t.dsp
        # (a narrow lane saturates the accumulator first: its low bits are not the bias's)
        low = 0 if narrow_bits or bias is None else low_bits
        low_set = 0 if not low else set_bits(
            int(v) & low_mask for v in bias[:, lane].tolist()).bit_count()
        values = right.lane_values(lane)
        # (a fitted gemmlowp lane's sum is counted apart; a lane without a right shift,
        # ``rq_g0``, is a lane measured alone with its sum, as a single-rounding lane is)
        no_shift = len(set(int(v) for v in values)) == 1 and int(values[0]) == 0
        product_bits = requant_multiply(t, acc_bits=acc_bits, values=qm.lane_values(lane),
                                        varying=qm.varying(lane), serial=serial,
                                        narrow_bits=narrow_bits, low_bits=low,
                                        low_set=low_set, low_folds=len(multiplier),
                                        sum_apart=gemmlowp and not no_shift)
        if serial:
            t.features["rq_serial"] += 1
        shifted = left is not None and left.varying(lane)
        if shifted:
            stages = set_bits(left.lane_values(lane)).bit_count()
            t.features["rq_lshift"] += product_bits * stages
            t.reg(stages)
        dsp_product = t.dsp > dsps
        in_dsp = not pipelined and dsp_product and product_bits <= 48
        summed = pieces_summed_in_dsp(qm.lane_values(lane), acc_bits=acc_bits, serial=serial,
                                      narrow_bits=narrow_bits)
        # (a per-fold left shift stands between the DSPs and the product register)
        requant_lane(t, product_bits=product_bits, right_values=values, out_bits=out_bits,
                     rounding="gemmlowp" if gemmlowp else "single",
                     product_in_dsp=in_dsp and summed and not shifted,
                     product_in_fabric=dsp_product and not (in_dsp and summed and not shifted))
        if not gemmlowp and len(set(values)) > 1:
            t.reg(len(set(values)))                     # the rounding half, per fold
        if rounding == "single_even":
            # a constant shift: the floor is wiring and the remainder's comparisons with
            # the constant half an OR of its low bits (a LUT per five or so, not counted);
            # the tie to even spans the bits above the shift (measured: the binary MLP's
            # fc3, 56-bit products shifted by 45 in four of five lanes). Per-fold shifts:
            # the half register keeps only the bits some fold sets, so the remainder's mask
            # is all ones below the smallest shift and the comparisons span the bits above
            # it alone, as at a constant shift (the floor's shifter is ``rq_shift``;
            # measured on xcup, sweep point b07's two lanes at shifts 43-45 in its block:
            # 98 LUT6 more than at a constant 44, where the whole product counted 460 more)
            t.features["rq_s_bits"] += max(product_bits - min(values), 1)
        if pipelined:
            pieces = ([acc_bits + bits + 1 for _, bits in MULTIPLIER_PIECES]
                      if acc_bits <= SPLIT_ACC_BITS else [product_bits])
            if narrow_bits:
                pieces = [narrow_bits + 32 - NARROW_LOW_BITS,
                          narrow_bits + NARROW_LOW_BITS + 1]
            operand_bits = narrow_bits or acc_bits
            rounded = max(product_bits - 30, 1) + 1 if gemmlowp else product_bits
            # (the registered table reads, the multiplier's and the shifts', are counted
            # once for all lanes below)
            # (the operand and the pieces' products are a DSP multiply's port registers,
            # which xc7 packs into it: ``Tally.dsp_reg``)
            (t.dsp_reg if t.dsp > dsps else t.reg)(operand_bits + sum(pieces))
            if gemmlowp and not left.constant:
                # a left-shift table that changes with the fold is a ROM read in every lane
                # (a constant column too): the sum is shifted by a register Yosys knows as
                # constant only after ``wreduce``, so the high part and the rounded value
                # keep their declared 33 bits each (measured: i37 and i39, every lane's
                # ``high_r`` 32-33 and ``rounded_r`` 33 flip-flops on xcup and on xc7,
                # where a constant table, i38, keeps 11-13 of ``high_r``)
                t.reg(2 * GEMMLOWP_HIGH_BITS)
            else:
                t.reg(2 * min(rounded, 64))                             # rounding's 2 steps
            if serial:
                # the second piece's product register (the first's holds the low piece)
                t.reg(acc_bits + MULTIPLIER_PIECES[0][1] + 1 - pieces[1])
    if pipelined:
        t.reg(4 + serial)                               # valid_t, valid_p, (valid_s,)
                                                        # valid_m, valid_r
        # the registered reads of the per-fold tables: the multiplier's once (a table in
        # block RAM holds its read register itself), the right shift (and the rounding
        # half) at every stage up to the rounding (t, p, (s,) and the rounding's first)
        if qm.style != "bram":
            t.reg(registered_table_bits(multiplier, 31))
        t.reg(registered_table_bits(right_values, 6) * (3 + serial))
        if not gemmlowp:
            half = np.left_shift(np.ones_like(right_values), right_values - 1)
            t.reg(registered_table_bits(half, 62) * (2 + serial))


def shared_requantizer(t: Tally, *, units: int, acc_bits: int, out_bits: int, multiplier,
                       shift, rounding: str, pipelined: bool = False,
                       serial: bool = False, narrow_bits: int = 0) -> None:
    """``SharedRequantizer``: the ``lanes`` accumulators of a beat through a requantizer of
    ``units`` lanes in ``rounds = ceil(lanes / units)`` rounds. Its tables have a row per
    fold and round (the last round's padding lanes take lane 0's constants); rounds after
    the first wait in snapshot registers, results before the last in held registers;
    ``serial`` lanes take two cycles a round (a ``wait`` flag)."""
    multiplier = np.asarray(multiplier, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    folds, lanes = multiplier.shape
    rounds = -(-lanes // units)

    def per_round(table):
        padded = np.concatenate(
            [table, np.repeat(table[:, :1], rounds * units - lanes, axis=1)], axis=1)
        return padded.reshape(folds * rounds, units)

    slot_bits = range_bits(folds * rounds)
    if folds > 1:
        fold_table(t, "slot_base", [[f * rounds] for f in range(folds)], bits=slot_bits)
    t.reg(slot_bits + range_bits(rounds) + serial)      # slot, pending, wait
    t.add(slot_bits)
    t.add(range_bits(rounds))
    t.reg((rounds - 1) * units * acc_bits)              # snapshots
    # the selects in front of the lanes and the snapshots: real multiplexers, a LUT a
    # bit (measured with every module kept: sweep points i02, i03, i05)
    if rounds > 2:
        t.features["rq_mux"] += (rounds - 1) * units * acc_bits    # load or shift down
    t.features["rq_mux"] += units * acc_bits + slot_bits           # round 0 or a snapshot
    counter(t, rounds)                                  # out_round
    t.reg((rounds - 1) * units * out_bits)              # held results
    requantizer(t, acc_bits=acc_bits, out_bits=out_bits, multiplier=per_round(multiplier),
                shift=per_round(shift), rounding=rounding, lanes=units, pipelined=pipelined,
                serial=serial, narrow_bits=narrow_bits, selected_address=True)


def threshold_unit(t: Tally, *, acc_bits: int, thresholds, flip, out_bits: int) -> None:
    """``ThresholdUnit``: per lane ``T`` comparisons (registered), their count plus offset."""
    thresholds = np.asarray(thresholds, dtype=np.int64)     # (folds, lanes, T)
    folds, lanes, count = thresholds.shape
    t_bits = width(int(thresholds.min()), int(thresholds.max()))
    table = fold_table(t, "thresholds", thresholds.reshape(folds, lanes * count), bits=t_bits)
    fold_table(t, "flip", np.asarray(flip, dtype=np.int64).reshape(folds, lanes), bits=1)
    t.reg(2)
    for lane in range(lanes):
        for k in range(count):
            bits = max(acc_bits, t_bits)
            varying = table.varying(lane * count + k)
            # (a feature of its own: the table's read and the flip go into the comparator's
            # LUTs, measured with the module kept: sweep b03, b06)
            t.features["thr_cmp"] += bits if varying else bits / 2
            if varying or bits >= t.target.carry_min_bits:
                t.features["carry"] += (math.ceil(bits / t.target.carry_bits)
                                        / (1 if varying else 2))
        t.reg(count)
        if count > 1:
            t.tree(popcount_tree(count))
        t.reg(out_bits)
