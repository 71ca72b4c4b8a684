"""MX matrix-vector unit: packed MX weights decoded on the fly, exact aligned accumulation."""

from __future__ import annotations

import math

from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring

from ...ir.blocks.mx_mvau import MxMvauParams
from ...ir.mx.packing import (
    is_micro,
    mx_code_bits,
    mx_element_words,
    mx_scale_word_bits,
    mx_scale_words,
)
from ...ir.mx.types import is_mx_format
from ...quant.mx import mx_format
from ..arith.fold_table import fold_table
from ..arith.mvau_core import MvauCore
from ..layer_block import LayerBlock
from ..rom import Rom, recorded_images
from ..shapes import index_range, lanes_layout
from .element_decoder import MxElementDecoder
from .output_quantizer import MxOutputQuantizer
from .requantizer import MxRequantizer
from .tables import signed_width

__all__ = ["MxMvau", "mx_memory_images"]


class MxMvau(LayerBlock):
    """MX MVAU: ``PE`` output channels times ``SIMD`` inputs per cycle (rules:
    ``hwgen.ir.mx.rules``, memory layout: ``hwgen.ir.mx.packing``).

    The engine is the one every MVAU shares (:class:`MvauCore`): one step ``(nf, sf)`` per
    cycle, fold 0 consuming input beats and storing them for the later folds, a fold
    starting only with a free output FIFO slot. Per step, the datapath

    1. reads the step's packed element codes and the block's shared exponents;
    2. decodes every weight (and MX input) element into sign, integer mantissa and exponent
       offset (:class:`MxElementDecoder`), and multiplies the small signed mantissas;
    3. shifts each product by its exponent offsets, adds the products of one block (an adder
       tree), shifts the block sum by its block alignment (``clamp(Ew - Elo, 0, span)`` plus
       ``Ex - lo`` for MX inputs) and adds the blocks of the beat;
    4. (the core) accumulates exactly, preloaded with the bias (the width is the exact
       bound), and ORs the NaN flags of the fold (``dot_stages = 2``, ``flags``);
    5. int outputs: :class:`MxRequantizer`; MX outputs: ``z = acc * multiplier << shift``
       then :class:`MxOutputQuantizer`.

    NaN scales and NaN / Inf elements contribute zero and raise a NaN flag per output lane.
    Timing (``hwgen.perf.mx_mvau``): the step that ends a fold, issued in cycle ``t``,
    writes the output FIFO in cycle ``t + 6`` (int outputs); an MX output block whose last
    fold ends in cycle ``t`` writes its ``B`` beats in cycles ``t + 7 + j``.

    Parameters
    ----------
    params : MxMvauParams
    roms : RomFiles, optional
        As :class:`~hwgen.hw.layer_block.LayerBlock`'s.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(input element, SIMD)))
    o_stream : Out(stream.Signature(ArrayLayout(output element, PE)))
    """

    PARAMS = MxMvauParams

    def elaborate(self, platform):
        p = self.params
        m = Module()
        nf_count, sf_count = p.nf, p.sf
        x_layout = lanes_layout(p.input_type, p.simd)
        mx_out = is_mx_format(p.output_dtype)

        # ---- stage 1 comes from the shared engine (MvauCore, created below once the dot
        # product's width is known): the step's element word, input beat and fold ----------
        w_fmt = p.weight_int_type or mx_format(p.weight_format).element
        cb = mx_code_bits(p)
        gl, groups = p.group_lanes, p.groups
        w_span, x_span = p.weight_span, p.input_span
        shift_max = w_span + x_span
        word_bits = p.pe * p.simd * cb + (p.pe * p.simd // 2 if is_micro(p) else 0)
        w_data = Signal(word_bits, name="w_data")
        x_now = Signal(x_layout, name="x_now")
        fold1 = Signal(index_range(nf_count), name="fold1")
        s_data = Signal(mx_scale_word_bits(p), name="s_data") if p.weight_block else None

        # ---- stage 2: decode, multiply mantissas, block alignments ----------------------
        x_terms = self._decode_inputs(m, x_now)
        elo = fold_table(m, "exp_lo", p.weight_exp_lo.reshape(nf_count, p.pe).tolist(),
                              bits=9, is_signed=False, fold=fold1,
                              roms=self.roms) if p.weight_block else None
        max_exp = w_fmt_max_exp(w_fmt) + x_terms.max_exp
        products, exps, lane_nan = {}, {}, {}
        group_shift, group_nan, group_zero = {}, {}, {}
        for pe in range(p.pe):
            for s in range(p.simd):
                lane = pe * p.simd + s
                dec = MxElementDecoder(fmt=w_fmt)
                m.submodules[f"w_dec{lane}"] = dec
                m.d.comb += dec.i_code.eq(w_data[lane * cb:(lane + 1) * cb])
                if is_micro(p):
                    m.d.comb += dec.i_micro.eq(
                        w_data[p.pe * p.simd * cb + pe * (p.simd // 2) + s // 2])
                w_sm = Mux(dec.o_sign, -dec.o_mant, dec.o_mant)
                x_sm, x_exp, x_special = x_terms[s]
                prod = Signal(signed(len(w_sm) + len(x_sm) + 1), name=f"prod{lane}")
                exp = Signal(index_range(max_exp + 1), name=f"pexp{lane}")
                nan = Signal(name=f"lane_nan{lane}")
                m.d.sync += [prod.eq(w_sm * x_sm), exp.eq(dec.o_exp + x_exp),
                             nan.eq(dec.o_nan | dec.o_inf | x_special)]
                products[pe, s], exps[pe, s], lane_nan[pe, s] = prod, exp, nan
            for g in range(groups):
                shift = Signal(index_range(shift_max + 1), name=f"gshift{pe}_{g}")
                gnan, gzero = Signal(name=f"gnan{pe}_{g}"), Signal(name=f"gzero{pe}_{g}")
                w_shift, w_nan = 0, 0
                if p.weight_block:
                    e = s_data[(pe * groups + g) * 8:(pe * groups + g + 1) * 8]
                    diff = Signal(signed(10), name=f"wdiff{pe}_{g}")
                    m.d.comb += diff.eq(e - elo[pe])
                    w_shift = Mux(diff < 0, 0, Mux(diff > w_span, w_span, diff))
                    w_nan = e == 255
                x_shift, x_nan, x_zero = x_terms.groups[g]
                m.d.sync += [shift.eq(w_shift + x_shift), gnan.eq(w_nan | x_nan),
                             gzero.eq(x_zero)]
                group_shift[pe, g], group_nan[pe, g], group_zero[pe, g] = shift, gnan, gzero
        # ---- stage 3: align products, block sums, block alignment, beat sum (the core
        # registers it, beside the NaN flags, and accumulates exactly in stage 4) ----------
        term_bits = len(products[0, 0]) + max_exp
        group_bits = term_bits + max(1, math.ceil(math.log2(max(gl, 2))))
        step_bits = group_bits + shift_max + max(1, math.ceil(math.log2(max(groups, 2))))
        m.submodules.core = core = MvauCore(
            nf=nf_count, sf=sf_count, pe=p.pe, input_layout=x_layout,
            weight_layout=data.ArrayLayout(unsigned(word_bits), 1),
            weight_words=mx_element_words(p),
            dot_range=(-(1 << (step_bits - 1)), (1 << (step_bits - 1)) - 1),
            acc_shape=signed(p.acc_bits),
            bias=[[int(v) for v in row] for row in p.acc_bias.reshape(nf_count, p.pe)],
            output_layout=lanes_layout(p.output_type, p.pe), out_fifo_depth=p.out_fifo_depth,
            dot_stages=2, flags=True, roms=self.roms)
        wiring.connect(m, wiring.flipped(self.i_stream), core.i_stream)
        wiring.connect(m, wiring.flipped(self.o_stream), core.o_stream)
        m.d.comb += [w_data.eq(core.weights.as_value()), x_now.eq(core.inputs),
                     fold1.eq(core.fold)]
        # The scale memory advances once per R steps (R steps share one block).
        if p.weight_block:
            repeat = max(1, p.weight_block // p.simd)
            scale_depth = nf_count * p.scale_steps
            saddr = Signal(index_range(scale_depth), name="scale_addr")
            sub = Signal(index_range(repeat), name="scale_sub")
            with m.If(core.issue):
                with m.If(core.step == nf_count * sf_count - 1):
                    m.d.sync += [sub.eq(0), saddr.eq(0)]
                with m.Elif(sub == repeat - 1):
                    m.d.sync += [sub.eq(0), saddr.eq(saddr + 1)]
                with m.Else():
                    m.d.sync += sub.eq(sub + 1)
            m.submodules.scales = scales = Rom(
                words=mx_scale_words(p), bits=mx_scale_word_bits(p), read="sync",
                table="scales", files=self.roms)
            m.d.comb += [scales.addr.eq(saddr), s_data.eq(scales.data)]

        for pe in range(p.pe):
            shifted_groups, flags = [], []
            for g in range(groups):
                terms = []
                for s in range(g * gl, (g + 1) * gl):
                    term = Signal(signed(term_bits), name=f"term{pe}_{s}")
                    m.d.comb += term.eq(Mux(lane_nan[pe, s], 0, products[pe, s] << exps[pe, s]))
                    terms.append(term)
                    flags.append(lane_nan[pe, s])
                block = Signal(signed(group_bits), name=f"block{pe}_{g}")
                m.d.comb += block.eq(_adder_tree(terms))
                aligned = Signal(signed(step_bits), name=f"aligned{pe}_{g}")
                dead = group_nan[pe, g] | group_zero[pe, g]
                m.d.comb += aligned.eq(Mux(dead, 0, block << group_shift[pe, g]))
                shifted_groups.append(aligned)
                flags.append(group_nan[pe, g])
            m.d.comb += [core.dots[pe].eq(_adder_tree(shifted_groups)),
                         core.dot_flags[pe].eq(_any(flags))]

        # ---- stages 5+: outputs ---------------------------------------------------------
        if not mx_out:
            m.submodules.requantizer = requant = MxRequantizer(
                acc_bits=p.acc_bits, output_type=p.output_type,
                multiplier=p.multiplier.reshape(nf_count, p.pe),
                shift=p.shift.reshape(nf_count, p.pe), zero_point=p.out_zero_point,
                out_min=p.out_min, out_max=p.out_max, roms=self.roms)
            m.d.comb += [requant.i_valid.eq(core.acc_valid), requant.i_acc.eq(core.acc),
                         requant.i_nan.eq(core.acc_flags), requant.i_fold.eq(core.acc_fold),
                         core.result_valid.eq(requant.o_valid),
                         core.result.eq(requant.o_data)]
            return m
        z_bits = signed_width(-p.z_max, p.z_max)
        qm = fold_table(m, "multiplier", p.multiplier.reshape(nf_count, p.pe).tolist(),
                             bits=31, is_signed=False, fold=core.acc_fold, roms=self.roms)
        ls = fold_table(m, "lshift", p.shift.reshape(nf_count, p.pe).tolist(),
                             bits=max(1, int(p.shift.max()).bit_length()), is_signed=False,
                             fold=core.acc_fold, roms=self.roms)
        z = Signal(data.ArrayLayout(signed(z_bits), p.pe))
        z_nan = Signal(data.ArrayLayout(1, p.pe))
        valid5 = Signal()
        m.d.sync += valid5.eq(core.acc_valid)
        for pe in range(p.pe):
            acc = core.acc[pe]
            value = Mux(acc < 0, 0, acc) if p.relu else acc
            m.d.sync += [z[pe].eq((value * qm[pe]) << ls[pe]), z_nan[pe].eq(core.acc_flags[pe])]
        m.submodules.quantizer = quant = MxOutputQuantizer(
            fmt=p.output_dtype, block_size=p.output_block, lanes=p.pe, z_bits=z_bits,
            g=p.out_exp, rounding=p.rounding)
        m.d.comb += [quant.i_valid.eq(valid5), quant.i_z.eq(z), quant.i_nan.eq(z_nan),
                     core.result_valid.eq(quant.o_valid), core.result.eq(quant.o_data)]
        return m

    def _decode_inputs(self, m: Module, x_now):
        """Per lane (signed mantissa, exponent offset, special) and per group
        (alignment shift, NaN, flushed) of the current input beat."""
        p = self.params
        terms = _InputTerms()
        if not is_mx_format(p.input_dtype):
            t = p.input_type
            for s in range(p.simd):
                code = x_now[s]
                sm = code if t.signed else code.as_unsigned()
                wide = Signal(signed(t.bits + 1), name=f"x{s}")
                m.d.comb += wide.eq(sm)
                terms.append((wide, 0, 0))
            terms.max_exp = 0
            terms.groups = [(0, 0, 0)] * p.groups
            return terms
        element = p.input_type
        elem = element.mx.element
        w, mb = element.code_bits, element.micro_bits
        for s in range(p.simd):
            lane = x_now[s]
            dec = MxElementDecoder(fmt=elem)
            m.submodules[f"x_dec{s}"] = dec
            m.d.comb += dec.i_code.eq(lane[:w])
            if mb:
                m.d.comb += dec.i_micro.eq(lane[w])
            sm = Signal(signed(elem.mant_bits + 1), name=f"x{s}")
            m.d.comb += sm.eq(Mux(dec.o_sign, -dec.o_mant, dec.o_mant))
            terms.append((sm, dec.o_exp, dec.o_nan | dec.o_inf))
        terms.max_exp = elem.max_exp
        lo, hi = p.input_exp_lo, p.input_exp_hi
        groups = []
        for g in range(p.groups):
            e = x_now[g * p.group_lanes][w + mb:w + mb + 8]
            live = (e >= lo) & (e <= hi)
            shift = Signal(index_range(hi - lo + 1), name=f"xshift{g}")
            m.d.comb += shift.eq(Mux(live, e - lo, 0))
            groups.append((shift, e > hi, e < lo))
        terms.groups = groups
        return terms


class _InputTerms(list):
    max_exp = 0
    groups = ()


def w_fmt_max_exp(fmt) -> int:
    """Largest exponent offset of a weight element (0 for int weights)."""
    return getattr(fmt, "max_exp", 0)


def _adder_tree(terms):
    while len(terms) > 1:
        # an odd count leaves the last term without a partner: it is carried below
        paired = [a + b for a, b in zip(terms[0::2], terms[1::2], strict=False)]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]


def _any(bits):
    result = bits[0]
    for bit in bits[1:]:
        result = result | bit
    return result


def mx_memory_images(p: MxMvauParams) -> dict:
    """The on-chip tables of an MX MVAU, ``{table: (words, bits per word)}``: the ROMs its
    component builds (element codes, shared exponents, per-channel constants), word for word.
    """
    return recorded_images(lambda files: MxMvau(params=p, roms=files))
