"""Model-level harness: whole runs on Verilator and Icarus, directly and under cocotb."""

from dataclasses import replace

import numpy as np
import pytest

from hwgen.backend import LoweredDesign
from hwgen.ir import IntType, TensorQuant
from hwgen.sim.model_run import simulate_design
from tests.fixtures.factories import random_mvau_params

pytestmark = pytest.mark.cosim


def small_design() -> LoweredDesign:
    rng = np.random.default_rng(12)
    layers = (
        random_mvau_params(rng, mh=16, mw=12, pe=4, simd=3, name="fc1", relu=True),
        random_mvau_params(rng, mh=10, mw=16, pe=2, simd=8, in_bits=8, in_signed=True,
                           name="fc2", in_fifo_depth=2),
        random_mvau_params(rng, mh=5, mw=10, pe=5, simd=5, in_bits=8, in_signed=True,
                           name="fc3", w_bits=2),
    )
    return LoweredDesign(name="small", blocks=layers,
                  input_quant=TensorQuant(IntType(8, False), 1 / 255, 0),
                  output_quant=TensorQuant(IntType(8, True), 0.05, 3))


def inputs(n=40):
    return np.random.default_rng(1).integers(0, 256, (n, 12))


@pytest.mark.parametrize("driver", ["harness", "cocotb"])
def test_run_is_bit_and_cycle_exact(simulator, driver, tmp_path):
    outcome = simulate_design(small_design(), inputs(), work_dir=tmp_path, simulator=simulator,
                              driver=driver, log=lambda m: None)
    r = outcome.result
    assert r["bit_exact"] and r["mismatches"] == 0
    assert r["cycles_exact"] is True
    c = r["cycles"]
    assert c["latency_rtl"] == c["latency_model"] and c["ii_rtl"] == c["ii_model"]
    assert c["total_rtl"] == c["total_model"]
    assert all(layer["transfers_match_model"] for layer in r["layers"])
    np.testing.assert_array_equal(outcome.outputs_int, outcome.golden)


def test_run_under_stalls_is_bit_exact(verilator, tmp_path):
    outcome = simulate_design(small_design(), inputs(30), work_dir=tmp_path,
                              idle=0.3, backpressure=0.4, seed=3, log=lambda m: None)
    assert outcome.result["bit_exact"]
    assert outcome.result["cycles_checked"] is False and outcome.result["cycles_exact"] is None


class _BrokenHardware(LoweredDesign):
    """A design whose RTL comes from a layer with one bias changed: a hardware bug."""

    @property
    def rtl(self):
        layers = list(self.blocks)
        bias = layers[1].acc_bias.copy()
        bias[3] += 5000
        layers[1] = replace(layers[1], acc_bias=bias)
        return LoweredDesign(name=self.name, blocks=layers, input_quant=self.input_quant,
                      output_quant=self.output_quant, top=self.top).rtl


def test_a_hardware_bug_is_reported(verilator, tmp_path):
    good = small_design()
    broken = _BrokenHardware(name=good.name, blocks=good.blocks, input_quant=good.input_quant,
                             output_quant=good.output_quant)
    outcome = simulate_design(broken, inputs(20), work_dir=tmp_path, log=lambda m: None)
    assert not outcome.result["bit_exact"]
    assert outcome.result["mismatches"] > 0
