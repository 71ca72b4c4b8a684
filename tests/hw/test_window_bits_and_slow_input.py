# amaranth: UnusedElaboratable=no
"""Sliding window: 1-bit elements (bipolar activations, padded with the bit of -1), and a
slow source whose trailing beats of an image no window uses (the read engine may finish
that image before they arrive; it must not then read the next image's rows early)."""

import numpy as np
import pytest

from hwgen.golden.window import sliding_window
from hwgen.hw.stream.sliding_window import SlidingWindow
from hwgen.ir.binary import BIT
from hwgen.ir.blocks.sliding_window import SlidingWindowParams
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.ir.types import IntType
from hwgen.perf import pipeline_timing
from hwgen.sim.amaranth_tb import run_stream_component


def _run(p, x, **kwargs):
    bits, signed = p.element.bits, p.element.signed
    want = sliding_window(x, p)
    run = run_stream_component(SlidingWindow(params=p),
                               pack_words(x.reshape(-1, p.lanes), bits),
                               want.size // p.lanes, **kwargs)
    got = unpack_words(run.out_words, p.lanes, bits, signed).reshape(want.shape)
    return run, got, want


@pytest.mark.parametrize("case", [(5, 5, 3, 3, 1, 1, 3), (6, 7, 5, 3, 2, 1, 1),
                                  (5, 6, 4, 1, 2, 0, 2)])
def test_one_bit_elements_exact(case):
    h, w, c, k, s, pad, lanes = case
    p = SlidingWindowParams(name="swu", height=h, width=w, channels=c, kernel=k, stride=s,
                            pads=(pad,) * 4, element=BIT, pad_value=0, lanes=lanes,
                            out_fifo_depth=4)
    x = np.random.default_rng(sum(case)).integers(0, 2, (3, h, w, c))
    run, got, want = _run(p, x)
    np.testing.assert_array_equal(got, want)
    if pad:
        assert (want[:, 0, 0, :c] == 0).all()          # the corner tap is padding: bit 0
    timing = pipeline_timing([p], len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shape", [(5, 6, 5, 1, 2), (6, 6, 2, 1, 2), (6, 7, 1, 3, 2)])
def test_slow_source_with_unused_trailing_beats(shape, seed):
    # width 6 (or height 6) with a 1x1 stride-2 window: the last column (row) is never read;
    # a 3x3 stride-2 window over 7 columns leaves none, a control.
    h, w, c, k, s = shape
    p = SlidingWindowParams(name="swu", height=h, width=w, channels=c, kernel=k, stride=s,
                            pads=(0, 0, 0, 0), element=IntType(8, False), pad_value=0,
                            lanes=c, out_fifo_depth=3)
    x = np.random.default_rng(seed).integers(0, 256, (3, h, w, c))
    _, got, want = _run(p, x, idle=0.4, backpressure=0.3, seed=seed)
    np.testing.assert_array_equal(got, want)
