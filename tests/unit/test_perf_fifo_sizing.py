"""FIFO depths from the pipeline analysis: exact where they claim to be, and what size_fifos
makes of them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.ir import IntType
from hwgen.ir.block import StreamFormat
from hwgen.ir.lowering import lower_graph
from hwgen.passes import choose_folding, fifo_bits, size_pipeline
from hwgen.passes.fifo_sizing import _floors, _ii_bound
from hwgen.perf import pipeline as pipeline_module
from hwgen.perf.pipeline import PipelineAnalysis
from tests.fixtures.cnn_factory import parallel_dense_graph, residual_cnn_graph, small_cnn_graph
from tests.unit.test_perf_analysis import dense_chain


def port_times(analysis, n):
    keys = ["input"] + [(side, b) for b in range(len(analysis.blocks)) for side in ("in", "out")]
    return {key: analysis.times(key, n).tolist() for key in keys}


def entries_and_ports(blocks, edges, interval, site, n):
    """Port times, and the cycles each beat enters ``site``'s FIFO, of a paced run."""
    key = (site.block, site.field)
    analysis = PipelineAnalysis(blocks, edges, release_interval=interval, record=[key]).run()
    recorded = next(s for s in analysis.sites if (s.block, s.field) == key)
    return {**port_times(analysis, n), "entries": analysis.times(recorded.arrivals, n).tolist()}


def paced_pair(blocks, edges, interval):
    """The unbounded paced run, and the blocks with every FIFO at its needed depth."""
    free = PipelineAnalysis(blocks, edges, release_interval=interval, unbounded=True).run()
    assert free.periodic
    sized = list(blocks)
    for site in free.sites:
        sized[site.block] = replace(sized[site.block],
                                    **{site.field: free.needed_depth(site)})
    return free, tuple(sized)


@pytest.mark.parametrize("seed", range(8))
def test_needed_depths_reproduce_the_unbounded_run_and_one_less_does_not(seed):
    rng = np.random.default_rng(seed)
    graph = dense_chain(rng) if seed % 2 else small_cnn_graph(seed, image=(4, 4, 1))
    blocks, edges = lower_graph(choose_folding(graph, max_macs=int(rng.choice([2, 8, 32]))))
    floors = _floors(blocks, edges)
    interval = _ii_bound(floors)
    free, sized = paced_pair(floors, edges, interval)
    n = free.evaluated + 4
    want = port_times(free, n)
    bounded = PipelineAnalysis(sized, edges, release_interval=interval).run()
    assert port_times(bounded, n) == want
    checked = 0
    for site in free.sites:
        depth = getattr(sized[site.block], site.field)
        if depth <= getattr(floors[site.block], site.field) or depth <= 1:
            continue
        checked += 1
        less = list(sized)
        less[site.block] = replace(less[site.block], **{site.field: depth - 1})
        # One beat less delays some beat's entry into this FIFO (its producer's step waits
        # for a slot); the ports may hide it where the consumer reads that beat later anyway.
        exact = entries_and_ports(sized, edges, interval, site, n)
        try:
            shallower = entries_and_ports(tuple(less), edges, interval, site, n)
        except RuntimeError:
            continue                                   # a deadlock: different too
        assert exact == {**want, "entries": exact["entries"]}
        assert shallower != exact, (sized[site.block].name, site.field)
    assert checked, "no FIFO deeper than its floor: a weak case"


@pytest.mark.parametrize("which", ["chain", "cnn", "residual", "parallel"])
def test_sized_pipelines_keep_the_interval_without_deadlock(which):
    for seed in range(4):
        rng = np.random.default_rng([seed, 7])
        graph = {"chain": lambda r, s: dense_chain(r), "cnn": lambda r, s: small_cnn_graph(s),
                 "residual": lambda r, s: residual_cnn_graph(s),
                 "parallel": lambda r, s: parallel_dense_graph(s)}[which](rng, seed)
        blocks, edges = lower_graph(choose_folding(graph, max_macs=int(rng.choice([4, 16]))))
        sized = size_pipeline(blocks, edges)
        p = sized.analysis.periodicity
        assert p is not None
        # The same analysis as a fresh one of the sized blocks (it is the design's model).
        fresh = PipelineAnalysis(sized.blocks, edges).run()
        assert (fresh.periodicity.delta, fresh.periodicity.period) == (p.delta, p.period)
        assert p.delta == p.period * _ii_bound(sized.blocks)


def test_fifo_bits_by_hand():
    design = compile_graph(parallel_dense_graph(0), max_macs=4)
    # Two dense layers read the input (a fork): branch FIFOs hold input beats; the adder
    # reads both and has its own output FIFO.
    a, b, add = design.blocks
    in_bits = design.input_format.payload_bits
    want = (a.out_fifo_depth * a.output_format.payload_bits
            + b.out_fifo_depth * b.output_format.payload_bits
            + add.out_fifo_depth * add.output_format.payload_bits
            + (a.in_fifo_depth + b.in_fifo_depth) * in_bits
            + add.in_fifo_depth * add.input_formats[0].payload_bits
            + add.in2_fifo_depth * add.input_formats[1].payload_bits)
    assert fifo_bits(design.blocks, design.edges) == want
    assert StreamFormat(IntType(4, True), 3).payload_bits == 12


def test_manifest_reuses_the_compile_flow_analysis_and_says_the_same(monkeypatch, tmp_path):
    from hwgen.backend.manifest import build_manifest
    design = compile_graph(residual_cnn_graph(1), max_macs=16)
    runs = []
    original = PipelineAnalysis.run

    def counted(self, *args, **kwargs):
        runs.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PipelineAnalysis, "run", counted)
    shared = build_manifest(design, files={})
    assert runs == []                                   # no second cycle model run
    pipeline_module._RECENT.clear()
    cold = build_manifest(design, files={})
    assert len(runs) == 1
    assert shared == cold
    assert shared["fifo_bits"] == fifo_bits(design.blocks, design.edges)
