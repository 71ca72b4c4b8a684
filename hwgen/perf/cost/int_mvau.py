"""Cost of the integer MVAU (``hwgen.hw.arith.int_mvau.IntMvau``).

Per PE: ``SIMD`` weight x input products (DSPs, or LUTs for products Yosys keeps in soft
logic; with one or two steps those are products by known weights,
:mod:`~hwgen.perf.cost.known_weights`), a minimal-width adder tree, an accumulator
preloaded with the bias; with DSP packing (``dsp_packing``,
``hwgen.hw.arith.dsp_packing``) each pair of PEs shares one multiply per input code (the
code times ``w1 * 2**18 + w0``) and an odd last PE multiplies alone. Then the requantizer:
per PE when ``SF = 1``, else ``requant_units`` lanes shared over ``requant_rounds`` rounds
(``hwgen.hw.arith.shared_requantizer``); each lane's multiply is two partial products, or
one multiplier fed each piece in turn where the fold leaves two cycles a round
(``requant_serial``; see :func:`~hwgen.perf.cost.components.requant_multiply`).
Around them the
folded engine (counters, the weight ROM of ``NF x SF`` words of ``PE x SIMD x W`` bits, the
input buffer, the output FIFO). The structure is FINN's MVAU LUT model itemised per part
(FINN-R: ``c0 + c1 PE SIMD W A``), with the memories placed by
:func:`~hwgen.perf.cost.memory.memory_style`.
"""

from __future__ import annotations

import numpy as np

from ...ir.blocks.int_mvau import DOT_LEVELS_PER_STAGE, IntMvauParams, codes_pack
from .arith import adder_tree, pipeline_register_bits, staged_trees, width
from .components import mvau_core, requantizer, shared_requantizer, stream_fifo
from .known_weights import KNOWN_FEATURES, KNOWN_STEPS, known_function_bits, known_tree_bits
from .memory import memory_style, rom_from_fields
from .model import cost_function
from .multipliers import multiplier
from .tally import Tally

__all__ = ["int_mvau_features", "int_mvau_cost", "weight_steps", "packed_pairs", "dot_trees",
           "block_requantizer", "weight_partial_products"]

#: DSP packing (``hwgen.hw.arith.dsp_packing``): the low product's field.
LOW_BITS = 18
#: A shared requantizer's lane (``SharedRequantizer``, ``SF > 1``): its gemmlowp rounding
#: counted apart from a lane per PE's (:func:`block_requantizer`).
SHARED_LANE_FEATURES = {"rq_g": "rq_sh", "rq_g_bits": "rq_sh_bits", "rq_g0": "rq_sh",
                        "rq_g0_bits": "rq_sh_bits"}
#: ... and, where its shift changes per fold, its shifter (``rq_shift``: the product's high
#: bits x the shift register's bits) apart from a lane per PE's too
SHARED_SHIFT_FEATURES = {"rq_shift": "rq_sh_shift"}
#: A packed pair's product left to LUTs by weights known at synthesis, by the steps it has:
#: its operand bit pairs as a feature of their own (one step: constants; two: each operand bit
#: a constant or the step's bit)
PACKED_KNOWN_FEATURES = {1: "soft_ab_one", 2: "soft_ab_two"}


def weight_steps(weights, pe: int, simd: int) -> np.ndarray:
    """The weight memory as ``(NF * SF, PE * SIMD)`` codes, one row per step."""
    weights = np.asarray(weights, dtype=np.int64)
    mh, mw = weights.shape
    nf, sf = mh // pe, mw // simd
    return weights.reshape(nf, pe, sf, simd).transpose(0, 2, 1, 3).reshape(nf * sf, pe * simd)


