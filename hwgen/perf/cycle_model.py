"""What a block kind's cycle model provides (the catalog's ``cycle_model`` entries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["CycleModel"]


@dataclass(frozen=True)
class CycleModel:
    """The timing of one block kind.

    Parameters
    ----------
    processes : callable
        ``(schedule, block, inp, out) -> None``: the block's rules per beat as processes on
        :mod:`hwgen.perf.events` streams (``inp`` is a tuple of streams for a block with two
        inputs). The processes run for ever (the streams' lengths end a run); they take their
        output FIFO's depth from ``schedule.fifo_depth(block, "out_fifo_depth")``, which the
        FIFO sizing may replace by a log of the times the credits would delay.
    ideal_cycles : callable
        ``block -> int``: cycles per inference at full rate, what bounds the pipeline's
        initiation interval.
    fifo_depths : callable
        ``(block, upstream block or None) -> dict`` of FIFO fields: which FIFOs the block
        has (a field > 0) at their smallest legal depths. ``hwgen.passes.size_fifos``
        deepens them from the pipeline analysis.
    reach : callable
        ``block -> int``: how many inferences back any rule of the block refers, at most
        (at least 1: the previous beat of the previous inference). An event of inference
        ``k`` depends on events of inferences ``k - reach .. k`` only; and every rule has the
        same form from inference ``reach`` on (conditions such as ``f >= depth`` hold). The
        pipeline analysis (:mod:`hwgen.perf.pipeline`) relies on it to prove a run periodic;
        a rule that reaches further back raises when it reads a dropped beat.
    """

    processes: Callable
    ideal_cycles: Callable
    fifo_depths: Callable
    reach: Callable
