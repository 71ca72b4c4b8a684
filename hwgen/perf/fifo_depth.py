"""FIFO depths read off a pipeline analysis run without depth limits.

Every depth-limited rule has the same form: beat ``b`` enters a FIFO of depth ``D`` only
once beat ``b - D`` has left it, which adds the term ``out[b - D] + 1`` to the maximum that
fixes some event ``E(b)`` (the write itself, or the fold or read step the credit gates). A
run without the limit gives ``E(b)`` and ``out`` for every beat. If ``out[b - D] + 1 <= E(b)``
for every ``b``, adding the terms changes no maximum, so that run is also the run with depth
``D``: the least ``D`` with this property, ``max_b (b + 1 - n_b)`` with ``n_b`` the number
of beats that have left by cycle ``E(b) - 1``, is the depth that never delays anything. It
is the FIFO's largest occupancy, counted the way the hardware frees a slot (a read in cycle
``t`` makes room for a write in ``t + 1``). Depths chosen this way for every FIFO at once
keep the whole run unchanged, for the same reason.

:func:`spare_beats` reads a bounded run instead (the FIFOs at their depths, the source back
to back): the fewest beats a FIFO held, beyond the one being read, at any read of the
periodic regime. A producer that runs ahead of its consumer fills its FIFO and is then held
back by it; the bottom ``spare`` beats of such a FIFO are never read in time to matter,
which makes ``depth - spare`` a candidate for a shallower FIFO (not a proof: a shallower
FIFO holds the producer back earlier; ``hwgen.passes.size_fifos`` verifies every
candidate with the exact analysis).
"""

from __future__ import annotations

import numpy as np

__all__ = ["needed_depth", "spare_beats", "read_burst"]


def needed_depth(analysis, site) -> int:
    """Smallest depth of ``site``'s FIFO (a :class:`hwgen.perf.pipeline.FifoSite`) that
    changes nothing in ``analysis``'s run, over every inference of the run (the run's depth
    or less, for a run that had a depth).

    The run is periodic (``analysis.periodicity``): beats and their times repeat with
    shift ``delta`` every ``period`` inferences, so the occupancy of one period far enough
    from the start stands for every later one.
    """
    p = analysis.periodicity
    if p is None:
        raise ValueError("the FIFO depths need a periodic analysis")
    per = analysis.per_inference(site.log)
    horizon = p.start + 2 * p.period
    while True:
        slots = analysis.times(site.log, horizon)
        leaves = analysis.times(site.frees, horizon)
        gone = np.searchsorted(leaves, slots - 1, side="right")
        depth = max(1, int((np.arange(len(slots)) + 1 - gone).max()))
        # The last period's beats count beats that left in the periodic part only: every
        # later period repeats their occupancy.
        if gone[(horizon - p.period) * per:].min() >= p.start * per:
            return depth
        horizon += p.period * (1 + depth // max(1, per * p.period))


def spare_beats(analysis, site) -> int:
    """Fewest beats ``site``'s FIFO holds beyond the one being read, over every read of one
    period of ``analysis``'s periodic regime (which every later period repeats), in a run
    that recorded arrivals (``PipelineAnalysis(arrivals=True)``)."""
    p = analysis.periodicity
    if p is None or site.arrivals is None:
        raise ValueError("spare beats need a periodic analysis that recorded arrivals")
    per = analysis.per_inference(site.frees)
    first = p.start - p.period
    # A read of the period may count beats that arrive up to a whole FIFO later.
    horizon = p.start
    while True:
        horizon += p.period
        arrived = analysis.times(site.arrivals, horizon)
        reads = analysis.times(site.frees, p.start)[first * per:]
        if arrived[-1] > reads[-1]:
            break
    held = np.searchsorted(arrived, reads, side="right")
    return int((held - np.arange(first * per, p.start * per) - 1).min())


def read_burst(analysis, site) -> int:
    """Most beats read out of ``site``'s FIFO in consecutive cycles, over one period of
    ``analysis``'s periodic regime."""
    p = analysis.periodicity
    if p is None:
        raise ValueError("a read burst needs a periodic analysis")
    per = analysis.per_inference(site.frees)
    reads = analysis.times(site.frees, p.start + 1)[(p.start - p.period) * per:]
    breaks = np.flatnonzero(np.diff(reads) != 1)
    edges = np.concatenate([[-1], breaks, [len(reads) - 1]])
    return int(np.diff(edges).max())
