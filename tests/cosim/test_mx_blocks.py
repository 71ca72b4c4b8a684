"""cocotb on Verilator and Icarus: the MX decoder and the MX MVAU against the golden model and
the cycle model, on random and edge blocks, without and with random idle / backpressure.

Three designs (each built once per simulator): the streaming decoder (MXFP8 E5M2, whose codes
include Inf and NaN), an MX MVAU with MXFP8 E4M3 weights at the smallest shared exponents
times MXFP6 E3M2 inputs at the largest (edge rows: all-zero block, saturated codes,
subnormals, NaN scale; edge inputs: zero, NaN, window-edge, below- and above-window blocks)
with int8 outputs, and one with MX6 weights, uint8 inputs and MXFP4 outputs (ReLU). The
broad PE x SIMD x format grid runs in Amaranth's simulator (tests/hw/test_mx_mvau.py).
"""

from dataclasses import replace

import numpy as np
import pytest

from hwgen.golden.mx_decode import decode_block_words
from hwgen.golden.mx_mvau import mx_mvau
from hwgen.hw.mx.decoder import MxDecoder
from hwgen.hw.mx.mvau import MxMvau
from hwgen.ir.packing import pack_words
from hwgen.perf.mx_decoder import mx_decoder_processes
from hwgen.perf.mx_mvau import mx_credits_for_full_rate, mx_mvau_processes
from hwgen.sim.block_cosim import component_verilog, cosim_stream_block
from tests.fixtures.block_runs import modelled_transfers
from tests.fixtures.mx_factories import block_words, make_mx_layer, random_mx_inputs

pytestmark = pytest.mark.cosim

MVAU_CASES = {
    # name: layer options
    "e4m3w-min-exp-x-e3m2-max-exp-int8": dict(
        mh=8, mw=16, pe=2, simd=4, weights="mxfp8_e4m3", block=8, inputs="mxfp6_e3m2",
        outputs="int8", w_exp=(0, 5), in_window=(248, 254), edge_rows=True),
    "mx6w-uint8-mxfp4-out-relu": dict(
        mh=8, mw=16, pe=4, simd=8, weights="mx6", block=8, inputs="uint8", outputs="mxfp4",
        out_block=4, relu=True, w_exp=(118, 124), edge_rows=True, rounding="half_away"),
}


def mvau_case(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    p = make_mx_layer(rng, name="mx", **MVAU_CASES[name])
    p = replace(p, out_fifo_depth=max(p.nf, mx_credits_for_full_rate(p)))
    x = random_mx_inputs(rng, p, 8, edges=True)
    words_in = pack_words(x.reshape(-1, p.simd), p.input_type.bits)
    words_out = pack_words(mx_mvau(x, p).reshape(-1, p.pe), p.output_type.bits)
    return p, x, words_in, words_out


@pytest.mark.parametrize("name", sorted(MVAU_CASES))
def test_mx_mvau_exact_and_under_stalls(simulator, name, tmp_path):
    p, x, words_in, words_out = mvau_case(name)
    in_beats, out_beats = modelled_transfers(lambda s, a, b: mx_mvau_processes(s, p, a, b, len(x)),
                                len(x) * p.sf, len(x) * p.nf)
    verilog = component_verilog(MxMvau(params=p), "mx_mvau_dut")
    cosim_stream_block(verilog, "mx_mvau_dut", in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "exact", simulator=simulator,
                       expect_in_cycles=in_beats, expect_out_cycles=out_beats)
    cosim_stream_block(verilog, "mx_mvau_dut", in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "stalls", simulator=simulator, idle=0.3,
                       backpressure=0.5, seed=11)


def test_mx_decoder_exact_and_under_stalls(simulator, tmp_path):
    rng = np.random.default_rng(5)
    words = block_words("mxfp8_e5m2", 8, rng)
    expect = decode_block_words(words, "mxfp8_e5m2", 8)
    in_beats, out_beats = modelled_transfers(mx_decoder_processes, len(words), len(words))
    verilog = component_verilog(MxDecoder(fmt="mxfp8_e5m2", block_size=8), "mx_decoder_dut")
    cosim_stream_block(verilog, "mx_decoder_dut", in_words=words, expect_words=expect,
                       work_dir=tmp_path / "exact", simulator=simulator,
                       expect_in_cycles=in_beats, expect_out_cycles=out_beats)
    cosim_stream_block(verilog, "mx_decoder_dut", in_words=words, expect_words=expect,
                       work_dir=tmp_path / "stalls", simulator=simulator, idle=0.3,
                       backpressure=0.5, seed=4)
