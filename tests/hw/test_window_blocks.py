# amaranth: UnusedElaboratable=no
"""Sliding window, window reduction and whole convolution pipelines in Amaranth's simulator:
every output equals the golden model and every transfer happens when the cycle model says."""

import numpy as np
import pytest

from hwgen.golden import run_pipeline
from hwgen.golden.reduce import window_reduce
from hwgen.golden.window import sliding_window
from hwgen.hw.accelerator import Accelerator
from hwgen.hw.arith.window_reduce import WindowReduce
from hwgen.hw.stream.sliding_window import SlidingWindow
from hwgen.ir import IntType, RequantRounding
from hwgen.ir.blocks.window_reduce import WindowReduceParams
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.perf import pipeline_timing
from hwgen.quant.multiplier import quantize_multiplier
from hwgen.sim.amaranth_tb import run_stream_component
from tests.fixtures.block_runs import run_block
from tests.fixtures.cnn_factory import small_cnn
from tests.fixtures.window_factory import reduce_params, window_params

I8 = IntType(8, True)

# (height, width, channels, kernel, stride, pads, lanes): kernels 1/3/5, strides 1/2,
# padding 0/1 (and asymmetric), odd sizes, channel counts that are not powers of two.
WINDOWS = [
    (5, 5, 3, 3, 1, (1, 1, 1, 1), 1),
    (7, 6, 3, 3, 2, (1, 1, 1, 1), 3),
    (6, 7, 4, 3, 2, (1, 1, 0, 0), 2),
    (4, 5, 6, 1, 1, (0, 0, 0, 0), 3),
    (5, 5, 5, 1, 2, (0, 0, 0, 0), 5),
    (9, 7, 2, 5, 1, (2, 2, 2, 2), 1),
    (7, 9, 3, 5, 2, (1, 1, 1, 1), 3),
    (3, 3, 2, 3, 1, (0, 0, 0, 0), 2),
    (8, 8, 1, 2, 2, (0, 0, 1, 1), 1),
    # trailing input rows no window uses: the reads of an image end before its input does
    (9, 9, 3, 2, 2, (0, 0, 0, 0), 1),
    (8, 7, 2, 3, 2, (0, 0, 0, 0), 2),
]


@pytest.mark.parametrize("case", WINDOWS, ids=lambda c: "h{}w{}c{}k{}s{}p{}l{}".format(
    *c[:5], "".join(map(str, c[5])), c[6]))
def test_sliding_window_exact(case):
    p = window_params(case)
    rng = np.random.default_rng(sum(case[:5]))
    x = rng.integers(-128, 128, (3,) + p.input_shape)
    run, got = run_block(SlidingWindow(params=p), p, x)
    np.testing.assert_array_equal(got, sliding_window(x, p))
    timing = pipeline_timing([p], len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats


@pytest.mark.parametrize("case", WINDOWS[::2])
def test_sliding_window_under_stalls_and_small_fifo(case):
    p = window_params(case, depth=1)
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, (2,) + p.input_shape)
    run, got = run_block(SlidingWindow(params=p), p, x)
    np.testing.assert_array_equal(got, sliding_window(x, p))
    assert tuple(run.out_cycles) == pipeline_timing([p], len(x)).out_beats
    _, got = run_block(SlidingWindow(params=window_params(case)), p, x, idle=0.3,
                       backpressure=0.5, seed=2)
    np.testing.assert_array_equal(got, sliding_window(x, p))


def test_sliding_window_golden_is_im2col():
    # Independent reference: explicit loops over output pixels and window positions.
    p = window_params((5, 4, 2, 3, 2, (1, 0, 1, 1), 1))
    x = np.random.default_rng(0).integers(-128, 128, (2,) + p.input_shape)
    want = []
    for n in range(2):
        for oy in range(p.out_height):
            for ox in range(p.out_width):
                patch = []
                for ky in range(3):
                    for kx in range(3):
                        iy, ix = oy * 2 - 1 + ky, ox * 2 - 0 + kx
                        inside = 0 <= iy < 5 and 0 <= ix < 4
                        patch += list(x[n, iy, ix]) if inside else [-7, -7]
                want.append(patch)
    np.testing.assert_array_equal(sliding_window(x, p).reshape(len(want), -1), want)


REDUCTIONS = [
    ("max", 4, 6, 2, (3, 3), IntType(8, True)),
    ("max", 9, 3, 3, (2,), IntType(4, False)),
    ("max", 1, 2, 2, (4,), I8),
    ("avg", 16, 4, 1, (), IntType(8, False)),
    ("avg", 4, 6, 3, (2, 2), I8),
    ("avg", 25, 5, 5, (1,), IntType(2, True)),
]


@pytest.mark.parametrize("case", REDUCTIONS, ids=lambda c: f"{c[0]}-p{c[1]}-c{c[2]}-l{c[3]}")
def test_window_reduce_exact(case):
    op, positions, channels, lanes, spatial, in_type = case
    p = reduce_params(op, positions, channels, lanes, spatial, in_type)
    rng = np.random.default_rng(positions)
    x = rng.integers(in_type.qmin, in_type.qmax + 1, (3,) + p.input_shape)
    run, got = run_block(WindowReduce(params=p), p, x)
    np.testing.assert_array_equal(got, window_reduce(x, p))
    timing = pipeline_timing([p], len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats
    _, got = run_block(WindowReduce(params=p), p, x, idle=0.3, backpressure=0.5, seed=4)
    np.testing.assert_array_equal(got, window_reduce(x, p))


def test_average_rounding_rules():
    # M = 1/4 is exact: single rounding gives the mean rounded half up; gemmlowp's double
    # rounding (half up at the high multiply, half away at the shift) can be one off.
    multiplier, shift = quantize_multiplier(1 / 4)
    x = np.array([[1, 2, 3, 4], [1, 1, 1, 2], [-1, -2, -3, -4], [10, 10, 10, 11], [-1, -1, -1, -2]])
    sums = x.sum(axis=1)                               # 10, 5, -10, 41, -5
    want = np.floor(sums / 4 + 0.5).astype(int)        # 3, 1, -2, 10, -1
    results = {}
    for rounding in RequantRounding:
        p = WindowReduceParams(name="avg", positions=4, channels=1, spatial=(), op="avg",
                               input_type=I8, output_type=I8, lanes=1, in_zero_point=0,
                               multiplier=int(multiplier), shift=int(shift),
                               rounding=rounding, out_zero_point=0, out_min=-128, out_max=127)
        results[rounding] = window_reduce(x, p)[:, 0]
    np.testing.assert_array_equal(results[RequantRounding.SINGLE], want)
    # 5 / 4: 5/2 = 2.5 rounds up to 3, then 3/2 = 1.5 rounds away to 2.
    np.testing.assert_array_equal(results[RequantRounding.GEMMLOWP], [3, 2, -3, 11, -1])


@pytest.mark.parametrize("seed", [0, 1])
def test_cnn_pipeline_exact(seed):
    design = small_cnn(seed)
    x = np.random.default_rng(seed).integers(0, 256, (3,) + design.input_shape)
    golden = run_pipeline(design.blocks, x)
    fmt_in, fmt_out = design.input_format, design.output_format
    run = run_stream_component(Accelerator(blocks=design.blocks),
                               pack_words(x.reshape(-1, fmt_in.lanes), 8),
                               len(x) * design.beats_out_per_inference)
    got = unpack_words(run.out_words, fmt_out.lanes, 8, True).reshape(golden.shape)
    np.testing.assert_array_equal(got, golden)
    timing = pipeline_timing(design.blocks, len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats
    assert timing.ii == timing.ii_bound
