"""Cycle model properties and the folding / FIFO-sizing passes."""

import math
from itertools import pairwise

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.errors import IRError
from hwgen.ir import Folding, Graph, IntMvauParams, IntType, QuantDense, TensorQuant, WeightQuant
from hwgen.ir.lowering import lower_graph
from hwgen.passes import choose_folding, divisors, size_fifos
from hwgen.perf import credits_for_full_rate, int_mvau_isolated_latency, pipeline_timing
from hwgen.perf.events import Schedule
from tests.fixtures.factories import random_mvau_params


def test_closed_form_matches_event_model_for_isolated_blocks():
    rng = np.random.default_rng(0)
    for mh, mw in [(8, 12), (5, 7), (16, 16)]:
        for pe in divisors(mh):
            for simd in divisors(mw):
                p = random_mvau_params(rng, mh=mh, mw=mw, pe=pe, simd=simd)
                t = pipeline_timing([p], 3)
                assert t.latency == int_mvau_isolated_latency(p)
                assert t.ii == p.nf * p.sf


def test_shallow_credit_fifo_slows_the_block_and_the_closed_form_refuses():
    rng = np.random.default_rng(1)
    p = random_mvau_params(rng, mh=8, mw=2, pe=1, simd=2, out_fifo_depth=1)
    assert credits_for_full_rate(p.sf) > 1
    assert pipeline_timing([p], 4).ii > p.nf * p.sf
    with pytest.raises(ValueError, match="output FIFO too shallow"):
        int_mvau_isolated_latency(p)


def test_sized_pipelines_run_at_the_slowest_layer():
    # Random chains with every kind of width conversion; the sizing rule must reach the bound.
    rng = np.random.default_rng(5)
    sizes = [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 16, 24]
    for _ in range(60):
        dims = [int(rng.choice(sizes)) for _ in range(int(rng.integers(2, 5)))]
        layers = []
        for i, (mw, mh) in enumerate(pairwise(dims)):
            layers.append(QuantDense(
                name=f"l{i}", weights=np.ones((mh, mw), dtype=int),
                weight_quant=WeightQuant(IntType(4, True), np.ones(mh), "channel"),
                bias=np.zeros(mh, int), input_quant=TensorQuant(IntType(4, True), 1.0, 0),
                output_quant=TensorQuant(IntType(4, True), 1.0, 0),
                folding=Folding(int(rng.choice(divisors(mh))), int(rng.choice(divisors(mw))))))
        params = size_fifos(lower_graph(Graph("g", layers))[0], verify=False)
        timing = pipeline_timing(params, 30)
        assert timing.ii == timing.ii_bound, [layer.folding for layer in layers]


def test_schedule_reports_deadlock():
    schedule = Schedule()
    a = schedule.stream("a", 1)

    def waits_forever():
        yield a.after(0)

    schedule.process(waits_forever())
    with pytest.raises(RuntimeError, match=r"deadlock; waiting for a\[0\]"):
        schedule.run()


def mlp(sizes):
    layers = []
    q = TensorQuant(IntType(8, True), 1.0, 0)
    for i, (mw, mh) in enumerate(pairwise(sizes)):
        layers.append(QuantDense(
            name=f"fc{i}", weights=np.ones((mh, mw), dtype=int),
            weight_quant=WeightQuant(IntType(8, True), np.full(mh, 1e-3), "channel"),
            bias=np.zeros(mh, int), input_quant=q, output_quant=q))
    return Graph("mlp", layers)


def test_automatic_folding_balances_layers():
    graph = choose_folding(mlp([64, 64, 32, 10]), max_macs=64)
    target = math.ceil(64 * 64 / 64)
    for layer in graph.layers:
        f = layer.folding
        cycles = (layer.out_features // f.pe) * (layer.in_features // f.simd)
        assert cycles <= target
        # No cheaper folding meets the target.
        for pe in divisors(layer.out_features):
            for simd in divisors(layer.in_features):
                if (layer.out_features // pe) * (layer.in_features // simd) <= target:
                    assert pe * simd >= f.pe * f.simd


def test_folding_requests_are_kept_and_checked():
    graph = choose_folding(mlp([12, 8, 4]), requests={"fc0": (4, None), "fc1": (2, 8)})
    assert graph.layer("fc0").folding.pe == 4 and graph.layer("fc1").folding == Folding(2, 8)
    with pytest.raises(IRError, match=r"layer 'fc0': PE=5 does not divide the 8 output channels; "
                                      r"use one of 1, 2, 4, 8"):
        choose_folding(mlp([12, 8, 4]), requests={"fc0": (5, None)})
    with pytest.raises(IRError, match="unknown layer"):
        choose_folding(mlp([12, 8, 4]), requests={"nope": (1, 1)})


def test_compile_graph_folds_lowers_and_sizes():
    design = compile_graph(mlp([16, 12, 6]))
    for block in design.blocks:
        assert isinstance(block, IntMvauParams)
        assert block.out_fifo_depth >= credits_for_full_rate(block.sf)
    timing = pipeline_timing(design.blocks, 12)
    assert timing.ii == timing.ii_bound


@pytest.mark.parametrize("which", ["mlp", "cnn", "residual", "shallow"])
def test_extended_timing_equals_full_evaluation(which):
    # Long runs are extended from a periodic prefix; the result must be exactly the
    # beat-by-beat evaluation.
    from hwgen.perf.pipeline import PipelineAnalysis
    from tests.fixtures.cnn_factory import residual_cnn_graph, small_cnn
    rng = np.random.default_rng(0)
    if which == "mlp":
        blocks, edges = compile_graph(mlp([16, 12, 6]), max_macs=8).blocks, None
    elif which == "cnn":
        design = small_cnn(1)
        blocks, edges = design.blocks, design.edges
    elif which == "residual":
        design = compile_graph(residual_cnn_graph(1), max_macs=16)
        blocks, edges = design.blocks, design.edges
    else:  # shallow FIFOs: a slower, still periodic pipeline
        blocks = [random_mvau_params(rng, mh=8, mw=2, pe=1, simd=2, out_fifo_depth=1),
                  random_mvau_params(rng, mh=4, mw=8, pe=2, simd=1, in_bits=8, in_signed=True,
                                     out_fifo_depth=1, name="b")]
        edges = None
    n = 150
    fast = pipeline_timing(blocks, n, edges)
    full = PipelineAnalysis(blocks, edges, shortcut=False).timing(n)
    assert fast.in_beats == full.in_beats and fast.out_beats == full.out_beats
    for a, b in zip(fast.layers, full.layers, strict=True):
        assert a.in_beats == b.in_beats and a.out_beats == b.out_beats


def test_convolutions_fold_by_cycles_per_image():
    # A convolution runs its matrix once per output pixel: the folding must balance cycles
    # per image. Its window sends up to a whole patch per beat, so the interval may fall to
    # the first window's input: 8x8 one-channel pixels, one per cycle (the largest layer's
    # 3,456 MACs over 64 multipliers would allow 54 cycles).
    from tests.fixtures.cnn_factory import small_cnn_graph
    graph = choose_folding(small_cnn_graph(0), max_macs=64)
    conv1 = graph.layer("conv1")
    # 64 pixels x (4 / PE) x (9 / SIMD) <= 64 only at full parallelism.
    assert conv1.folding == Folding(pe=4, simd=9)
    design = compile_graph(small_cnn_graph(0), max_macs=64)
    assert design.blocks[0].lanes == 9                 # the whole 3x3 patch per beat
    timing = pipeline_timing(design.blocks, 10, design.edges)
    assert timing.ii == timing.ii_bound == 8 * 8
