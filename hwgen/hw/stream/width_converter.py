"""Change the number of elements per beat of a stream."""

from __future__ import annotations

import math

from amaranth.hdl import Module, Mux, Shape, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["StreamWidthConverter"]


class StreamWidthConverter(wiring.Component):
    """Re-beat a stream of elements from ``in_lanes`` to ``out_lanes`` elements per beat.

    Elements keep their order. The converter holds up to ``in_lanes + out_lanes - 1``
    elements, the fewest that can never deadlock. Timing (relied on by the cycle model):
    output beat ``j`` is valid from the cycle after the input beat that completes it was
    accepted; input beat ``k`` is accepted once the elements still held after this cycle's
    output leave room for it (``i_stream.ready`` depends on ``o_stream.ready`` in the same
    cycle).

    Parameters
    ----------
    element_shape : ShapeLike
        Shape of one element.
    in_lanes, out_lanes : int
        Elements per input and per output beat.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(element_shape, in_lanes)))
    o_stream : Out(stream.Signature(ArrayLayout(element_shape, out_lanes)))
    """

    def __init__(self, *, element_shape, in_lanes, out_lanes):
        Shape.cast(element_shape)
        for key, value in (("in_lanes", in_lanes), ("out_lanes", out_lanes)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise TypeError(f"{key} must be a positive integer, not {value!r}")
        self._element_shape = element_shape
        self._in_lanes = in_lanes
        self._out_lanes = out_lanes
        super().__init__({
            "i_stream": In(stream.Signature(data.ArrayLayout(element_shape, in_lanes))),
            "o_stream": Out(stream.Signature(data.ArrayLayout(element_shape, out_lanes))),
        })

    @property
    def capacity(self) -> int:
        return self._in_lanes + self._out_lanes - 1

    def elaborate(self, platform):
        m = Module()
        a, b, cap = self._in_lanes, self._out_lanes, self.capacity
        held = Signal(data.ArrayLayout(self._element_shape, cap))
        count = Signal(range(cap + 1))

        out_fire = Signal()
        after_out = Signal(range(cap + 1))
        in_fire = Signal()
        # o_stream.ready arrives late (the consumer's state) and i_stream.ready leaves for the
        # producer in the same cycle: both outcomes are formed from the register count alone,
        # the consumer's ready only picks one.
        m.d.comb += [
            self.o_stream.valid.eq(count >= b),
            out_fire.eq(self.o_stream.valid & self.o_stream.ready),
            after_out.eq(Mux(out_fire, count - b, count)),
            # (count never exceeds cap: no compare that Verilator's lint would call constant)
            self.i_stream.ready.eq(Mux(out_fire, count <= cap - a + b if b < a else 1,
                                       count <= cap - a)),
            in_fire.eq(self.i_stream.valid & self.i_stream.ready),
        ]
        for lane in range(b):
            m.d.comb += self.o_stream.payload[lane].eq(held[lane])

        with m.If(out_fire):
            for pos in range(cap - b):
                m.d.sync += held[pos].eq(held[pos + b])
        with m.If(in_fire):
            with m.Switch(after_out):
                # count starts at 0 and moves by +a and -b only, so it is always a multiple
                # of gcd(a, b): the other positions are unreachable (and would make the
                # elaboration quadratic in the lanes of wide converters).
                for base in range(0, cap - a + 1, math.gcd(a, b)):
                    with m.Case(base):
                        for lane in range(a):
                            m.d.sync += held[base + lane].eq(self.i_stream.payload[lane])
        m.d.sync += count.eq(Mux(out_fire, Mux(in_fire, count + (a - b), count - b),
                                 Mux(in_fire, count + a, count)))
        return m
