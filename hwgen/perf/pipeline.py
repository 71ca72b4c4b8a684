"""Cycle model of the whole accelerator (``hwgen.hw.accelerator.Accelerator``).

The source offers input beats back to back from cycle 0 (the next beat the cycle after a
transfer) and the sink is always ready, as in the simulation harness. The model gives the
exact cycle of every transfer at every block boundary; from those come each inference's
latency (first input beat accepted to last output beat accepted) and the initiation interval
(cycles between the last output beats of consecutive inferences in steady state).

Blocks form a graph (``edges``, see :func:`hwgen.ir.block.check_edges`); the connections
are modelled exactly as the accelerator builds them: a stream read by one port goes through a
width converter if the lane counts differ, then through the port's FIFO if it has one; a
stream read by several ports goes through a fork whose branch FIFOs are those ports' FIFOs,
then through a width converter per branch where needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir.block import DESIGN_INPUT, beats_per_inference, chain_edges, check_edges, consumers_of
from .events import NEVER_BLOCKS, Schedule
from .fork import fork_processes
from .registry import cycle_model
from .stream_fifo import stream_fifo_processes
from .width_converter import width_converter_processes

__all__ = ["LayerTiming", "PipelineTiming", "pipeline_timing"]


@dataclass(frozen=True)
class LayerTiming:
    """Transfer cycles at one block's boundaries (its first input port and its output)."""

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


def pipeline_timing(blocks, inferences: int, edges=None) -> PipelineTiming:
    """Exact transfer cycles of ``inferences`` back-to-back inferences through ``blocks``.

    Long runs are not evaluated beat by beat to the end. Every rule refers to earlier beats
    only, so the first ``m`` inferences of a longer run are exactly those of an ``m``-inference
    run; and every rule has the same shape in every inference, so once all event times of
    ``lookback + 1`` consecutive inferences (on every stream, internal ones included) are those
    of the inference before plus one constant ``delta``, every later inference repeats the
    pattern exactly (by induction over the rules, none of which reaches further back than
    ``lookback`` inferences). The model evaluates growing prefixes until it sees that, then
    extends the times by ``delta`` per inference.

    Parameters
    ----------
    blocks : sequence of block parameters, in topological order
    inferences : int
    edges : sequence of tuples, optional
        Producer of each input port of each block (default: a chain).
    """
    blocks = tuple(blocks)
    if inferences < 1:
        raise ValueError("need at least one inference")
    edges = chain_edges(len(blocks)) if edges is None else check_edges(blocks, edges)
    window = _lookback(blocks) + 1
    prefix = 4 * window + 8
    while prefix < inferences:
        schedule, timing = _evaluate(blocks, prefix, edges)
        delta = _period(schedule, prefix, window)
        if delta is not None:
            return _extend(timing, inferences, delta)
        prefix *= 2
    return _evaluate(blocks, inferences, edges)[1]


