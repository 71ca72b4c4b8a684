"""The ``pipeline`` key reaches the integer MVAUs, and misplaced or bad values are refused."""

import dataclasses

import pytest

from hwgen.compiler import compile_graph
from hwgen.errors import ConfigError
from hwgen.ir import IntMvauParams
from hwgen.ir.blocks.sliding_window import SlidingWindowParams
from hwgen.ir.blocks.window_reduce import WindowReduceParams
from hwgen.perf import pipeline_timing
from tests.fixtures.cnn_factory import residual_cnn_graph, small_cnn_graph


def mvaus(design):
    return {b.name: b for b in design.blocks if isinstance(b, IntMvauParams)}


def test_default_deep_reaches_every_int_mvau_and_keeps_the_ii():
    graph = small_cnn_graph(0)
    auto = compile_graph(graph, max_macs=16)
    deep = compile_graph(graph, {"default": {"pipeline": "deep"}}, max_macs=16)
    assert sorted(mvaus(deep)) == ["conv1", "conv2", "fc"]
    assert all(b.pipeline == "auto" for b in mvaus(auto).values())
    assert all(b.pipeline == "deep" for b in mvaus(deep).values())
    # the pools get their input register slice; the other blocks (windows) are the same
    # blocks, FIFO depths aside (the sizing may leave beats of buffering to the slices)
    def others(design):
        return [{k: v for k, v in b.describe().items()
                 if not k.endswith("fifo_depth") and k != "pipeline"}
                for b in design.blocks if not isinstance(b, IntMvauParams)]

    assert others(deep) == others(auto)
    pools = [b for b in deep.blocks if isinstance(b, WindowReduceParams)]
    assert [b.name for b in pools] == ["pool", "gap"]
    assert all(b.pipeline == "deep" and b.input_slice == 2 for b in pools)
    assert all(b.pipeline == "auto" for b in auto.blocks if isinstance(b, WindowReduceParams))
    windows = {b.name: b.pipeline for b in deep.blocks if isinstance(b, SlidingWindowParams)}
    assert windows == {"conv1.window": "deep", "pool.window": "deep", "conv2.window": "deep"}
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


def test_a_deep_window_keeps_its_line_buffer_out_of_block_ram():
    from amaranth.back import verilog

    from hwgen.hw.stream.sliding_window import SlidingWindow
    from hwgen.perf.cost import block_cost
    design = compile_graph(small_cnn_graph(0), {"layer": {"conv2": {"pipeline": "deep"}}},
                           max_macs=16)
    windows = {b.name: b for b in design.blocks if isinstance(b, SlidingWindowParams)}
    assert {n: b.pipeline for n, b in windows.items()} == \
        {"conv1.window": "auto", "pool.window": "auto", "conv2.window": "deep"}
    attribute = '(* ram_style = "distributed" *)'
    for name, window in windows.items():
        text = verilog.convert(SlidingWindow(params=window), name="w")
        assert (attribute in text) == (name == "conv2.window"), name
    # the cost model follows: a window whose buffer would be block RAM is LUT RAM when deep
    wide = dataclasses.replace(windows["conv1.window"], width=64, channels=16, lanes=16,
                               pipeline="auto")
    assert block_cost(wide, "ecp5").bram > 0
    deep = block_cost(dataclasses.replace(wide, pipeline="deep"), "ecp5")
    assert deep.bram == 0 and deep.lutram > 0


def test_per_layer_deep():
    design = compile_graph(small_cnn_graph(0), {"layer": {"conv2": {"pipeline": "deep"}}},
                           max_macs=16)
    assert {n: b.pipeline for n, b in mvaus(design).items()} == \
        {"conv1": "auto", "conv2": "deep", "fc": "auto"}


def test_deep_on_a_layer_without_an_int_mvau_or_a_pool_is_one_clear_error():
    with pytest.raises(ConfigError, match=r"^config: \[layer.add\]: pipeline = 'deep' applies "
                                          r"to integer MVAUs \(dense and conv layers\) and "
                                          r"pools only; layer 'add' becomes eltwise_add; remove "
                                          r"the key or set it to 'auto'$"):
        compile_graph(residual_cnn_graph(0), {"layer": {"add": {"pipeline": "deep"}}},
                      max_macs=16)
    # "auto" there is harmless, and a pool takes "deep"
    compile_graph(residual_cnn_graph(0), {"layer": {"add": {"pipeline": "auto"}}}, max_macs=16)
    design = compile_graph(small_cnn_graph(0), {"layer": {"pool": {"pipeline": "deep"}}},
                           max_macs=16)
    assert {b.name: b.pipeline for b in design.blocks
            if isinstance(b, (IntMvauParams, WindowReduceParams))} == \
        {"conv1": "auto", "pool": "deep", "conv2": "auto", "gap": "auto", "fc": "auto"}


def test_bad_value_is_one_clear_error():
    with pytest.raises(ConfigError, match="pipeline = 'fast' is not valid; valid: auto, deep"):
        compile_graph(small_cnn_graph(0), {"default": {"pipeline": "fast"}}, max_macs=16)
