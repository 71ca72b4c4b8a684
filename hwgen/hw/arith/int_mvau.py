"""Integer matrix-vector-activation unit (MVAU), folded PE x SIMD."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Module, Signal, signed
from amaranth.lib import data, wiring

from ...ir.blocks.int_mvau import DOT_LEVELS_PER_STAGE, IntMvauParams
from ...ir.packing import weight_memory_words
from ..layer_block import LayerBlock
from ..rom import recorded_images
from ..shapes import lanes_layout
from ..stream.fifo import StreamFifo
from .adder_tree import pipelined_sum, shape_for_range, step_dot_range
from .dsp_packing import packable, packed_operand, packed_pair, packed_products
from .mvau_core import MvauCore
from .requantizer import Requantizer
from .shared_requantizer import SharedRequantizer

__all__ = ["IntMvau", "int_mvau_memory_images"]


class IntMvau(LayerBlock):
    """Integer MVAU: ``PE`` output channels times ``SIMD`` inputs per cycle.

    An input vector of ``MW`` codes arrives as ``SF = MW / SIMD`` beats; its ``MH`` outputs leave
    as ``NF = MH / PE`` beats in channel order. The folded engine (:class:`MvauCore`) issues one
    step ``(nf, sf)`` per cycle; each step multiplies ``PE x SIMD`` weights from on-chip memory
    with the input, adds the products into ``PE`` accumulators (preloaded with the bias), and
    the last step of a fold sends the accumulators through the :class:`Requantizer` into an
    output FIFO. The PEs share ``requant_units`` requantizer lanes
    (:class:`SharedRequantizer`, ``requant_rounds`` rounds per beat) when ``SF > 1``: a
    fold's accumulators are complete together once every ``SF`` cycles; where the fold
    leaves two cycles per round, each lane multiplies its two pieces on one multiplier, one
    after the other (``IntMvauParams.requant_serial``, ``hwgen.ir.blocks.int_mvau.
    requant_plan``).

    Timing (what ``hwgen.perf`` models): the step that ends a fold, issued in cycle ``t``,
    writes the output FIFO in cycle ``t + 5 + requant_round_cycles x (requant_rounds - 1) +
    pipeline_delay`` (three engine stages, the registers of ``IntMvauParams.dot_registers``:
    of the weights and inputs (twice with ``pipeline = "deep"``, the second a register of
    each multiply's own), after the multiplies and every ``DOT_LEVELS_PER_STAGE`` adder
    levels, then six requantizer stages after the last round, seven when serial, eight when
    deep (``hwgen.hw.arith.requant_deep``): :attr:`IntMvauParams.pipeline_delay` counts the
    registers beyond the plain datapath's).
    A fold may start only while the output FIFO has a free slot not yet promised to an
    earlier fold (a credit counter), so the datapath never stalls once a step is issued.
    With ``pipeline = "deep"`` the input passes a :class:`StreamFifo` of
    ``IntMvauParams.input_slice`` beats first (a beat accepted in cycle ``t`` reaches the
    engine from ``t + 1``).

    Parameters
    ----------
    params : IntMvauParams
        The layer.
    roms : RomFiles, optional
        As :class:`~hwgen.hw.layer_block.LayerBlock`'s, which also gives the members
        (``SIMD`` input lanes, ``PE`` output lanes).
    """

    PARAMS = IntMvauParams

    @property
    def packed_pairs(self) -> int:
        """PE pairs whose products share multipliers (``params.dsp_packing``)."""
        p = self.params
        x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
        w_lo, w_hi = p.weight_type.qmin, p.weight_type.qmax
        corners = (w_lo * x_lo, w_lo * x_hi, w_hi * x_lo, w_hi * x_hi)
        product_bits = shape_for_range(min(corners), max(corners)).width
        if p.dsp_packing == "off" or not packable(p.weight_type.bits, p.input_type.bits,
                                                  product_bits):
            pairs = 0
        else:
            pairs = p.pe // 2
        # The cycle model's count (IntMvauParams.dot_registers) rests on the same rule.
        assert pairs == p.packed_pairs
        return pairs

    def _product_bounds(self):
        """Bounds of each weight times any input code, ``(MH, MW)`` each."""
        p = self.params
        w = p.weights
        x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
        return np.minimum(w * x_lo, w * x_hi), np.maximum(w * x_lo, w * x_hi)

    def elaborate(self, platform):
        p = self.params
        m = Module()
        w_layout = data.ArrayLayout(data.ArrayLayout(signed(p.weight_type.bits), p.simd), p.pe)
        term_lo, term_hi = self._product_bounds()
        deep = p.pipeline == "deep"
        m.submodules.core = core = MvauCore(
            nf=p.nf, sf=p.sf, pe=p.pe, input_layout=lanes_layout(p.input_type, p.simd),
            weight_layout=w_layout,
            weight_words=weight_memory_words(p.weights, p.pe, p.simd, p.weight_type.bits),
            dot_range=step_dot_range(term_lo, term_hi, p.pe, p.simd),
            dot_stages=1 + p.dot_registers,
            acc_shape=signed(p.acc_bits), bias=p.acc_bias.reshape(p.nf, p.pe),
            output_layout=lanes_layout(p.output_type, p.pe), out_fifo_depth=p.out_fifo_depth,
            roms=self.roms, registered_write=deep, registered_credits=deep)
        if deep:
            # The register slice (IntMvauParams.input_slice): the block's ready and valid come
            # from the slice's level register, so no handshake path runs from the engine
            # into the FIFO or width converter in front of the block.
            m.submodules.input_slice = input_slice = StreamFifo(
                payload_shape=self.i_stream.payload.shape(), depth=p.input_slice)
            wiring.connect(m, wiring.flipped(self.i_stream), input_slice.i_stream)
            wiring.connect(m, input_slice.o_stream, core.i_stream)
        else:
            wiring.connect(m, wiring.flipped(self.i_stream), core.i_stream)
        wiring.connect(m, wiring.flipped(self.o_stream), core.o_stream)

        # Dot products: PE trees of SIMD products (bounds from the weight and input types).
        x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
        w_lo, w_hi = p.weight_type.qmin, p.weight_type.qmax
        corners = (w_lo * x_lo, w_lo * x_hi, w_hi * x_lo, w_hi * x_hi)
        lo, hi = min(corners), max(corners)
        # The step's weights and inputs are registered (a memory's output goes straight into
        # flip-flops), every product is registered (a multiply per clock cycle), then each
        # tree takes DOT_LEVELS_PER_STAGE adder levels per cycle (IntMvauParams.dot_registers).
        weights = Signal(w_layout, name="weights_r")
        inputs = Signal.like(core.inputs, name="inputs_r")
        m.d.sync += [weights.eq(core.weights), inputs.eq(core.inputs)]
        # pipeline = "deep": each multiply's operands pass a second register of their own
        # (operand()), which can become the DSP's input register while the first stays
        # after the memory; the product register follows the multiply directly either way.

        def operand(value, name):
            if not deep:
                return value
            reg = Signal(value.shape(), name=name)
            m.d.sync += reg.eq(value)
            return reg

        def registered(value, vlo, vhi, name):
            reg = Signal(shape_for_range(vlo, vhi), name=name)
            m.d.sync += reg.eq(value)
            return (reg, vlo, vhi)

        terms = [[] for _ in range(p.pe)]
        for pe in range(p.pe):
            if pe % 2 == 0 and pe < 2 * self.packed_pairs:
                # PEs pe and pe + 1 share each input code: one multiply for both products;
                # pe + 1's tree adds the borrow bits (hwgen.hw.arith.dsp_packing).
                for s in range(p.simd):
                    if deep:
                        # the packed operand's subtraction before its register
                        low, high, borrow = packed_products(
                            operand(inputs[s], f"input_d{pe}_{s}"),
                            operand(packed_operand(weights[pe][s], weights[pe + 1][s]),
                                    f"packed_d{pe}_{s}"))
                    else:
                        low, high, borrow = packed_pair(inputs[s], weights[pe][s],
                                                        weights[pe + 1][s])
                    terms[pe].append(registered(low, lo, hi, f"low{pe}_{s}"))
                    terms[pe + 1] += [registered(high, lo - 1, hi, f"high{pe + 1}_{s}"),
                                      registered(borrow, 0, 1, f"borrow{pe + 1}_{s}")]
            elif not terms[pe]:
                terms[pe] = [registered(operand(weights[pe][s], f"weight_d{pe}_{s}")
                                        * operand(inputs[s], f"input_d{pe}_{s}"), lo, hi,
                                        f"product{pe}_{s}") for s in range(p.simd)]
        if deep:
            # a fabric register after each product register: that one becomes the DSP's
            # output register, and the route out of the DSP ends here, not in the adder tree
            terms = [[registered(value, vlo, vhi, f"landed{pe}_{i}")
                      for i, (value, vlo, vhi) in enumerate(pe_terms)]
                     for pe, pe_terms in enumerate(terms)]
        for pe in range(p.pe):
            dot, _, _ = pipelined_sum(m, terms[pe], every=DOT_LEVELS_PER_STAGE,
                                      stages=p.tree_registers, name=f"dot{pe}")
            m.d.comb += core.dots[pe].eq(dot)

        requant_args = dict(
            acc_bits=p.acc_bits, output_type=p.output_type,
            multiplier=p.multiplier.reshape(p.nf, p.pe), shift=p.shift.reshape(p.nf, p.pe),
            rounding=p.rounding, zero_point=p.out_zero_point,
            out_min=p.out_min, out_max=p.out_max, roms=self.roms, pipelined=True)
        if deep:
            requant_args["deep"] = True
        if p.requant_serial:
            requant_args["serial"] = True
        if p.requant_acc_bits:
            requant_args["narrow_bits"] = p.requant_acc_bits
        if p.requant_rounds > 1:
            requant = SharedRequantizer(units=p.requant_units, **requant_args)
        else:
            requant = Requantizer(**requant_args)
        m.submodules.requantizer = requant
        # hwgen.perf's write delay counts these stages (IntMvauParams.pipeline_delay).
        assert requant.latency == (p.requant_round_cycles * (p.requant_rounds - 1) + 2
                                   + p.requant_stages)
        m.d.comb += [
            requant.i_valid.eq(core.acc_valid),
            requant.i_acc.eq(core.acc),
            requant.i_fold.eq(core.acc_fold),
            core.result_valid.eq(requant.o_valid),
            core.result.eq(requant.o_data),
        ]
        return m


def int_mvau_memory_images(p: IntMvauParams) -> dict:
    """The on-chip tables of an integer MVAU, ``{table: (words, bits per word)}``: the ROMs
    its component builds (weights, bias, the requantizer's per-channel tables), word for word.
    """
    return recorded_images(lambda files: IntMvau(params=p, roms=files))
