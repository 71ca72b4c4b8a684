"""Cycle model of ``hwgen.hw.stream.fifo.StreamFifo`` of depth ``D``.

* ``valid_out[b] = max(in[b] + 1, out[b - 1] + 1)``: readable the cycle after the write;
* ``ready_in[b] = max(in[b - 1] + 1, out[b - D] + 1)``: a slot freed by a read is writable
  the cycle after.
"""

from __future__ import annotations

from .events import Schedule, Stream

__all__ = ["stream_fifo_processes"]


def stream_fifo_processes(schedule: Schedule, depth: int, inp: Stream, out: Stream):
    """Register the FIFO's rules on ``schedule``."""

    def write_side():
        previous = -1
        for b in range(inp.beats):
            ready = previous + 1
            if b >= depth:
                ready = max(ready, (yield out.after(b - depth)) + 1)
            inp.accept(b, ready)
            previous = yield inp.after(b)

    def read_side():
        previous = -1
        for b in range(out.beats):
            written = yield inp.after(b)
            out.offer(b, max(written + 1, previous + 1))
            previous = yield out.after(b)

    schedule.process(write_side())
    schedule.process(read_side())
