"""The whole pipeline: blocks chained by streams."""

from __future__ import annotations

import math

from amaranth.hdl import Module
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from .registry import block_component
from .shapes import int_shape, lanes_layout
from .stream_fifo import StreamFifo
from .width_converter import StreamWidthConverter

__all__ = ["Accelerator", "block_instance"]


def block_instance(index: int) -> str:
    """Instance name of block ``index`` inside the accelerator (and its Verilog)."""
    return f"layer_{index}"


class Accelerator(wiring.Component):
    """Input stream -> block -> ... -> output stream.

    Between two blocks whose lane counts differ a :class:`StreamWidthConverter` re-beats the
    stream; a block with an ``in_fifo_depth`` gets a :class:`StreamFifo` in front of it.

    Parameters
    ----------
    blocks : sequence of block parameters
        The blocks in order (see ``hwgen.ir.blocks``); each one's input element type equals
        its predecessor's output element type.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(input element, input lanes of the first block)))
    o_stream : Out(stream.Signature(ArrayLayout(output element, output lanes of the last block)))
    transfers : Out(2 * number of blocks)
        Bit ``2*i`` is high in a cycle where block ``i`` accepts an input beat, bit ``2*i + 1``
        where it delivers an output beat: taps for simulation monitors and performance
        counters, independent of how Verilog export names internal signals.
    """

    def __init__(self, *, blocks):
        blocks = tuple(blocks)
        if not blocks:
            raise ValueError("an accelerator needs at least one block")
        for prev, block in zip(blocks, blocks[1:]):
            # Streams carry tensors in row-major order, so a reshape (a flatten) is free:
            # only the element count and type must match.
            if (math.prod(prev.output_shape) != math.prod(block.input_shape)
                    or prev.output_format.element != block.input_format.element):
                raise ValueError(f"block {block.name!r} cannot consume the output of "
                                 f"{prev.name!r}")
        self._blocks = blocks
        first, last = blocks[0].input_format, blocks[-1].output_format
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(first.element, first.lanes))),
            "o_stream": Out(stream.Signature(lanes_layout(last.element, last.lanes))),
            "transfers": Out(2 * len(blocks)),
        })

    @property
    def blocks(self):
        return self._blocks

    def elaborate(self, platform):
        m = Module()
        upstream = wiring.flipped(self.i_stream)
        upstream_lanes = self._blocks[0].input_format.lanes
        for index, block in enumerate(self._blocks):
            fmt = block.input_format
            if upstream_lanes != fmt.lanes:
                converter = StreamWidthConverter(element_shape=int_shape(fmt.element),
                                                 in_lanes=upstream_lanes, out_lanes=fmt.lanes)
                m.submodules[f"dwc_{index}"] = converter
                wiring.connect(m, upstream, converter.i_stream)
                upstream = converter.o_stream
            if block.in_fifo_depth:
                fifo = StreamFifo(payload_shape=lanes_layout(fmt.element, fmt.lanes),
                                  depth=block.in_fifo_depth)
                m.submodules[f"in_fifo_{index}"] = fifo
                wiring.connect(m, upstream, fifo.i_stream)
                upstream = fifo.o_stream
            component = block_component(block)
            m.submodules[block_instance(index)] = component
            wiring.connect(m, upstream, component.i_stream)
            m.d.comb += [
                self.transfers[2 * index].eq(component.i_stream.valid & component.i_stream.ready),
                self.transfers[2 * index + 1].eq(
                    component.o_stream.valid & component.o_stream.ready),
            ]
            upstream = component.o_stream
            upstream_lanes = block.output_format.lanes
        wiring.connect(m, upstream, wiring.flipped(self.o_stream))
        return m
