"""cocotb on Icarus: a sliding window feeding the depthwise unit, against the golden model and
the cycle model (the grid runs in Amaranth's simulator, tests/hw; Verilator runs the
depthwise-separable CNN through the CLI, tests/test_depthwise_cli.py)."""

import numpy as np
import pytest

from hwgen.golden import run_pipeline
from hwgen.hw.accelerator import Accelerator
from hwgen.ir import RequantRounding
from hwgen.ir.lowering import lower_layer
from hwgen.ir.packing import pack_words
from hwgen.passes import size_fifos
from hwgen.perf import pipeline_timing
from hwgen.sim.block_cosim import component_verilog, cosim_stream_block
from tests.fixtures.depthwise_factory import depthwise_layer

pytestmark = pytest.mark.cosim


def test_window_and_depthwise_exact_and_under_stalls(icarus, tmp_path):
    # 7x6 image, 6 channels, PE 2, 3x3 stride 2, asymmetric padding, gemmlowp, fused ReLU.
    layer = depthwise_layer(11, image=(7, 6, 6), kernel=3, stride=2, pads=(1, 0, 1, 1), pe=2,
                            relu=True, rounding=RequantRounding.GEMMLOWP)
    blocks = size_fifos(list(lower_layer(layer)))
    x = np.random.default_rng(12).integers(-128, 128, (3,) + blocks[0].input_shape)
    y = run_pipeline(blocks, x)
    timing = pipeline_timing(blocks, len(x))
    verilog = component_verilog(Accelerator(blocks=blocks), "dw_dut")
    words_in = pack_words(x.reshape(-1, 2), 8)
    words_out = pack_words(y.reshape(-1, 2), 8)
    cosim_stream_block(verilog, "dw_dut", in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "exact", simulator=icarus,
                       expect_in_cycles=timing.in_beats, expect_out_cycles=timing.out_beats)
    cosim_stream_block(verilog, "dw_dut", in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "stalls", simulator=icarus, idle=0.25,
                       backpressure=0.4, seed=3)