def weight_partial_products(steps: np.ndarray, y_bits: int, *, x_bits: int,
                            x_signed: bool) -> int:
    """Partial-product bits of the products ``w * x`` left to logic, one per column of
    ``steps`` (the weights each product takes over the steps), as Yosys lays them out
    (``multipliers.soft_partial_products``) once it knows the weights: a weight bit, sign-
    extended to ``y_bits``, that is 0 at every step makes no row; one that is 1 at every step
    makes a row of ``x`` itself; one that changes, a row of ANDs. With many steps every bit
    changes and this is the product of two variables; with one step (``NF = SF = 1``) it is a
    multiplication by a constant, a row for each 1 bit."""
    mask = (1 << y_bits) - 1
    ones = np.bitwise_or.reduce(steps.astype(np.int64) & mask, axis=0)
    rows = [int(v) for v in ones]
    x_row = [y_bits - i if x_signed else min(x_bits, y_bits - i) for i in range(y_bits)]
    return sum(x_row[i] for v in rows for i in range(y_bits) if v >> i & 1)


def int_mvau_features(p: IntMvauParams, t: Tally) -> None:
    w_t, x_t = p.weight_type, p.input_type
    corners = [a * b for a in (w_t.qmin, w_t.qmax) for b in (x_t.qmin, x_t.qmax)]
    lo, hi = min(corners), max(corners)
    dot = adder_tree([(lo, hi)] * p.simd)
    weights = rom_from_fields(weight_steps(p.weights, p.pe, p.simd), w_t.bits, sync_read=True,
                              counter_address=True)
    mvau_core(t, nf=p.nf, sf=p.sf, pe=p.pe, in_bits=p.simd * x_t.bits, weights=weights,
              dot_bits=dot.width, acc_bits=p.acc_bits, bias=p.acc_bias.reshape(p.nf, p.pe),
              out_bits=p.pe * p.output_type.bits, depth=p.out_fifo_depth,
              dot_stages=1 + p.dot_registers, registered_write=p.pipeline == "deep")
    if p.input_slice:
        stream_fifo(t, "input_slice", width_bits=p.simd * x_t.bits, depth=p.input_slice)
    # the products: a signed weight times an input code (an unsigned code gains a sign bit,
    # a constant zero in logic: ``multiplier``)
    x_bits = x_t.bits + (0 if x_t.signed else 1)
    pairs = packed_pairs(p)
    single = p.pe - 2 * pairs
    steps = weight_steps(p.weights, p.pe, p.simd)[:, 2 * pairs * p.simd:]
    dsp_products = False
    single_dsp = pairs_dsp = False
    if known_soft_products(p, steps, t, y_bits=width(lo, hi)):
        known_dots(t, p, steps, lo=lo, hi=hi)
    else:
        product = t.multiply(w_t.bits, x_t.bits, width(lo, hi), count=single * p.simd,
                             b_signed=x_t.signed,
                             soft_bits=weight_partial_products(steps, width(lo, hi),
                                                               x_bits=x_t.bits,
                                                               x_signed=x_t.signed))
        single_dsp = single > 0 and product.dsp > 0
        if pairs:
            # one multiply per pair and input code: the code times w1 above w0's 18-bit field
            operand = LOW_BITS + w_t.bits + 1
            # (in LUTs, the operand's low field above w0 is copies of w0's sign bit)
            pairs_ab = (2 * w_t.bits + 1) * x_bits
            known = PACKED_KNOWN_FEATURES.get(p.nf * p.sf)
            paired = t.multiply(operand, x_bits, operand + x_bits, count=pairs * p.simd,
                                operand_pairs=0 if known else pairs_ab)
            if known and paired.dsp == 0:
                # with one or two steps each operand bit is a constant or the step's bit,
                # and the LUTs fold them (bench_packed_products.py)
                t.features[known] += pairs_ab * pairs * p.simd
            elif paired.dsp == 0:
                # by variable weights, a unit an input bit beyond the operand pairs (its
                # low field's copies of w0's sign are rows too; bench_packed_products.py)
                t.features["soft_pack_x"] += x_bits * pairs * p.simd
            pairs_dsp = paired.dsp > 0
            product = product + paired
        dot_trees(t, p, dsp_leaves=product.dsp > 0)
        dsp_products = product.dsp > 0 and not pairs
    # pipeline registers (IntMvauParams.dot_registers): every product, then the trees' levels
    inside = dict(every=DOT_LEVELS_PER_STAGE, stages=p.tree_registers)
    # the step's weights and inputs; a weight table in logic reaches the register as its
    # distinct columns (Yosys merges equal flip-flops, drops constant ones), a block RAM's
    # as its varying columns
    weight_bits = (weights.columns if memory_style(weights, t.target) == "bram"
                   else weights.distinct)
    # (products in DSPs, unpacked: the operands' and the products' registers are the DSPs'
    # port registers, which xc7 packs into them, ``Tally.dsp_reg``)
    at_dsp = t.dsp_reg if dsp_products else t.reg
    if pairs and single_dsp and t.target.dsp_packs_registers:
        # packed pairs beside single lanes in DSPs: the single lanes' weights and products
        # are DSP port registers as above, the pairs' packed operand is built in LUTs from
        # its weights' registers (kept), and the inputs, read by DSPs only, are packed
        # (measured on xc7: i10, one pair and one single lane, loses its 36 input, 18 of
        # its 54 weight and the single lane's 54 product flip-flops against xcup)
        t.dsp_reg(weight_bits * single / p.pe + (p.simd * x_t.bits if pairs_dsp else 0))
        t.reg(weight_bits * 2 * pairs / p.pe + (0 if pairs_dsp else p.simd * x_t.bits))
        t.dsp_reg(p.product_registers * p.simd * single * width(lo, hi))
        t.reg(p.product_registers * p.simd * pairs * (2 * width(lo, hi) + 1))
    else:
        at_dsp(weight_bits + p.simd * x_t.bits)
        at_dsp(p.product_registers * p.simd * (single * width(lo, hi)
                                               + pairs * (2 * width(lo, hi) + 1)))
    low_terms = [(lo, hi)] * p.simd
    high_terms = [(lo - 1, hi), (0, 1)] * p.simd
    t.reg((pairs + single) * pipeline_register_bits(low_terms, **inside))
    if pairs:
        t.reg(pairs * pipeline_register_bits(high_terms, **inside))
    args = requant_args(p)
    if p.pipeline == "deep":
        # a second register of each multiply's operands (the packed operand for a pair)
        at_dsp(p.simd * (single * (w_t.bits + x_t.bits)
                         + pairs * (LOW_BITS + w_t.bits + 1 + x_t.bits)))
        # the deep requantizer's registers in place of the default's (counted below)
        scratch = Tally(t.target)
        requantizer(scratch, lanes=1, **dict(args, multiplier=p.multiplier[:1],
                                             shift=p.shift[:1], serial=False))
        lanes = p.requant_units if p.requant_rounds > 1 else p.pe
        t.reg(lanes * (deep_lane_register_bits(p) - scratch.features["reg"]))
    block_requantizer(t, p)


