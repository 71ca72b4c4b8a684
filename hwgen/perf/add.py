"""Cycle model of ``hwgen.hw.arith.eltwise_add.EltwiseAdd``.

The adder takes beat ``i`` of both inputs in the same cycle, once both are offered and a
credit is free: ``take[i] = max(valid_a[i], valid_b[i], take[i-1] + 1, out[i - C] + 1)``
(both input transfers happen at ``take[i]``). The sum is registered, requantized in two
stages and written into the output FIFO ``WRITE_DELAY`` cycles later:
``valid_out[i] = max(take[i] + WRITE_DELAY + 1, out[i-1] + 1)``.
"""

from __future__ import annotations

import math

from ..ir.blocks.eltwise_add import AddParams
from .cycle_model import CycleModel
from .events import Schedule, Stream

__all__ = ["ADD_WRITE_DELAY", "add_processes", "add_cycles", "add_reach", "ELTWISE_ADD"]

ADD_WRITE_DELAY = 3


def add_cycles(p: AddParams) -> int:
    return math.prod(p.shape) // p.lanes


def add_processes(schedule: Schedule, p: AddParams, inputs, out: Stream,
                  inferences: int | None = None):
    a, b = inputs
    depth, log = schedule.fifo_depth(p, "out_fifo_depth")

    def join():
        previous, i = -1, 0
        ox = out.xfer
        while True:
            start = max(previous + 1, (yield (a, -1 - i)), (yield (b, -1 - i)))
            if depth is not None and i >= depth:
                q = i - depth - out.base
                t = ox[q] if 0 <= q < len(ox) else (yield (out, i - depth))
                if t >= start:
                    start = t + 1
            if log is not None:
                log.offer(i, start)
            a.accept(i, start)
            b.accept(i, start)
            previous = start
            out.arrive(i, start + ADD_WRITE_DELAY + 1)
            i += 1

    schedule.process(join())


def add_fifos(block: AddParams, upstream) -> dict:
    """Credits for one sum per cycle. The input FIFOs are the branch FIFOs of a fork, which
    ``size_fifos`` sizes on the graph (a residual branch must hold what the other branch has
    not consumed yet)."""
    return {"out_fifo_depth": ADD_WRITE_DELAY + 2}


def add_reach(p: AddParams) -> int:
    """Inferences back a rule reaches: the previous sum (1), and a credit ``C`` beats back
    on a stream of ``shape / lanes`` beats per inference."""
    return max(1, -(-p.out_fifo_depth // add_cycles(p)))


#: The element-wise adder's cycle model (catalog entry ``eltwise_add``).
ELTWISE_ADD = CycleModel(add_processes, add_cycles, add_fifos, add_reach)
