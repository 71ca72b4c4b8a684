"""Cost of the XNOR, binary-weight and ternary MVAUs (``hwgen.hw.binary``).

The folded engine is the integer MVAU's (:func:`~hwgen.perf.cost.components.mvau_core`) with
1-bit weights (ternary: a mask and a sign plane); what differs is the dot product per PE:

* XNOR: a compressor tree of LUT-sized counters per PE whose first level takes the XNORs
  (and, with a weight table of 2 or 3 address bits, the table too), then one adder; its
  engine reads weights through a registered address and inputs without a multiplexer
  (``MvauCore``'s ``registered_operands``);
* binary weights: each input added or subtracted (a negation and a select per lane), then an
  adder tree of ``A + 1``-bit terms;
* ternary: the inputs under ``+1`` and under ``-1`` weights summed in two trees (popcounts for
  bipolar inputs), their difference, times the row's TTQ levels when they are not 1.

Then a threshold unit (``2**B - 1`` comparators per PE) or the integer requantizer.
"""

from __future__ import annotations

import numpy as np

from ...ir import RequantRounding
from ...ir.binary import Activation
from ...ir.blocks.binary_mvau import BinaryMvauParams
from .arith import adder_tree, index_bits, popcount_tree, set_bits, width
from .coefficients import BIN_ROM_LUTS
from .components import fold_table, mvau_core, requantizer, shifted_acc_low_bits, threshold_unit
from .int_mvau import weight_steps
from .memory import memory_style, rom_from_fields
from .model import cost_function
from .tally import Tally, rom_luts_of_depth

__all__ = ["xnor_mvau_features", "bwn_mvau_features", "ternary_mvau_features",
           "xnor_mvau_cost", "bwn_mvau_cost", "ternary_mvau_cost", "step_dot_bounds",
           "compressor_counter_outputs", "xnor_first_group", "dot_zeros",
           "bwn_dot_features", "gated_term_weight", "bin_rom_luts",
           "bwn_dot_luts", "lut4_dot_rows", "BWN_ROM_WORDS", "level_product_units"]

#: Inputs of the largest counter (``hwgen.hw.arith.popcount``).
LUT_INPUTS = 6

#: Words past which a binary-weight MVAU's weight column costs as a ternary one inside its
#: block (``bin_rom``, ``BIN_ROM_LUTS``) rather than as an int MVAU's (``rom``) on a LUT6
#: target. Measured in the flattened blocks on xc7 (xcup alike), each block against the same
#: block with its weight rows repeated at a shorter period (``python
#: benchmarks/bench_bwn_rom_period.py``: sweep bw3 and bw1, bw3 with other weights) or with
#: fewer rows (``bench_ternary_rom_depth.py --series c,b``: bw1's and bw2's shapes): a
#: column's LUT6 added from 64 to 128 words 6.2-7.3 (ternary 6.6, ``rom`` 5.2), from 128 to
#: 256 10.8-13.0 (ternary 11.5, ``rom`` 9.5); up to 64 words they scatter by shape (1.2 to
#: 4.8 a doubling) around ``rom``'s and stay ``rom``. docs/synthesis.md, "bw3: ...".
BWN_ROM_WORDS = 64



def xnor_first_group(address_bits: int) -> int:
    """First-level counter size of an XNOR lane (as ``hwgen.hw.arith.popcount``)."""
    return 3 if 2 <= address_bits <= 3 else 5


