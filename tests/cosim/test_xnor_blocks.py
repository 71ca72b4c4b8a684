"""cocotb on Verilator and Icarus: binary and ternary MVAUs and a mixed pipeline against the
golden model and the cycle model, with and without random idle and backpressure cycles.

A representative set: two designs, each built once per simulator, cover the three kinds,
thresholds (flipped and not, ties) and requantization; the PE x SIMD grid runs in Amaranth's
simulator (tests/hw/test_xnor_mvau.py).
"""

import numpy as np
import pytest

from hwgen.errors import SimulationError
from hwgen.golden import run_pipeline
from hwgen.hw.accelerator import Accelerator
from hwgen.ir.packing import pack_words
from hwgen.perf import pipeline_timing
from hwgen.sim.block_cosim import component_verilog, cosim_stream_block
from tests.fixtures.binary_factories import random_binary_params, random_inputs
from tests.fixtures.factories import random_mvau_params

pytestmark = pytest.mark.cosim


def binary_chain():
    """Every binary kind in one design: int8 x binary weights (BWN) -> bipolar; ternary with
    TTQ levels on bipolar inputs -> bipolar; XNOR, requantized -> int8. About half the
    channels flip their comparison, and thresholds sit on reachable accumulators (ties)."""
    rng = np.random.default_rng(12)
    layers = [
        random_binary_params(rng, "bwn", mh=12, mw=16, pe=4, simd=8, in_bits=8,
                             descending=0.5, name="bwn"),
        random_binary_params(rng, "ternary", mh=8, mw=12, pe=1, simd=3, levels=True,
                             bipolar_input=True, descending=0.5, name="ttq"),
        random_binary_params(rng, "xnor", mh=6, mw=8, pe=2, simd=4, activation="requant",
                             out_bits=8, out_signed=True, name="xnor"),
    ]
    return layers, random_inputs(rng, layers[0], 8)


def mixed_pipeline():
    """int8 pixels x binary weights -> XNOR hidden layer -> INT output layer (int8)."""
    rng = np.random.default_rng(8)
    layers = [
        random_binary_params(rng, "bwn", mh=12, mw=16, pe=3, simd=4, in_bits=8,
                             descending=0.3, name="pixels"),
        random_binary_params(rng, "xnor", mh=8, mw=12, pe=2, simd=6, out_bits=4,
                             name="hidden"),
        random_mvau_params(rng, mh=4, mw=8, pe=2, simd=4, in_bits=4, in_signed=False,
                           name="output", w_bits=8),
    ]
    return layers, random_inputs(rng, layers[0], 8)


def vectors(layers, x):
    y = run_pipeline(layers, x)
    return (pack_words(x.reshape(-1, layers[0].simd), layers[0].input_type.bits),
            pack_words(y.reshape(-1, layers[-1].pe), layers[-1].output_type.bits))


def run_both(layers, x, top, simulator, tmp_path, seed):
    """The design once without stalls (every transfer cycle checked) and once with."""
    words_in, words_out = vectors(layers, x)
    timing = pipeline_timing(layers, len(x))
    verilog = component_verilog(Accelerator(blocks=layers), top)
    cosim_stream_block(verilog, top, in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "exact", simulator=simulator,
                       expect_in_cycles=timing.in_beats, expect_out_cycles=timing.out_beats)
    cosim_stream_block(verilog, top, in_words=words_in, expect_words=words_out,
                       work_dir=tmp_path / "stalls", simulator=simulator, idle=0.25,
                       backpressure=0.4, seed=seed)


def test_binary_chain_exact_and_under_stalls(simulator, tmp_path):
    layers, x = binary_chain()
    assert [b.kind for b in layers] == ["bwn_mvau", "ternary_mvau", "xnor_mvau"]
    run_both(layers, x, "binary_dut", simulator, tmp_path, seed=3)


def test_mixed_pipeline_exact_and_under_stalls(simulator, tmp_path):
    layers, x = mixed_pipeline()
    run_both(layers, x, "mixed_dut", simulator, tmp_path, seed=9)


def test_wrong_expectation_is_caught(icarus, tmp_path):
    # The checker must be able to fail: one output bit flipped, one transfer a cycle late.
    layers, x = binary_chain()
    words_in, words_out = vectors(layers, x)
    verilog = component_verilog(Accelerator(blocks=layers), "binary_dut")
    bad = list(words_out)
    bad[2] ^= 1
    with pytest.raises(SimulationError, match="outputs differ from the golden model"):
        cosim_stream_block(verilog, "binary_dut", in_words=words_in, expect_words=bad,
                           work_dir=tmp_path / "data", simulator=icarus)
    late = list(pipeline_timing(layers, len(x)).out_beats)
    late[-1] += 1
    with pytest.raises(SimulationError, match="output transfer cycles differ"):
        cosim_stream_block(verilog, "binary_dut", in_words=words_in, expect_words=words_out,
                           work_dir=tmp_path / "cycles", simulator=icarus,
                           expect_out_cycles=late)
