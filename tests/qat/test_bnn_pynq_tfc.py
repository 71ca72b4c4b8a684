"""Brevitas' own BNN-PYNQ TFC-w1a1 model (``brevitas_examples.bnn_pynq.models.FC``: the input
affine ``2x - 1``, a 1-bit input QuantIdentity, bias-free 1-bit QuantLinear + BatchNorm1d +
1-bit QuantIdentity per hidden layer, TensorNorm after the last layer), scaled down to the
8x8 digits (64 inputs instead of 784; TFC's three hidden layers of 64), trained briefly,
exported by Brevitas' QONNX exporter, compiled with ``hwgen.compile`` and simulated on
Verilator through ``design.simulate``: bit- and cycle-exact, and every output code equals
the torch model's float output on hwgen's calibrated output grid (no LSB differences at the
TensorNorm output). The full CNV-w1a1 is a benchmark (its size), not a test."""

import json

import numpy as np
import onnx
import pytest

import hwgen
from hwgen.frontend import check_onnx, uses_calibration

from .qat_support import digits, require_qat

qat = require_qat()

pytestmark = [pytest.mark.qat, pytest.mark.cosim]

HIDDEN = (64, 64, 64)     # TFC's


def _trained_tfc():
    import torch
    from brevitas_examples.bnn_pynq.models.FC import FC

    torch.manual_seed(0)
    net = FC(num_classes=10, weight_bit_width=1, act_bit_width=1, in_bit_width=1,
             in_channels=1, out_features=HIDDEN, in_features=(8, 8))
    x_train, _, y_train, _ = digits("mlp")
    x, y = torch.tensor(x_train), torch.tensor(y_train)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    net.train()
    for _ in range(4):
        order = torch.randperm(len(x))
        for start in range(0, len(x), 64):
            rows = order[start:start + 64]
            loss = torch.nn.functional.cross_entropy(net(x[rows]), y[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            net.clip_weights(-1, 1)          # BNN-PYNQ's training step
    return net.eval()


def _export(net, path, example):
    return qat.export_module_qonnx(net, example, path)


def test_tfc_w1a1_on_verilator_bit_and_cycle_exact(verilator, tmp_path):
    import torch

    net = _trained_tfc()
    x_train, x_test, _, y_test = digits("mlp")
    path = _export(net, tmp_path / "tfc_w1a1.onnx", x_test)
    ops = [n.op_type for n in onnx.load(path).graph.node]
    # the BNN-PYNQ pieces hwgen must read: 2x - 1, a bipolar input, Gemm + BatchNormalization
    # + BipolarQuant per hidden layer, TensorNorm (Sub, Div, Mul, Add) as a float output
    assert ops[:4] == ["Reshape", "Mul", "Sub", "BipolarQuant"], ops
    assert ops.count("Gemm") == 4 and ops.count("BatchNormalization") == 3, ops
    assert ops[-4:] == ["Sub", "Div", "Mul", "Add"], ops
    assert check_onnx(path) == []
    assert uses_calibration(path)            # TensorNorm leaves the output in float

    design = hwgen.compile(path, x_train[:400])
    design.save(tmp_path / "design")
    x = x_test[:64]
    outcome = design.simulate(x, simulator=verilator, log=lambda m: None)
    result = json.loads((tmp_path / "design" / "sim" / "result.json").read_text())
    assert result["bit_exact"] and result["mismatches"] == 0
    assert result["cycles_exact"] is True
    assert result["cycles"]["ii_model"] == result["cycles"]["ii_rtl"]

    # the torch model's float outputs on the output grid hwgen calibrated: every code equal
    with torch.no_grad():
        scores = net(torch.tensor(x)).numpy().astype(np.float64)
    q = design.output_quant
    steps = scores / q.scale
    assert np.abs(steps - np.floor(steps) - 0.5).min() > 1e-6      # no tie to round
    expected = np.clip(np.rint(steps) + q.zero_point, -128, 127)
    assert q.dtype.bits == 8 and q.dtype.signed
    assert np.array_equal(outcome.outputs_int.reshape(len(x), -1), expected)
    # and it classifies: better than chance by far after four epochs
    assert (expected.argmax(1) == y_test[:64]).mean() > 0.5
