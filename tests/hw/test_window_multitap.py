# amaranth: UnusedElaboratable=no
"""The parallel sliding window (several kernel taps per beat) in Amaranth's simulator.

Every output equals the golden model (patches are the same tensor whatever the lanes), every
transfer happens in the cycle the cycle model predicts, back to back and under a slow source
and a stalling sink, and a lone window runs at its ideal rate: one beat per cycle or one
input pixel per cycle, whichever is slower.
"""

from dataclasses import replace

import numpy as np
import pytest

from hwgen.errors import IRError
from hwgen.golden.window import sliding_window
from hwgen.hw.stream.sliding_window import SlidingWindow
from hwgen.ir import IntType
from hwgen.ir.blocks.sliding_window import SlidingWindowParams, tap_counts
from hwgen.perf import pipeline_timing
from hwgen.perf.sliding_window import sliding_window_processes
from tests.fixtures.block_runs import modelled_stalled_transfers, run_block

I8 = IntType(8, True)


def _grid():
    """(height, width, channels, kernel, stride, pad, lanes): kernels 1/2/3/5, strides 1/2,
    padding 0/1, every multi-tap lane count (part of a row, whole rows, the whole patch),
    sizes that leave trailing rows and columns no window uses, 1 to 3 channels."""
    cases = []
    for kernel in (2, 3, 5):
        for stride in (1, 2):
            for pad in (0, 1):
                channels = 1 + (kernel + stride + pad) % 3
                # An even size under stride 2 leaves a trailing row/column unused.
                height, width = kernel + 4 + pad, kernel + 3 + stride
                for taps in tap_counts(kernel)[1:]:
                    cases.append((height, width, channels, kernel, stride, pad,
                                  taps * channels))
    cases += [
        (4, 5, 3, 1, 1, 0, 3),        # 1x1: one tap is the whole patch
        (6, 6, 2, 1, 2, 0, 2),        # 1x1 stride 2, trailing row and column unused
        (8, 7, 2, 4, 1, 1, 4),        # 4x4: two taps, half a kernel row
        (8, 7, 2, 4, 2, 1, 16),       # two whole kernel rows per beat
        (8, 7, 1, 4, 1, 0, 16),       # the whole 4x4 patch, one channel
        (9, 9, 3, 2, 2, 0, 12),       # 9x9 under 2x2 stride 2: the last row unused
        (3, 3, 2, 3, 1, 0, 18),       # one output pixel per image
        (6, 5, 1, 3, 1, 2, 9),        # padding of a kernel or more: extra buffer rows
        (9, 7, 1, 5, 2, 4, 25),
    ]
    return cases


GRID = _grid()


def _params(case, depth=None):
    height, width, channels, kernel, stride, pad, lanes = case
    p = SlidingWindowParams(name="swu", height=height, width=width, channels=channels,
                            kernel=kernel, stride=stride, pads=(pad,) * 4, element=I8,
                            pad_value=-7, lanes=lanes, out_fifo_depth=1)
    return replace(p, out_fifo_depth=depth or max(3, p.beats_per_patch))


def _ids(case):
    return "h{}w{}c{}k{}s{}p{}l{}".format(*case)


@pytest.mark.parametrize("case", GRID, ids=_ids)
def test_multitap_window_exact(case):
    p = _params(case)
    x = np.random.default_rng(sum(case)).integers(-128, 128, (3,) + p.input_shape)
    run, got = run_block(SlidingWindow(params=p), p, x)
    np.testing.assert_array_equal(got, sliding_window(x, p))
    timing = pipeline_timing([p], len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats
    # Never the bottleneck: a beat or an input pixel per cycle in steady state.
    beats_out = p.out_height * p.out_width * p.kernel ** 2 * p.channels // p.lanes
    assert timing.ii == max(beats_out, p.height * p.width) == timing.ii_bound


@pytest.mark.parametrize("case", GRID[::3], ids=_ids)
@pytest.mark.parametrize("depth", [1, None])
def test_multitap_window_cycles_under_stalls(case, depth):
    # Cycle-exact, not only bit-exact, under a slow source and a stalling sink: the model
    # replays the testbench's random patterns.
    p = _params(case, depth)
    x = np.random.default_rng(7).integers(-128, 128, (2,) + p.input_shape)
    want = sliding_window(x, p)
    beats_in, beats_out = x.size // p.input_lanes, want.size // p.lanes
    stalls = dict(idle=0.3, backpressure=0.4, seed=sum(case))
    run, got = run_block(SlidingWindow(params=p), p, x, **stalls)
    np.testing.assert_array_equal(got, want)
    model = modelled_stalled_transfers(
        lambda schedule, inp, out: sliding_window_processes(schedule, p, inp, out, len(x)),
        beats_in, beats_out, **stalls)
    assert (tuple(run.in_cycles), tuple(run.out_cycles)) == model
    # The stalls matter: without them the model's times differ.
    assert model != modelled_stalled_transfers(
        lambda schedule, inp, out: sliding_window_processes(schedule, p, inp, out, len(x)),
        beats_in, beats_out)


def test_beat_layout_is_row_major_im2col():
    # An independent reference of the stream: 9 taps x 2 channels of a 3x3 window, one
    # kernel row (6 lanes) per beat, in (ky, kx, c) order; padding reads -7.
    p = _params((4, 4, 2, 3, 1, 1, 6))
    x = np.arange(32).reshape(1, 4, 4, 2) - 16
    _, got = run_block(SlidingWindow(params=p), p, x)
    beats = got.reshape(-1, 6)
    assert beats.shape == (4 * 4 * 3, 6)
    # Output pixel (0, 0), kernel row 1: taps (0, -1) pad, (0, 0), (0, 1).
    np.testing.assert_array_equal(beats[1], [-7, -7, -16, -15, -14, -13])
    # Output pixel (1, 2), kernel row 2: input row 2, columns 1..3.
    row = x[0, 2, 1:4].reshape(-1)
    np.testing.assert_array_equal(beats[(1 * 4 + 2) * 3 + 2], row)


def test_lanes_must_carry_whole_taps_in_rows():
    with pytest.raises(IRError, match=r"layer 'swu': 4 lanes neither divide the 2 channels nor "
                                      r"carry whole kernel taps in rows of the 3x3 window; use "
                                      r"one of 1, 2, 6, 18$"):
        _params((5, 5, 2, 3, 1, 0, 4))
    # 6x6 kernel: 4 taps would straddle kernel rows; 2, 3, 6, 12, 18 and 36 do not.
    with pytest.raises(IRError, match=r"use one of 1, 2, 4, 6, 12, 24, 36, 72$"):
        _params((8, 8, 2, 6, 1, 0, 8))
