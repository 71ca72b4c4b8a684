"""Cost of the MX MVAU (``hwgen.hw.mx.mvau.MxMvau``).

Per weight lane (``PE x SIMD``): an element decoder, a small signed mantissa product (soft
logic or a DSP, as Yosys decides by width), the product registered with its exponent offset
and NaN flag, then shifted by that offset. Per block of lanes: an adder tree, the block's
alignment shift (shared exponents from a scale ROM), and per PE an adder tree over the blocks
of the beat. Behind the shared engine (``dot_stages = 2``, NaN flags): the MX requantizer for
int outputs (an ``acc x 31``-bit product, a rounding shift, zero point, saturation) or, for MX
outputs, the product by the multiplier and the output quantizer (a max-abs tree per block, a
leading-one detector and an element encoder per lane).
"""

from __future__ import annotations

import math

import numpy as np

from ...ir.blocks.mx_mvau import MxMvauParams
from ...ir.mx.packing import (
    is_micro,
    mx_code_bits,
    mx_element_words,
    mx_scale_word_bits,
    mx_scale_words,
)
from ...ir.mx.types import is_mx_format, mx_format
from .arith import adder_tree, index_bits, range_bits, signed_tree_full_adders, width
from .components import counter, fold_table, mvau_core, requant_lane, table_rows
from .memory import rom_from_words
from .model import cost_function
from .tally import Tally

__all__ = ["mx_mvau_features", "mx_mvau_cost", "log_shifter_bits", "term_select_luts"]


def log_shifter_bits(in_bits: int, max_shift: int) -> int:
    """Output bits of each stage of a left shifter of an ``in_bits`` value by ``0 ..
    max_shift``, summed: stage ``k`` (by ``2**k``) holds ``in_bits + 2**(k + 1) - 1`` bits
    (the bits above are still zeros), at most ``in_bits + max_shift``. A shift's multiplexers
    follow the bits each stage can set, not the final width times the stages."""
    out = in_bits + max_shift
    return sum(min(in_bits + (1 << (k + 1)) - 1, out) for k in range(index_bits(max_shift + 1)))