def requant_args(p: IntMvauParams) -> dict:
    """The arguments the block's requantizer is counted with (:func:`block_requantizer`)."""
    return dict(acc_bits=p.acc_bits, out_bits=p.output_type.bits,
                multiplier=p.multiplier.reshape(p.nf, p.pe), shift=p.shift.reshape(p.nf, p.pe),
                rounding=p.rounding.value, pipelined=True, serial=p.requant_serial,
                narrow_bits=p.requant_acc_bits)


def block_requantizer(t: Tally, p: IntMvauParams) -> None:
    """The requantizer: a lane per PE when ``SF = 1``, else ``requant_units`` lanes shared
    over the rounds."""
    if p.requant_rounds > 1:
        lanes = Tally(t.target)
        shared_requantizer(lanes, units=p.requant_units, **requant_args(p))
        # shared lanes of one shift: their rounding, zero point and saturation are
        # features of their own (``rq_sh``, ``rq_sh_bits``): measured on ECP5, such a lane
        # costs about its selects (``rq_mux``), where a lane per PE costs 20-30 LUT4. On
        # LUT4 targets a shared lane whose shift changes per fold is the same lane and its
        # shifter (``rq_sh_shift``, measured on ECP5: about 1.2 LUT4 a bit and stage); on
        # LUT6 the lane is real (5.5-9.8 LUT6 a kept bit) and counted as a lane per PE's
        renamed = {}
        if len(set(p.shift.tolist())) == 1:
            renamed = dict(SHARED_LANE_FEATURES)
        elif t.target.lut_inputs <= 4:
            renamed = dict(SHARED_LANE_FEATURES, **SHARED_SHIFT_FEATURES)
        for own, shared in renamed.items():
            lanes.features[shared] += lanes.features.pop(own, 0.0)
        t.merge(lanes)
    else:
        requantizer(t, lanes=p.pe, **requant_args(p))


