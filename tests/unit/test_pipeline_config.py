"""The ``pipeline`` key reaches the integer MVAUs, and misplaced or bad values are refused."""

import pytest

from hwgen.compiler import compile_graph
from hwgen.errors import ConfigError
from hwgen.ir import IntMvauParams
from hwgen.perf import pipeline_timing
from tests.fixtures.cnn_factory import small_cnn_graph


def mvaus(design):
    return {b.name: b for b in design.blocks if isinstance(b, IntMvauParams)}


def test_default_deep_reaches_every_int_mvau_and_keeps_the_ii():
    graph = small_cnn_graph(0)
    auto = compile_graph(graph, max_macs=16)
    deep = compile_graph(graph, {"default": {"pipeline": "deep"}}, max_macs=16)
    assert sorted(mvaus(deep)) == ["conv1", "conv2", "fc"]
    assert all(b.pipeline == "auto" for b in mvaus(auto).values())
    assert all(b.pipeline == "deep" for b in mvaus(deep).values())
    # the other blocks (windows, pools) are the same blocks, FIFO depths aside (the sizing
    # may leave beats of buffering to the deep MVAUs' input slices)
    def others(design):
        return [{k: v for k, v in b.describe().items() if not k.endswith("fifo_depth")}
                for b in design.blocks if not isinstance(b, IntMvauParams)]

    assert others(deep) == others(auto)
    assert all(b.input_slice == 2 for b in mvaus(deep).values())
    assert all(b.input_slice == 0 for b in mvaus(auto).values())
    before, after = pipeline_timing(auto.blocks, 2, auto.edges), \
        pipeline_timing(deep.blocks, 2, deep.edges)
    assert after.ii == before.ii
    # three MVAUs: each at least three cycles more (one operand register, two requantizer
    # stages; an "auto" serial lane's extra cycles are gone under deep)
    assert after.latency > before.latency
    assert all(d.pipeline_delay > a.pipeline_delay
               for a, d in zip(mvaus(auto).values(), mvaus(deep).values(), strict=True))


def test_per_layer_deep():
    design = compile_graph(small_cnn_graph(0), {"layer": {"conv2": {"pipeline": "deep"}}},
                           max_macs=16)
    assert {n: b.pipeline for n, b in mvaus(design).items()} == \
        {"conv1": "auto", "conv2": "deep", "fc": "auto"}


def test_deep_on_a_layer_without_an_int_mvau_is_one_clear_error():
    with pytest.raises(ConfigError, match=r"^config: \[layer.pool\]: pipeline = 'deep' applies "
                                          r"to integer MVAUs \(dense and conv layers\) only; "
                                          r"layer 'pool' becomes window_reduce; remove the key "
                                          r"or set it to 'auto'$"):
        compile_graph(small_cnn_graph(0), {"layer": {"pool": {"pipeline": "deep"}}},
                      max_macs=16)
    # "auto" there is harmless
    compile_graph(small_cnn_graph(0), {"layer": {"pool": {"pipeline": "auto"}}}, max_macs=16)


def test_bad_value_is_one_clear_error():
    with pytest.raises(ConfigError, match="pipeline = 'fast' is not valid; valid: auto, deep"):
        compile_graph(small_cnn_graph(0), {"default": {"pipeline": "fast"}}, max_macs=16)