def term_select_luts(prod_bits: int, max_exp: int, lut_inputs: int) -> int:
    """LUTs of one lane's term ``prod << exp`` when the term feeds a register directly (one
    lane per block, no adder after it; its NaN and dead-block zeroing are that register's
    synchronous reset), as the mapper builds it: each term bit alone, one mux over the product
    bits the exponent register can select (its every value ``0 .. 2**e_bits - 1``, not only
    ``0 .. max_exp``; above the product, its sign bit) and the select bits. A bit whose inputs
    fit one LUT takes one; a wider one a row of ``2**m``-way muxes (``m`` select bits and
    ``2**m`` data fill a LUT; the wide-mux cells, MUXF7 or PFUMX, join them)."""
    e_bits = max_exp.bit_length()
    if not e_bits:
        return 0                                          # no shift: the term is a wire
    leaf = 1 << max(m for m in range(lut_inputs) if m + (1 << m) <= lut_inputs)
    luts = 0
    for j in range(prod_bits + max_exp):
        data = len({min(j - e, prod_bits - 1) for e in range(1 << e_bits) if j - e >= 0})
        if data:
            luts += 1 if data + e_bits <= lut_inputs else -(-data // leaf)
    return luts


def _sign_magnitude(fmt) -> bool:
    """An element format whose code holds a sign and a magnitude (OCP floats, MX4 / MX6 /
    MX9), not a two's complement integer (MXINT8, int weights)."""
    return getattr(fmt, "kind", "int") in ("float", "micro")


def _has_special(fmt) -> bool:
    """An element format with a NaN or an Inf code (OCP E4M3 / E5M2, E3M2 / E2M3 have none)."""
    return getattr(fmt, "nan", "none") != "none" or getattr(fmt, "has_inf", False)


def _requantizer(t: Tally, p: MxMvauParams) -> None:
    """``MxRequantizer``: ``(acc x qm + 2**(s-1)) >> s`` per lane, zero point, saturation
    (NaN lanes give the smallest code)."""
    product_bits = p.acc_bits + 32
    qm = fold_table(t, "multiplier", p.multiplier.reshape(p.nf, p.pe), bits=31)
    shift = np.minimum(p.shift, product_bits + 1).reshape(p.nf, p.pe)
    s = fold_table(t, "shift", shift, bits=max(1, int(shift.max()).bit_length()))
    fold_table(t, "half", np.left_shift(np.ones_like(shift, dtype=object), shift - 1),
               bits=product_bits + 1)
    t.reg(2)
    for lane in range(p.pe):
        if qm.varying(lane):
            product = t.multiply(p.acc_bits, 32, product_bits,
                                 operand_pairs=p.acc_bits * table_rows(qm.lane_values(lane)))
        else:
            product = t.multiply_constant(p.acc_bits, qm.lane_values(lane)[0], product_bits)
        values = s.lane_values(lane)
        # the accumulator on one DSP port and the 32-bit multiplier cut in two slices of the
        # other, summed through the cascade (PCIN shifted by the first slice's bits): xc7
        # packs the product register but for the first DSP's low bits into the second's
        # PREG (``requant_lane``'s ``cascade_low_bits``; measured in the MXFP4 MLP, 16- and
        # 18-bit accumulators: 17 FDREs a lane, 30-32 bits read from the PREG). A wider
        # accumulator splits both operands (four DSPs and more, not measured): kept whole
        dsp = t.target.dsp
        cascaded = product.dsp == 2 and p.acc_bits <= dsp.b_max
        requant_lane(t, product_bits=product_bits, right_values=values,
                     out_bits=p.output_type.bits, rounding="single", product_in_dsp=cascaded,
                     cascade_low_bits=dsp.a_partial - 1 if cascaded else 0)
        if len(set(values)) > 1:
            t.reg(len(set(values)))
        t.reg(1)                                          # the NaN flag
        t.mux(p.output_type.bits)


def _output_quantizer(t: Tally, p: MxMvauParams) -> None:
    """``z = acc x multiplier << shift`` per lane, then ``MxOutputQuantizer``."""
    z_bits = width(-p.z_max, p.z_max)
    qm = fold_table(t, "multiplier", p.multiplier.reshape(p.nf, p.pe), bits=31)
    fold_table(t, "lshift", p.shift.reshape(p.nf, p.pe),
               bits=max(1, int(p.shift.max()).bit_length()))
    for lane in range(p.pe):
        if qm.varying(lane):
            t.multiply(p.acc_bits, 32, z_bits,
                       operand_pairs=p.acc_bits * table_rows(qm.lane_values(lane)))
        else:
            t.multiply_constant(p.acc_bits, qm.lane_values(lane)[0], z_bits)
        t.features["reg_dsp"] += z_bits + 1
    k, lanes = p.output_block, p.pe
    beats, values = max(1, k // lanes), max(k, lanes)
    counter(t, beats)
    t.reg((beats - 1) * lanes * (z_bits + 1))            # gathered beats
    t.reg(1 + values * (z_bits + 1))                      # stage A values and NaN flags
    t.reg(values // k * z_bits + values * p.output_type.bits)
    # per block a max-abs tree and a leading one; per element an encoder (|z|, leading one,
    # a rounding shift and its remainder, exponent field): both scale with z's width
    t.features["mx_quant"] += values * z_bits * index_bits(z_bits + 2)
    t.features["mx_carry"] += values * 4 * -(-z_bits // t.target.carry_bits)
    t.reg(1 + range_bits(beats + 1) + index_bits(beats))
    t.mux(lanes * p.output_type.bits, beats)


def input_used_mask(p: MxMvauParams) -> int:
    """The bits of an MX input beat the MX MVAU reads, as a mask: each lane's element code and
    micro bits (its low bits, ``hwgen.ir.mx.types``), and the shared exponent above them of
    the first lane of each block in the beat."""
    lane = p.input_type.bits
    used = p.input_type.code_bits + p.input_type.micro_bits
    mask = 0
    for k in range(p.simd):
        mask |= ((1 << used) - 1) << (k * lane)
        if k % p.group_lanes == 0:
            mask |= ((1 << lane) - 1) << (k * lane)
    return mask


def mx_mvau_features(p: MxMvauParams, t: Tally) -> None:
    w_fmt = p.weight_int_type or mx_format(p.weight_format).element
    cb = mx_code_bits(p)
    gl, groups = p.group_lanes, p.groups
    mx_in = is_mx_format(p.input_dtype)
    x_elem = p.input_type.mx.element if mx_in else None
    x_mant = x_elem.mant_bits + 1 if mx_in else p.input_type.bits + 1
    x_max_exp = x_elem.max_exp if mx_in else 0
    w_mant = (p.weight_int_type.bits if p.weight_int_type else w_fmt.mant_bits) + 1
    w_max_exp = getattr(w_fmt, "max_exp", 0)
    max_exp = w_max_exp + x_max_exp
    shift_max = p.weight_span + p.input_span
    prod_bits = w_mant + x_mant + 1
    term_bits = prod_bits + max_exp
    group_bits = term_bits + max(1, math.ceil(math.log2(max(gl, 2))))
    step_bits = group_bits + shift_max + max(1, math.ceil(math.log2(max(groups, 2))))
    word_bits = p.pe * p.simd * cb + (p.pe * p.simd // 2 if is_micro(p) else 0)
    mvau_core(t, nf=p.nf, sf=p.sf, pe=p.pe, in_bits=p.simd * p.input_type.bits,
              weights=rom_from_words(mx_element_words(p), word_bits, sync_read=True,
                                     counter_address=True),
              # the ROM's read register feeds the element decoders: past 16 words on ECP5 a
              # column's last words cost a LUT where they vary, and no select (measured)
              weights_decoded=True,
              dot_bits=step_bits, acc_bits=p.acc_bits,
              bias=np.array(p.acc_bias.tolist(), dtype=object).reshape(p.nf, p.pe),
              out_bits=p.pe * p.output_type.bits, depth=p.out_fifo_depth, dot_stages=2,
              flags=True, in_used=(p.simd * (x_elem.bits + p.input_type.micro_bits) + groups * 8
                                   if mx_in else None),
              in_mask=input_used_mask(p) if mx_in else 0,
              # the latched beat or the buffer, measured in the block (``mx_in_mux``): one
              # LUT a bit on both targets, half what ``in_mux`` (fitted on the int MVAUs) weighs
              in_mux_feature="mx_in_mux")
    lanes = p.pe * p.simd
    # element decoders (weights per lane; MX inputs once per beat) and sign application
    decoders = lanes + (p.simd if mx_in else 0)
    t.features["mx_decode"] += lanes * cb + (p.simd * x_elem.bits if mx_in else 0)
    # a sign-magnitude element's sign applied, ``Mux(sign, -mant, mant)``: the signed
    # mantissa's bits (``mx_sign``), LUTs and carry cells in front of the product (measured
    # with the sign a live wire, so the terms stay signed: ``sign_wire``). An int element's
    # ``|q|`` and its sign undo each other: Yosys leaves no LUT of it
    t.features["mx_sign"] += (lanes * w_mant if _sign_magnitude(w_fmt) else 0) + \
        (p.simd * x_mant if mx_in and _sign_magnitude(x_elem) else 0)
    t.features["mx_carry"] += decoders * -(-max(w_mant, x_mant) // t.target.carry_bits)
    product = t.multiply(w_mant, x_mant, prod_bits, count=lanes)
    # (a product in a DSP: its register is the DSP's, which xc7 packs into it)
    (t.dsp_reg if product.dsp else t.reg)(lanes * prod_bits)
    t.reg(lanes * (index_bits(max_exp + 1) + 1))
    # each product shifted by its exponent offsets into a term, NaN lanes zeroed
    if groups == 1 and gl == 1:
        # one lane per block: the term goes straight into the dot register (the dead-block
        # and NaN zeroing are its synchronous reset), each bit a mux of its own, in LUTs
        t.features["mx_term_reg"] += lanes * term_select_luts(prod_bits, max_exp,
                                                              t.target.lut_inputs)
    else:
        if max_exp:
            # the shifter's stages (``mx_term_log``, measured in the blocks with the trees kept)
            t.features["mx_term_log"] += lanes * log_shifter_bits(prod_bits, max_exp)
        if mx_in and _has_special(x_elem):
            # an MX input's element can be NaN / Inf: each lane zeroes its term, ``Mux(nan, 0,
            # term)`` (``mx_nan``, a term bit; measured in the blocks, ``no_nan``)
            t.features["mx_nan"] += lanes * term_bits
    # else the term is the product itself: no exponent to shift by, and only an E4M3 / E5M2
    # element has a NaN to zero (MXINT8 and int weights on int or MXINT8 inputs): a wire
    if p.weight_block:
        repeat = max(1, p.weight_block // p.simd)
        counter(t, p.nf * p.scale_steps)
        counter(t, repeat)
        t.rom("scales", rom_from_words(mx_scale_words(p), mx_scale_word_bits(p),
                                       sync_read=True, counter_address=True))
        fold_table(t, "exp_lo", p.weight_exp_lo.reshape(p.nf, p.pe), bits=9)
    if mx_in or p.weight_block:
        t.features["mx_carry"] += p.pe * groups * 3 * -(-10 // t.target.carry_bits)
    t.reg(p.pe * groups * (shift_max.bit_length() + 2))  # the shift, NaN and zero flags
    term = (-(1 << (term_bits - 1)), (1 << (term_bits - 1)) - 1)
    terms = [term] * gl
    direct = product.dsp and not max_exp and not (mx_in and _has_special(x_elem))
    if direct and gl > 1 and term_bits + 1 <= t.target.dsp_post_add_bits:
        # the terms are the DSP products themselves: on xc7 ``xilinx_dsp`` sums each pair in
        # the second DSP's post-adder, through the cascade (m04 on xc7: 16 of its 32 DSP48E1
        # take PCIN, OPMODE Z = PCIN), so the tree sums the pairs (``dsp_post_add``)
        pairs = gl // 2
        t.features["dsp_post_add"] += pairs * (term_bits + 1) * p.pe * groups
        terms = [(2 * term[0], 2 * term[1])] * pairs + [term] * (gl % 2)
    block_tree = adder_tree(terms)
    if block_tree.leaves > 2:
        # one carry-save tree of the signed terms, sign-extended (``mx_csa``, measured in the
        # blocks, shifted terms or not): weighed apart from ``csa`` (the int MVAUs' trees,
        # whose extension rows are mostly constant) and from the binary-weight MVAU's trees
        # (``bwn_csa``)
        t.features["mx_csa"] += signed_tree_full_adders(block_tree) * p.pe * groups
        if x_max_exp:
            # an MX input's exponent shifts the terms: the same trees cost more in the block
            # than apart (``mx_in_tree``, on top of ``mx_csa``: measured in m06, m12, m13 and
            # the MX6-on-MXFP8 MLP's fc3; m02 / m09, the same shifts by a weight's exponent,
            # cost none more)
            t.features["mx_in_tree"] += signed_tree_full_adders(block_tree) * p.pe * groups
        t.add(block_tree.width, count=p.pe * groups)
    else:
        t.tree(block_tree, count=p.pe * groups)
    # each block sum aligned by its shared exponents, then the blocks of the beat summed; with
    # no exponent spread (shift_max 0) the shift is a wire and the dead-block zeroing left is
    # a register's synchronous reset or part of the adder after it: no LUT of its own
    # the shift's stages hold the bits each can set (``log_shifter_bits``), as the terms'
    t.features["mx_align"] += p.pe * groups * (log_shifter_bits(group_bits, shift_max)
                                               if shift_max else 0)
    if groups > 1:
        t.tree(adder_tree([(-(1 << (step_bits - 1)), (1 << (step_bits - 1)) - 1)] * groups),
               count=p.pe)
    t.logic(p.pe * (lanes // p.pe + groups))              # NaN flags
    if is_mx_format(p.output_dtype):
        _output_quantizer(t, p)
    else:
        _requantizer(t, p)


mx_mvau_cost = cost_function(mx_mvau_features)
