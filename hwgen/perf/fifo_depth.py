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
"""

from __future__ import annotations

import numpy as np

__all__ = ["needed_depth"]


def needed_depth(analysis, site) -> int:
    """Smallest depth of ``site``'s FIFO (a :class:`hwgen.perf.pipeline.FifoSite`) that
    never delays a beat of ``analysis``'s run, over every inference of the run.

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
