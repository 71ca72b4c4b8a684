"""End to end: a tiny QAT network trained briefly, exported by Brevitas, compiled, written
as ``hwgen compile`` writes it and simulated on Verilator: the RTL's output codes equal the
fake-quant torch model's and the golden model's, and every transfer happens in the cycle the
cycle model predicts."""

import json

import numpy as np
import pytest

import hwgen

from .qat_support import digits, require_qat, tiny_trained

qat = require_qat()

pytestmark = [pytest.mark.qat, pytest.mark.cosim]


def test_bnn_mlp_on_verilator_bit_and_cycle_exact(verilator, tmp_path):
    net = tiny_trained(qat, qat.preset("w1a1"), "mlp")
    _, x_test, _, _ = digits("mlp")
    x = x_test[:24]
    path = qat.export_qonnx(net, tmp_path / "bnn.onnx", x)
    design = hwgen.compile(path)
    design.save(tmp_path / "design")
    outcome = design.simulate(x, simulator=verilator, log=lambda m: None)
    result = json.loads((tmp_path / "design" / "sim" / "result.json").read_text())
    assert result["bit_exact"] and result["mismatches"] == 0
    assert result["cycles_exact"] is True
    assert result["cycles"]["ii_model"] == result["cycles"]["ii_rtl"]
    torch_codes = net.output_codes(x)
    assert np.array_equal(outcome.outputs_int.reshape(len(x), -1), torch_codes)
    assert (tmp_path / "design" / "manifest.json").is_file()
