"""Cycle model of ``hwgen.hw.stream.fork.StreamFork``: one FIFO per branch, written together.

* ``ready_in[i] = max(in[i-1] + 1, max over branches b of out_b[i - D_b] + 1)``: a beat is
  taken when every branch FIFO has room (a slot freed by a read is writable next cycle);
* each branch reads like a FIFO: ``valid_b[i] = max(in[i] + 1, out_b[i-1] + 1)``.
"""

from __future__ import annotations

from .events import Schedule, Stream

__all__ = ["fork_processes"]


def fork_processes(schedule: Schedule, depths, inp: Stream, branches) -> None:
    depths, branches = tuple(depths), tuple(branches)

    def write_side():
        previous = -1
        for i in range(inp.beats):
            ready = previous + 1
            for depth, branch in zip(depths, branches, strict=True):
                if i >= depth:
                    ready = max(ready, (yield branch.after(i - depth)) + 1)
            inp.accept(i, ready)
            previous = yield inp.after(i)

    def read_side(branch):
        previous = -1
        for i in range(branch.beats):
            written = yield inp.after(i)
            branch.offer(i, max(written + 1, previous + 1))
            previous = yield branch.after(i)

    schedule.process(write_side())
    for branch in branches:
        schedule.process(read_side(branch))
