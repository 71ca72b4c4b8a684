"""Broadcast one stream to several consumers, each through its own FIFO."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Shape, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from .fifo import StreamFifo

__all__ = ["StreamFork"]


class StreamFork(wiring.Component):
    """Copy every beat of ``i_stream`` to ``o_stream_0 .. o_stream_{n-1}``.

    Branch ``b`` has a FIFO of ``depths[b]`` beats; a beat is taken when every branch FIFO has
    room, and is written into all of them in that cycle, so branches drain independently (the
    short branch of a residual connection holds what the long branch has not yet consumed).
    Rules in :mod:`hwgen.perf.fork`.

    Parameters
    ----------
    payload_shape : ShapeLike
    depths : sequence of int
        FIFO depth of each branch, each at least 1; at least two branches.

    Members
    -------
    i_stream : In(stream.Signature(payload_shape))
    o_stream_<b> : Out(stream.Signature(payload_shape)), one per branch
    """

    def __init__(self, *, payload_shape, depths):
        Shape.cast(payload_shape)
        depths = tuple(depths)
        if len(depths) < 2 or any(not isinstance(d, int) or d < 1 for d in depths):
            raise TypeError(f"a fork needs two or more branch depths >= 1, not {depths!r}")
        self._shape = payload_shape
        self._depths = depths
        members = {"i_stream": In(stream.Signature(payload_shape))}
        for branch in range(len(depths)):
            members[f"o_stream_{branch}"] = Out(stream.Signature(payload_shape))
        super().__init__(members)

    def branch(self, index: int):
        return getattr(self, f"o_stream_{index}")

    def elaborate(self, platform):
        m = Module()
        fifos = []
        for index, depth in enumerate(self._depths):
            fifo = StreamFifo(payload_shape=self._shape, depth=depth)
            m.submodules[f"branch_{index}"] = fifo
            wiring.connect(m, wiring.flipped(self.branch(index)), fifo.o_stream)
            fifos.append(fifo)
        room = Signal()
        m.d.comb += [room.eq(Cat(fifo.i_stream.ready for fifo in fifos).all()),
                     self.i_stream.ready.eq(room)]
        for fifo in fifos:
            m.d.comb += [fifo.i_stream.valid.eq(self.i_stream.valid & room),
                         fifo.i_stream.payload.eq(self.i_stream.payload)]
        return m
