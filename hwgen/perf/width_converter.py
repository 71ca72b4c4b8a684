"""Cycle model of ``hwgen.hw.stream.width_converter.StreamWidthConverter``.

With ``a`` input lanes, ``b`` output lanes and capacity ``a + b - 1`` elements:

* output beat ``j`` needs input beat ``K(j) = ceil((j+1) b / a) - 1``:
  ``valid[j] = max(in[K(j)] + 1, out[j - 1] + 1)``;
* input beat ``k`` needs ``n(k) = ceil(((k+1) a - capacity) / b)`` output beats gone, counting
  one that leaves in the same cycle: ``ready[k] = max(in[k - 1] + 1, out[n(k) - 1])``.
"""

from __future__ import annotations

from .events import Schedule, Stream

__all__ = ["width_converter_processes"]


def _ceil_div(x: int, y: int) -> int:
    return -((-x) // y)


def width_converter_processes(schedule: Schedule, in_lanes: int, out_lanes: int,
                              inp: Stream, out: Stream):
    """Register the converter's rules; the streams' beat counts fix how many beats cross."""
    a, b = in_lanes, out_lanes
    capacity = a + b - 1

    def input_side():
        previous = -1
        for k in range(inp.beats):
            ready = previous + 1
            gone = _ceil_div((k + 1) * a - capacity, b)
            if gone >= 1:
                ready = max(ready, (yield out.after(gone - 1)))
            inp.accept(k, ready)
            previous = yield inp.after(k)

    def output_side():
        previous = -1
        for j in range(out.beats):
            filled = yield inp.after(_ceil_div((j + 1) * b, a) - 1)
            out.offer(j, max(filled + 1, previous + 1))
            previous = yield out.after(j)

    schedule.process(input_side())
    schedule.process(output_side())
