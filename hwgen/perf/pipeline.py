"""Cycle model of the whole accelerator (``hwgen.hw.accelerator.Accelerator``).

The source offers input beats back to back from cycle 0 (the next beat the cycle after a
transfer) and the sink is always ready, as in the simulation harness. The model gives the
exact cycle of every transfer at every block boundary; from those come each inference's
latency (first input beat accepted to last output beat accepted) and the initiation interval
(cycles between the last output beats of consecutive inferences in steady state).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir.blocks import beats_per_inference
from .events import NEVER_BLOCKS, Schedule
from .registry import cycle_model
from .stream_fifo import stream_fifo_processes
from .width_converter import width_converter_processes

__all__ = ["LayerTiming", "PipelineTiming", "pipeline_timing"]


@dataclass(frozen=True)
class LayerTiming:
    """Transfer cycles at one block's boundaries."""

    name: str
    cycles_per_vector: int          # ideal cycles per inference: the block's own interval
    in_beats: tuple                 # transfer cycle of every input beat of the block
    out_beats: tuple                # transfer cycle of every output beat of the block
    beats_in_per_vector: int
    beats_out_per_vector: int

    @property
    def first_in(self) -> tuple:
        """Cycle of the block's first input beat, per inference."""
        return self.in_beats[::self.beats_in_per_vector]

    @property
    def last_out(self) -> tuple:
        """Cycle of the block's last output beat, per inference."""
        return self.out_beats[self.beats_out_per_vector - 1::self.beats_out_per_vector]

    @property
    def latency(self) -> int:
        """First input beat to last output beat of the first inference, in cycles."""
        return self.last_out[0] - self.first_in[0]


@dataclass(frozen=True)
class PipelineTiming:
    """Transfer cycles of a run of back-to-back inferences."""

    inferences: int
    in_beats: tuple                 # transfer cycle of every beat at the accelerator's input
    out_beats: tuple                # transfer cycle of every beat at its output
    layers: tuple                   # LayerTiming per block

    @property
    def first_in(self) -> tuple:
        """Cycle the first input beat of each inference was accepted."""
        return self.in_beats[::len(self.in_beats) // self.inferences]

    @property
    def last_out(self) -> tuple:
        """Cycle the last output beat of each inference was accepted."""
        per = len(self.out_beats) // self.inferences
        return self.out_beats[per - 1::per]

    @property
    def latency(self) -> int:
        """Latency of the first inference (empty pipeline), in cycles."""
        return self.last_out[0] - self.first_in[0]

    @property
    def ii(self) -> int | None:
        """Cycles between the last two inferences' last output beats (None for one inference).

        Upstream buffers fill during a run, so the first input beats of early inferences can
        come faster than the pipeline's rate; the outputs leave at the steady rate.
        """
        if self.inferences < 2:
            return None
        return self.last_out[-1] - self.last_out[-2]

    @property
    def total_cycles(self) -> int:
        """Cycles from the first input beat to the last output beat of the run, inclusive."""
        return self.last_out[-1] - self.first_in[0] + 1

    @property
    def ii_bound(self) -> int:
        """The slowest block's cycles per inference: no pipeline can be faster."""
        return max(layer.cycles_per_vector for layer in self.layers)


def pipeline_timing(blocks, inferences: int) -> PipelineTiming:
    """Exact transfer cycles of ``inferences`` back-to-back inferences through ``blocks``.

    Between blocks whose lane counts differ the accelerator inserts a width converter, and a
    block with ``in_fifo_depth`` gets a FIFO in front; the model does the same.
    """
    blocks = tuple(blocks)
    if inferences < 1:
        raise ValueError("need at least one inference")
    schedule = Schedule()
    first = blocks[0]
    source = schedule.stream(
        "input", inferences * beats_per_inference(first.input_shape, first.input_format))

    def drive():
        previous = -1
        for beat in range(source.beats):
            source.offer(beat, previous + 1)
            previous = yield source.after(beat)

    schedule.process(drive())
    upstream, upstream_lanes = source, first.input_format.lanes
    ports = []
    for block in blocks:
        model = cycle_model(block)
        beats_in = beats_per_inference(block.input_shape, block.input_format)
        beats_out = beats_per_inference(block.output_shape, block.output_format)
        if upstream_lanes != block.input_format.lanes:
            converted = schedule.stream(f"{block.name}.dwc", inferences * beats_in)
            width_converter_processes(schedule, upstream_lanes, block.input_format.lanes,
                                      upstream, converted)
            upstream = converted
        if block.in_fifo_depth:
            buffered = schedule.stream(f"{block.name}.in_fifo", inferences * beats_in)
            stream_fifo_processes(schedule, block.in_fifo_depth, upstream, buffered)
            upstream = buffered
        out = schedule.stream(f"{block.name}.out", inferences * beats_out)
        model.processes(schedule, block, upstream, out, inferences)
        ports.append((block, model, upstream, out, beats_in, beats_out))
        upstream, upstream_lanes = out, block.output_format.lanes
    for beat in range(upstream.beats):
        upstream.accept(beat, NEVER_BLOCKS)
    schedule.run()

    layer_timings = tuple(
        LayerTiming(name=block.name, cycles_per_vector=model.ideal_cycles(block),
                    in_beats=tuple(inp.xfer), out_beats=tuple(out.xfer),
                    beats_in_per_vector=beats_in, beats_out_per_vector=beats_out)
        for block, model, inp, out, beats_in, beats_out in ports)
    return PipelineTiming(inferences=inferences, in_beats=tuple(source.xfer),
                          out_beats=layer_timings[-1].out_beats, layers=layer_timings)
