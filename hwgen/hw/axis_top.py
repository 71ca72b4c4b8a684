"""The accelerator behind AXI4-Stream ports: the top ``hwgen compile --interface axis`` writes."""

from __future__ import annotations

from amaranth.hdl import ClockDomain, ClockSignal, Const, Module, Mux, ResetSignal, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from ..ir.block import beats_per_inference, byte_aligned_bits
from .accelerator import build_pipeline, pipeline_graph
from .shapes import index_range, lanes_layout

__all__ = ["AxisTop"]


class AxisTop(wiring.Component):
    """The accelerator's pipeline between an AXI4-Stream slave and an AXI4-Stream master.

    A beat of the accelerator's stream is one TDATA word: lane ``i`` (``w`` bits) in TDATA
    bits ``[i*w, (i+1)*w)``, the bits above the last lane padding up to a whole byte
    (ignored on input, zero on output). The ports are wired straight to the pipeline's
    streams: no register slice, so the cycle model of the stream top holds unchanged.

    * ``s_axis_tlast`` is ignored: the accelerator counts its input beats itself (a fixed
      number per inference), so one AXI transfer (a DMA packet) may carry any whole number of
      inferences, with TLAST where the sender likes.
    * ``m_axis_tlast`` is high on the last output beat of every inference: a counter of
      output transfers, which adds no cycle.
    * ``aclk`` clocks everything; ``aresetn`` low at a rising edge resets it (synchronous,
      active low).

    The pipeline is built in this module (:func:`hwgen.hw.accelerator.build_pipeline`), not
    as an :class:`~hwgen.hw.accelerator.Accelerator` instance below it, so the blocks keep the
    names the stream top gives them (``TOP.layer_<i>``). Its internal wire ``transfers``
    carries the per-block transfer taps of :class:`~hwgen.hw.accelerator.Accelerator`'s
    ``transfers`` port, for a simulation harness that reaches into the top.

    Parameters
    ----------
    blocks : sequence of block parameters, in topological order
    edges : sequence of tuples, optional
        As for :class:`~hwgen.hw.accelerator.Accelerator`; by default a chain.
    roms : RomFiles, optional
        As for :class:`~hwgen.hw.accelerator.Accelerator`: the tables as ``$readmemh``
        images.

    Members
    -------
    aclk, aresetn : In(1)
    s_axis_tdata : In(input beat bits rounded up to whole bytes)
    s_axis_tvalid, s_axis_tlast : In(1)
    s_axis_tready : Out(1)
    m_axis_tdata : Out(output beat bits rounded up to whole bytes)
    m_axis_tvalid, m_axis_tlast : Out(1)
    m_axis_tready : In(1)
    """

    def __init__(self, *, blocks, edges=None, roms=None):
        blocks, self._edges = pipeline_graph(blocks, edges)
        self._blocks = blocks
        self._roms = roms
        first, last = blocks[0].input_format, blocks[-1].output_format
        self._in_layout = lanes_layout(first.element, first.lanes)
        self._out_layout = lanes_layout(last.element, last.lanes)
        self._beats_out = beats_per_inference(blocks[-1].output_shape, last)
        super().__init__({
            "aclk": In(1),
            "aresetn": In(1),
            "s_axis_tdata": In(byte_aligned_bits(first.payload_bits)),
            "s_axis_tvalid": In(1),
            "s_axis_tready": Out(1),
            "s_axis_tlast": In(1),
            "m_axis_tdata": Out(byte_aligned_bits(last.payload_bits)),
            "m_axis_tvalid": Out(1),
            "m_axis_tready": In(1),
            "m_axis_tlast": Out(1),
        })

    @property
    def blocks(self):
        return self._blocks

    @property
    def edges(self):
        return self._edges

    @property
    def beats_out_per_inference(self) -> int:
        """Output beats per inference: ``m_axis_tlast`` marks every this many beats."""
        return self._beats_out

    def elaborate(self, platform):
        m = Module()
        # The design's one clock domain, driven from the AXI clock and reset ports.
        m.domains.sync = ClockDomain("sync")
        m.d.comb += [ClockSignal("sync").eq(self.aclk), ResetSignal("sync").eq(~self.aresetn)]

        # Internal streams with the stream top's port names, so waveforms read alike.
        i_stream = stream.Signature(self._in_layout).create(path=("i_stream",))
        o_stream = stream.Signature(self._out_layout).flip().create(path=("o_stream",))
        transfers = Signal(2 * len(self._blocks), name="transfers")
        build_pipeline(m, blocks=self._blocks, edges=self._edges, i_stream=i_stream,
                       o_stream=o_stream, transfers=transfers, roms=self._roms)

        in_bits = self._in_layout.size
        m.d.comb += [
            i_stream.payload.eq(self.s_axis_tdata[:in_bits]),
            i_stream.valid.eq(self.s_axis_tvalid),
            self.s_axis_tready.eq(i_stream.ready),
            self.m_axis_tdata.eq(o_stream.payload.as_value()),    # zero above the lanes
            self.m_axis_tvalid.eq(o_stream.valid),
            o_stream.ready.eq(self.m_axis_tready),
        ]

        if self._beats_out == 1:
            m.d.comb += self.m_axis_tlast.eq(Const(1))
        else:
            beat = Signal(index_range(self._beats_out), name="m_axis_beat")
            m.d.comb += self.m_axis_tlast.eq(beat == self._beats_out - 1)
            with m.If(self.m_axis_tvalid & self.m_axis_tready):
                m.d.sync += beat.eq(Mux(self.m_axis_tlast, 0, beat + 1))
        return m
