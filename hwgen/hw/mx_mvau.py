"""MX matrix-vector unit: packed MX weights decoded on the fly, exact aligned accumulation."""

from __future__ import annotations

import math

from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..ir.mx_packing import (is_micro, mx_code_bits, mx_element_words, mx_scale_word_bits,
                             mx_scale_words)
from ..ir.mx_params import MxMvauParams
from ..ir.mx_types import is_mx_format
from ..quant.mx import mx_format
from .mx_element_decoder import MxElementDecoder
from .mx_output_quantizer import MxOutputQuantizer
from .mx_requantizer import MxRequantizer
from .mx_tables import signed_width, wide_fold_table
from .shapes import index_range, lanes_layout
from .stream_fifo import StreamFifo

__all__ = ["MxMvau"]


class MxMvau(wiring.Component):
    """MX MVAU: ``PE`` output channels times ``SIMD`` inputs per cycle (rules:
    ``hwgen.ir.mx_rules``, memory layout: ``hwgen.ir.mx_packing``).

    The engine is the integer MVAU's: one step ``(nf, sf)`` per cycle, fold 0 consuming
    input beats and storing them for the later folds, a fold starting only with a free
    output FIFO slot. Per step, the datapath

    1. reads the step's packed element codes and the block's shared exponents;
    2. decodes every weight (and MX input) element into sign, integer mantissa and exponent
       offset (:class:`MxElementDecoder`), and multiplies the small signed mantissas;
    3. shifts each product by its exponent offsets, adds the products of one block (an adder
       tree), shifts the block sum by its block alignment (``clamp(Ew - Elo, 0, span)`` plus
       ``Ex - lo`` for MX inputs) and adds the blocks of the beat;
    4. accumulates exactly (preloaded with the bias; the width is the exact bound);
    5. int outputs: :class:`MxRequantizer`; MX outputs: ``z = acc * multiplier << shift``
       then :class:`MxOutputQuantizer`.

    NaN scales and NaN / Inf elements contribute zero and raise a NaN flag per output lane.
    Timing (``hwgen.perf.mx_mvau``): the step that ends a fold, issued in cycle ``t``,
    writes the output FIFO in cycle ``t + 6`` (int outputs); an MX output block whose last
    fold ends in cycle ``t`` writes its ``B`` beats in cycles ``t + 7 + j``.

    Parameters
    ----------
    params : MxMvauParams

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(input element, SIMD)))
    o_stream : Out(stream.Signature(ArrayLayout(output element, PE)))
    """

    def __init__(self, *, params):
        if not isinstance(params, MxMvauParams):
            raise TypeError(f"params must be an MxMvauParams, not {params!r}")
        self._p = params
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(params.input_type, params.simd))),
            "o_stream": Out(stream.Signature(lanes_layout(params.output_type, params.pe))),
        })

    @property
    def params(self) -> MxMvauParams:
        return self._p

    def elaborate(self, platform):
        p = self._p
        m = Module()
        nf_count, sf_count = p.nf, p.sf
        x_layout = lanes_layout(p.input_type, p.simd)
        mx_in = is_mx_format(p.input_dtype)
        mx_out = is_mx_format(p.output_dtype)

        # ---- engine: one step (nf, sf) per cycle (as in IntMvau) ------------------------
        nf = Signal(index_range(nf_count), name="nf")
        sf = Signal(index_range(sf_count), name="sf")
        step = Signal(index_range(nf_count * sf_count), name="step")
        credits = Signal(range(p.out_fifo_depth + 1), init=p.out_fifo_depth)
        fold_start = sf == 0
        may_issue = ~fold_start | (credits != 0)
        in_phase = nf == 0
        issue = Signal()
        m.d.comb += [
            self.i_stream.ready.eq(in_phase & may_issue),
            issue.eq(may_issue & (~in_phase | self.i_stream.valid)),
        ]
        with m.If(issue):
            with m.If(sf == sf_count - 1):
                m.d.sync += sf.eq(0)
                m.d.sync += nf.eq(0 if nf_count == 1 else (nf + 1) % nf_count)
            with m.Else():
                m.d.sync += sf.eq(sf + 1)
            m.d.sync += step.eq(0 if nf_count * sf_count == 1
                                else (step + 1) % (nf_count * sf_count))
        # The scale memory advances once per R steps (R steps share one block).
        repeat = max(1, p.weight_block // p.simd) if p.weight_block else 1
        scale_depth = nf_count * p.scale_steps
        saddr = Signal(index_range(scale_depth), name="scale_addr")
        if p.weight_block:
            sub = Signal(index_range(repeat), name="scale_sub")
            with m.If(issue):
                with m.If(step == nf_count * sf_count - 1):
                    m.d.sync += [sub.eq(0), saddr.eq(0)]
                with m.Elif(sub == repeat - 1):
                    m.d.sync += [sub.eq(0), saddr.eq(saddr + 1)]
                with m.Else():
                    m.d.sync += sub.eq(sub + 1)

        m.submodules.fifo = fifo = StreamFifo(
            payload_shape=lanes_layout(p.output_type, p.pe), depth=p.out_fifo_depth)
        wiring.connect(m, wiring.flipped(self.o_stream), fifo.o_stream)
        out_read = self.o_stream.valid & self.o_stream.ready
        m.d.sync += credits.eq(credits - (issue & fold_start) + out_read)

        # ---- stage 1: element and scale memories, input ---------------------------------
        words = mx_element_words(p)
        word_bits = p.pe * p.simd * mx_code_bits(p) + (p.pe * p.simd // 2 if is_micro(p) else 0)
        m.submodules.weights = weights = Memory(
            shape=unsigned(word_bits), depth=len(index_range(len(words))), init=words)
        w_port = weights.read_port()
        m.d.comb += w_port.addr.eq(step)
        if p.weight_block:
            scale_words = mx_scale_words(p)
            m.submodules.scales = scales = Memory(
                shape=unsigned(mx_scale_word_bits(p)), depth=len(index_range(scale_depth)),
                init=scale_words)
            s_port = scales.read_port()
            m.d.comb += s_port.addr.eq(saddr)

        valid1, first1, last1 = Signal(), Signal(), Signal()
        fold1, from_stream1 = Signal(index_range(nf_count)), Signal()
        latched = Signal(x_layout)
        m.d.sync += [valid1.eq(issue), first1.eq(fold_start), last1.eq(sf == sf_count - 1),
                     fold1.eq(nf), from_stream1.eq(in_phase)]
        with m.If(issue & in_phase):
            m.d.sync += latched.eq(self.i_stream.payload)
        x_now = Signal(x_layout)
        if nf_count > 1:
            m.submodules.input_buffer = buffer = Memory(
                shape=unsigned(x_layout.size), depth=len(index_range(sf_count)), init=[])
            b_write, b_read = buffer.write_port(), buffer.read_port()
            m.d.comb += [b_write.addr.eq(sf), b_write.data.eq(self.i_stream.payload),
                         b_write.en.eq(issue & in_phase), b_read.addr.eq(sf)]
            m.d.comb += x_now.eq(data.View(x_layout, b_read.data))
            with m.If(from_stream1):
                m.d.comb += x_now.eq(latched)
        else:
            m.d.comb += x_now.eq(latched)

        # ---- stage 2: decode, multiply mantissas, block alignments ----------------------
        w_fmt = p.weight_int_type or mx_format(p.weight_format).element
        cb = mx_code_bits(p)
        valid2, first2, last2 = Signal(), Signal(), Signal()
        fold2 = Signal(index_range(nf_count))
        m.d.sync += [valid2.eq(valid1), first2.eq(first1), last2.eq(last1), fold2.eq(fold1)]
        x_terms = self._decode_inputs(m, x_now)
        elo = wide_fold_table(m, "exp_lo", p.weight_exp_lo.reshape(nf_count, p.pe).tolist(),
                              bits=9, is_signed=False, fold=fold1) if p.weight_block else None
        gl, groups = p.group_lanes, p.groups
        w_span, x_span = p.weight_span, p.input_span
        shift_max = w_span + x_span
        max_exp = w_fmt_max_exp(w_fmt) + x_terms.max_exp
        products, exps, lane_nan = {}, {}, {}
        group_shift, group_nan, group_zero = {}, {}, {}
        for pe in range(p.pe):
            for s in range(p.simd):
                lane = pe * p.simd + s
                dec = MxElementDecoder(fmt=w_fmt)
                m.submodules[f"w_dec{lane}"] = dec
                m.d.comb += dec.i_code.eq(w_port.data[lane * cb:(lane + 1) * cb])
                if is_micro(p):
                    m.d.comb += dec.i_micro.eq(
                        w_port.data[p.pe * p.simd * cb + pe * (p.simd // 2) + s // 2])
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
                    e = s_port.data[(pe * groups + g) * 8:(pe * groups + g + 1) * 8]
                    diff = Signal(signed(10), name=f"wdiff{pe}_{g}")
                    m.d.comb += diff.eq(e - elo[pe])
                    w_shift = Mux(diff < 0, 0, Mux(diff > w_span, w_span, diff))
                    w_nan = e == 255
                x_shift, x_nan, x_zero = x_terms.groups[g]
                m.d.sync += [shift.eq(w_shift + x_shift), gnan.eq(w_nan | x_nan),
                             gzero.eq(x_zero)]
                group_shift[pe, g], group_nan[pe, g], group_zero[pe, g] = shift, gnan, gzero

        # ---- stage 3: align products, block sums, block alignment, beat sum -------------
        valid3, first3, last3 = Signal(), Signal(), Signal()
        fold3 = Signal(index_range(nf_count))
        m.d.sync += [valid3.eq(valid2), first3.eq(first2), last3.eq(last2), fold3.eq(fold2)]
        term_bits = len(products[0, 0]) + max_exp
        group_bits = term_bits + max(1, math.ceil(math.log2(max(gl, 2))))
        step_bits = group_bits + shift_max + max(1, math.ceil(math.log2(max(groups, 2))))
        sums, nans = [], []
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
            step_sum = Signal(signed(step_bits), name=f"step{pe}")
            step_nan = Signal(name=f"step_nan{pe}")
            m.d.sync += [step_sum.eq(_adder_tree(shifted_groups)), step_nan.eq(_any(flags))]
            sums.append(step_sum)
            nans.append(step_nan)

        # ---- stage 4: accumulate (bias preloaded at the first step of a fold) -----------
        acc_bits = p.acc_bits
        bias = wide_fold_table(m, "bias", [[int(v) for v in row] for row in
                                           p.acc_bias.reshape(nf_count, p.pe)],
                               bits=acc_bits, is_signed=True, fold=fold3)
        acc = Signal(data.ArrayLayout(signed(acc_bits), p.pe))
        acc_nan = Signal(data.ArrayLayout(1, p.pe))
        with m.If(valid3):
            for pe in range(p.pe):
                # Bias plus any partial sum lies within acc_range: acc_bits never overflow.
                m.d.sync += [acc[pe].eq(Mux(first3, bias[pe], acc[pe]) + sums[pe]),
                             acc_nan[pe].eq(Mux(first3, 0, acc_nan[pe]) | nans[pe])]
        done4, fold4 = Signal(), Signal(index_range(nf_count))
        m.d.sync += [done4.eq(valid3 & last3), fold4.eq(fold3)]

        # ---- stages 5+: outputs ---------------------------------------------------------
        if not mx_out:
            m.submodules.requantizer = requant = MxRequantizer(
                acc_bits=acc_bits, output_type=p.output_type,
                multiplier=p.multiplier.reshape(nf_count, p.pe),
                shift=p.shift.reshape(nf_count, p.pe), zero_point=p.out_zero_point,
                out_min=p.out_min, out_max=p.out_max)
            m.d.comb += [requant.i_valid.eq(done4), requant.i_acc.eq(acc),
                         requant.i_nan.eq(acc_nan), requant.i_fold.eq(fold4),
                         fifo.i_stream.valid.eq(requant.o_valid),
                         fifo.i_stream.payload.eq(requant.o_data)]
            return m
        z_bits = signed_width(-p.z_max, p.z_max)
        qm = wide_fold_table(m, "multiplier", p.multiplier.reshape(nf_count, p.pe).tolist(),
                             bits=31, is_signed=False, fold=fold4)
        ls = wide_fold_table(m, "lshift", p.shift.reshape(nf_count, p.pe).tolist(),
                             bits=max(1, int(p.shift.max()).bit_length()), is_signed=False,
                             fold=fold4)
        z = Signal(data.ArrayLayout(signed(z_bits), p.pe))
        z_nan = Signal(data.ArrayLayout(1, p.pe))
        valid5 = Signal()
        m.d.sync += valid5.eq(done4)
        for pe in range(p.pe):
            value = Mux(acc[pe] < 0, 0, acc[pe]) if p.relu else acc[pe]
            m.d.sync += [z[pe].eq((value * qm[pe]) << ls[pe]), z_nan[pe].eq(acc_nan[pe])]
        m.submodules.quantizer = quant = MxOutputQuantizer(
            fmt=p.output_dtype, block_size=p.output_block, lanes=p.pe, z_bits=z_bits,
            g=p.out_exp, rounding=p.rounding)
        m.d.comb += [quant.i_valid.eq(valid5), quant.i_z.eq(z), quant.i_nan.eq(z_nan),
                     fifo.i_stream.valid.eq(quant.o_valid),
                     fifo.i_stream.payload.eq(quant.o_data)]
        return m

    def _decode_inputs(self, m: Module, x_now):
        """Per lane (signed mantissa, exponent offset, special) and per group
        (alignment shift, NaN, flushed) of the current input beat."""
        p = self._p
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
        paired = [a + b for a, b in zip(terms[0::2], terms[1::2])]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]


def _any(bits):
    result = bits[0]
    for bit in bits[1:]:
        result = result | bit
    return result
