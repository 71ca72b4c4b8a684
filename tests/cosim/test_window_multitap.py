"""The parallel sliding window (several kernel taps per beat) under cocotb on Verilator and
Icarus: outputs equal the golden model, every transfer in the cycle the cycle model predicts,
and outputs still exact under idle and backpressure cycles. A representative set of the
Amaranth-simulator grid of tests/hw/test_window_multitap.py."""

from dataclasses import replace

import numpy as np
import pytest

from hwgen.golden.window import sliding_window
from hwgen.hw.stream.sliding_window import SlidingWindow
from hwgen.ir import IntType
from hwgen.ir.blocks.sliding_window import SlidingWindowParams
from hwgen.ir.packing import pack_words
from hwgen.perf import pipeline_timing
from hwgen.sim.block_cosim import component_verilog, cosim_stream_block

pytestmark = pytest.mark.cosim

I8 = IntType(8, True)

# (height, width, channels, kernel, stride, pad, lanes)
COSIM_MULTITAP = [
    (7, 6, 3, 3, 2, 1, 27),       # the whole 3x3x3 patch per beat, stride 2, padding
    (9, 7, 2, 5, 1, 1, 10),       # one 5-tap kernel row per beat
    (8, 7, 2, 4, 1, 1, 4),        # half a 4-tap kernel row per beat
    (9, 9, 3, 2, 2, 0, 12),       # whole 2x2 patches; the last row and column unused
]


def _params(case):
    height, width, channels, kernel, stride, pad, lanes = case
    p = SlidingWindowParams(name="swu", height=height, width=width, channels=channels,
                            kernel=kernel, stride=stride, pads=(pad,) * 4, element=I8,
                            pad_value=-7, lanes=lanes)
    return replace(p, out_fifo_depth=max(3, p.beats_per_patch))


def _run(case, simulator, work_dir, images):
    p = _params(case)
    x = np.random.default_rng(sum(case)).integers(-128, 128, (images,) + p.input_shape)
    timing = pipeline_timing([p], len(x))
    verilog = component_verilog(SlidingWindow(params=p), "swu_dut")
    words_in = pack_words(x.reshape(-1, p.input_lanes), 8)
    words_out = pack_words(sliding_window(x, p).reshape(-1, p.lanes), 8)
    cosim_stream_block(verilog, "swu_dut", in_words=words_in, expect_words=words_out,
                       work_dir=work_dir / "exact", simulator=simulator,
                       expect_in_cycles=timing.in_beats, expect_out_cycles=timing.out_beats)
    cosim_stream_block(verilog, "swu_dut", in_words=words_in, expect_words=words_out,
                       work_dir=work_dir / "stalls", simulator=simulator, idle=0.3,
                       backpressure=0.4, seed=6)


@pytest.mark.parametrize("case", COSIM_MULTITAP[1:], ids=lambda c: "k{}s{}l{}".format(
    c[3], c[4], c[6]))
def test_multitap_window_on_verilator(case, verilator, tmp_path):
    _run(case, verilator, tmp_path, 3)


def test_multitap_window_block(simulator, tmp_path):
    _run(COSIM_MULTITAP[0], simulator, tmp_path, 2)
