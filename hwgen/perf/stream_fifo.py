"""Cycle model of ``hwgen.hw.stream.fifo.StreamFifo`` of depth ``D``.

* ``valid_out[b] = max(in[b] + 1, out[b - 1] + 1)``: readable the cycle after the write;
* ``ready_in[b] = max(in[b - 1] + 1, out[b - D] + 1)``: a slot freed by a read is writable
  the cycle after.
"""

from __future__ import annotations

from .events import Schedule, Stream

__all__ = ["stream_fifo_processes", "stream_fifo_reach", "sliced_input"]


def stream_fifo_processes(schedule: Schedule, depth, inp: Stream, out: Stream, *,
                          log: Stream | None = None):
    """Register the FIFO's rules on ``schedule``.

    ``depth=None`` runs the FIFO without a depth limit and offers each write's transfer
    cycle on ``log`` (see :meth:`hwgen.perf.events.Schedule.fifo_depth`).
    """

    def write_side():
        previous, b = -1, 0
        ix, ox = inp.xfer, out.xfer
        while True:
            ready = previous + 1
            if depth is not None and b >= depth:
                q = b - depth - out.base
                t = ox[q] if 0 <= q < len(ox) else (yield (out, b - depth))
                if t >= ready:
                    ready = t + 1
            inp.accept(b, ready)
            q = b - inp.base
            previous = ix[q] if 0 <= q < len(ix) else (yield (inp, b))
            if log is not None:
                log.offer(b, previous)
            out.arrive(b, previous + 1)
            b += 1

    schedule.process(write_side())


def stream_fifo_reach(depth: int, beats_per_inference: int) -> int:
    """Inferences back a rule reaches: the previous beat (1) and the read ``depth`` beats
    back."""
    return max(1, -(-depth // beats_per_inference))


def sliced_input(schedule: Schedule, p, inp: Stream) -> Stream:
    """The stream a block's engine reads: ``inp``, or with ``p.input_slice`` beats of input
    register slice (``pipeline = "deep"``) the slice's output, which is a FIFO of that
    depth."""
    depth = getattr(p, "input_slice", 0)
    if not depth:
        return inp
    sliced = schedule.stream(f"{p.name}.input_slice", None, per=inp.per)
    stream_fifo_processes(schedule, depth, inp, sliced)
    return sliced
