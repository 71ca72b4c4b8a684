"""An MX CNN under cocotb on Icarus (the CLI test, tests/test_mx_cnn_cli.py, runs one on
Verilator): MXFP4 and MX6 convolutions (sliding window +
MX MVAU), a max pool, a global average pool and an MXFP8 dense layer; outputs equal the golden
model, every transfer the cycle model, and outputs stay exact under idle / backpressure. The
broad grid of MX convolutions runs in Amaranth's simulator (tests/hw/test_mx_conv.py)."""

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.sim.model_run import simulate_design
from tests.fixtures.mx_cnn_factory import small_mx_cnn_graph

pytestmark = pytest.mark.cosim


def test_mx_cnn_model_run(icarus, tmp_path):
    simulator = icarus
    design = compile_graph(small_mx_cnn_graph(0), max_macs=16)
    kinds = [type(b).__name__ for b in design.blocks]
    assert kinds.count("MxMvauParams") == 3 and kinds.count("SlidingWindowParams") == 3
    x = np.random.default_rng(5).integers(-128, 128, (4,) + design.input_shape)
    outcome = simulate_design(design, x, work_dir=tmp_path / "exact", simulator=simulator,
                              log=lambda m: None)
    r = outcome.result
    assert r["bit_exact"] and r["mismatches"] == 0 and r["cycles_exact"] is True
    assert r["cycles"]["ii_rtl"] == r["cycles"]["ii_model"]
    assert r["cycles"]["latency_rtl"] == r["cycles"]["latency_model"]
    stalled = simulate_design(design, x[:3], work_dir=tmp_path / "stalls", simulator=simulator,
                              idle=0.2, backpressure=0.4, seed=7, log=lambda m: None)
    assert stalled.result["bit_exact"]
