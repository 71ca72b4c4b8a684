"""A register slice between two streams: ready, valid and payload all from flip-flops."""

from __future__ import annotations

from amaranth.hdl import Module, Shape, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["StreamRegisterSlice"]


class StreamRegisterSlice(wiring.Component):
    """Two-entry skid buffer: the output beat sits in a register, a second register catches
    the beat that arrives while the output is held.

    Neither side sees the other combinationally: ``i_stream.ready`` is "the skid register is
    empty", ``o_stream.valid`` and ``o_stream.payload`` are the output register. Unlike a
    :class:`~hwgen.hw.stream.fifo.StreamFifo` of two beats, whose payload is read through
    its pointer, the consumer starts at a flip-flop.

    Timing (relied on by the cycle model): exactly a ``StreamFifo`` of depth 2 (the beats
    held are ``valid + skid``): a beat accepted in cycle ``t`` is offered from ``t + 1``,
    and ``i_stream.ready`` is high while fewer than two beats are held, so a beat's
    departure in cycle ``t`` frees a slot from ``t + 1``
    (:func:`hwgen.perf.stream_fifo.stream_fifo_processes` with depth 2).

    Parameters
    ----------
    payload_shape : ShapeLike
        Shape of a beat.

    Members
    -------
    i_stream : In(stream.Signature(payload_shape))
    o_stream : Out(stream.Signature(payload_shape))
    """

    #: The StreamFifo depth whose timing this slice has.
    DEPTH = 2

    def __init__(self, *, payload_shape):
        self._shape = Shape.cast(payload_shape)
        super().__init__({
            "i_stream": In(stream.Signature(payload_shape)),
            "o_stream": Out(stream.Signature(payload_shape)),
        })

    def elaborate(self, platform):
        m = Module()
        held, held_valid = Signal(self._shape), Signal()
        skid, skid_valid = Signal(self._shape), Signal()
        m.d.comb += [
            self.i_stream.ready.eq(~skid_valid),
            self.o_stream.valid.eq(held_valid),
            self.o_stream.payload.eq(held),
        ]
        accept = self.i_stream.valid & ~skid_valid
        with m.If(~held_valid | self.o_stream.ready):
            # the output register is free this cycle: the skid beat first (it is older)
            with m.If(skid_valid):
                m.d.sync += [held.eq(skid), held_valid.eq(1), skid_valid.eq(0)]
            with m.Else():
                m.d.sync += [held.eq(self.i_stream.payload), held_valid.eq(accept)]
        with m.Elif(accept):
            m.d.sync += [skid.eq(self.i_stream.payload), skid_valid.eq(1)]
        return m
