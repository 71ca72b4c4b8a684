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
        inputs). The processes run for ever (the streams' lengths end a run). They take
        their output FIFO's depth and slot log from ``schedule.fifo_depth(block,
        "out_fifo_depth")`` (the FIFO sizing runs them without the limit, logging when each
        credit would be needed) and hand results to the FIFO with ``out.arrive``. Anything
        a process carries from one beat to the next is a transfer time it read, or a maximum
        of such times from the current inference (and ``reach`` inferences back): the
        pipeline analysis compares streams only.
    ideal_cycles : callable
        ``block -> int``: cycles per inference at full rate, what bounds the pipeline's
        initiation interval.
    fifo_depths : callable
        ``(block, upstream block or None) -> dict`` of FIFO fields: which FIFOs the block
        has (a field > 0) and the depths with which it runs at full rate on its own, its
        consumer reading as fast as it can (credits for its write latency, a burst of its
        output). ``hwgen.passes.size_fifos`` keeps them where the pipeline analysis finds
        nothing else needed.
    reach : callable
        ``block -> int``: how many inferences back any rule of the block refers, at most
        (at least 1: the previous beat of the previous inference). An event of inference
        ``k`` depends on events of inferences ``k - reach .. k`` only; and every rule has the
        same form from inference ``reach`` on (conditions such as ``f >= depth`` hold). The
        pipeline analysis (:mod:`hwgen.perf.pipeline`) relies on it to prove a run periodic;
        a rule that reaches further back raises when it reads a dropped beat.
    least_depths : callable, optional
        ``block -> dict``: FIFO fields whose smallest legal depth is above 1.
    """

    processes: Callable
    ideal_cycles: Callable
    fifo_depths: Callable
    reach: Callable
    least_depths: Callable | None = None

    def smallest_depths(self, block, upstream) -> dict:
        """The smallest legal depth of each FIFO the block has (``least_depths``; by
        default 1, or 0 for a FIFO it does not have)."""
        natural = self.fifo_depths(block, upstream)
        least = {key: min(1, depth) for key, depth in natural.items()}
        if self.least_depths is not None:
            least.update(self.least_depths(block))
        return least
