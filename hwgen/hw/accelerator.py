"""The whole accelerator: blocks connected by streams, as a chain or a graph."""

from __future__ import annotations

from amaranth.hdl import Module
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from ..ir.block import DESIGN_INPUT, block_instance, chain_edges, check_edges, consumers_of
from .registry import block_component
from .shapes import int_shape, lanes_layout
from .stream.fifo import StreamFifo
from .stream.fork import StreamFork
from .stream.width_converter import StreamWidthConverter

__all__ = ["Accelerator", "build_pipeline", "input_port_name", "pipeline_graph"]


def input_port_name(port: int) -> str:
    """Member name of a block's input port: ``i_stream``, ``i_stream2``, ..."""
    return "i_stream" if port == 0 else f"i_stream{port + 1}"


def pipeline_graph(blocks, edges=None) -> tuple:
    """``(blocks, edges)`` of a top: the blocks as a non-empty tuple, the edges checked
    (a chain by default)."""
    blocks = tuple(blocks)
    if not blocks:
        raise ValueError("an accelerator needs at least one block")
    return blocks, chain_edges(len(blocks)) if edges is None else check_edges(blocks, edges)


class Accelerator(wiring.Component):
    """Input stream -> blocks -> output stream.

    ``edges[i]`` names the producer of each input port of block ``i`` (``-1`` for the
    accelerator's input; by default a chain). A stream read by one port goes through a
    :class:`StreamWidthConverter` when the lane counts differ, then through the port's
    :class:`StreamFifo` when it has an input FIFO depth. A stream read by several ports goes
    through a :class:`StreamFork` whose branch FIFOs are those ports' FIFOs, then through a
    width converter per branch where needed. The last block drives the output.

    Parameters
    ----------
    blocks : sequence of block parameters, in topological order
    edges : sequence of tuples, optional
    roms : RomFiles, optional
        Ship every block's tables as ``$readmemh`` images, block ``i``'s as ``layer<i>_*``
        (:mod:`hwgen.hw.rom`); by default they are initial memory contents.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(input element, input lanes of the first block)))
    o_stream : Out(stream.Signature(ArrayLayout(output element, output lanes of the last block)))
    transfers : Out(2 * number of blocks)
        Bit ``2*i`` is high in a cycle where block ``i`` accepts a beat on its first input,
        bit ``2*i + 1`` where it delivers an output beat: taps for simulation monitors and
        performance counters, independent of how Verilog export names internal signals.
    """

    def __init__(self, *, blocks, edges=None, roms=None):
        blocks, self._edges = pipeline_graph(blocks, edges)
        self._blocks = blocks
        self._roms = roms
        first, last = blocks[0].input_format, blocks[-1].output_format
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(first.element, first.lanes))),
            "o_stream": Out(stream.Signature(lanes_layout(last.element, last.lanes))),
            "transfers": Out(2 * len(blocks)),
        })

    @property
    def blocks(self):
        return self._blocks

    @property
    def edges(self):
        return self._edges

    def elaborate(self, platform):
        m = Module()
        build_pipeline(m, blocks=self._blocks, edges=self._edges,
                       i_stream=wiring.flipped(self.i_stream),
                       o_stream=wiring.flipped(self.o_stream), transfers=self.transfers,
                       roms=self._roms)
        return m


def build_pipeline(m, *, blocks, edges, i_stream, o_stream, transfers=None, roms=None):
    """Add the blocks of an accelerator and the streams between them to module ``m``.

    The one place the pipeline is built: :class:`Accelerator` and the interface shells
    around it (:mod:`hwgen.hw.axis_top`) call it, so every top holds the same blocks as
    direct children named ``layer_<i>`` (what ``hwgen synth`` counts per block).

    Parameters
    ----------
    m : Module
    blocks, edges : as for :class:`Accelerator` (edges checked already)
    i_stream : stream interface that produces the input (drives payload and valid)
    o_stream : stream interface that consumes the output (drives ready)
    transfers : Signal of 2 * len(blocks) bits, optional
        Driven as :class:`Accelerator`'s ``transfers`` member is.
    roms : RomFiles, optional
        As for :class:`Accelerator`.
    """
    consumers = consumers_of(edges)
    ports = {}                                    # (block, port) -> stream to connect

    def converted(upstream, lanes, b, port, tag):
        fmt = blocks[b].input_formats[port]
        if lanes == fmt.lanes:
            return upstream
        converter = StreamWidthConverter(element_shape=int_shape(fmt.element),
                                         in_lanes=lanes, out_lanes=fmt.lanes)
        m.submodules[f"dwc_{tag}"] = converter
        wiring.connect(m, upstream, converter.i_stream)
        return converter.o_stream

    def fan_out(producer, upstream, fmt):
        readers = consumers.get(producer, [])
        tag = "in" if producer == DESIGN_INPUT else str(producer)
        if len(readers) > 1:
            fork = StreamFork(payload_shape=lanes_layout(fmt.element, fmt.lanes),
                              depths=[blocks[b].input_fifo_depths[port]
                                      for b, port in readers])
            m.submodules[f"fork_{tag}"] = fork
            wiring.connect(m, upstream, fork.i_stream)
            for branch, (b, port) in enumerate(readers):
                ports[(b, port)] = converted(fork.branch(branch), fmt.lanes, b, port,
                                             f"{b}_{port}")
            return
        for b, port in readers:
            stream_in = converted(upstream, fmt.lanes, b, port, f"{b}_{port}")
            depth = blocks[b].input_fifo_depths[port]
            if depth:
                layout_fmt = blocks[b].input_formats[port]
                fifo = StreamFifo(payload_shape=lanes_layout(layout_fmt.element,
                                                             layout_fmt.lanes),
                                  depth=depth)
                m.submodules[f"in_fifo_{b}_{port}"] = fifo
                wiring.connect(m, stream_in, fifo.i_stream)
                stream_in = fifo.o_stream
            ports[(b, port)] = stream_in

    fan_out(DESIGN_INPUT, i_stream, blocks[0].input_format)
    for index, block in enumerate(blocks):
        component = block_component(
            block, None if roms is None else roms.within(f"layer{index}"))
        m.submodules[block_instance(index)] = component
        for port in range(block.inputs):
            wiring.connect(m, ports[(index, port)],
                           getattr(component, input_port_name(port)))
        if transfers is not None:
            m.d.comb += [
                transfers[2 * index].eq(component.i_stream.valid & component.i_stream.ready),
                transfers[2 * index + 1].eq(
                    component.o_stream.valid & component.o_stream.ready),
            ]
        if index == len(blocks) - 1:
            wiring.connect(m, component.o_stream, o_stream)
        else:
            fan_out(index, component.o_stream, block.output_format)
