"""Element-wise adder of two streams with requantization (residual connections)."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Module, Signal, signed
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from ...ir.blocks.eltwise_add import AddParams
from ...ir.blocks.int_mvau import signed_bits_for_range
from ..shapes import lanes_layout
from ..stream.fifo import StreamFifo
from .requantizer import Requantizer

__all__ = ["EltwiseAdd"]


class EltwiseAdd(wiring.Component):
    """``y = requant(a_factor (a - Z_a) + b_factor (b - Z_b))`` lane by lane.

    Takes one beat from each input in the same cycle when both are valid and the output FIFO
    has a slot not yet promised (credits); the sum goes through a :class:`Requantizer`. Exact
    rules in :mod:`hwgen.perf.add`.

    Parameters
    ----------
    params : AddParams

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(a element, lanes)))
    i_stream2 : In(stream.Signature(ArrayLayout(b element, lanes)))
    o_stream : Out(stream.Signature(ArrayLayout(output element, lanes)))
    """

    def __init__(self, *, params):
        if not isinstance(params, AddParams):
            raise TypeError(f"params must be an AddParams, not {params!r}")
        self._p = params
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(params.a_type, params.lanes))),
            "i_stream2": In(stream.Signature(lanes_layout(params.b_type, params.lanes))),
            "o_stream": Out(stream.Signature(lanes_layout(params.output_type, params.lanes))),
        })

    def elaborate(self, platform):
        p = self._p
        m = Module()
        L = p.lanes
        credits = Signal(range(p.out_fifo_depth + 1), init=p.out_fifo_depth)
        take = Signal()
        m.d.comb += [
            take.eq(self.i_stream.valid & self.i_stream2.valid & (credits != 0)),
            self.i_stream.ready.eq(take),
            self.i_stream2.ready.eq(take),
        ]
        acc_bits = signed_bits_for_range(*p.acc_range)
        summed = Signal(data.ArrayLayout(signed(acc_bits), L))
        valid1 = Signal()
        m.d.sync += valid1.eq(take)
        with m.If(take):
            for lane in range(L):
                a = self.i_stream.payload[lane]
                b = self.i_stream2.payload[lane]
                m.d.sync += summed[lane].eq(p.a_factor * (a - p.a_zero_point)
                                            + p.b_factor * (b - p.b_zero_point))
        m.submodules.requantizer = requant = Requantizer(
            acc_bits=acc_bits, output_type=p.output_type,
            multiplier=np.full((1, L), p.multiplier), shift=np.full((1, L), p.shift),
            rounding=p.rounding, zero_point=p.out_zero_point, out_min=p.out_min,
            out_max=p.out_max)
        m.submodules.fifo = fifo = StreamFifo(payload_shape=lanes_layout(p.output_type, L),
                                              depth=p.out_fifo_depth)
        wiring.connect(m, wiring.flipped(self.o_stream), fifo.o_stream)
        m.d.comb += [
            requant.i_valid.eq(valid1), requant.i_acc.eq(summed), requant.i_fold.eq(0),
            fifo.i_stream.valid.eq(requant.o_valid), fifo.i_stream.payload.eq(requant.o_data),
        ]
        out_read = self.o_stream.valid & self.o_stream.ready
        m.d.sync += credits.eq(credits - take + out_read)
        return m
