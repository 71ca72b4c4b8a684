"""Brevitas' QCDQ exports (``brevitas.export.export_onnx_qcdq``), read by the QDQ reader after
its constant folding (hwgen/frontend/onnx/folding.py) and compared layer by layer with
onnxruntime (hwgen.reference.onnxruntime):

- TorchScript: weights ``int8 -> Clip -> DequantizeLinear``, a bias-free last layer as
  ``DequantizeLinear(W) -> Transpose -> MatMul``, ``x.view(x.shape[0], -1)`` as
  ``Shape -> Gather -> Unsqueeze -> Concat -> Reshape``, Int32Bias biases;
- dynamo: weights ``float W -> QuantizeLinear -> Clip -> DequantizeLinear`` (Brevitas' dynamo
  exporter takes no quantized bias: float biases, rounded to the accumulator grid); without
  the exporter's optimization (``optimize=False``: shapes computed from ``Shape`` and
  ``Constant -> Concat``) it folds to the same layers.

Each model ends with an unquantized layer (no output quantizer), so its requantization is
calibrated with --calib, and the max pool has no QuantizeLinear after it."""

import contextlib
import io
import warnings

import numpy as np
import onnx
import pytest

from hwgen.frontend import check_onnx, load_onnx, uses_calibration
from hwgen.reference.onnxruntime import compare_layers
from tests.fixtures.qdq_builders import summary

from .qat_support import digits, require_qat

qat = require_qat()

pytestmark = [pytest.mark.qat]

EXPORTS = {
    "torchscript": dict(dynamo=False),
    "dynamo": dict(dynamo=True),
}


def _net(dynamo: bool):
    import brevitas.nn as qnn
    import torch
    from brevitas.quant import (
        Int8ActPerTensorFloat,
        Int8WeightPerTensorFloat,
        Int32Bias,
        Uint8ActPerTensorFloat,
    )
    from torch import nn

    bias = None if dynamo else Int32Bias
    w8 = Int8WeightPerTensorFloat

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = qnn.QuantIdentity(act_quant=Int8ActPerTensorFloat,
                                         return_quant_tensor=True)
            self.conv = qnn.QuantConv2d(1, 4, 3, padding=1, weight_quant=w8, bias_quant=bias,
                                        return_quant_tensor=True)
            self.relu1 = qnn.QuantReLU(act_quant=Uint8ActPerTensorFloat,
                                       return_quant_tensor=True)
            self.pool = nn.MaxPool2d(2)
            self.fc1 = qnn.QuantLinear(64, 16, bias=True, weight_quant=w8, bias_quant=bias,
                                       return_quant_tensor=True)
            self.relu2 = qnn.QuantReLU(act_quant=Uint8ActPerTensorFloat,
                                       return_quant_tensor=True)
            self.fc2 = qnn.QuantLinear(16, 10, bias=False, weight_quant=w8)

        def forward(self, x):
            x = self.pool(self.relu1(self.conv(self.inp(x))))
            return self.fc2(self.relu2(self.fc1(x.reshape(x.shape[0], -1))))

    torch.manual_seed(0)
    net = Net()
    x_train, _, _, _ = digits("cnn")
    net.train()
    with torch.no_grad():             # the activation quantizers' statistics
        for start in range(0, 600, 50):
            net(torch.tensor(x_train[start:start + 50]))
    return net.eval()


def _export(net, path, example, options):
    import torch
    from brevitas.export import export_onnx_qcdq

    if options["dynamo"]:
        batch = {"dynamic_shapes": ({0: torch.export.Dim("N", min=1, max=4096)},)}
    else:
        batch = {"input_names": ["x"], "dynamic_axes": {"x": {0: "N"}}}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        export_onnx_qcdq(net, input_t=torch.tensor(example[:2]), export_path=str(path),
                         **options, **batch)
    return onnx.load(path)


@pytest.mark.parametrize("exporter", EXPORTS)
def test_qcdq_export_is_read_bit_exact_against_onnxruntime(exporter, tmp_path):
    options = EXPORTS[exporter]
    x_train, x_test, _, _ = digits("cnn")
    model = _export(_net(options["dynamo"]), tmp_path / "qcdq.onnx", x_test, options)
    ops = [n.op_type for n in model.graph.node]
    assert "Clip" in ops and ops.count("DequantizeLinear") >= 4, ops
    if not options["dynamo"]:
        assert {"Shape", "Concat", "Transpose", "MatMul"} <= set(ops), ops
    assert check_onnx(model) == []
    assert uses_calibration(model)          # the last layer has no output quantizer
    results = compare_layers(model, x_test[:200], calibration=x_train[:300])
    assert [r.kind for r in results] == ["QuantConv", "max pool", "QuantDense", "QuantDense"]
    for r in results:
        # a float bias (dynamo) is rounded to the accumulator grid: the only differences
        assert r.mechanisms["bias"] == r.mismatches and r.max_lsb <= 1, summary(results)
        assert r.mismatches <= r.outputs // 100, summary(results)
    assert sum(r.outputs for r in results) == 200 * (256 + 64 + 16 + 10)


def test_unoptimized_dynamo_export_folds_to_the_same_layers(tmp_path):
    x_train, x_test, _, _ = digits("cnn")
    net = _net(True)
    plain = _export(net, tmp_path / "plain.onnx", x_test, dict(dynamo=True, optimize=False))
    optimized = _export(net, tmp_path / "opt.onnx", x_test, dict(dynamo=True))
    assert len(plain.graph.node) > len(optimized.graph.node)
    assert "Constant" in {n.op_type for n in plain.graph.node}
    assert check_onnx(plain) == []
    a = load_onnx(plain, x_train[:300]).layers
    b = load_onnx(optimized, x_train[:300]).layers
    assert [type(layer) for layer in a] == [type(layer) for layer in b]
    for one, other in zip(a, b, strict=True):
        assert one.output_quant == other.output_quant
        for field in ("weights", "bias"):
            if hasattr(one, field):
                assert np.array_equal(getattr(one, field), getattr(other, field))
