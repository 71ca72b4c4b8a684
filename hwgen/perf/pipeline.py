"""Cycle model of the whole accelerator (``hwgen.hw.accelerator.Accelerator``).

The source offers input beats back to back from cycle 0 (the next beat the cycle after a
transfer) and the sink is always ready, as in the simulation harness. The model gives the
exact cycle of every transfer at every block boundary; from those come each inference's
latency (first input beat accepted to last output beat accepted) and the initiation interval
(cycles between the first input beats of consecutive inferences).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir.mvau_params import IntMvauParams
from .events import NEVER_BLOCKS, Schedule
from .mvau import int_mvau_cycles_per_vector, int_mvau_processes
from .stream_fifo import stream_fifo_processes
from .width_converter import width_converter_processes

__all__ = ["LayerTiming", "PipelineTiming", "pipeline_timing"]


@dataclass(frozen=True)
class LayerTiming:
    """Per-inference transfer cycles at one layer's boundaries."""

    name: str
    cycles_per_vector: int          # NF * SF: the layer's own initiation interval
    in_beats: tuple                 # transfer cycle of every input beat of the layer
    out_beats: tuple                # transfer cycle of every output beat of the layer
    beats_in_per_vector: int        # SF
    beats_out_per_vector: int       # NF

    @property
    def first_in(self) -> tuple:
        """Cycle of the layer's first input beat, per inference."""
        return self.in_beats[::self.beats_in_per_vector]

    @property
    def last_out(self) -> tuple:
        """Cycle of the layer's last output beat, per inference."""
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
    layers: tuple                   # LayerTiming per layer

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
        """The slowest layer's cycles per vector: no pipeline can be faster."""
        return max(layer.cycles_per_vector for layer in self.layers)


def pipeline_timing(layers, inferences: int) -> PipelineTiming:
    """Exact transfer cycles of ``inferences`` back-to-back inferences through ``layers``.

    Parameters
    ----------
    layers : sequence of IntMvauParams
        The lowered layers, as the accelerator chains them.
    inferences : int
        Number of input vectors streamed back to back.
    """
    layers = tuple(layers)
    if inferences < 1:
        raise ValueError("need at least one inference")
    schedule = Schedule()
    first = layers[0]
    source = schedule.stream("input", inferences * first.sf)

    def drive():
        previous = -1
        for beat in range(source.beats):
            source.offer(beat, previous + 1)
            previous = yield source.after(beat)

    schedule.process(drive())
    upstream, upstream_lanes = source, first.simd
    ports = []
    for index, p in enumerate(layers):
        if not isinstance(p, IntMvauParams):
            raise TypeError(f"cannot model {p!r}")
        if index and upstream_lanes != p.simd:
            converted = schedule.stream(f"{p.name}.dwc", inferences * p.sf)
            width_converter_processes(schedule, upstream_lanes, p.simd, upstream, converted)
            upstream = converted
        if p.in_fifo_depth:
            buffered = schedule.stream(f"{p.name}.in_fifo", inferences * p.sf)
            stream_fifo_processes(schedule, p.in_fifo_depth, upstream, buffered)
            upstream = buffered
        out = schedule.stream(f"{p.name}.out", inferences * p.nf)
        int_mvau_processes(schedule, p, upstream, out, inferences)
        ports.append((p, upstream, out))
        upstream, upstream_lanes = out, p.pe
    for beat in range(upstream.beats):
        upstream.accept(beat, NEVER_BLOCKS)
    schedule.run()

    layer_timings = tuple(
        LayerTiming(
            name=p.name,
            cycles_per_vector=int_mvau_cycles_per_vector(p),
            in_beats=tuple(inp.xfer), out_beats=tuple(out.xfer),
            beats_in_per_vector=p.sf, beats_out_per_vector=p.nf,
        )
        for p, inp, out in ports)
    return PipelineTiming(
        inferences=inferences,
        in_beats=tuple(source.xfer),
        out_beats=layer_timings[-1].out_beats,
        layers=layer_timings,
    )
