"""Cycle model of ``hwgen.hw.arith.window_reduce.WindowReduce``.

Input beats are consumed one per cycle. The beat that completes an output beat (the last
window position of a channel group) also needs a credit: ``ready[i] = max(in[i-1] + 1,
out[o - C] + 1)``; other beats only ``in[i-1] + 1``. The result is written into the output
FIFO ``WRITE_DELAY`` cycles after that beat (1 for max; 3 for avg, through the two-stage
requantizer) and is valid one cycle later, after the previous output beat has left:
``valid[o] = max(in[i] + WRITE_DELAY + 1, out[o-1] + 1)``.
"""

from __future__ import annotations

from ..ir.blocks.window_reduce import WindowReduceParams
from .cycle_model import CycleModel
from .events import Schedule, Stream

__all__ = ["write_delay", "window_reduce_processes", "window_reduce_cycles",
           "reduce_credits_for_full_rate", "WINDOW_REDUCE"]


def write_delay(p: WindowReduceParams) -> int:
    return 1 if p.op == "max" else 3


def window_reduce_cycles(p: WindowReduceParams) -> int:
    """Cycles per inference at full rate: one per input beat."""
    return p.pixels * p.positions * p.groups


def reduce_credits_for_full_rate(p: WindowReduceParams) -> int:
    """Credits so that outputs at the rate of the last position's beats never wait."""
    return write_delay(p) + 2


def window_reduce_processes(schedule: Schedule, p: WindowReduceParams, inp: Stream,
                            out: Stream, inferences: int, *, delay: int | None = None):
    """The rules above for ``p`` (anything with ``positions``, ``groups`` and
    ``out_fifo_depth``); ``delay`` overrides the write delay (another datapath behind the
    same beat counter and credits, e.g. :mod:`hwgen.perf.depthwise`)."""
    delay = write_delay(p) if delay is None else delay
    per_output = p.positions * p.groups          # input beats per output pixel

    def input_side():
        previous = -1
        o = 0
        for i in range(inp.beats):
            ready = previous + 1
            if i % per_output >= per_output - p.groups:      # last window position
                if o >= p.out_fifo_depth:
                    ready = max(ready, (yield out.after(o - p.out_fifo_depth)) + 1)
                o += 1
            inp.accept(i, ready)
            previous = yield inp.after(i)

    def output_side():
        previous = -1
        for o in range(out.beats):
            group = o % p.groups
            pixel = o // p.groups
            i = pixel * per_output + per_output - p.groups + group
            written = (yield inp.after(i)) + delay
            out.offer(o, max(written + 1, previous + 1))
            previous = yield out.after(o)

    schedule.process(input_side())
    schedule.process(output_side())


def window_reduce_fifos(block: WindowReduceParams, upstream) -> dict:
    """Credits for one result per last-position beat, and room for a pixel's channel groups."""
    return {"out_fifo_depth": max(reduce_credits_for_full_rate(block), block.groups),
            "in_fifo_depth": 0}


#: The window reduction's cycle model (catalog entry ``window_reduce``).
WINDOW_REDUCE = CycleModel(window_reduce_processes, window_reduce_cycles, window_reduce_fifos)
