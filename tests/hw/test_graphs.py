"""Graphs with branches (a fork at the input, a residual connection) in Amaranth's simulator."""

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.golden import run_pipeline
from hwgen.ir.blocks.eltwise_add import AddParams
from hwgen.perf import pipeline_timing
from tests.fixtures.block_runs import run_accelerator
from tests.fixtures.cnn_factory import parallel_dense_graph, residual_cnn_graph
from tests.fixtures.requant_reference import ref_requant

GRAPHS = {"parallel": (parallel_dense_graph, 8), "residual": (residual_cnn_graph, 16)}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_branching_graph_exact(name):
    build, max_macs = GRAPHS[name]
    design = compile_graph(build(0), max_macs=max_macs)
    x = np.random.default_rng(1).integers(0, 256, (4,) + design.input_shape)
    run, got = run_accelerator(design, x)
    np.testing.assert_array_equal(got, run_pipeline(design.blocks, x, edges=design.edges))
    timing = pipeline_timing(design.blocks, len(x), design.edges)
    assert tuple(run.in_cycles) == timing.in_beats
    assert tuple(run.out_cycles) == timing.out_beats
    assert timing.ii == timing.ii_bound
    _, stalled = run_accelerator(design, x, idle=0.3, backpressure=0.5, seed=3)
    np.testing.assert_array_equal(stalled, got)


def test_residual_golden_is_the_sum_of_its_branches():
    # The add block's golden output against an independent evaluation of the rule with
    # Python ints, on the two branch tensors the golden model computed.
    design = compile_graph(residual_cnn_graph(0), max_macs=16)
    x = np.random.default_rng(2).integers(0, 256, (2,) + design.input_shape)
    _, outputs = run_pipeline(design.blocks, x, edges=design.edges, keep_intermediate=True)
    index = next(i for i, b in enumerate(design.blocks) if isinstance(b, AddParams))
    p, (ia, ib) = design.blocks[index], design.edges[index]
    a, b, y = outputs[ia].ravel(), outputs[ib].ravel(), outputs[index].ravel()
    for av, bv, yv in zip(a.tolist(), b.tolist(), y.tolist(), strict=True):
        acc = p.a_factor * (av - p.a_zero_point) + p.b_factor * (bv - p.b_zero_point)
        want = p.out_zero_point + ref_requant(acc, p.multiplier, p.shift, p.rounding.value)
        assert yv == min(max(want, p.out_min), p.out_max)


def test_too_small_skip_fifo_deadlocks_in_the_model_and_sizing_avoids_it():
    from dataclasses import replace

    from hwgen.ir.blocks.eltwise_add import AddParams
    design = compile_graph(residual_cnn_graph(0), max_macs=16)
    index = next(i for i, b in enumerate(design.blocks) if isinstance(b, AddParams))
    assert design.blocks[index].in2_fifo_depth > 1
    blocks = list(design.blocks)
    blocks[index] = replace(blocks[index], in2_fifo_depth=1)
    with pytest.raises(RuntimeError, match="deadlock"):
        pipeline_timing(blocks, 3, design.edges)
    # The hardware deadlocks too: the model is right about it.
    from hwgen.backend import LoweredDesign
    small = LoweredDesign(name="small", blocks=blocks, edges=design.edges,
                   input_quant=design.input_quant, output_quant=design.output_quant)
    x = np.random.default_rng(2).integers(0, 256, (3,) + design.input_shape)
    with pytest.raises(TimeoutError):
        run_accelerator(small, x, max_cycles=20_000)
