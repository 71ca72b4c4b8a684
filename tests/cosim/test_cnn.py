"""Convolution blocks and a whole CNN under cocotb on Verilator and Icarus."""

import numpy as np
import pytest

from hwgen.golden.reduce import window_reduce
from hwgen.golden.window import sliding_window
from hwgen.hw.arith.window_reduce import WindowReduce
from hwgen.hw.stream.sliding_window import SlidingWindow
from hwgen.ir.packing import pack_words
from hwgen.perf import pipeline_timing
from hwgen.sim.block_cosim import component_verilog, cosim_stream_block
from hwgen.sim.model_run import simulate_design
from tests.fixtures.cnn_factory import small_cnn
from tests.fixtures.window_factory import reduce_params, window_params

pytestmark = pytest.mark.cosim


# (height, width, channels, kernel, stride, pads, lanes), a representative set of the
# Amaranth-simulator grid (tests/hw/test_window_blocks.py): kernels 1/3/5, strides 1/2,
# padding 0/1/2, odd sizes, channels not a power of two, trailing rows no window uses.
COSIM_WINDOWS = [
    (7, 6, 3, 3, 2, (1, 1, 1, 1), 3),
    (5, 5, 5, 1, 2, (0, 0, 0, 0), 5),
    (7, 9, 3, 5, 2, (1, 1, 1, 1), 3),
    (9, 9, 3, 2, 2, (0, 0, 0, 0), 1),
]


@pytest.mark.parametrize("case", COSIM_WINDOWS[1:], ids=lambda c: "k{}s{}h{}".format(c[3], c[4],
                                                                                     c[0]))
def test_sliding_window_shapes_on_verilator(case, verilator, tmp_path):
    p = window_params(case)
    x = np.random.default_rng(4).integers(-128, 128, (3,) + p.input_shape)
    timing = pipeline_timing([p], len(x))
    cosim_stream_block(component_verilog(SlidingWindow(params=p), "swu_dut"), "swu_dut",
                       in_words=pack_words(x.reshape(-1, p.lanes), 8),
                       expect_words=pack_words(sliding_window(x, p).reshape(-1, p.lanes), 8),
                       work_dir=tmp_path, simulator=verilator, idle=0.2, backpressure=0.3,
                       seed=5)
    cosim_stream_block(component_verilog(SlidingWindow(params=p), "swu_dut"), "swu_dut",
                       in_words=pack_words(x.reshape(-1, p.lanes), 8),
                       expect_words=pack_words(sliding_window(x, p).reshape(-1, p.lanes), 8),
                       work_dir=tmp_path / "exact", simulator=verilator,
                       expect_in_cycles=timing.in_beats, expect_out_cycles=timing.out_beats)


def test_sliding_window_block(simulator, tmp_path):
    p = window_params(COSIM_WINDOWS[0])
    x = np.random.default_rng(1).integers(-128, 128, (2,) + p.input_shape)
    timing = pipeline_timing([p], len(x))
    verilog = component_verilog(SlidingWindow(params=p), "swu_dut")
    words_in = pack_words(x.reshape(-1, p.lanes), 8)
    words_out = pack_words(sliding_window(x, p).reshape(-1, p.lanes), 8)
    cosim_stream_block(verilog, "swu_dut", in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "exact", simulator=simulator,
                       expect_in_cycles=timing.in_beats, expect_out_cycles=timing.out_beats)
    cosim_stream_block(verilog, "swu_dut", in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "stalls", simulator=simulator, idle=0.3,
                       backpressure=0.5, seed=3)


def test_average_pool_block(simulator, tmp_path):
    from hwgen.ir import IntType
    p = reduce_params("avg", 4, 6, 3, (2, 2), IntType(8, True))
    x = np.random.default_rng(2).integers(-128, 128, (3,) + p.input_shape)
    timing = pipeline_timing([p], len(x))
    cosim_stream_block(component_verilog(WindowReduce(params=p), "pool_dut"), "pool_dut",
                       in_words=pack_words(x.reshape(-1, p.lanes), 8),
                       expect_words=pack_words(window_reduce(x, p).reshape(-1, p.lanes), 8),
                       work_dir=tmp_path, simulator=simulator,
                       expect_in_cycles=timing.in_beats, expect_out_cycles=timing.out_beats)


def test_cnn_model_run(simulator, tmp_path):
    design = small_cnn(0)
    x = np.random.default_rng(5).integers(0, 256, (6 if simulator == "icarus" else 30,)
                                          + design.input_shape)
    outcome = simulate_design(design, x, work_dir=tmp_path / "exact", simulator=simulator,
                              log=lambda m: None)
    r = outcome.result
    assert r["bit_exact"] and r["cycles_exact"] is True
    assert r["cycles"]["ii_rtl"] == r["cycles"]["ii_model"] == r["cycles"]["ii_bound"]
    stalled = simulate_design(design, x[:5], work_dir=tmp_path / "stalls", simulator=simulator,
                              idle=0.2, backpressure=0.4, seed=7, log=lambda m: None)
    assert stalled.result["bit_exact"]


def test_residual_cnn_model_run(simulator, tmp_path):
    from hwgen.compiler import compile_graph
    from tests.fixtures.cnn_factory import residual_cnn_graph
    design = compile_graph(residual_cnn_graph(0), max_macs=16)
    x = np.random.default_rng(8).integers(0, 256, (4 if simulator == "icarus" else 20,)
                                          + design.input_shape)
    outcome = simulate_design(design, x, work_dir=tmp_path, simulator=simulator,
                              log=lambda m: None)
    r = outcome.result
    assert r["bit_exact"] and r["cycles_exact"] is True
    assert r["cycles"]["ii_rtl"] == r["cycles"]["ii_model"] == r["cycles"]["ii_bound"]


def test_deep_pipeline_cnn_model_run(verilator, tmp_path):
    # pipeline = "deep" on every int MVAU (ECP5's build), packing off on conv2 and on
    # (shared requantizer lanes) elsewhere: golden = RTL, every transfer as modelled
    from hwgen.compiler import compile_graph
    from tests.fixtures.cnn_factory import small_cnn_graph
    config = {"default": {"pipeline": "deep"}, "layer": {"conv2": {"dsp_packing": "off"}}}
    design = compile_graph(small_cnn_graph(0), config, max_macs=16)
    assert {b.pipeline for b in design.blocks if b.kind == "int_mvau"} == {"deep"}
    x = np.random.default_rng(9).integers(0, 256, (20,) + design.input_shape)
    outcome = simulate_design(design, x, work_dir=tmp_path / "exact", simulator=verilator,
                              log=lambda m: None)
    r = outcome.result
    assert r["bit_exact"] and r["cycles_exact"] is True
    assert r["cycles"]["ii_rtl"] == r["cycles"]["ii_model"] == r["cycles"]["ii_bound"]
    stalled = simulate_design(design, x[:4], work_dir=tmp_path / "stalls",
                              simulator=verilator, idle=0.2, backpressure=0.4, seed=3,
                              log=lambda m: None)
    assert stalled.result["bit_exact"]
