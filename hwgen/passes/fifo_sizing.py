"""Size the FIFOs of lowered blocks from the pipeline analysis.

1. Each block kind says which FIFOs it has, at their smallest legal depths
   (``CycleModel.fifo_depths``); every port that reads a shared stream gets a branch FIFO.
2. The pipeline is analysed with every one of those FIFOs unbounded and the source
   releasing one inference every ``II`` cycles, ``II`` the slowest block's cycles per
   inference (the best interval any depths can give). The analysis is exact and periodic, so
   it gives each FIFO's largest occupancy over the whole endless run: the depth at which the
   FIFO never delays anything (:mod:`hwgen.perf.fifo_depth`). Those depths, all at once,
   reproduce that run.
3. With ``verify``, the sized pipeline is analysed as it runs in the simulation harness (the
   source back to back): that analysis checks it never deadlocks, measures its interval and
   is what the manifest reports (:class:`SizedPipeline`). A FIFO that the paced run filled
   less than the back-to-back one needs is then deepened to what an analysis of the
   back-to-back run, with those FIFOs unbounded, says; should that still not reach the
   slowest block's interval, the depths stay and the report shows the slower interval (still
   exact).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import IRError
from ..ir.block import DESIGN_INPUT, chain_edges, check_edges, consumers_of
from ..perf.events import CycleModelDeadlock
from ..perf.pipeline import PipelineAnalysis
from ..perf.registry import cycle_model

__all__ = ["size_fifos", "size_pipeline", "SizedPipeline", "steady_state_inferences",
           "fifo_bits"]

_PORT_FIFO = ("in_fifo_depth", "in2_fifo_depth")
#: Inferences the paced run may take to become periodic before its pace counts as too fast.
_PACED_LIMIT = 32


def steady_state_inferences(block_count: int) -> int:
    """Back-to-back inferences the manifest's interval is measured over (its last two)."""
    return 2 * block_count + 6


@dataclass(frozen=True, eq=False)
class SizedPipeline:
    """Blocks with their FIFO depths set, and the analysis of the sized pipeline run back to
    back (None without ``verify``)."""

    blocks: tuple
    edges: tuple
    analysis: PipelineAnalysis | None


def fifo_bits(blocks, edges=None) -> int:
    """Bits of FIFO storage of a sized pipeline: every block's output FIFO and every port or
    branch FIFO, depth times beat width (a branch FIFO holds the producer's beats, a port
    FIFO the beats after the port's width converter)."""
    blocks = tuple(blocks)
    edges = chain_edges(len(blocks)) if edges is None else check_edges(blocks, edges)
    readers = consumers_of(edges)
    bits = 0
    for index, block in enumerate(blocks):
        bits += block.out_fifo_depth * block.output_format.payload_bits
        for port, producer in enumerate(edges[index]):
            depth = block.input_fifo_depths[port]
            if not depth:
                continue
            if len(readers[producer]) > 1:
                fmt = (blocks[producer].output_format if producer != DESIGN_INPUT
                       else blocks[0].input_format)
            else:
                fmt = block.input_formats[port]
            bits += depth * fmt.payload_bits
    return bits


def _floors(blocks, edges) -> tuple:
    sized = []
    for block, producers in zip(blocks, edges):
        upstream = sized[producers[0]] if producers[0] != DESIGN_INPUT else None
        sized.append(replace(block, **cycle_model(block).fifo_depths(block, upstream)))
    for readers in consumers_of(edges).values():
        if len(readers) > 1:
            for b, port in readers:
                field = _PORT_FIFO[port]
                sized[b] = replace(sized[b], **{field: max(1, getattr(sized[b], field))})
    return tuple(sized)


def _deepened(blocks, analysis) -> tuple:
    """``blocks`` with each FIFO of ``analysis`` (an unbounded one) as deep as it needs."""
    blocks = list(blocks)
    for site in analysis.sites:
        depth = max(getattr(blocks[site.block], site.field), analysis.needed_depth(site))
        blocks[site.block] = replace(blocks[site.block], **{site.field: depth})
    return tuple(blocks)


def _ii_bound(blocks) -> int:
    return max(cycle_model(block).ideal_cycles(block) for block in blocks)


def _paced(blocks, edges, interval: int):
    """The run paced at ``interval`` with every FIFO unbounded (periodic if the pipeline can
    keep that pace)."""
    return PipelineAnalysis(blocks, edges, release_interval=interval, unbounded=True,
                            limit=_PACED_LIMIT).run()


def _sustained_interval(analysis) -> int:
    """The interval a pipeline that cannot keep the pace keeps at its output: the mean
    over the last half of the run (its slowest block has long been busy without a break),
    rounded up."""
    last = analysis.timing(analysis.evaluated).last_out
    half = len(last) // 2
    return -(-(last[-1] - last[-1 - half]) // half)


def _back_to_back(blocks, edges):
    """The analysis of the sized pipeline as the harness runs it, or None on deadlock."""
    try:
        return PipelineAnalysis(blocks, edges).run()
    except CycleModelDeadlock:
        return None


def _keeps(analysis, interval: int) -> bool:
    """The periodic run takes at most ``interval`` cycles per inference."""
    p = analysis.periodicity
    return p is not None and p.delta <= p.period * interval


def size_pipeline(blocks, edges=None, *, verify: bool = True) -> SizedPipeline:
    """Size the FIFOs (see the module docstring) and analyse the result once."""
    blocks = tuple(blocks)
    edges = chain_edges(len(blocks)) if edges is None else check_edges(blocks, edges)
    floors = _floors(blocks, edges)
    interval = _ii_bound(floors)
    for _ in range(3):
        paced = _paced(floors, edges, interval)
        if paced.periodic:
            break
        # A block slower than its ideal cycles (e.g. a strided window that still reads
        # every input pixel): pace at what the pipeline sustains.
        interval = max(interval + 1, _sustained_interval(paced))
    else:
        raise IRError("FIFO sizing: the pipeline settles at no interval with unbounded FIFOs; "
                      "a block's cycle model is inconsistent")
    sized = _deepened(floors, paced)
    if not verify:
        return SizedPipeline(sized, edges, None)
    analysis = _back_to_back(sized, edges)
    if analysis is not None and _keeps(analysis, interval):
        return SizedPipeline(sized, edges, analysis)
    raise IRError("FIFO sizing: the back-to-back run does not reach the paced run's interval "
                  f"({'deadlock' if analysis is None else analysis.periodicity})")


def size_fifos(blocks, edges=None, *, verify: bool = True) -> tuple:
    """Blocks with their FIFO depths set (:func:`size_pipeline`)."""
    return size_pipeline(blocks, edges, verify=verify).blocks
