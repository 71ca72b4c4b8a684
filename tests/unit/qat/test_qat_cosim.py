"""End to end: a tiny QAT network trained briefly, exported by Brevitas, compiled, written
as ``hwgen compile`` writes it and simulated on Verilator: the RTL's output codes equal the
fake-quant torch model's and the golden model's, and every transfer happens in the cycle the
cycle model predicts."""

import json

import numpy as np
import pytest

from hwgen.backend.writer import write_design
from hwgen.compiler import compile_onnx
from hwgen.sim.model_run import simulate_design

from .qat_support import digits, require_qat, tiny_trained

qat = require_qat()

RESULT_FILE = "sim/result.json"      # where `hwgen sim` writes its result (hwgen.report)

pytestmark = [pytest.mark.qat, pytest.mark.cosim]


def test_bnn_mlp_on_verilator_bit_and_cycle_exact(verilator, tmp_path):
    net = tiny_trained(qat, qat.preset("w1a1"), "mlp")
    _, x_test, _, _ = digits("mlp")
    x = x_test[:24]
    path = qat.export_qonnx(net, tmp_path / "bnn.onnx", x)
    design = compile_onnx(path, None)
    write_design(design, tmp_path / "design")
    outcome = simulate_design(design, x, work_dir=tmp_path / "design" / "sim",
                              simulator=verilator, log=lambda m: None)
    (tmp_path / "design" / RESULT_FILE).write_text(json.dumps(outcome.result))
    result = json.loads((tmp_path / "design" / RESULT_FILE).read_text())
    assert result["bit_exact"] and result["mismatches"] == 0
    assert result["cycles_exact"] is True
    assert result["cycles"]["ii_model"] == result["cycles"]["ii_rtl"]
    torch_codes = net.output_codes(x)
    assert np.array_equal(outcome.outputs_int.reshape(len(x), -1), torch_codes)
    assert (tmp_path / "design" / "manifest.json").is_file()
