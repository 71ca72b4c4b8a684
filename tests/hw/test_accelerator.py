"""Whole pipelines in Amaranth's simulator: outputs equal the golden model, cycles the model."""

from itertools import pairwise

import numpy as np
import pytest

from hwgen.golden import run_pipeline
from hwgen.hw.accelerator import Accelerator
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.perf import pipeline_timing
from hwgen.sim.amaranth_tb import run_stream_component
from tests.fixtures.factories import random_inputs, random_mvau_params

# (features per layer boundary, (PE, SIMD) per layer): converters up and down, odd sizes.
PIPELINES = [
    ([12, 8, 6, 4], [(2, 3), (3, 4), (1, 6)]),
    ([6, 10, 5], [(5, 1), (1, 2)]),
    ([8, 16, 4], [(2, 8), (4, 4)]),
    ([9, 6, 6, 3], [(3, 3), (6, 2), (1, 6)]),
    ([4, 4], [(4, 4)]),
    ([32, 32, 4], [(1, 4), (2, 32)]),        # 1 -> 32: a converter's count held one-hot
]


def build(rng, dims, folds, *, input_fifos=True):
    layers = []
    in_bits, in_signed = 8, False
    for index, ((mw, mh), (pe, simd)) in enumerate(zip(pairwise(dims), folds, strict=True)):
        upsizing = index and folds[index - 1][0] < simd
        layers.append(random_mvau_params(
            rng, mh=mh, mw=mw, pe=pe, simd=simd, in_bits=in_bits, in_signed=in_signed,
            out_bits=[4, 8][index % 2], out_signed=True, relu=index % 2 == 0,
            w_bits=[2, 4, 8][index % 3], name=f"layer{index}",
            in_fifo_depth=(mw // simd) if (upsizing and input_fifos) else 0))
        in_bits, in_signed = layers[-1].output_type.bits, True
    return layers


def simulate(layers, x, **kwargs):
    first, last = layers[0], layers[-1]
    run = run_stream_component(
        Accelerator(blocks=layers),
        pack_words(x.reshape(-1, first.simd), first.input_type.bits), len(x) * last.nf, **kwargs)
    out = unpack_words(run.out_words, last.pe, last.output_type.bits, last.output_type.signed)
    return run, out.reshape(len(x), last.mh)


@pytest.mark.parametrize("dims,folds", PIPELINES)
def test_pipeline_exact(dims, folds):
    rng = np.random.default_rng(sum(dims))
    layers = build(rng, dims, folds)
    x = random_inputs(rng, layers[0], 6)
    run, got = simulate(layers, x)
    np.testing.assert_array_equal(got, run_pipeline(layers, x))
    timing = pipeline_timing(layers, len(x))
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats


@pytest.mark.parametrize("dims,folds", PIPELINES[:3])
def test_pipeline_under_stalls(dims, folds):
    rng = np.random.default_rng(len(dims))
    layers = build(rng, dims, folds)
    x = random_inputs(rng, layers[0], 5)
    _, got = simulate(layers, x, idle=0.3, backpressure=0.5, seed=3)
    np.testing.assert_array_equal(got, run_pipeline(layers, x))


def test_without_input_fifo_the_model_still_predicts_the_slower_pipeline():
    # An upsizing converter starves the consumer; the exact model must show it too.
    rng = np.random.default_rng(5)
    layers = build(rng, [6, 10, 5], [(5, 1), (1, 10)], input_fifos=False)
    x = random_inputs(rng, layers[0], 6)
    run, got = simulate(layers, x)
    np.testing.assert_array_equal(got, run_pipeline(layers, x))
    assert tuple(run.out_cycles) == pipeline_timing(layers, len(x)).out_beats
