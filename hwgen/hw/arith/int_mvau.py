"""Integer matrix-vector-activation unit (MVAU), folded PE x SIMD."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Module, signed
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from ...ir.blocks.int_mvau import IntMvauParams
from ...ir.packing import weight_memory_words
from ..rom import recorded_images
from ..shapes import lanes_layout
from .adder_tree import bounded_sum, step_dot_range
from .mvau_core import MvauCore
from .requantizer import Requantizer

__all__ = ["IntMvau", "int_mvau_memory_images"]


class IntMvau(wiring.Component):
    """Integer MVAU: ``PE`` output channels times ``SIMD`` inputs per cycle.

    An input vector of ``MW`` codes arrives as ``SF = MW / SIMD`` beats; its ``MH`` outputs leave
    as ``NF = MH / PE`` beats in channel order. The folded engine (:class:`MvauCore`) issues one
    step ``(nf, sf)`` per cycle; each step multiplies ``PE x SIMD`` weights from on-chip memory
    with the input, adds the products into ``PE`` accumulators (preloaded with the bias), and
    the last step of a fold sends the accumulators through the :class:`Requantizer` into an
    output FIFO.

    Timing (what ``hwgen.perf`` models): the step that ends a fold, issued in cycle ``t``,
    writes the output FIFO in cycle ``t + 5`` (three engine stages, two requantizer stages).
    A fold may start only while the output FIFO has a free slot not yet promised to an
    earlier fold (a credit counter), so the datapath never stalls once a step is issued.

    Parameters
    ----------
    params : IntMvauParams
        The layer.
    roms : RomFiles, optional
        Ship the block's tables (weights, per-channel constants) as ``$readmemh`` images
        (:class:`~hwgen.hw.rom.Rom`); by default they are initial memory contents, which
        Amaranth's simulator runs.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(input shape, SIMD)))
    o_stream : Out(stream.Signature(ArrayLayout(output shape, PE)))
    """

    def __init__(self, *, params, roms=None):
        if not isinstance(params, IntMvauParams):
            raise TypeError(f"params must be an IntMvauParams, not {params!r}")
        self._p = params
        self._roms = roms
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(params.input_type, params.simd))),
            "o_stream": Out(stream.Signature(lanes_layout(params.output_type, params.pe))),
        })

    @property
    def params(self) -> IntMvauParams:
        return self._p

    def _product_bounds(self):
        """Bounds of each weight times any input code, ``(MH, MW)`` each."""
        p = self._p
        w = p.weights
        x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
        return np.minimum(w * x_lo, w * x_hi), np.maximum(w * x_lo, w * x_hi)

    def elaborate(self, platform):
        p = self._p
        m = Module()
        w_layout = data.ArrayLayout(data.ArrayLayout(signed(p.weight_type.bits), p.simd), p.pe)
        term_lo, term_hi = self._product_bounds()
        m.submodules.core = core = MvauCore(
            nf=p.nf, sf=p.sf, pe=p.pe, input_layout=lanes_layout(p.input_type, p.simd),
            weight_layout=w_layout,
            weight_words=weight_memory_words(p.weights, p.pe, p.simd, p.weight_type.bits),
            dot_range=step_dot_range(term_lo, term_hi, p.pe, p.simd),
            acc_shape=signed(p.acc_bits), bias=p.acc_bias.reshape(p.nf, p.pe),
            output_layout=lanes_layout(p.output_type, p.pe), out_fifo_depth=p.out_fifo_depth,
            roms=self._roms)
        wiring.connect(m, wiring.flipped(self.i_stream), core.i_stream)
        wiring.connect(m, wiring.flipped(self.o_stream), core.o_stream)

        # Dot products: PE trees of SIMD products (bounds from the weight and input types).
        x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
        w_lo, w_hi = p.weight_type.qmin, p.weight_type.qmax
        corners = (w_lo * x_lo, w_lo * x_hi, w_hi * x_lo, w_hi * x_hi)
        for pe in range(p.pe):
            dot, _, _ = bounded_sum([(core.weights[pe][s] * core.inputs[s], min(corners),
                                      max(corners)) for s in range(p.simd)])
            m.d.comb += core.dots[pe].eq(dot)

        m.submodules.requantizer = requant = Requantizer(
            acc_bits=p.acc_bits, output_type=p.output_type,
            multiplier=p.multiplier.reshape(p.nf, p.pe), shift=p.shift.reshape(p.nf, p.pe),
            rounding=p.rounding, zero_point=p.out_zero_point,
            out_min=p.out_min, out_max=p.out_max, roms=self._roms)
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
