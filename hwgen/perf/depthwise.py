"""Cycle model of ``hwgen.hw.arith.depthwise_unit.DepthwiseUnit``.

The unit takes its input beats with the window reduction's beat counter and credits, so
the rules of :mod:`hwgen.perf.window_reduce` hold: one beat per cycle; the beat of the last
window tap of a channel group needs a credit, ``ready[i] = max(in[i-1] + 1, out[o - C] + 1)``;
its result is written into the output FIFO ``WRITE_DELAY`` cycles later and is valid one
cycle after that, ``valid[o] = max(in[i] + WRITE_DELAY + 1, out[o-1] + 1)``. The delay is
one cycle more than an average pool's: the weight memory's read (input registered
alongside), the multiply-accumulate, and the requantizer's two stages.
"""

from __future__ import annotations

from ..ir.blocks.depthwise import DepthwiseParams
from .cycle_model import CycleModel
from .events import Schedule, Stream
from .window_reduce import window_reduce_processes, window_reduce_reach

__all__ = ["WRITE_DELAY", "depthwise_processes", "depthwise_cycles", "depthwise_fifos", "DEPTHWISE"]

#: Input beat of a group's last tap to its result's write into the output FIFO.
WRITE_DELAY = 4


def depthwise_cycles(p: DepthwiseParams) -> int:
    """Cycles per inference at full rate: one per input beat, ``pixels * k*k * C / PE``."""
    return p.pixels * p.positions * p.groups


def depthwise_fifos(p: DepthwiseParams, upstream) -> dict:
    """Credits for one result per cycle, and room for a pixel's channel groups."""
    return {"out_fifo_depth": max(WRITE_DELAY + 2, p.groups), "in_fifo_depth": 0}


def depthwise_processes(schedule: Schedule, p: DepthwiseParams, inp: Stream, out: Stream,
                        inferences: int | None = None):
    window_reduce_processes(schedule, p, inp, out, delay=WRITE_DELAY)


#: The depthwise unit's cycle model (catalog entry ``depthwise``).
DEPTHWISE = CycleModel(depthwise_processes, depthwise_cycles, depthwise_fifos,
                       window_reduce_reach)
