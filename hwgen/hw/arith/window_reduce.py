"""Window reduction unit: max or average over each window's positions, per channel."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import data, stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ...ir.blocks.int_mvau import signed_bits_for_range
from ...ir.blocks.window_reduce import WindowReduceParams
from ..shapes import index_range, int_shape, lanes_layout
from ..stream.fifo import StreamFifo
from ..stream.register_slice import StreamRegisterSlice
from .requantizer import Requantizer

__all__ = ["WindowReduce"]


class WindowReduce(wiring.Component):
    """Max or average pooling over the positions of each window.

    Input beats arrive position-major (``positions`` x channel groups of ``lanes``); one
    running value per channel group is kept in a memory (one register when there is one
    group). For timing, nothing waits behind the memory: the current group's value is read
    into a register one beat early, and the merged value is written a cycle after its beat,
    from registers (a read of that group in between takes the pending value). The beat of the last
    position completes a group's output: for max it goes straight into the output FIFO, for avg the
    sum goes through a :class:`Requantizer` first. Such a beat needs a credit (a free output
    FIFO slot); the exact rules are in :mod:`hwgen.perf.window_reduce`. With ``pipeline =
    "deep"`` the input passes a :class:`StreamRegisterSlice` first (one cycle).

    Parameters
    ----------
    params : WindowReduceParams

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(input element, lanes)))
    o_stream : Out(stream.Signature(ArrayLayout(output element, lanes)))
    """

    def __init__(self, *, params):
        if not isinstance(params, WindowReduceParams):
            raise TypeError(f"params must be a WindowReduceParams, not {params!r}")
        self._p = params
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(params.input_type, params.lanes))),
            "o_stream": Out(stream.Signature(lanes_layout(params.output_type, params.lanes))),
        })

    def elaborate(self, platform):
        p = self._p
        m = Module()
        P, G, L = p.positions, p.groups, p.lanes
        is_max = p.op == "max"
        value_shape = int_shape(p.input_type) if is_max else signed(p.acc_bits)
        value_layout = data.ArrayLayout(value_shape, L)

        # the input: the block's stream, or with pipeline = "deep" its register slice
        inp = wiring.flipped(self.i_stream)
        if p.input_slice:
            m.submodules.input_slice = input_slice = StreamRegisterSlice(
                payload_shape=self.i_stream.payload.shape())
            wiring.connect(m, inp, input_slice.i_stream)
            inp = input_slice.o_stream

        pos = Signal(index_range(P))
        g = Signal(index_range(G))
        # pos == 0, pos == P - 1, g == G - 1 and credits != 0 as registers, set a cycle early,
        # so that ready and the merge start at flip-flops
        first_pos, last_pos = Signal(init=1), Signal(init=P == 1)
        last_g = Signal(init=G == 1)
        credits = Signal(range(p.out_fifo_depth + 1), init=p.out_fifo_depth)
        credit = Signal(init=1)
        m.d.comb += inp.ready.eq(~last_pos | credit)
        fire = inp.valid & inp.ready
        with m.If(fire):
            m.d.sync += [g.eq(Mux(last_g, 0, g + 1)), last_g.eq(g == G - 2 if G > 1 else 1)]
            with m.If(last_g):
                m.d.sync += [pos.eq(Mux(last_pos, 0, pos + 1)), first_pos.eq(last_pos),
                             last_pos.eq(pos == P - 2 if P > 1 else 1)]

        # The running values are a memory, not one register per group: a simulator then
        # evaluates one write per cycle instead of every group's register (CNV's pool2 has
        # 64 groups), and an FPGA may put them in LUT RAM. Read without a clock, the memory
        # behaves as the registers did: a value written at a clock edge is read from the
        # next cycle on. With several groups, the value of the current group is read one beat
        # early (at the next group's address, which this beat's write never touches) into a
        # register, so the merge starts at a flip-flop rather than behind the memory's read.
        combined = Signal(value_layout)
        keep = fire & ~last_pos                     # store the partial result
        if G == 1:
            current = Signal(value_layout, name="running")
            with m.If(keep):
                m.d.sync += current.eq(combined)
        else:
            m.submodules.running = running = Memory(shape=value_layout, depth=G, init=[])
            write, read = running.write_port(), running.read_port(domain="comb")
            g_next = Signal(index_range(G), init=1)        # (g + 1) mod G
            current = Signal(value_layout, name="current")  # running[g]
            # The write goes in a cycle late, from registers; a read of its group meanwhile
            # (two groups: the very next beat) takes the pending value instead.
            pending, pending_g = Signal(), Signal(index_range(G))
            pending_value = Signal(value_layout)
            m.d.sync += [pending.eq(keep), pending_g.eq(g), pending_value.eq(combined)]
            with m.If(fire):
                m.d.sync += [g_next.eq(Mux(last_g, 1, Mux(g_next == G - 1, 0, g_next + 1))),
                             current.eq(Mux(pending & (pending_g == g_next), pending_value,
                                            read.data))]
            m.d.comb += [read.addr.eq(g_next), write.addr.eq(pending_g),
                         write.data.eq(pending_value), write.en.eq(pending)]
        for lane in range(L):
            x = inp.payload[lane]
            if is_max:
                merged = Mux(current[lane] > x, current[lane], x)
            else:
                merged = current[lane] + x
            m.d.comb += combined[lane].eq(Mux(first_pos, x, merged))
        done1 = Signal()
        result1 = Signal(value_layout)
        m.d.sync += done1.eq(fire & last_pos)
        with m.If(fire & last_pos):
            m.d.sync += result1.eq(combined)

        m.submodules.fifo = fifo = StreamFifo(
            payload_shape=lanes_layout(p.output_type, L), depth=p.out_fifo_depth)
        wiring.connect(m, wiring.flipped(self.o_stream), fifo.o_stream)
        if is_max:
            m.d.comb += [fifo.i_stream.valid.eq(done1), fifo.i_stream.payload.eq(result1)]
        else:
            lo, hi = p.acc_range
            bits = signed_bits_for_range(lo, hi)
            m.submodules.requantizer = requant = Requantizer(
                acc_bits=bits, output_type=p.output_type,
                multiplier=np.full((1, L), p.multiplier), shift=np.full((1, L), p.shift),
                rounding=p.rounding, zero_point=p.out_zero_point,
                out_min=p.out_min, out_max=p.out_max)
            m.d.comb += [requant.i_valid.eq(done1), requant.i_fold.eq(0)]
            for lane in range(L):
                m.d.comb += requant.i_acc[lane].eq(result1[lane] - p.positions * p.in_zero_point)
            m.d.comb += [fifo.i_stream.valid.eq(requant.o_valid),
                         fifo.i_stream.payload.eq(requant.o_data)]
        out_read = self.o_stream.valid & self.o_stream.ready
        m.d.sync += credits.eq(credits - (fire & last_pos) + out_read)
        more = credits > 1 if p.out_fifo_depth > 1 else 0     # (no constant compare in Verilog)
        m.d.sync += credit.eq(Mux(fire & last_pos & ~out_read, more, out_read | credit))
        return m
