"""Cycle model of ``hwgen.hw.stream.fork.StreamFork``: one FIFO per branch, written together.

* ``ready_in[i] = max(in[i-1] + 1, max over branches b of out_b[i - D_b] + 1)``: a beat is
  taken when every branch FIFO has room (a slot freed by a read is writable next cycle);
* each branch reads like a FIFO: ``valid_b[i] = max(in[i] + 1, out_b[i-1] + 1)``.
"""

from __future__ import annotations

from .events import Schedule, Stream

__all__ = ["fork_processes"]


def fork_processes(schedule: Schedule, depths, inp: Stream, branches, *,
                   logs=None) -> None:
    """Register the fork's rules; a depth of None runs that branch's FIFO without a limit
    and offers the write cycles on ``logs[branch]`` (as ``stream_fifo_processes``)."""
    depths, branches = tuple(depths), tuple(branches)
    logs = tuple(logs) if logs is not None else (None,) * len(branches)

    def write_side():
        previous, i = -1, 0
        ix = inp.xfer
        while True:
            ready = previous + 1
            for depth, branch in zip(depths, branches, strict=True):
                if depth is not None and i >= depth:
                    t = yield (branch, i - depth)
                    if t >= ready:
                        ready = t + 1
            inp.accept(i, ready)
            q = i - inp.base
            previous = ix[q] if 0 <= q < len(ix) else (yield (inp, i))
            for log in logs:
                if log is not None:
                    log.offer(i, previous)
            for branch in branches:
                branch.arrive(i, previous + 1)
            i += 1

    schedule.process(write_side())