def _lookback(blocks) -> int:
    """How many inferences back any rule reaches, at most (a generous bound).

    Rules look back through FIFOs, credits and line buffers: a depth of ``d`` beats on a
    stream of ``b`` beats per inference reaches ``ceil(d / b)`` inferences back; a sliding
    window's buffer rows reach ``ceil(rows / height)`` images back; one more for rules that
    refer to the previous beat across an inference boundary.
    """
    reach = 1
    for block in blocks:
        beats = min(beats_per_inference(block.input_shape, block.input_format),
                    beats_per_inference(block.output_shape, block.output_format))
        for name in ("out_fifo_depth", "in_fifo_depth", "in2_fifo_depth"):
            depth = getattr(block, name, 0) or 0
            reach = max(reach, -(-depth // beats) + 1)
        rows, height = getattr(block, "buffer_rows", 0), getattr(block, "height", 1)
        reach = max(reach, -(-rows // height) + 1)
    return reach + 1


def _period(schedule, inferences: int, window: int):
    """``delta`` if the last ``window`` inferences each repeat the one before shifted by
    ``delta`` on every stream, else None."""
    delta = None
    for stream in schedule.streams:
        per = stream.beats // inferences
        if per * inferences != stream.beats:
            return None
        if per == 0:
            continue
        times = stream.xfer
        for k in range(inferences - window, inferences):
            for j in range(per):
                step = times[k * per + j] - times[(k - 1) * per + j]
                if delta is None:
                    delta = step
                elif step != delta:
                    return None
    return delta


def _extend(timing: "PipelineTiming", inferences: int, delta: int) -> "PipelineTiming":
    def extended(times, per_inference):
        times = list(times)
        done = len(times) // per_inference
        last = times[-per_inference:]
        for k in range(1, inferences - done + 1):
            times.extend(t + k * delta for t in last)
        return tuple(times)

    n = timing.inferences
    layers = tuple(
        LayerTiming(name=layer.name, cycles_per_vector=layer.cycles_per_vector,
                    in_beats=extended(layer.in_beats, len(layer.in_beats) // n),
                    out_beats=extended(layer.out_beats, len(layer.out_beats) // n),
                    beats_in_per_vector=layer.beats_in_per_vector,
                    beats_out_per_vector=layer.beats_out_per_vector)
        for layer in timing.layers)
    return PipelineTiming(inferences=inferences,
                          in_beats=extended(timing.in_beats, len(timing.in_beats) // n),
                          out_beats=layers[-1].out_beats, layers=layers)


def _evaluate(blocks, inferences: int, edges):
    """Evaluate every rule for ``inferences`` inferences: (schedule, PipelineTiming)."""
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
    consumers = consumers_of(edges)
    port_streams = {}                       # (block, port) -> stream the port reads

    def connect(producer: int, stream, lanes: int) -> None:
        readers = consumers.get(producer, [])
        if len(readers) > 1:
            depths = [blocks[b].input_fifo_depths[port] for b, port in readers]
            branches = [schedule.stream(f"{blocks[b].name}.fork{port}", stream.beats)
                        for b, port in readers]
            fork_processes(schedule, depths, stream, branches)
            for (b, port), branch in zip(readers, branches, strict=True):
                port_streams[(b, port)] = _convert(schedule, branch, lanes,
                                                   blocks[b].input_formats[port].lanes,
                                                   blocks[b])
            return
        for b, port in readers:
            fmt = blocks[b].input_formats[port]
            converted = _convert(schedule, stream, lanes, fmt.lanes, blocks[b])
            depth = blocks[b].input_fifo_depths[port]
            if depth:
                buffered = schedule.stream(f"{blocks[b].name}.in_fifo{port}", converted.beats)
                stream_fifo_processes(schedule, depth, converted, buffered)
                converted = buffered
            port_streams[(b, port)] = converted

    connect(DESIGN_INPUT, source, first.input_format.lanes)
    timings = []
    for index, block in enumerate(blocks):
        model = cycle_model(block)
        beats_in = beats_per_inference(block.input_shape, block.input_format)
        beats_out = beats_per_inference(block.output_shape, block.output_format)
        out = schedule.stream(f"{block.name}.out", inferences * beats_out)
        ports = [port_streams[(index, port)] for port in range(block.inputs)]
        model.processes(schedule, block, ports[0] if len(ports) == 1 else tuple(ports), out,
                        inferences)
        timings.append((block, model, ports[0], out, beats_in, beats_out))
        connect(index, out, block.output_format.lanes)
    output = timings[-1][3]
    for beat in range(output.beats):
        output.accept(beat, NEVER_BLOCKS)
    schedule.run()

    layer_timings = tuple(
        LayerTiming(name=block.name, cycles_per_vector=model.ideal_cycles(block),
                    in_beats=tuple(inp.xfer), out_beats=tuple(out.xfer),
                    beats_in_per_vector=beats_in, beats_out_per_vector=beats_out)
        for block, model, inp, out, beats_in, beats_out in timings)
    return schedule, PipelineTiming(inferences=inferences, in_beats=tuple(source.xfer),
                                    out_beats=layer_timings[-1].out_beats, layers=layer_timings)


def _convert(schedule, stream, lanes_in: int, lanes_out: int, block):
    if lanes_in == lanes_out:
        return stream
    converted = schedule.stream(f"{block.name}.dwc", stream.beats * lanes_in // lanes_out)
    width_converter_processes(schedule, lanes_in, lanes_out, stream, converted)
    return converted
