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

The analysis (:class:`PipelineAnalysis`)
----------------------------------------
Every rule is a maximum of earlier transfer times plus constants (max-plus linear), has the
same form in every inference once the FIFOs have filled, and reaches at most ``L``
inferences back (``L``, the pipeline's *reach*, is the largest of every block's
``CycleModel.reach`` and of the FIFOs, converters and forks between them). Write ``x(k)`` for
the transfer cycles of every beat of inference ``k`` on every stream, internal ones included.
Then ``x(k)`` is the least solution of ``x(k) = F(x(k), x(k-1), ..., x(k-L))`` for one
max-plus function ``F`` (for ``k >= L``), and ``F(x + d) = F(x) + d`` for any constant ``d``.

So if ``x(k) = x(k - c) + delta`` holds for ``L`` consecutive inferences ``k = K .. K+L-1``
with ``K - c >= L``, it holds for inference ``K + L`` too (its rules see the same inputs
shifted by ``delta``) and, by induction, for every later one: the run is periodic with
cyclicity ``c`` and ``delta / c`` cycles per inference. The analysis evaluates one inference
at a time (the source releases inference ``k`` only once ``k - 1`` is done: no event of an
inference depends on a later one), compares it with the ``c`` before for every ``c`` up to
:data:`PERIODS`, and stops at the first inference that closes such a window. It keeps
only the last ``L`` inferences of each stream in memory, plus every inference of the streams
at block boundaries. Every transfer of any later inference is then a lookup plus a multiple
of ``delta``: the result is exactly the event-by-event evaluation, for any number of
inferences, at the cost of ``K + L`` inferences (a few on the pipelines hwgen builds),
linear in the number of beats per inference, hence in the network's depth.

The source is a stream like the others (it offers each beat the cycle after the previous
one crossed). Paced (``release_interval``, for the FIFO sizing), it also waits for its
inference's release cycle, which shifts by ``c * release_interval`` every ``c``
inferences: a window counts only with that ``delta``.

