"""Cycle model of ``hwgen.hw.arith.window_reduce.WindowReduce``.

Input beats are consumed one per cycle. The beat that completes an output beat (the last
window position of a channel group) also needs a credit: ``ready[i] = max(in[i-1] + 1,
out[o - C] + 1)``; other beats only ``in[i-1] + 1``. The result is written into the output
FIFO ``WRITE_DELAY`` cycles after that beat (1 for max; 3 for avg, through the two-stage
requantizer) and is valid one cycle later, after the previous output beat has left:
``valid[o] = max(in[i] + WRITE_DELAY + 1, out[o-1] + 1)``. With ``pipeline = "deep"`` the
beats pass the input register slice first, whose timing is a FIFO of two beats.
"""

from __future__ import annotations

from ..ir.blocks.window_reduce import WindowReduceParams
from .cycle_model import CycleModel
from .events import Schedule, Stream
from .stream_fifo import sliced_input, stream_fifo_reach

__all__ = ["write_delay", "window_reduce_processes", "window_reduce_block_processes",
           "window_reduce_cycles", "reduce_credits_for_full_rate", "window_reduce_reach",
           "WINDOW_REDUCE"]


def write_delay(p: WindowReduceParams) -> int:
    return 1 if p.op == "max" else 3


def window_reduce_cycles(p: WindowReduceParams) -> int:
    """Cycles per inference at full rate: one per input beat."""
    return p.pixels * p.positions * p.groups


def reduce_credits_for_full_rate(p: WindowReduceParams) -> int:
    """Credits so that outputs at the rate of the last position's beats never wait."""
    return write_delay(p) + 2


def window_reduce_processes(schedule: Schedule, p: WindowReduceParams, inp: Stream,
                            out: Stream, inferences: int | None = None, *,
                            delay: int | None = None):
    """The rules above for ``p`` (anything with ``name``, ``positions``, ``groups`` and
    ``out_fifo_depth``); ``delay`` overrides the write delay (another datapath behind the
    same beat counter and credits, e.g. :mod:`hwgen.perf.depthwise`)."""
    delay = write_delay(p) if delay is None else delay
    per_output = p.positions * p.groups          # input beats per output pixel
    groups = p.groups
    depth, log = schedule.fifo_depth(p, "out_fifo_depth")

    def input_side():
        previous, i, o = -1, 0, 0
        ix, ox = inp.xfer, out.xfer
        while True:
            for _ in range(per_output - groups):     # beats before the last window position
                inp.accept(i, previous + 1)
                q = i - inp.base
                previous = ix[q] if 0 <= q < len(ix) else (yield (inp, i))
                i += 1
            for _ in range(groups):                  # the last position: a credit each
                ready = previous + 1
                if depth is not None and o >= depth:
                    q = o - depth - out.base
                    t = ox[q] if 0 <= q < len(ox) else (yield (out, o - depth))
                    if t >= ready:
                        ready = t + 1
                inp.accept(i, ready)
                q = i - inp.base
                previous = ix[q] if 0 <= q < len(ix) else (yield (inp, i))
                if log is not None:
                    log.offer(o, previous)
                out.arrive(o, previous + delay + 1)
                o += 1
                i += 1

    schedule.process(input_side())


def window_reduce_block_processes(schedule: Schedule, p: WindowReduceParams, inp: Stream,
                                  out: Stream, inferences: int | None = None):
    """The block's rules: :func:`window_reduce_processes`, behind the input register slice
    (a FIFO of ``p.input_slice`` beats, :mod:`hwgen.perf.stream_fifo`) with ``pipeline =
    "deep"``."""
    window_reduce_processes(schedule, p, sliced_input(schedule, p, inp), out)


def window_reduce_fifos(block: WindowReduceParams, upstream) -> dict:
    """Credits for one result per last-position beat, and room for a pixel's channel groups."""
    return {"out_fifo_depth": max(reduce_credits_for_full_rate(block), block.groups),
            "in_fifo_depth": 0}


def window_reduce_reach(p) -> int:
    """Inferences back a rule reaches: the previous beat (1), a credit ``C`` output beats
    back on a stream of ``pixels * groups`` beats per inference, and the input slice's read
    two input beats back."""
    reach = max(1, -(-p.out_fifo_depth // (p.pixels * p.groups)))
    if getattr(p, "input_slice", 0):
        reach = max(reach, stream_fifo_reach(p.input_slice,
                                             p.pixels * p.positions * p.groups))
    return reach


#: The window reduction's cycle model (catalog entry ``window_reduce``).
WINDOW_REDUCE = CycleModel(window_reduce_block_processes, window_reduce_cycles,
                           window_reduce_fifos, window_reduce_reach)
