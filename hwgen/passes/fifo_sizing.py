"""Size the FIFOs of lowered blocks from the pipeline analysis (``hwgen.perf.pipeline``).

1. Each block kind says which FIFOs it has, their smallest legal depths and the depths with
   which it runs at full rate on its own (``CycleModel``); every port that reads a shared
   stream gets a branch FIFO.
2. Paced run: the pipeline analysed with every FIFO unbounded and the source releasing one
   inference every ``II`` cycles, ``II`` the slowest block's cycles per inference (the best
   interval any depths give; if the run cannot keep that pace, the interval it sustains).
   The analysis is exact and periodic, so it gives each FIFO's largest occupancy over the
   endless run: the depth at which the FIFO delays nothing (``hwgen.perf.fifo_depth``).
   Those depths, all at once, reproduce the paced run; run back to back (the harness's
   source) they never do worse, as starting inferences earlier makes no transfer later:
   they keep ``II`` and never deadlock ("safe" depths).
3. Measured run: the safe depths back to back. A producer with slack ran ahead of its
   consumer in the paced run (its occupancy holds beats fetched early); the measured run
   shows how many of them its consumer never needed in time. The candidate depths drop
   those (keeping one read burst), cap the rest at the kind's own depth, and cap an input
   FIFO of a block with slack at its read burst.
4. The candidate's exact back-to-back analysis must keep ``II`` without deadlock; else each
   shallower FIFO gets back the beats its consumer reads in the cycles lost (half of what it
   lost after a deadlock), up to three times, and finally the safe depths stay.
5. Tightening: the FIFOs that hold a large share of the bits (a window's whole patch in
   front of an MVAU with slack) may need far less than a full-rate depth. Each, largest
   first, tries its floor, then a half and a quarter of its depth (the shallowest first),
   and keeps the first whose exact back-to-back analysis keeps ``II`` without deadlock: at
   most three analyses per FIFO, for a few FIFOs.

The last analysis is the design's cycle model (:class:`SizedPipeline`); it is shared with
the manifest and the simulation. Deadlock checks, depths and the interval come from the same
analysis; no depth is found by doubling.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import IRError
from ..ir.block import DESIGN_INPUT, chain_edges, check_edges, consumers_of
from ..perf.events import CycleModelDeadlock
from ..perf.pipeline import PipelineAnalysis, remember_analysis
from ..perf.registry import cycle_model

__all__ = ["size_fifos", "size_pipeline", "SizedPipeline", "steady_state_inferences",
           "fifo_bits"]

_PORT_FIFO = ("in_fifo_depth", "in2_fifo_depth")
#: Inferences the paced run may take to become periodic before its pace counts as too fast.
_PACED_LIMIT = 32
_PACED_LIMIT_MAX = 1024
#: Candidates tried when making FIFOs shallower than the paced run's occupancies.
_ATTEMPTS = 3


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


def _fifo_width(blocks, edges, index: int, field: str) -> int:
    """Beat width of one FIFO (as :func:`fifo_bits` counts it)."""
    block = blocks[index]
    if field == "out_fifo_depth":
        return block.output_format.payload_bits
    port = _PORT_FIFO.index(field)
    producer = edges[index][port]
    if len(consumers_of(edges)[producer]) > 1:
        fmt = (blocks[producer].output_format if producer != DESIGN_INPUT
               else blocks[0].input_format)
        return fmt.payload_bits
    return block.input_formats[port].payload_bits


def fifo_bits(blocks, edges=None) -> int:
    """Bits of FIFO storage of a sized pipeline: every block's output FIFO and every port or
    branch FIFO, depth times beat width (a branch FIFO holds the producer's beats, a port
    FIFO the beats after the port's width converter)."""
    blocks = tuple(blocks)
    edges = chain_edges(len(blocks)) if edges is None else check_edges(blocks, edges)
    bits = 0
    for index, block in enumerate(blocks):
        bits += block.out_fifo_depth * block.output_format.payload_bits
        for port, depth in enumerate(block.input_fifo_depths[:len(edges[index])]):
            if depth:
                bits += depth * _fifo_width(blocks, edges, index, _PORT_FIFO[port])
    return bits


def _rule_depths(blocks, edges, rule: str) -> tuple:
    """``blocks`` with each kind's FIFO depths: ``rule`` ``"natural"`` (the depths with
    which the block runs at full rate on its own) or ``"least"`` (the smallest legal ones);
    every port that reads a shared stream has a branch FIFO."""
    sized = []
    for block, producers in zip(blocks, edges, strict=True):
        upstream = blocks[producers[0]] if producers[0] != DESIGN_INPUT else None
        model = cycle_model(block)
        depths = (model.fifo_depths(block, upstream) if rule == "natural"
                  else model.smallest_depths(block, upstream))
        sized.append(replace(block, **depths))
    for readers in consumers_of(edges).values():
        if len(readers) > 1:
            for b, port in readers:
                field = _PORT_FIFO[port]
                sized[b] = replace(sized[b], **{field: max(1, getattr(sized[b], field))})
    return tuple(sized)


def _floors(blocks, edges) -> tuple:
    return _rule_depths(blocks, edges, "least")


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


def _back_to_back(blocks, edges, *, record=()):
    """The analysis of the sized pipeline as the harness runs it, or None on deadlock (a
    long transient gets a longer search for the periodic regime)."""
    try:
        analysis = PipelineAnalysis(blocks, edges, record=record).run()
        while not analysis.periodic and analysis.limit < _PACED_LIMIT_MAX:
            analysis.limit *= 2
            analysis.run()
        return analysis
    except CycleModelDeadlock:
        return None


def _keeps(analysis, interval: int) -> bool:
    """The periodic run takes at most ``interval`` cycles per inference."""
    p = analysis.periodicity
    return p is not None and p.delta <= p.period * interval


def _depth(blocks, site) -> int:
    return getattr(blocks[site.block], site.field)


def _with_depths(blocks, depths: dict) -> tuple:
    blocks = list(blocks)
    for (index, field), depth in depths.items():
        blocks[index] = replace(blocks[index], **{field: depth})
    return tuple(blocks)


def _critical(blocks, edges, interval: int) -> set:
    """Indices of the blocks that take ``interval`` cycles per inference (no slack)."""
    return {index for index, block in enumerate(blocks)
            if cycle_model(block).ideal_cycles(block) >= interval}


def _consumers(site, edges) -> list:
    if site.field != "out_fifo_depth":
        return [site.block]
    return [b for b, ports in enumerate(edges) if site.block in ports]


def _shrinkable(safe, floors, edges, interval: int) -> set:
    """The FIFOs :func:`_shallower` may make shallower: deeper than their floor, their
    producer with slack (the paced occupancy is what a producer without slack needs)."""
    critical = _critical(safe, edges, interval)
    keys = set()
    for index, block in enumerate(safe):
        for port, producer in enumerate(edges[index]):
            field = _PORT_FIFO[port]
            if producer not in critical and getattr(block, field) > getattr(floors[index],
                                                                            field):
                keys.add((index, field))
        if index not in critical and block.out_fifo_depth > floors[index].out_fifo_depth:
            keys.add((index, "out_fifo_depth"))
    return keys


def _shallower(safe, natural, floors, edges, interval: int, measured) -> dict:
    """Candidate depths from the ``measured`` back-to-back run of ``safe``, for the FIFOs it
    recorded (:func:`_shrinkable`).

    A producer with slack may have run ahead of its consumer in the paced run: its FIFO
    loses the beats its consumer never needed in time (more than one read burst of them at
    every read) but one burst, or else keeps at most its kind's own depth (``natural``; a
    branch FIFO keeps its depth). An input FIFO of a block with slack keeps at most that
    block's longest read burst and one beat more.
    """
    critical = _critical(safe, edges, interval)
    forked = {(b, _PORT_FIFO[port]) for readers in consumers_of(edges).values()
              if len(readers) > 1 for b, port in readers}
    depths = {}
    for site in measured.sites:
        if site.arrivals is None:
            continue
        key = (site.block, site.field)
        depth = _depth(safe, site)
        spare = measured.spare_beats(site)
        burst = measured.read_burst(site)
        if spare > burst:
            used = depth - spare + burst
        elif key in forked:
            used = depth
        else:
            used = min(depth, _depth(natural, site))
        # (An output FIFO's credits also pace its own block: no burst limit there.)
        if site.field != "out_fifo_depth" and not critical.intersection(
                _consumers(site, edges)):
            used = min(used, burst + 1)
        used = max(used, _depth(floors, site))
        if used < depth:
            depths[key] = used
    return depths


def _shrunk(safe, natural, floors, edges, interval: int, measured):
    """The shallowest verified depths found from ``measured`` (the analysis of ``safe``),
    and their analysis; ``safe`` and ``measured`` if no candidate keeps the interval.

    A candidate whose run is slower by ``x`` cycles per inference gets back, in each FIFO it
    made shallower, the beats that FIFO's consumer reads in ``x`` cycles (and one more);
    one that deadlocks, half of what it took away.
    """
    depths = _shallower(safe, natural, floors, edges, interval, measured)
    sites = {(site.block, site.field): site for site in measured.sites}
    for _ in range(_ATTEMPTS):
        if not depths:
            break
        candidate = _with_depths(safe, depths)
        analysis = _back_to_back(candidate, edges)
        if analysis is not None and _keeps(analysis, interval):
            return candidate, analysis
        grown = {}
        for key, depth in depths.items():
            full = getattr(safe[key[0]], key[1])
            if analysis is None:
                more = -(-(full - depth) // 2)
            else:
                p = analysis.periodicity
                lost = -(-(p.delta - p.period * interval) // p.period) if p else full
                per = measured.per_inference(sites[key].frees)
                more = -(-lost * per // interval) + 1
            if depth + more < full:
                grown[key] = depth + more
        depths = grown
    return safe, measured


def _above_floor(blocks, floors) -> list:
    """``(index, field)`` of every FIFO deeper than its floor."""
    return [(index, field) for index, block in enumerate(blocks)
            for field in ("out_fifo_depth", *_PORT_FIFO)
            if getattr(block, field, 0) > getattr(floors[index], field, 0)]


#: Step 5 looks at the FIFOs holding at least this share of the design's FIFO bits.
_TIGHTEN_SHARE = 0.05
#: Depths step 5 tries for one FIFO (each one exact analysis): its floor, then halvings.
_TIGHTEN_TRIES = 3
#: Inferences a step-5 candidate may take to become periodic: one that keeps the interval
#: settles within a few; a slower one can take dozens, and is refused without waiting.
_TIGHTEN_LIMIT = 16


def _trial_keeps(blocks, edges, interval: int):
    """The analysis of ``blocks`` back to back if it is periodic within
    :data:`_TIGHTEN_LIMIT` inferences and keeps ``interval``, else None."""
    try:
        analysis = PipelineAnalysis(blocks, edges, limit=_TIGHTEN_LIMIT).run()
    except CycleModelDeadlock:
        return None
    return analysis if analysis.periodic and _keeps(analysis, interval) else None


def _tightened(blocks, analysis, floors, edges, interval: int):
    """Step 5 of the module docstring: shallower verified depths and their analysis (the
    arguments themselves when no candidate keeps ``interval``)."""
    def bits(site_blocks, key):
        index, field = key
        return getattr(site_blocks[index], field) * _fifo_width(site_blocks, edges, index, field)

    keys = sorted(_above_floor(blocks, floors), key=lambda k: (-bits(blocks, k), k))
    for key in keys:
        if bits(blocks, key) < _TIGHTEN_SHARE * fifo_bits(blocks, edges):
            break
        floor, depth = getattr(floors[key[0]], key[1]), getattr(blocks[key[0]], key[1])
        trials = [floor] + [depth >> n for n in range(1, _TIGHTEN_TRIES)]
        for trial in sorted({t for t in trials if floor <= t < depth}):
            candidate = _with_depths(blocks, {key: trial})
            verified = _trial_keeps(candidate, edges, interval)
            if verified is not None:
                blocks, analysis = candidate, verified
                break
    return blocks, analysis


def size_pipeline(blocks, edges=None, *, verify: bool = True) -> SizedPipeline:
    """Size the FIFOs (see the module docstring) and analyse the result once."""
    blocks = tuple(blocks)
    edges = chain_edges(len(blocks)) if edges is None else check_edges(blocks, edges)
    floors = _floors(blocks, edges)
    interval = _ii_bound(floors)
    for _ in range(8):
        paced = _paced(floors, edges, interval)
        while not paced.periodic and _sustained_interval(paced) <= interval \
                and paced.limit < _PACED_LIMIT_MAX:
            paced.limit *= 2                    # keeps the pace: a long transient
            paced.run()
        if paced.periodic:
            break
        # A block slower than its ideal cycles (e.g. a strided window that still reads
        # every input pixel): pace at what the pipeline sustains.
        interval = max(interval + 1, _sustained_interval(paced))
    else:
        raise IRError("FIFO sizing: the pipeline settles at no interval with unbounded FIFOs; "
                      "a block's cycle model is inconsistent")
    safe = _deepened(floors, paced)
    if not verify:
        return SizedPipeline(safe, edges, None)
    # Never slower than the paced run: starting every inference earlier makes no transfer
    # later (the rules are monotone), so the back-to-back run's outputs keep the pace.
    measured = _back_to_back(safe, edges, record=_shrinkable(safe, floors, edges, interval))
    if measured is None or not _keeps(measured, interval):
        raise IRError("FIFO sizing: the back-to-back run of FIFOs sized from the paced run "
                      f"does not keep its interval ({measured and measured.periodicity}); a "
                      "cycle model is not monotone")
    natural = _rule_depths(blocks, edges, "natural")
    sized, analysis = _shrunk(safe, natural, floors, edges, interval, measured)
    sized, analysis = _tightened(sized, analysis, floors, edges, interval)
    # Later questions about these very blocks (the manifest, a simulation) get this analysis.
    remember_analysis(analysis)
    return SizedPipeline(sized, edges, analysis)


def size_fifos(blocks, edges=None, *, verify: bool = True) -> tuple:
    """Blocks with their FIFO depths set (:func:`size_pipeline`)."""
    return size_pipeline(blocks, edges, verify=verify).blocks