A max-plus system like this one (strongly connected through the FIFOs' back-pressure) is
periodic after a transient; should the window not close within ``limit`` inferences (a long
transient, or a cyclicity above :data:`PERIODS`), the analysis simply goes on evaluating as
far as it is asked, still exactly.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..ir.block import DESIGN_INPUT, beats_per_inference, chain_edges, check_edges, consumers_of
from .events import Schedule
from .fifo_depth import needed_depth, read_burst, spare_beats
from .fork import fork_processes
from .registry import cycle_model
from .stream_fifo import stream_fifo_processes, stream_fifo_reach
from .width_converter import width_converter_processes, width_converter_reach

__all__ = ["LayerTiming", "PipelineTiming", "PipelineAnalysis", "Periodicity", "FifoSite",
           "analyse_pipeline", "remember_analysis", "pipeline_timing", "PERIODS"]

#: Cyclicities the analysis tries (``c = 1 .. PERIODS``).
PERIODS = 16


@dataclass(frozen=True)
class Periodicity:
    """``x(k) = x(k - period) + delta`` for every inference ``k >= start``."""

    start: int
    period: int
    delta: int


@dataclass(frozen=True)
class FifoSite:
    """A FIFO whose depth :func:`hwgen.passes.size_fifos` sets: ``field`` of block ``block``.

    ``frees`` names the stream of the analysis whose beats leave the FIFO (its read side).
    In an analysis with unbounded FIFOs, ``log`` names the stream of the times of the events
    the FIFO's depth would delay (``E(b)``, see ``Schedule.fifo_depth``); in one that
    records this FIFO, ``arrivals`` names the stream of the cycles each beat enters it.
    """

    block: int
    field: str
    frees: tuple
    log: tuple | None = None
    arrivals: tuple | None = None


class _Network:
    """The streams and processes of one pipeline, fed one inference at a time."""

    def __init__(self, blocks, edges, *, unbounded: bool, record=()):
        self.schedule = schedule = Schedule()
        self._record = frozenset(record)
        self.keys = {}                                  # key -> stream kept for every inference
        self.sites = []
        first = blocks[0]
        self.beats_in = beats_per_inference(first.input_shape, first.input_format)
        self.gate = schedule.stream("release", None, per=1, always_ready=True)
        source = schedule.stream("input", None, per=self.beats_in)
        self.keys["input"] = source
        reach = 1
        gate = self.gate
        beats_in = self.beats_in

        def drive():
            previous, b = -1, 0
            while True:
                release = yield (gate, b // beats_in)
                for _ in range(beats_in):
                    source.offer(b, release if release > previous else previous + 1)
                    q = b - source.base
                    previous = (source.xfer[q] if 0 <= q < len(source.xfer)
                                else (yield (source, b)))
                    b += 1

        schedule.process(drive())
        consumers = consumers_of(edges)
        port_streams = {}

        def fifo(b, port, stream, depth, name):
            nonlocal reach
            buffered = schedule.stream(name, None, per=stream.per)
            field = _port_field(blocks[b], port)
            log = self._log(blocks[b], field, stream.per, unbounded)
            if unbounded:
                depth = None
            else:
                reach = max(reach, stream_fifo_reach(depth, stream.per))
            self._site(b, field, buffered, log)
            stream_fifo_processes(schedule, depth, stream, buffered, log=log)
            return buffered

        def convert(stream, lanes_in, lanes_out, b, elements):
            nonlocal reach
            if lanes_in == lanes_out:
                return stream
            converted = schedule.stream(f"{blocks[b].name}.dwc", None,
                                        per=stream.per * lanes_in // lanes_out)
            width_converter_processes(schedule, lanes_in, lanes_out, stream, converted)
            reach = max(reach, width_converter_reach(lanes_in, lanes_out, elements))
            return converted

        def connect(producer: int, stream, lanes: int, elements: int) -> None:
            nonlocal reach
            readers = consumers.get(producer, [])
            if len(readers) > 1:
                depths, logs, branches = [], [], []
                for b, port in readers:
                    branch = schedule.stream(f"{blocks[b].name}.fork{port}", None,
                                             per=stream.per)
                    depth = blocks[b].input_fifo_depths[port]
                    field = _port_field(blocks[b], port)
                    log = self._log(blocks[b], field, stream.per, unbounded)
                    if unbounded:
                        depth = None
                    else:
                        reach = max(reach, stream_fifo_reach(depth, stream.per))
                    self._site(b, field, branch, log)
                    depths.append(depth)
                    logs.append(log)
                    branches.append(branch)
                fork_processes(schedule, depths, stream, branches, logs=logs)
                for (b, port), branch in zip(readers, branches, strict=True):
                    port_streams[(b, port)] = convert(
                        branch, lanes, blocks[b].input_formats[port].lanes, b, elements)
                return
            for b, port in readers:
                converted = convert(stream, lanes, blocks[b].input_formats[port].lanes, b,
                                    elements)
                depth = blocks[b].input_fifo_depths[port]
                if depth:
                    converted = fifo(b, port, converted, depth,
                                     f"{blocks[b].name}.in_fifo{port}")
                port_streams[(b, port)] = converted

        connect(DESIGN_INPUT, source, first.input_format.lanes, _elements(first.input_shape))
        for index, block in enumerate(blocks):
            model = cycle_model(block)
            beats_out = beats_per_inference(block.output_shape, block.output_format)
            out = schedule.stream(f"{block.name}.out", None, per=beats_out,
                                  always_ready=index == len(blocks) - 1)
            ports = [port_streams[(index, port)] for port in range(block.inputs)]
            log = self._log(block, "out_fifo_depth", beats_out, unbounded)
            self._site(index, "out_fifo_depth", out, log)
            model.processes(schedule, block, ports[0] if len(ports) == 1 else tuple(ports),
                            out)
            reach = max(reach, model.reach(block))
            self.keys[("in", index)] = ports[0]
            self.keys[("out", index)] = out
            connect(index, out, block.output_format.lanes, _elements(block.output_shape))
        self.reach = reach
        self.state = [s for s in schedule.streams if s is not self.gate]

    def _log(self, block, field: str, per: int, unbounded: bool):
        if unbounded:
            return self.schedule.log_fifo(block, field, per, unbounded=True)
        return None

    def _site(self, block: int, field: str, frees, log) -> None:
        free_key = ("frees", block, field)
        self.keys[free_key] = frees
        log_key = arrivals_key = None
        if log is not None:
            log_key = ("log", block, field)
            self.keys[log_key] = log
        if (block, field) in self._record:
            arrivals_key = ("arrivals", block, field)
            frees.arrivals = self.schedule.stream(f"{frees.name}.arrivals", None, per=frees.per,
                                                  always_ready=True)
            self.keys[arrivals_key] = frees.arrivals
        self.sites.append(FifoSite(block, field, free_key, log_key, arrivals_key))

    def feed(self, k: int, release: int) -> None:
        """Release inference ``k`` at the source (not before cycle ``release``) and evaluate
        every rule that can be; raise if some event of inference ``k`` cannot be known."""
        self.gate.offer(k, release)
        self.schedule.advance()
        short = [s for s in self.state if s.settled < (k + 1) * s.per]
        if short:
            raise self.schedule.deadlock(short)

    def forget_before(self, k: int) -> None:
        """Drop the beats of inferences before ``k`` (no rule of a later one reads them)."""
        self.schedule.forget({s: k * s.per for s in self.schedule.streams})


def _port_field(block, port: int) -> str:
    return "in_fifo_depth" if port == 0 else f"in{port + 1}_fifo_depth"


def _elements(shape) -> int:
    count = 1
    for n in shape:
        count *= n
    return count


def _inference(stream, k: int) -> np.ndarray:
    start = k * stream.per - stream.base
    return np.array(stream.xfer[start:start + stream.per], dtype=np.int64)


class PipelineAnalysis:
    """The exact transfer times of a pipeline, for any number of back-to-back inferences.

    Parameters
    ----------
    blocks : sequence of block parameters, in topological order
    edges : sequence of tuples, optional
        Producer of each input port of each block (default: a chain).
    release_interval : int, optional
        Release inference ``k`` at the source no earlier than cycle ``k * release_interval``
        (default: back to back, as the simulation harness does).
    unbounded : bool
        Run every FIFO that :func:`hwgen.passes.size_fifos` sizes without a depth limit, and
        record per FIFO when each beat would need room (:attr:`sites`, :meth:`needed_depth`).
    record : collection of (block index, field)
        FIFOs whose arrivals to record: when each beat enters (:meth:`spare_beats`,
        :meth:`read_burst`).
    limit : int
        Inferences evaluated while looking for the periodic regime before giving up the search
        (evaluation then goes on only as far as asked).
    shortcut : bool
        False evaluates every inference asked for, event by event (a reference for tests).
    """

    def __init__(self, blocks, edges=None, *, release_interval: int | None = None,
                 unbounded: bool = False, record=(), limit: int | None = None,
                 shortcut: bool = True):
        self.blocks = tuple(blocks)
        if not self.blocks:
            raise ValueError("a pipeline needs at least one block")
        self.edges = (chain_edges(len(self.blocks)) if edges is None
                      else check_edges(self.blocks, edges))
        self.release_interval = release_interval
        self._net = _Network(self.blocks, self.edges, unbounded=unbounded, record=record)
        self.reach = self._net.reach
        self.sites = tuple(self._net.sites)
        self.limit = max(64, 8 * self.reach + 2 * PERIODS) if limit is None else limit
        self._shortcut = shortcut
        self._kept = {key: [] for key in self._net.keys}
        self._per = {key: s.per for key, s in self._net.keys.items()}
        self._states = deque(maxlen=PERIODS + 1)
        self._runs = {}
        self.evaluated = 0
        self.periodicity: Periodicity | None = None

    # -- evaluation ----------------------------------------------------------------------
    def _step(self) -> None:
        k = self.evaluated
        net = self._net
        release = -1 if self.release_interval is None else k * self.release_interval
        net.feed(k, release)
        for key, stream in net.keys.items():
            self._kept[key].append(_inference(stream, k))
        self.evaluated = k + 1
        if self._shortcut:
            if k < self.limit:
                self._detect(k, np.concatenate([_inference(s, k) for s in net.state]))
            if self._net is not None:
                net.forget_before(k + 1 - self.reach)

    def _detect(self, k: int, state: np.ndarray) -> None:
        """Close the periodicity window at inference ``k`` if the last ``L`` inferences each
        repeat the one ``c`` before with one shift (see the module docstring)."""
        L = self.reach
        for c in range(1, min(PERIODS, k) + 1):
            step = state - self._states[-c]
            delta = int(step[0])
            if not (step == delta).all():
                self._runs[c] = (0, None)
                continue
            run, previous = self._runs.get(c, (0, None))
            run = run + 1 if previous == delta else 1
            self._runs[c] = (run, delta)
            start = k - L + 1
            if run >= L and start - c >= L:
                if (self.release_interval is not None
                        and delta != c * self.release_interval):
                    continue            # the source's releases are not shifted by delta
                self.periodicity = Periodicity(start, c, delta)
                break
        self._states.append(state)
        if self.periodicity is not None:
            self._done()

    def _done(self) -> None:
        """Periodic: keep the first ``start`` inferences and drop the network."""
        start = self.periodicity.start
        self._kept = {key: np.concatenate(parts[:start]) for key, parts in self._kept.items()}
        self._net = None
        self._states.clear()

    def run(self, inferences: int | None = None) -> "PipelineAnalysis":
        """Evaluate until the run is periodic (within :attr:`limit` inferences), or until
        ``inferences`` are known if that comes first."""
        while self.periodicity is None:
            if inferences is not None and self.evaluated >= inferences:
                break
            if inferences is None and (self.evaluated >= self.limit or not self._shortcut):
                break
            self._step()
        return self

    # -- results -------------------------------------------------------------------------
    @property
    def periodic(self) -> bool:
        return self.periodicity is not None

    def times(self, key, inferences: int) -> np.ndarray:
        """Transfer cycles of every beat of ``inferences`` inferences on the stream ``key``
        (``"input"``, ``("in", block)``, ``("out", block)`` or a :class:`FifoSite`'s)."""
        p = self.periodicity
        if p is None:
            while self.evaluated < inferences:
                self._step()
                if self.periodicity is not None:
                    return self.times(key, inferences)
            return np.concatenate(self._kept[key][:inferences])
        head, per = self._kept[key], self._per[key]
        if inferences <= p.start:
            return head[:inferences * per]
        cycle = head[(p.start - p.period) * per:].reshape(p.period, per)
        ks = np.arange(p.start, inferences) - p.start
        rows = cycle[ks % p.period] + (ks // p.period + 1)[:, None] * p.delta
        return np.concatenate([head, rows.reshape(-1)])

    def beat_column(self, key, beat: int, inferences: int) -> np.ndarray:
        """Transfer cycle of beat ``beat`` of each of ``inferences`` inferences on ``key``."""
        per = self._per[key]
        p = self.periodicity
        if p is None:
            return self.times(key, inferences)[beat::per]
        head = self._kept[key]
        ks = np.arange(inferences)
        known = ks < p.start
        out = np.empty(inferences, dtype=np.int64)
        out[known] = head[ks[known] * per + beat]
        later = ks[~known]
        rows = p.start - p.period + (later - p.start) % p.period
        out[~known] = head[rows * per + beat] + ((later - p.start) // p.period + 1) * p.delta
        return out

    def per_inference(self, key) -> int:
        return self._per[key]

    def timing(self, inferences: int) -> "PipelineTiming":
        """The transfer cycles of ``inferences`` back-to-back inferences."""
        if inferences < 1:
            raise ValueError("need at least one inference")
        layers = tuple(LayerTiming(self, index, block, inferences)
                       for index, block in enumerate(self.blocks))
        return PipelineTiming(self, inferences, layers)

    def needed_depth(self, site: FifoSite) -> int:
        """Smallest depth of ``site``'s FIFO that delays no beat more than in this run:
        ``max_b (b + 1 - n_b)``, ``n_b`` the beats that have left by ``E(b) - 1``."""
        return needed_depth(self, site)

    def read_burst(self, site: FifoSite) -> int:
        """Most beats read out of ``site``'s FIFO in consecutive cycles, in one period of
        the periodic regime (:func:`hwgen.perf.fifo_depth.read_burst`)."""
        return read_burst(self, site)

    def spare_beats(self, site: FifoSite) -> int:
        """Fewest beats ``site``'s FIFO holds beyond the one being read, at any read of the
        periodic regime (:func:`hwgen.perf.fifo_depth.spare_beats`)."""
        return spare_beats(self, site)


class LayerTiming:
    """Transfer cycles at one block's boundaries (its first input port and its output)."""

    def __init__(self, analysis: PipelineAnalysis, index: int, block, inferences: int):
        self._analysis = analysis
        self._index = index
        self.inferences = inferences
        self.name = block.name
        self.cycles_per_vector = cycle_model(block).ideal_cycles(block)
        self.beats_in_per_vector = analysis.per_inference(("in", index))
        self.beats_out_per_vector = analysis.per_inference(("out", index))

    @cached_property
    def in_beats(self) -> tuple:
        """Transfer cycle of every input beat of the block."""
        return tuple(self._analysis.times(("in", self._index), self.inferences).tolist())

    @cached_property
    def out_beats(self) -> tuple:
        """Transfer cycle of every output beat of the block."""
        return tuple(self._analysis.times(("out", self._index), self.inferences).tolist())

    @cached_property
    def first_in(self) -> tuple:
        """Cycle of the block's first input beat, per inference."""
        return tuple(self._analysis.beat_column(("in", self._index), 0,
                                                self.inferences).tolist())

    @cached_property
    def last_out(self) -> tuple:
        """Cycle of the block's last output beat, per inference."""
        return tuple(self._analysis.beat_column(("out", self._index),
                                                self.beats_out_per_vector - 1,
                                                self.inferences).tolist())

    @property
    def latency(self) -> int:
        """First input beat to last output beat of the first inference, in cycles."""
        return self.last_out[0] - self.first_in[0]


class PipelineTiming:
    """Transfer cycles of a run of back-to-back inferences."""

    def __init__(self, analysis: PipelineAnalysis, inferences: int, layers: tuple):
        self.analysis = analysis
        self.inferences = inferences
        self.layers = layers

    @cached_property
    def in_beats(self) -> tuple:
        """Transfer cycle of every beat at the accelerator's input."""
        return tuple(self.analysis.times("input", self.inferences).tolist())

    @property
    def out_beats(self) -> tuple:
        """Transfer cycle of every beat at the accelerator's output."""
        return self.layers[-1].out_beats

    @cached_property
    def first_in(self) -> tuple:
        """Cycle the first input beat of each inference was accepted."""
        return tuple(self.analysis.beat_column("input", 0, self.inferences).tolist())

    @property
    def last_out(self) -> tuple:
        """Cycle the last output beat of each inference was accepted."""
        return self.layers[-1].last_out

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


#: The analyses of the last pipelines asked about: ``(id(blocks), edges) -> (blocks,
#: analysis)``. Keyed by the identity of the blocks tuple (held, so the identity stays
#: unique), so the compile flow, the manifest and the simulation share one analysis.
_RECENT: OrderedDict = OrderedDict()
_RECENT_SIZE = 2


def remember_analysis(analysis: PipelineAnalysis) -> None:
    """Share ``analysis`` (back to back, no options) with later :func:`analyse_pipeline`
    calls about the same blocks tuple."""
    _RECENT[(id(analysis.blocks), analysis.edges)] = (analysis.blocks, analysis)
    _RECENT.move_to_end((id(analysis.blocks), analysis.edges))
    while len(_RECENT) > _RECENT_SIZE:
        _RECENT.popitem(last=False)


def analyse_pipeline(blocks, edges=None) -> PipelineAnalysis:
    """The analysis of ``blocks`` run back to back, until periodic (see the module
    docstring); the same object for the same blocks tuple asked about again soon."""
    blocks = blocks if isinstance(blocks, tuple) else tuple(blocks)
    edges = chain_edges(len(blocks)) if edges is None else check_edges(blocks, edges)
    hit = _RECENT.get((id(blocks), edges))
    if hit is not None and hit[0] is blocks:
        _RECENT.move_to_end((id(blocks), edges))
        return hit[1]
    analysis = PipelineAnalysis(blocks, edges).run()
    remember_analysis(analysis)
    return analysis


def pipeline_timing(blocks, inferences: int, edges=None) -> PipelineTiming:
    """Exact transfer cycles of ``inferences`` back-to-back inferences through ``blocks``.

    Parameters
    ----------
    blocks : sequence of block parameters, in topological order
    inferences : int
    edges : sequence of tuples, optional
        Producer of each input port of each block (default: a chain).
    """
    if inferences < 1:
        raise ValueError("need at least one inference")
    return analyse_pipeline(blocks, edges).timing(inferences)


