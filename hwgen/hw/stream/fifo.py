"""A first-in first-out queue between two streams."""

from __future__ import annotations

from amaranth.hdl import Module, Shape, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.fifo import SyncFIFO
from amaranth.lib.wiring import In, Out

__all__ = ["StreamFifo"]


class StreamFifo(wiring.Component):
    """Synchronous FIFO of ``depth`` beats with stream ports.

    Timing (relied on by the cycle model): a beat written in cycle ``t`` can be read from cycle
    ``t + 1``; ``i_stream.ready`` is high while fewer than ``depth`` beats are stored, so a slot
    freed by a read in cycle ``t`` can be written from cycle ``t + 1``.

    Parameters
    ----------
    payload_shape : ShapeLike
        Shape of a beat.
    depth : int
        Capacity in beats, at least 1.

    Members
    -------
    i_stream : In(stream.Signature(payload_shape))
    o_stream : Out(stream.Signature(payload_shape))
    """

    def __init__(self, *, payload_shape, depth):
        if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
            raise TypeError(f"FIFO depth must be a positive integer, not {depth!r}")
        self._width = Shape.cast(payload_shape).width
        self._depth = depth
        super().__init__({
            "i_stream": In(stream.Signature(payload_shape)),
            "o_stream": Out(stream.Signature(payload_shape)),
        })

    @property
    def depth(self) -> int:
        return self._depth

    def elaborate(self, platform):
        m = Module()
        if self._depth == 1:
            # One register; SyncFIFO of depth 1 would carry zero-width pointers into Verilog.
            full = Signal()
            payload = Signal(self._width)
            m.d.comb += [
                self.i_stream.ready.eq(~full),
                self.o_stream.valid.eq(full),
                self.o_stream.payload.eq(payload),
            ]
            with m.If(self.i_stream.valid & ~full):
                m.d.sync += [full.eq(1), payload.eq(self.i_stream.payload)]
            with m.Elif(self.o_stream.ready & full):
                m.d.sync += full.eq(0)
            return m
        m.submodules.queue = queue = SyncFIFO(width=self._width, depth=self._depth)
        m.d.comb += [
            queue.w_data.eq(self.i_stream.payload),
            queue.w_en.eq(self.i_stream.valid),
            self.i_stream.ready.eq(queue.w_rdy),
            self.o_stream.payload.eq(queue.r_data),
            self.o_stream.valid.eq(queue.r_rdy),
            queue.r_en.eq(self.o_stream.ready),
        ]
        return m