def known_soft_products(p: IntMvauParams, steps: np.ndarray, t: Tally, *, y_bits: int) -> bool:
    """Whether the products (``y_bits`` wide) are left to logic with weights known at
    synthesis: no packed pairs, products too narrow for a DSP, at most :data:`KNOWN_STEPS`
    steps."""
    if packed_pairs(p) or steps.shape[0] > KNOWN_STEPS:
        return False
    return multiplier(p.weight_type.bits, p.input_type.bits, y_bits, t.target,
                      b_signed=p.input_type.signed).dsp == 0


def known_dots(t: Tally, p: IntMvauParams, steps: np.ndarray, *, lo: int, hi: int) -> None:
    """Products by known weights (``lo .. hi`` the product's range) and the PEs' sums over
    them (:mod:`.known_weights`): the products' function bits (``known_mul`` for constants,
    ``known_mul2`` for a select of two), the bits the trees compress at their terms' known
    widths (``known_tree``), and each PE's final adder's carry chain."""
    x_t = p.input_type
    t.features[KNOWN_FEATURES[steps.shape[0]]] += known_function_bits(
        steps, p.pe, p.simd, y_bits=width(lo, hi), x_bits=x_t.bits, x_signed=x_t.signed)
    t.features["known_tree"] += known_tree_bits(steps, p.pe, p.simd, x_bits=x_t.bits,
                                                x_signed=x_t.signed)
    t.carry_cells(adder_tree([(lo, hi)] * p.simd).width, count=p.pe)


def dot_trees(t: Tally, p: IntMvauParams, *, dsp_leaves: bool) -> None:
    """The PEs' adder trees after their products: with DSP packing the low PEs' trees of
    product fields and the high PEs' of fields and borrows (:func:`high_pe_trees`), else a
    tree of ``SIMD`` products per PE (``dsp_leaves``: the products are DSPs). A register
    after every ``DOT_LEVELS_PER_STAGE`` levels: each piece is a sum of its own."""
    w_t, x_t = p.weight_type, p.input_type
    corners = [a * b for a in (w_t.qmin, w_t.qmax) for b in (x_t.qmin, x_t.qmax)]
    lo, hi = min(corners), max(corners)
    pairs = packed_pairs(p)
    pieces = staged_trees([(lo, hi)] * p.simd, every=DOT_LEVELS_PER_STAGE)
    if pairs:
        # w0's products (and the odd PE's), then w1's products and borrows
        for piece in pieces:
            t.tree(piece, count=p.pe - pairs, dsp_leaves=True)
        high_pe_trees(t, [(lo - 1, hi), (0, 1)] * p.simd, count=pairs)
    elif dsp_leaves and t.target.dsp_post_add_bits:
        # xc7: each pair of DSP products is summed in the second DSP's post-adder, through
        # the cascade (i20: 4 of its 8 product DSP48E1s take PCIN, OPMODE Z = PCIN); the
        # trees sum the pairs (``dsp_post_add``)
        paired = []
        pieces = staged_trees([(lo, hi)] * p.simd, every=DOT_LEVELS_PER_STAGE, paired=paired)
        for i, piece in enumerate(pieces):
            if i < first_pieces_of_pairs(p.simd) and piece.leaves == 2:
                # the first stage's sum of two pairs' sums, both a DSP's P: an adder of its
                # own, a LUT6 a bit (``dsp_pair_add``), not the fitted ``add`` of counters
                # and accumulators whose LUTs take other logic too
                t.features["dsp_pair_add"] += piece.adders[0] * p.pe
                t.carry_cells(piece.adders[0], count=p.pe)
            else:
                t.tree(piece, count=p.pe, dsp_leaves=True)
        t.features["dsp_post_add"] += p.pe * sum(width(a, b) for a, b in paired)
    else:
        for piece in pieces:
            t.tree(piece, count=p.pe, dsp_leaves=dsp_leaves)


