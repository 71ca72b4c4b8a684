"""A lone sliding window runs at its ideal rate: one output beat or one input beat per cycle,
whichever takes longer, over kernels 1-5, strides 1-3, no, half-kernel and full padding on
each side, tiny and taller images and every kind of beat (a channel group, part of a kernel
row, whole rows, the whole patch). The line buffer's rows (``buffer_rows``) are what make it
so: with ``kernel + stride`` rows the next image cannot load while an image's last window is
read, and an output-bound window stalls at every image start. (The cycle model is checked
against the RTL in tests/hw; this checks a property of the model over a grid too large for
the RTL.)"""

from dataclasses import replace

import pytest

from hwgen.ir import IntType
from hwgen.ir.blocks.sliding_window import SlidingWindowParams, tap_counts
from hwgen.perf import pipeline_timing

I8 = IntType(8, True)


def _windows(kernel):
    pads = sorted({0, kernel // 2, kernel - 1})
    for stride in (1, 2, 3):
        for top in pads:
            for bottom in pads:
                for height in (kernel + 1, 2 * kernel + 3):
                    # a channel group, a whole one-tap pixel, then several taps a beat
                    for channels, lanes in [(2, 1), (2, 2)] + [(1, t) for t in
                                                               tap_counts(kernel)[1:]]:
                        yield SlidingWindowParams(
                            name="w", height=height, width=kernel + 2, channels=channels,
                            kernel=kernel, stride=stride, pads=(top, 1 % kernel, bottom, 0),
                            element=I8, pad_value=0, lanes=lanes, out_fifo_depth=4)


@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5])
def test_lone_window_reaches_its_ideal_rate(kernel):
    for p in _windows(kernel):
        steps = p.out_height * p.out_width * p.kernel ** 2 * p.channels // p.lanes
        ideal = max(steps, p.height * p.width * p.channels // p.input_lanes)
        assert pipeline_timing([p], 6).ii == ideal, p


def test_the_extra_buffer_rows_are_needed(monkeypatch):
    # 9x9, 5x5 kernel, stride 1, no padding, one kernel row per beat: 125 read steps per
    # image against 81 input pixels. With only kernel + stride rows the next image's rows 1-4
    # wait for the last output row, and the interval grows.
    p = SlidingWindowParams(name="w", height=9, width=9, channels=1, kernel=5, stride=1,
                            pads=(0, 0, 0, 0), element=I8, pad_value=0, lanes=5,
                            out_fifo_depth=5)
    assert p.buffer_rows == 5 + 1 + 4
    assert pipeline_timing([p], 6).ii == 125

    monkeypatch.setattr(SlidingWindowParams, "buffer_rows",
                        property(lambda self: self.kernel + self.stride))
    assert pipeline_timing([replace(p)], 6).ii > 125
