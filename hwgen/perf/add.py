"""Cycle model of ``hwgen.hw.arith.eltwise_add.EltwiseAdd``.

The adder takes beat ``i`` of both inputs in the same cycle, once both are offered and a
credit is free: ``take[i] = max(valid_a[i], valid_b[i], take[i-1] + 1, out[i - C] + 1)``
(both input transfers happen at ``take[i]``). The sum is registered, requantized in two
stages and written into the output FIFO ``WRITE_DELAY`` cycles later:
``valid_out[i] = max(take[i] + WRITE_DELAY + 1, out[i-1] + 1)``.
"""

from __future__ import annotations

from ..ir.blocks.eltwise_add import AddParams
from .cycle_model import CycleModel
from .events import NEVER_BLOCKS, Schedule, Stream

__all__ = ["ADD_WRITE_DELAY", "add_processes", "add_cycles", "ELTWISE_ADD"]

ADD_WRITE_DELAY = 3


def add_cycles(p: AddParams) -> int:
    import math
    return math.prod(p.shape) // p.lanes


def add_processes(schedule: Schedule, p: AddParams, inputs, out: Stream, inferences: int):
    a, b = inputs
    takes = schedule.stream(f"{p.name}.take", out.beats)
    for i in range(out.beats):
        takes.accept(i, NEVER_BLOCKS)

    def join():
        previous = -1
        for i in range(out.beats):
            start = max(previous + 1, (yield a.offered(i)), (yield b.offered(i)))
            if i >= p.out_fifo_depth:
                start = max(start, (yield out.after(i - p.out_fifo_depth)) + 1)
            a.accept(i, start)
            b.accept(i, start)
            previous = start
            takes.offer(i, start)

    def fifo_output():
        previous = -1
        for i in range(out.beats):
            taken = yield takes.after(i)
            out.offer(i, max(taken + ADD_WRITE_DELAY + 1, previous + 1))
            previous = yield out.after(i)

    schedule.process(join())
    schedule.process(fifo_output())


def add_fifos(block: AddParams, upstream) -> dict:
    """Credits for one sum per cycle. The input FIFOs are sized on the graph (a residual
    branch must hold what the other branch has not consumed yet): see ``size_fifos``."""
    return {"out_fifo_depth": ADD_WRITE_DELAY + 2}


#: The element-wise adder's cycle model (catalog entry ``eltwise_add``).
ELTWISE_ADD = CycleModel(add_processes, add_cycles, add_fifos)