def first_pieces_of_pairs(simd: int) -> int:
    """The first stage's pieces of a tree over ``simd`` DSP products summed in pairs
    (:func:`~hwgen.perf.cost.arith.staged_trees` with ``paired``): one per group of
    ``2**DOT_LEVELS_PER_STAGE`` products with more than one pair."""
    group = 1 << DOT_LEVELS_PER_STAGE
    return sum(1 for start in range(0, simd, group) if min(simd - start, group) > 2)


def high_pe_trees(t: Tally, terms, *, count: int) -> None:
    """The staged sums of a packed pair's high PE (``count`` pairs): its terms alternate a
    signed product field and its borrow, one unsigned bit (``hwgen.hw.arith.int_mvau``:
    ``high``, ``borrow`` per input). ``maccmap`` sign-extends a signed term to the sum's
    width (a full row of the carry-save tree, as :meth:`Tally.tree` counts) but zero-extends
    an unsigned one: a borrow is one bit of one column. The first pieces sum the terms
    themselves; later pieces sum signed sums (:meth:`Tally.tree`)."""
    terms = [(int(lo), int(hi)) for lo, hi in terms]
    group = 1 << DOT_LEVELS_PER_STAGE
    first = True
    while len(terms) > 1:
        sums = []
        for begin in range(0, len(terms), group):
            part = terms[begin:begin + group]
            if len(part) > 1:
                tree = adder_tree(part)
                if first and len(part) > 2:
                    out = tree.width
                    rows = sum(out if lo < 0 else width(lo, hi) for lo, hi in part)
                    t.features["csa_dsp"] += max(rows - 2 * out, 0) * count
                    # (the rows a full-width count gives the borrows beyond: the fit weighs
                    # them apart, as ``csa_borrow``)
                    t.features["csa_borrow"] += (len(part) * out - max(rows, 2 * out)) * count
                    t.add(out, count=count)
                else:
                    t.tree(tree, count=count, dsp_leaves=True)
            sums.append((sum(lo for lo, _ in part), sum(hi for _, hi in part)))
        terms = sums
        first = False


def deep_lane_register_bits(p: IntMvauParams) -> int:
    """Flip-flops of one lane of the ``pipeline = "deep"`` requantizer
    (``hwgen.hw.arith.requant_deep``), per-fold constants taken as varying: each tile's
    operands and product (an accumulator of at most 18 bits is one chunk, else a 17-bit chunk
    and a signed rest; the multiplier 17 + 14 bits), the sums per accumulator chunk, the
    product, the rounding stages with their constants, the sum with the zero point, and the
    valid and fold registers."""
    a_bits = p.requant_acc_bits or p.acc_bits
    a_chunks = [a_bits] if a_bits <= 18 else [17, a_bits - 17]
    tiles = sum(a + b + a + b + 1 for a in a_chunks for b in (17, 14))
    sums = sum(a + 32 for a in a_chunks)
    x_bits = 33 if p.rounding.value == "gemmlowp" else 63
    rounding = x_bits + 6 + 2 * 31 + x_bits + 2 + x_bits + 1
    return tiles + sums + 63 + rounding + 7 + 4 * max(1, (p.nf - 1).bit_length())


def packed_pairs(p: IntMvauParams) -> int:
    """PE pairs whose products share one multiply per input code (``dsp_packing``): all
    ``PE // 2`` pairs when the codes pack (``hwgen.ir.blocks.int_mvau.codes_pack``), else
    none."""
    return p.pe // 2 if codes_pack(p.weight_type, p.input_type, p.dsp_packing) else 0


int_mvau_cost = cost_function(int_mvau_features)
