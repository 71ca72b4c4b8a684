"""The pipeline analysis against brute force: every transfer of long runs, on random pipelines.

``PipelineAnalysis`` stops at the first inference that proves the run periodic and extends
it; ``shortcut=False`` evaluates every inference event by event and never drops a beat.
They must agree on every transfer at every block boundary, for chains and residual graphs,
all block kinds, random foldings and FIFO depths (shallow ones that slow the pipeline down
and make it repeat every few inferences, deep ones that make rules reach several
inferences back, too-shallow branch FIFOs that deadlock).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from hwgen.catalog import CATALOG, kind_named, resolve
from hwgen.ir import Folding, Graph, IntType, QuantDense, TensorQuant, WeightQuant
from hwgen.ir.block import DESIGN_INPUT, beats_per_inference, consumers_of
from hwgen.ir.lowering import lower_graph
from hwgen.passes import choose_folding, divisors
from hwgen.perf import cycle_model as cycle_model_module
from hwgen.perf.events import CycleModelDeadlock
from hwgen.perf.pipeline import PERIODS, PipelineAnalysis, pipeline_timing
from hwgen.perf.registry import cycle_model
from tests.fixtures.cnn_factory import parallel_dense_graph, residual_cnn_graph, small_cnn_graph
from tests.fixtures.depthwise_factory import separable_cnn_graph
from tests.fixtures.mx_cnn_factory import small_mx_cnn_graph

LONG = 40


def dense_chain(rng) -> Graph:
    sizes = [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 16]
    dims = [int(rng.choice(sizes)) for _ in range(int(rng.integers(2, 5)))]
    layers = []
    for i, (mw, mh) in enumerate(zip(dims, dims[1:], strict=False)):
        layers.append(QuantDense(
            name=f"l{i}", weights=np.ones((mh, mw), dtype=int),
            weight_quant=WeightQuant(IntType(4, True), np.ones(mh), "channel"),
            bias=np.zeros(mh, int), input_quant=TensorQuant(IntType(4, True), 1.0, 0),
            output_quant=TensorQuant(IntType(4, True), 1.0, 0),
            folding=Folding(int(rng.choice(divisors(mh))), int(rng.choice(divisors(mw))))))
    return Graph("chain", layers)


def graph_of(kind: str, seed: int) -> Graph:
    rng = np.random.default_rng(seed)
    if kind == "chain":
        return dense_chain(rng)
    if kind == "cnn":
        return small_cnn_graph(seed, image=(int(rng.choice([3, 4, 6])),) * 2 + (1,))
    if kind == "residual":
        return residual_cnn_graph(seed)
    if kind == "parallel":
        return parallel_dense_graph(seed)
    if kind == "separable":
        return separable_cnn_graph(seed)
    return small_mx_cnn_graph(seed)


def random_depths(blocks, edges, rng) -> tuple:
    """Random FIFO depths: from 1 to several inferences' worth of beats (rules reaching far
    back), random input FIFOs, every branch FIFO at least 1."""
    forked = {(b, port) for readers in consumers_of(edges).values() if len(readers) > 1
              for b, port in readers}
    sized = []
    for index, block in enumerate(blocks):
        beats = beats_per_inference(block.output_shape, block.output_format)
        least = cycle_model(block).smallest_depths(block, None)["out_fifo_depth"]
        choices = [least, least + 1, least + 2, max(least, beats // 2 + 1),
                   max(least, beats + 1), max(least, 3 * beats)]
        changes = {"out_fifo_depth": int(rng.choice(choices))}
        for port in range(block.inputs):
            field = "in_fifo_depth" if port == 0 else "in2_fifo_depth"
            if (index, port) in forked:
                changes[field] = int(rng.choice([1, 2, 5, 17, 60]))
            elif rng.random() < 0.3:
                changes[field] = int(rng.choice([1, 3, 8]))
        sized.append(replace(block, **changes))
    return tuple(sized)


def brute_force(blocks, edges, n):
    """Every inference evaluated, nothing dropped."""
    analysis = PipelineAnalysis(blocks, edges, shortcut=False)
    analysis.times("input", n)
    return analysis.timing(n)


def assert_same(fast, full) -> None:
    assert fast.in_beats == full.in_beats
    for a, b in zip(fast.layers, full.layers, strict=True):
        assert a.in_beats == b.in_beats, a.name
        assert a.out_beats == b.out_beats, a.name
        assert a.first_in == b.first_in and a.last_out == b.last_out, a.name


def compare(blocks, edges, n=LONG):
    """The analysis and a brute-force run of at least ``n`` inferences, and beyond where the
    analysis stopped: equal, or deadlocked at the same inference. Returns the analysis
    (None on deadlock)."""
    analysis = PipelineAnalysis(blocks, edges)
    try:
        analysis.run()
    except CycleModelDeadlock:
        stuck = analysis.evaluated                 # inferences done before the deadlock
        if stuck:
            brute_force(blocks, edges, stuck)
        with pytest.raises(CycleModelDeadlock):
            brute_force(blocks, edges, stuck + 1)
        return None
    if analysis.periodic:
        n = max(n, analysis.evaluated + 3 * analysis.periodicity.period)
    assert_same(analysis.timing(n), brute_force(blocks, edges, n))
    return analysis


KINDS = ["chain", "cnn", "residual", "parallel", "separable", "mx"]


@pytest.mark.parametrize("kind", KINDS)
def test_fast_analysis_equals_brute_force_on_random_pipelines(kind):
    periods, periodic, deadlocks = [], 0, 0
    for seed in range(12 if kind in ("chain", "cnn") else 6):
        rng = np.random.default_rng([seed, len(kind)])
        graph = choose_folding(graph_of(kind, seed),
                               max_macs=int(rng.choice([1, 4, 16, 64])))
        blocks, edges = lower_graph(graph)
        analysis = compare(random_depths(blocks, edges, rng), edges)
        if analysis is None:
            deadlocks += 1
            continue
        periodic += analysis.periodic
        if analysis.periodic:
            periods.append(analysis.periodicity.period)
    assert periodic >= 2, f"{kind}: too few periodic runs to test the extension"
    if kind == "residual":
        assert deadlocks >= 1, "no deadlock-prone case drawn"


def test_runs_that_repeat_every_few_inferences_are_extended_exactly():
    # A shallow credit FIFO on a long vector: the engine waits on credits in a pattern that
    # repeats after several inferences (a cyclicity above 1).
    found = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        graph = choose_folding(dense_chain(rng), max_macs=int(rng.choice([1, 2, 4])))
        blocks, edges = lower_graph(graph)
        blocks = random_depths(blocks, edges, rng)
        analysis = compare(blocks, edges, n=3 * PERIODS)
        if analysis is not None and analysis.periodic and analysis.periodicity.period > 1:
            found.append(analysis.periodicity)
    assert found, "no random chain repeats with a cyclicity above 1"


@pytest.mark.parametrize("name", [entry.name for entry in CATALOG])
def test_every_block_kind_alone_equals_brute_force(name):
    params = resolve(kind_named(name).params)
    for seed in range(4):
        rng = np.random.default_rng([seed, len(name)])
        block = params.example(rng)
        edges = ((DESIGN_INPUT,) * block.inputs,)
        beats = beats_per_inference(block.output_shape, block.output_format)
        least = cycle_model(block).smallest_depths(block, None)["out_fifo_depth"]
        depth = int(rng.choice([least, least + 1, max(least, beats + 1),
                                max(least, 2 * beats + 3)]))
        changes = {"out_fifo_depth": depth}
        if block.inputs == 2:
            changes.update(in_fifo_depth=int(rng.integers(1, 4)),
                           in2_fifo_depth=int(rng.integers(1, 4)))
        analysis = compare((replace(block, **changes),), edges)
        assert analysis is not None and analysis.periodic


def test_a_rule_reaching_beyond_its_stated_reach_is_caught(monkeypatch):
    # Understate the MVAU's reach: its credits read output beats the analysis has dropped.
    from tests.fixtures.factories import random_mvau_params
    rng = np.random.default_rng(3)
    block = random_mvau_params(rng, mh=4, mw=4, pe=2, simd=4, out_fifo_depth=9)
    model = cycle_model(block)
    honest = PipelineAnalysis([block]).run()
    assert honest.reach == math.ceil(9 / block.nf)
    liar = replace(model, reach=lambda p: 1)
    monkeypatch.setattr("hwgen.perf.pipeline.cycle_model", lambda b: liar)
    # (limit=0: no periodicity search, every inference evaluated, old beats dropped.)
    with pytest.raises(RuntimeError, match="forgotten"):
        PipelineAnalysis([block], limit=0).times("input", LONG)


def test_long_runs_cost_what_the_periodic_regime_needs():
    # Asking for 10,000 inferences evaluates a handful; the answer is still exact where
    # brute force can check it.
    blocks, edges = lower_graph(choose_folding(small_cnn_graph(1), max_macs=16))
    analysis = PipelineAnalysis(blocks, edges).run()
    timing = analysis.timing(10_000)
    assert analysis.evaluated <= 2 * analysis.reach + PERIODS
    p = analysis.periodicity
    assert timing.last_out[-1] - timing.last_out[-1 - p.period] == p.delta
    assert timing.ii * p.period == p.delta or p.period > 1
    full = brute_force(blocks, edges, 60)
    assert timing.last_out[:60] == full.last_out


def test_pipeline_timing_shares_the_analysis_of_the_same_blocks():
    from hwgen.perf.pipeline import analyse_pipeline
    blocks, edges = lower_graph(choose_folding(small_cnn_graph(2), max_macs=16))
    first = analyse_pipeline(blocks, edges)
    assert analyse_pipeline(blocks, edges) is first
    assert analyse_pipeline(tuple(list(blocks)), edges) is not first   # another tuple
    assert pipeline_timing(blocks, 5, edges).analysis is first


def test_cycle_model_states_reach_and_smallest_depths_for_every_kind():
    for entry in CATALOG:
        model = resolve(entry.cycle_model)
        assert isinstance(model, cycle_model_module.CycleModel)
        block = resolve(entry.params).example(np.random.default_rng(0))
        assert model.reach(block) >= 1
        natural = model.fifo_depths(block, None)
        least = model.smallest_depths(block, None)
        assert set(least) == set(natural)
        for field, depth in least.items():
            assert 0 <= depth <= natural[field]
            replace(block, **{field: depth})          # a legal depth