def compressor_counter_outputs(n: int, first_group: int) -> tuple[int, int]:
    """Counter outputs of ``hwgen.hw.arith.popcount.compressor_popcount`` over ``n`` bits (the
    same schedule, on column heights) and the width of its final adder."""
    columns, group, outputs = [n], first_group, 0
    while any(h > 2 for h in columns):
        out = [0] * (len(columns) + 3)
        for weight, height in enumerate(columns):
            sizes = [group] * (height // group)
            if height - sum(sizes) >= 3:
                sizes.append(height - sum(sizes))
            for size in sizes:
                for k in range(size.bit_length()):
                    out[weight + k] += 1
                outputs += size.bit_length()
            out[weight] += height - sum(sizes)
        while out and not out[-1]:
            out.pop()
        columns, group = out, LUT_INPUTS
    return outputs, n.bit_length()


def gated_term_weight(bits: int, lut_inputs: int) -> int:
    """What one gated term of a ternary MVAU's trees (``x`` or 0, ``bits`` wide) weighs in
    ``tern_term``: its select (the mask and sign planes' decode) and its bits up to one LUT's
    inputs.

    Measured, not derived: on ECP5 the trees' LUT4 grow with the count of terms, and with a
    term's bits only up to about four; the trees' depth adds little (ternary MVAUs of SIMD 4
    to 32 over 2- to 8-bit inputs synthesised whole, benchmarks/bench_ternary_parts.py), while
    the trees synthesised alone grow with every bit: inside the block ABC maps the gates, the
    trees and what surrounds them together for depth, and why a term's bits past about the
    LUT's inputs cost little more there is not pinned down.
    """
    return 1 + min(bits, lut_inputs)


def bin_rom_luts(target: str, depth: int) -> float:
    """LUTs one distinct column of a ternary MVAU's weight ROMs of ``depth``
    words costs inside its block on a LUT6 target (``BIN_ROM_LUTS``; doubled per address bit
    beyond the table, between two powers of two as ``tally.rom_luts_of_depth``)."""
    table = BIN_ROM_LUTS[target]
    top = max(table)

    def of_bits(bits: int) -> float:
        if bits < 2:
            return 0.0
        return table[bits] if bits <= top else table[top] * 2 ** (bits - top)

    bits = max(1, (depth - 1).bit_length())
    if bits < 3 or depth >= 1 << bits:
        return of_bits(bits)
    half = of_bits(bits - 1)
    return half + (of_bits(bits) - half) * (depth - (1 << (bits - 1))) / (1 << (bits - 1))


def dot_zeros(p: BinaryMvauParams, *, xnor: bool = False) -> int:
    """Low bits every dot product holds at 0: ``acc_shift`` (``hwgen.hw.binary``), one more
    for the XNOR MVAU's ``2 * popcount`` (none in the popcount domain)."""
    if p.popcount_domain:
        return 0
    return p.acc_shift + (1 if xnor else 0)


def step_dot_bounds(term_lo, term_hi, simd: int) -> tuple[int, int]:
    """Bounds of one PE's contribution in one step (``simd`` consecutive terms of a row)."""
    lo, hi = np.asarray(term_lo, dtype=np.int64), np.asarray(term_hi, dtype=np.int64)
    mh, mw = lo.shape
    return (int(lo.reshape(mh, mw // simd, simd).sum(axis=2).min()),
            int(hi.reshape(mh, mw // simd, simd).sum(axis=2).max()))


def _engine(p: BinaryMvauParams, t: Tally, *, ternary: bool = False) -> None:
    if 0 in p.WEIGHT_CODES:                    # mask and sign planes
        bits = np.concatenate([weight_steps(p.weights != 0, p.pe, p.simd),
                               weight_steps(p.weights > 0, p.pe, p.simd)], axis=1)
    else:
        bits = weight_steps((p.weights + 1) // 2, p.pe, p.simd)
    dot_lo, dot_hi = step_dot_bounds(*p.hw_term_bounds, p.simd)
    weights = rom_from_fields(bits, 1, sync_read=True, counter_address=True)
    # the latched beat or the buffer, a 2:1 select per input bit: one LUT6 a bit in the
    # engine kept apart (sweep t04, t05, bw1, bw3, bw4: 66, 49, 65, 32 and 513 LUT3 for
    # 64, 48, 64, 32 and 512 bits), where ``in_mux`` (fitted on the int MVAUs, whose inputs
    # feed multipliers) weighs nearly two; on iCE40 (``binary_measured``) a LUT4 a bit too
    lut6_measured = t.target.name in BIN_ROM_LUTS
    measured = lut6_measured or t.target.binary_measured
    mvau_core(t, nf=p.nf, sf=p.sf, pe=p.pe, in_bits=p.simd * p.input_type.bits,
              weights=weights, dot_bits=width(dot_lo, dot_hi),
              acc_bits=p.hw_acc_bits, bias=p.hw_bias.reshape(p.nf, p.pe),
              out_bits=p.pe * p.output_type.bits, depth=p.out_fifo_depth,
              dot_zeros=dot_zeros(p),
              in_mux_feature="bin_in_mux" if measured else "in_mux",
              # its accumulators too, as measured (``acc_add``): nothing fitted carries
              # them, where the int MVAUs' fitted stream select does (docs/synthesis.md,
              # "A binary MVAU's accumulators on LUT6")
              acc_apart=lut6_measured)
    if measured and t.target.bram_read_first_ffs and any(
            name == "input_buffer" and style == "bram" for name, style, *_ in t.memories):
        # the input buffer in block RAM read before it writes (``Tally.ram``): the bypass of
        # the delayed write is a select of its own, a LUT4 a bit beside the select above
        # (netlists of bw1, bw2, t05: 64, 16, 48 LUT4s of the bypass register, RDATA and the
        # address match)
        t.features["bin_in_mux"] += p.simd * p.input_type.bits
    if (lut6_measured and weights.columns and memory_style(weights, t.target) == "logic"
            and (ternary or weights.depth > BWN_ROM_WORDS)):
        # ABC maps the mask and sign columns with the terms they gate: each costs more than
        # an int MVAU's column of the same depth (``rom``), and more the deeper it is; a
        # binary-weight column past 64 words grows as a ternary one (``BWN_ROM_WORDS``)
        t.features["rom"] -= weights.distinct * rom_luts_of_depth(t.target.name, weights.depth,
                                                                  counter=True)
        t.features["bin_rom"] += weights.distinct * bin_rom_luts(t.target.name, weights.depth)


def _activation(p: BinaryMvauParams, t: Tally, *, zeros: int = 0, xnor: bool = False) -> None:
    """The threshold unit or the requantizer. ``zeros``: the engine's ``dot_zeros`` (the
    accumulators' low bits that hold only the bias preloads). On a target that packs DSP
    registers (xc7) the engine's registers that feed the requantizer's DSPs go into them
    (:func:`_engine_into_dsps`)."""
    if p.activation is Activation.THRESHOLD:
        thresholds, flip = p.hw_thresholds()
        threshold_unit(t, acc_bits=p.hw_acc_bits,
                       thresholds=thresholds.reshape(p.nf, p.pe, -1),
                       flip=flip.reshape(p.nf, p.pe), out_bits=p.output_type.bits)
        return
    packed, dsps = t.features["reg_dsp_port"], t.dsp
    requantizer(t, acc_bits=p.hw_acc_bits, out_bits=p.output_type.bits,
                multiplier=p.multiplier.reshape(p.nf, p.pe),
                shift=p.shift.reshape(p.nf, p.pe), rounding=p.rounding.value, lanes=p.pe,
                low_bits=zeros, bias=p.hw_bias.reshape(p.nf, p.pe))
    if t.target.dsp_packs_registers:
        _engine_into_dsps(p, t, zeros=zeros, xnor=xnor, products_packed=(
            t.features["reg_dsp_port"] > packed), products_in_dsps=t.dsp > dsps)


def _engine_into_dsps(p: BinaryMvauParams, t: Tally, *, zeros: int, xnor: bool,
                      products_packed: bool, products_in_dsps: bool) -> None:
    """The engine's registers xc7 packs into the requantizer's DSP48E1s, moved from ``reg``
    to ``Tally.dsp_reg``, measured on xc7's netlists against xcup's:

    * a binary-weight or ternary MVAU (bw1, t01), where its lanes' product registers are in
      the DSPs' PREG: the accumulators (2 x 15 / 2 x 16 bits) and the registered dot products
      (2 x 12 / 2 x 14), the accumulator's sum going to a DSP's D port (DREG, ADREG); where
      the product register is not packed (b04, bw3, t04: a per-fold left shift before it)
      both stay, as on xcup;
    * an XNOR MVAU (b07; the binary MLP's fc3, 38 flip-flops fewer on xc7), where its lanes'
      products are DSPs without a per-fold left shift behind them: its accumulators, the
      first DSP of each lane's ADREG (its A port), even where a wide product stays in the
      fabric (b04, behind a left shift: the same flip-flops as xcup)."""
    acc_bits = p.pe * (p.hw_acc_bits - zeros)
    if xnor:
        left_shift = p.rounding is RequantRounding.GEMMLOWP and np.any(p.shift > 0)
        if not products_in_dsps or left_shift:
            return
        bits = acc_bits + (shifted_acc_low_bits(p.hw_bias.reshape(p.nf, p.pe), zeros)
                           if zeros else 0)
    elif products_packed:
        dot_bits = width(*step_dot_bounds(*p.hw_term_bounds, p.simd))
        bits = acc_bits + p.pe * (dot_bits - zeros)
    else:
        return
    t.features["reg"] -= bits
    t.dsp_reg(bits)


def xnor_mvau_features(p: BinaryMvauParams, t: Tally) -> None:
    bits = weight_steps((p.weights + 1) // 2, p.pe, p.simd)
    weights = rom_from_fields(bits, 1, sync_read=False, counter_address=False)
    dot_lo, dot_hi = step_dot_bounds(*p.hw_term_bounds, p.simd)
    mvau_core(t, nf=p.nf, sf=p.sf, pe=p.pe, in_bits=p.simd * p.input_type.bits,
              weights=weights, dot_bits=width(dot_lo, dot_hi), acc_bits=p.hw_acc_bits,
              bias=p.hw_bias.reshape(p.nf, p.pe), out_bits=p.pe * p.output_type.bits,
              depth=p.out_fifo_depth, registered_operands=True,
              dot_zeros=dot_zeros(p, xnor=True))
    address_bits = index_bits(p.nf * p.sf)
    group = xnor_first_group(address_bits)
    lut6 = t.target.lut_inputs >= 6
    if group == 3 and weights.columns and lut6:
        # the full adders of the first level hold the weight table: no LUTs of its own
        t.features["rom"] -= weights.distinct * rom_luts_of_depth(t.target.name, weights.depth,
                                                                  counter=False)
    outputs, adder = compressor_counter_outputs(p.simd, group)
    if address_bits > 5 or not lut6:
        # XNORs behind a table too deep to hold them (up to five address bits, each
        # weight's LUT6 holds its XNOR too; a LUT4 holds no more than its table)
        t.logic(p.pe * p.simd)
    # one LUT6 per counter output on Xilinx (benchmarks/bench_xnor_resources.py), several
    # LUT4 on ECP5: a feature of its own, fitted
    t.features["popcount"] += p.pe * outputs
    t.add(adder, count=p.pe)
    _activation(p, t, zeros=dot_zeros(p, xnor=True), xnor=True)


def bwn_mvau_features(p: BinaryMvauParams, t: Tally) -> None:
    _engine(p, t)
    bwn_dot_features(t, x_lo=p.input_type.qmin, x_hi=p.input_type.qmax, terms=p.simd,
                     count=p.pe)
    _activation(p, t, zeros=dot_zeros(p))


def bwn_dot_features(t: Tally, *, x_lo: int, x_hi: int, terms: int, count: int = 1) -> None:
    """``count`` dot products of ``terms`` terms ``+x / -x`` (``x`` in ``[x_lo, x_hi]``, each
    picked by a weight bit), summed by one adder tree each (``hwgen.hw.binary.bwn_mvau``).

    On a LUT6 target their LUTs are one measured feature, ``bwn_dot`` (:func:`bwn_dot_luts`);
    the adders' carry cells are counted as everywhere."""
    term = (min(x_lo, -x_hi), max(x_hi, -x_lo))
    bits = width(*term)
    tree = adder_tree([term] * terms)
    # the final adder: one after a carry-save tree, the tree itself for two terms
    final = tree.width if tree.leaves > 2 else (tree.adders[0] if tree.leaves == 2 else 0)
    if t.target.lut_inputs >= 6 or t.target.binary_measured:
        # the select, the negation and the carry-save rows fold into the same LUT6s (on
        # iCE40 the LUT4s beside the carry cells too: the same shape, 3.6 LUT4 a unit)
        t.features["bwn_dot"] += count * bwn_dot_luts(bits, terms)
        t.carry_cells(bits, count=count * terms)           # -x
        t.carry_cells(final, count=count)
        return
    t.add(bits, count=count * terms)           # -x
    t.features["term_sel"] += bits * count * terms       # +x or -x: a select of its own
    # one carry-save tree whose rows are the +x / -x terms sign-extended to the sum's width:
    # their sign bits are real signals, so the extension rows are full adders in LUTs too
    # (``bwn_csa``, not ``csa``, whose weight the int MVAUs' trees set). Measured on trees
    # alone (benchmarks/bench_bwn_tree.py, 9-bit terms; 16 / 32 / 64 / 128 terms): ECP5 582 /
    # 1219 / 2425 / 5037 LUT4, xcup 333 / 697 / 1492 / 2974 LUT. In LUT4s a tree's rows
    # cost as ``leaves - 1`` rows, not the ``leaves - 2`` rows of full adders: the selects of
    # the first level's terms do not fold into its adders (bw1 / bw2 / bw3's dot products in
    # their blocks, 4 to 16 terms: 2.3-2.7 LUT4 a row bit so, 2.6-4.0 by full adders)
    t.features["bwn_csa"] += lut4_dot_rows(tree) * count
    t.add(final, count=count)


def lut4_dot_rows(tree) -> int:
    """Row bits a binary-weight dot product's tree of three or more ``+x / -x`` terms costs
    in LUT4s: ``(leaves - 1) x width``, every row but one sign-extended to the sum's width
    (:func:`bwn_dot_features`)."""
    if tree.leaves < 3:
        return 0
    return (tree.leaves - 1) * tree.width


#: ``bwn_dot``'s terms' offset (:func:`bwn_dot_luts`)
BWN_DOT_OFFSET = 1.58


def bwn_dot_luts(bits: int, terms: int) -> float:
    """One binary-weight dot product of ``terms`` terms ``+x / -x`` of ``bits`` bits on a LUT6
    target, in units of the fixed ``bwn_dot`` coefficient (2.58 LUT6): ``bits x (terms -
    1.58)``, what is left of a LUT a term bit as the tree grows.

    Measured on the trees alone (``python benchmarks/bench_bwn_tree.py --targets xcup --bits
    2,4,8 --terms 4,8,16`` and ``--bits 8 --terms 32,64,128``): 12 trees of 3- to 9-bit terms
    and 4 to 128 terms, 18 to 2974 LUT6, all within 4.2 % (a LUT a term bit grows from 1.6
    at 4 terms to 2.6 at 64, whatever the bits; the select, the negation and the carry-save
    rows fold into the same LUTs). The same figure holds inside the blocks: the datapath of
    sweep bw1, bw2, bw3 and bw4 synthesised with their modules kept is 297, 124, 114 and 2974
    LUT6, this 298, 125, 112 and 2899.

    On iCE40 (``CostTarget.binary_measured``) the same shape holds inside the blocks at 3.6
    LUT4 a unit, the LUT4s beside the carry cells included (``python
    benchmarks/bench_bwn_tree.py --blocks bw2,bw1,bw3,bw4 --targets ice40``: the dot
    products of bw2, bw1, bw3 and bw4 cost 172, 434, 153 and 4027 LUT4 in their blocks, 3.55,
    3.75, 3.54 and 3.58 a unit).
    """
    return bits * max(terms - BWN_DOT_OFFSET, 0.0)


def ternary_mvau_features(p: BinaryMvauParams, t: Tally) -> None:
    _engine(p, t, ternary=True)
    if p.input_bipolar:
        t.logic(2 * p.pe * p.simd)             # the +1 and -1 selects from mask and sign
        side = popcount_tree(p.simd)
        t.logic(2 * p.pe * p.simd)
    else:
        x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
        term = (min(0, x_lo), max(0, x_hi))
        bits, terms = width(*term), 2 * p.pe * p.simd
        # x or 0 (an AND with the mask and sign planes' select): a feature of its own, not
        # the binary-weight MVAU's +x / -x select (term_sel)
        t.features["term_and"] += terms * bits
        # each term's select and its first compressor level, as ABC maps them on LUT4
        t.features["tern_term"] += terms * gated_term_weight(bits, t.target.lut_inputs)
        side = adder_tree([term] * p.simd)
    t.tree(side, count=2 * p.pe)
    scaled = bool(np.any(p.level_pos != 1) or np.any(p.level_neg != 1))
    side_bits = side.width + (1 if p.input_bipolar else 0)
    if scaled:
        level_bits = int(max(p.level_pos.max(), p.level_neg.max())).bit_length()
        pos = fold_table(t, "level_pos", p.level_pos.reshape(p.nf, p.pe), bits=level_bits)
        neg = fold_table(t, "level_neg", p.level_neg.reshape(p.nf, p.pe), bits=level_bits)
        for table in (pos, neg):
            for lane in range(p.pe):
                values = table.lane_values(lane)
                level = level_bits + 1 if table.varying(lane) else width(-1, max(values))
                if t.target.binary_measured:
                    # on iCE40 the products' LUT4s as measured in the block (``tern_level``),
                    # not as operand pairs (``soft_ab``); their carry cells as before
                    t.multiply(side_bits, level, side_bits + level_bits,
                               a_signed=side.lo < 0, operand_pairs=0)
                    t.features["tern_level"] += level_product_units(side_bits, values)
                    continue
                t.multiply(side_bits, level, side_bits + level_bits, a_signed=side.lo < 0)
        t.add(side_bits + level_bits + 1, count=p.pe)
    else:
        t.add(side_bits + 1, count=p.pe)
    _activation(p, t, zeros=dot_zeros(p))


def level_product_units(side_bits: int, values) -> int:
    """``tern_level`` units of one lane's product ``L x side`` by its TTQ level ``L`` over the
    folds (``values``, unsigned, as ``hwgen.hw.binary.ternary_mvau`` reads them from a
    per-fold table): a row of the side's bits for each level bit some fold sets (the OR of
    the values), as a requantizer's product by a per-fold table
    (``components.requant_multiply``); a level the same in every fold is a constant, a row
    for each set bit of its odd part (its trailing zeros a shift; a level of 1 costs
    nothing).

    Measured on iCE40 only (``CostTarget.binary_measured``; ``python
    benchmarks/bench_ternary_levels.py --targets ice40``): t03's block with its levels
    changed, less the block with every level 1 and less the model's count of the rest (the
    level tables, the wider difference and comparators), 0.8-2.1 LUT4 a unit over seven
    level sets (and 1.1-1.6 over three on a PE 2 x SIMD 8 block of 8-bit inputs), 1.3 by
    least squares, where ``soft_ab`` (a product alone, 2.3 fitted) counts each product
    about twice that: the two products and their difference are one sum (Yosys'
    ``alumacc`` merges both ``$mul`` into the ``$sub``: one ``$macc``, one carry-save tree of
    the partial products and one adder).
    """
    levels = {int(v) for v in values}
    if len(levels) > 1:
        return side_bits * set_bits(levels).bit_count()
    level, = levels
    if level == 0:
        return 0
    odd = level >> ((level & -level).bit_length() - 1)
    return 0 if odd == 1 else side_bits * odd.bit_count()


xnor_mvau_cost = cost_function(xnor_mvau_features)
bwn_mvau_cost = cost_function(bwn_mvau_features)
ternary_mvau_cost = cost_function(ternary_mvau_features)
