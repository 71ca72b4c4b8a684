"""Cycle model of ``hwgen.hw.stream.width_converter.StreamWidthConverter``.

With ``a`` input lanes, ``b`` output lanes and capacity ``a + b - 1`` elements:

* output beat ``j`` needs input beat ``K(j) = ceil((j+1) b / a) - 1``:
  ``valid[j] = max(in[K(j)] + 1, out[j - 1] + 1)``;
* input beat ``k`` needs ``n(k) = ceil(((k+1) a - capacity) / b)`` output beats gone, counting
  one that leaves in the same cycle: ``ready[k] = max(in[k - 1] + 1, out[n(k) - 1])``.
"""

from __future__ import annotations

from .events import Schedule, Stream

__all__ = ["width_converter_processes", "width_converter_reach"]


def _ceil_div(x: int, y: int) -> int:
    return -((-x) // y)


def width_converter_processes(schedule: Schedule, in_lanes: int, out_lanes: int,
                              inp: Stream, out: Stream):
    """Register the converter's rules; the streams' beat counts fix how many beats cross."""
    a, b = in_lanes, out_lanes
    capacity = a + b - 1

    def input_side():
        previous, k, j = -1, 0, 0
        ix, ox = inp.xfer, out.xfer
        while True:
            ready = previous + 1
            gone = _ceil_div((k + 1) * a - capacity, b)
            if gone >= 1:
                q = gone - 1 - out.base
                t = ox[q] if 0 <= q < len(ox) else (yield (out, gone - 1))
                if t > ready:
                    ready = t
            inp.accept(k, ready)
            q = k - inp.base
            previous = ix[q] if 0 <= q < len(ix) else (yield (inp, k))
            k += 1
            # Output beat j needs input beat ceil((j+1) b / a) - 1: every j up to here.
            last = (k * a) // b
            while j < last:
                out.arrive(j, previous + 1)
                j += 1

    schedule.process(input_side())


def width_converter_reach(in_lanes: int, out_lanes: int, elements_per_inference: int) -> int:
    """Inferences back a rule reaches: input beat ``k`` waits for output beat ``n(k) - 1``,
    which holds elements up to ``a + 2b - 1`` behind the end of input beat ``k``."""
    return max(1, -(-(in_lanes + 2 * out_lanes) // elements_per_inference))
