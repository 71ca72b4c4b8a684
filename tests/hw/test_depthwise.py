# amaranth: UnusedElaboratable=no
"""The depthwise unit (alone and behind its sliding window) in Amaranth's simulator: every
output equals the golden model, every transfer happens when the cycle model says."""

from dataclasses import replace

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.golden import run_pipeline
from hwgen.golden.depthwise import depthwise
from hwgen.hw.accelerator import Accelerator
from hwgen.hw.arith.depthwise_unit import DepthwiseUnit
from hwgen.ir import IntType, RequantRounding
from hwgen.ir.blocks.depthwise import DepthwiseParams
from hwgen.ir.lowering import lower_layer
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.passes import size_fifos
from hwgen.perf import pipeline_timing
from hwgen.sim.amaranth_tb import run_stream_component
from tests.fixtures.block_runs import run_block
from tests.fixtures.depthwise_factory import depthwise_layer, separable_cnn_graph

# (height, width, channels, kernel, stride, pads, pe): kernels 1/3/5, strides 1/2, pads
# 0/1 (and asymmetric), odd sizes, channel counts that are not powers of two.
CASES = [
    (5, 5, 3, 3, 1, (1, 1, 1, 1), 1),
    (5, 5, 3, 3, 1, (1, 1, 1, 1), 3),
    (7, 6, 6, 3, 2, (1, 1, 1, 1), 2),
    (6, 7, 5, 3, 2, (0, 0, 0, 0), 5),
    (4, 5, 6, 1, 1, (0, 0, 0, 0), 3),
    (5, 5, 5, 1, 2, (0, 0, 0, 0), 1),
    (5, 6, 2, 5, 1, (2, 2, 2, 2), 1),
    (7, 9, 6, 5, 2, (1, 1, 1, 1), 6),
    (6, 6, 7, 3, 1, (1, 0, 0, 1), 7),
]
RULES = list(RequantRounding)


def _layer(case, seed):
    h, w, c, k, s, pads, pe = case
    return depthwise_layer(seed, image=(h, w, c), kernel=k, stride=s, pads=pads, pe=pe,
                           per_channel=seed % 2 == 0, relu=seed % 3 == 0,
                           rounding=RULES[seed % len(RULES)])


def _sized(layer):
    blocks = lower_layer(layer)
    return size_fifos(list(blocks))


@pytest.mark.parametrize("index", range(len(CASES)))
def test_window_and_depthwise_exact(index):
    case = CASES[index]
    blocks = _sized(_layer(case, index))
    window, unit = blocks
    assert isinstance(unit, DepthwiseParams) and window.lanes == unit.pe == case[6]
    rng = np.random.default_rng(index)
    x = rng.integers(-128, 128, (2,) + window.input_shape)
    golden = run_pipeline(blocks, x)
    fmt_in, fmt_out = blocks[0].input_format, blocks[-1].output_format
    for stalls in ({}, {"idle": 0.3, "backpressure": 0.5, "seed": index}):
        run = run_stream_component(Accelerator(blocks=blocks),
                                   pack_words(x.reshape(-1, fmt_in.lanes), 8),
                                   golden.size // fmt_out.lanes, **stalls)
        got = unpack_words(run.out_words, fmt_out.lanes, 8, True).reshape(golden.shape)
        np.testing.assert_array_equal(got, golden)
        if not stalls:
            timing = pipeline_timing(blocks, len(x))
            assert tuple(run.in_cycles) == timing.in_beats
            assert tuple(run.out_cycles) == timing.out_beats


@pytest.mark.parametrize("pe,depth,input_type", [(1, 1, IntType(8, True)),
                                                 (2, 6, IntType(8, False)),
                                                 (4, 3, IntType(4, True))])
def test_depthwise_unit_alone(pe, depth, input_type):
    # The unit fed an always-valid stream of windows, small and sized FIFOs: every beat.
    layer = depthwise_layer(pe, image=(4, 3, 4), kernel=3, pe=pe, input_type=input_type,
                            in_zero_point=input_type.qmin + 1, relu=True)
    unit = replace(DepthwiseParams.from_layer(layer), out_fifo_depth=depth)
    rng = np.random.default_rng(pe)
    x = rng.integers(input_type.qmin, input_type.qmax + 1, (2,) + unit.input_shape)
    run, got = run_block(DepthwiseUnit(params=unit), unit, x)
    np.testing.assert_array_equal(got, depthwise(x, unit))
    timing = pipeline_timing([unit], len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats
    _, got = run_block(DepthwiseUnit(params=unit), unit, x, idle=0.4, backpressure=0.6, seed=1)
    np.testing.assert_array_equal(got, depthwise(x, unit))


def test_separable_cnn_pipeline_exact():
    design = compile_graph(separable_cnn_graph(0), max_macs=16)
    kinds = [type(b).__name__ for b in design.blocks]
    assert kinds.count("DepthwiseParams") == 2
    x = np.random.default_rng(5).integers(0, 256, (2,) + design.input_shape)
    golden = run_pipeline(design.blocks, x, edges=design.edges)
    fmt_in, fmt_out = design.input_format, design.output_format
    run = run_stream_component(Accelerator(blocks=design.blocks, edges=design.edges),
                               pack_words(x.reshape(-1, fmt_in.lanes), 8),
                               len(x) * design.beats_out_per_inference)
    got = unpack_words(run.out_words, fmt_out.lanes, 8, True).reshape(golden.shape)
    np.testing.assert_array_equal(got, golden)
    timing = pipeline_timing(design.blocks, len(x), edges=design.edges)
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats
    assert timing.ii == timing.ii_bound    # FIFO sizing keeps the slowest block busy
