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
        ``(schedule, block, inp, out, inferences) -> None``: the block's rules per beat as
        processes on :mod:`hwgen.perf.events` streams (``inp`` is a tuple of streams for a
        block with two inputs).
    ideal_cycles : callable
        ``block -> int``: cycles per inference at full rate, what bounds the pipeline's
        initiation interval.
    fifo_depths : callable
        ``(block, upstream block or None) -> dict`` of FIFO fields: the block's own FIFO
        sizing rule (``hwgen.passes.size_fifos`` sizes the FIFOs between branches).
    """

    processes: Callable
    ideal_cycles: Callable
    fifo_depths: Callable
