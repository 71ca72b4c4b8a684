"""cocotb on Verilator and Icarus: a binary CNN (BWN conv on int8 pixels -> XNOR conv with
-1 padding -> ternary conv, requantized) against the golden model and the cycle model, with
and without random idle and backpressure cycles. The grid runs in Amaranth's simulator
(tests/hw/test_binary_conv.py)."""

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.golden import run_pipeline
from hwgen.hw.accelerator import Accelerator
from hwgen.ir.packing import pack_words
from hwgen.perf import pipeline_timing
from hwgen.sim.block_cosim import component_verilog, cosim_stream_block
from tests.fixtures.binary_conv_factory import binary_cnn_graph, random_codes

pytestmark = pytest.mark.cosim


def test_binary_cnn_exact_and_under_stalls(simulator, tmp_path):
    graph = binary_cnn_graph(4)
    design = compile_graph(graph, max_macs=24)
    assert [b.kind for b in design.blocks] == ["sliding_window", "bwn_mvau"] + \
        ["sliding_window", "xnor_mvau"] + ["sliding_window", "ternary_mvau"]
    x = random_codes(np.random.default_rng(2), graph.layers[0], 3)
    y = run_pipeline(design.blocks, x, edges=design.edges)
    fin, fout = design.input_format, design.output_format
    words_in = pack_words(x.reshape(-1, fin.lanes), fin.element.bits)
    words_out = pack_words(y.reshape(-1, fout.lanes), fout.element.bits)
    timing = pipeline_timing(design.blocks, len(x), design.edges)
    verilog = component_verilog(Accelerator(blocks=design.blocks), "bconv_dut")
    cosim_stream_block(verilog, "bconv_dut", in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "exact", simulator=simulator,
                       expect_in_cycles=timing.in_beats, expect_out_cycles=timing.out_beats)
    cosim_stream_block(verilog, "bconv_dut", in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "stalls", simulator=simulator, idle=0.3,
                       backpressure=0.4, seed=5)
