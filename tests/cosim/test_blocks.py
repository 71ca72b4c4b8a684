"""cocotb on Verilator and Icarus: blocks against the golden model and the cycle model.

A representative set; the broad parameter grids run in Amaranth's simulator (tests/hw).
"""

import numpy as np
import pytest
from amaranth.hdl import signed

from hwgen.golden import int_mvau, run_pipeline
from hwgen.hw.accelerator import Accelerator
from hwgen.hw.arith.int_mvau import IntMvau
from hwgen.hw.stream.width_converter import StreamWidthConverter
from hwgen.ir import RequantRounding
from hwgen.ir.packing import pack_words
from hwgen.perf import pipeline_timing
from hwgen.perf.width_converter import width_converter_processes
from hwgen.sim.block_cosim import component_verilog, cosim_stream_block
from tests.fixtures.block_runs import modelled_transfers
from tests.fixtures.factories import random_inputs, random_mvau_params

pytestmark = pytest.mark.cosim

MVAU_CASES = {
    # name: (MH, MW, PE, SIMD, w_bits, in_bits, in_signed, out_bits, per_channel, rounding)
    "pe2-simd4-w4a8": (8, 12, 2, 4, 4, 8, False, 8, True, RequantRounding.GEMMLOWP),
    "pe1-simd1-w2a4": (4, 6, 1, 1, 2, 4, True, 4, False, RequantRounding.SINGLE),
    "full-w8a8": (6, 8, 6, 8, 8, 8, True, 8, True, RequantRounding.GEMMLOWP),
}


def mvau_vectors(case: str):
    mh, mw, pe, simd, wb, ib, isg, ob, pc, rounding = MVAU_CASES[case]
    rng = np.random.default_rng(sum(map(ord, case)))
    p = random_mvau_params(rng, mh=mh, mw=mw, pe=pe, simd=simd, w_bits=wb, in_bits=ib,
                           in_signed=isg, out_bits=ob, per_channel=pc, rounding=rounding,
                           relu=case.startswith("pe1"))
    x = random_inputs(rng, p, 6)
    words_in = pack_words(x.reshape(-1, p.simd), p.input_type.bits)
    words_out = pack_words(int_mvau(x, p).reshape(-1, p.pe), p.output_type.bits)
    return p, x, words_in, words_out


@pytest.mark.parametrize("case", sorted(MVAU_CASES))
def test_int_mvau_exact(simulator, case, tmp_path):
    p, x, words_in, words_out = mvau_vectors(case)
    timing = pipeline_timing([p], len(x))
    cosim_stream_block(component_verilog(IntMvau(params=p), "mvau_dut"), "mvau_dut",
                       in_words=words_in, expect_words=words_out, work_dir=tmp_path,
                       simulator=simulator, expect_in_cycles=timing.in_beats,
                       expect_out_cycles=timing.out_beats)


@pytest.mark.parametrize("case", sorted(MVAU_CASES)[:2])
def test_int_mvau_under_stalls(simulator, case, tmp_path):
    p, x, words_in, words_out = mvau_vectors(case)
    cosim_stream_block(component_verilog(IntMvau(params=p), "mvau_dut"), "mvau_dut",
                       in_words=words_in, expect_words=words_out, work_dir=tmp_path,
                       simulator=simulator, idle=0.3, backpressure=0.5, seed=5)


# 1 -> 32: the one-hot count (the MXFP4 MLP example's converter)
@pytest.mark.parametrize("a,b,total", [(4, 6, 48), (1, 32, 96)])
def test_width_converter_exact(simulator, tmp_path, a, b, total):
    rng = np.random.default_rng(46)
    elements = rng.integers(-8, 8, total)
    in_beats, out_beats = modelled_transfers(width_converter_processes, total // a,
                                             total // b, a, b)
    verilog = component_verilog(
        StreamWidthConverter(element_shape=signed(4), in_lanes=a, out_lanes=b), "dwc_dut")
    cosim_stream_block(verilog, "dwc_dut", in_words=pack_words(elements.reshape(-1, a), 4),
                       expect_words=pack_words(elements.reshape(-1, b), 4), work_dir=tmp_path,
                       simulator=simulator, expect_in_cycles=in_beats,
                       expect_out_cycles=out_beats)


def pipeline():
    rng = np.random.default_rng(3)
    layers = [
        random_mvau_params(rng, mh=8, mw=12, pe=2, simd=3, name="a", relu=True),
        random_mvau_params(rng, mh=6, mw=8, pe=3, simd=4, in_bits=8, in_signed=True, name="b",
                           in_fifo_depth=2),
        random_mvau_params(rng, mh=4, mw=6, pe=1, simd=2, in_bits=8, in_signed=True, name="c",
                           w_bits=2),
    ]
    x = random_inputs(rng, layers[0], 8)
    return layers, x


def test_accelerator_exact_and_under_stalls(simulator, tmp_path):
    layers, x = pipeline()
    y = run_pipeline(layers, x)
    timing = pipeline_timing(layers, len(x))
    verilog = component_verilog(Accelerator(blocks=layers), "accel_dut")
    words_in = pack_words(x.reshape(-1, layers[0].simd), 8)
    words_out = pack_words(y.reshape(-1, layers[-1].pe), 8)
    cosim_stream_block(verilog, "accel_dut", in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "exact", simulator=simulator,
                       expect_in_cycles=timing.in_beats, expect_out_cycles=timing.out_beats)
    cosim_stream_block(verilog, "accel_dut", in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "stalls", simulator=simulator, idle=0.25,
                       backpressure=0.4, seed=9)


def test_wrong_expectation_is_caught(icarus, tmp_path):
    # The checker must be able to fail: one flipped expected bit and one shifted cycle.
    from hwgen.errors import SimulationError
    p, x, words_in, words_out = mvau_vectors("pe2-simd4-w4a8")
    verilog = component_verilog(IntMvau(params=p), "mvau_dut")
    bad_words = list(words_out)
    bad_words[3] ^= 1
    with pytest.raises(SimulationError, match="outputs differ from the golden model"):
        cosim_stream_block(verilog, "mvau_dut", in_words=words_in, expect_words=bad_words,
                           work_dir=tmp_path / "data", simulator=icarus)
    timing = pipeline_timing([p], len(x))
    late = list(timing.out_beats)
    late[-1] += 1
    with pytest.raises(SimulationError, match="output transfer cycles differ"):
        cosim_stream_block(verilog, "mvau_dut", in_words=words_in, expect_words=words_out,
                           work_dir=tmp_path / "cycles", simulator=icarus,
                           expect_out_cycles=late)
