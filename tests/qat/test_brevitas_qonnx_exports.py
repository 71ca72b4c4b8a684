"""Brevitas QONNX exports of FINN-style binarized networks through both torch exporters:

- a CNN on a bipolar input whose convolutions are padded with an explicit ``Pad`` of -1
  (``F.pad(x, ..., value=-1)``, FINN's convention for bipolar tensors) after BNN-PYNQ's
  ``2x - 1`` and ending in TensorNorm: every output code equals the torch model's float output
  on hwgen's calibrated grid. TorchScript writes the pads as a ``ConstantOfShape -> Concat ->
  Reshape -> Slice -> Transpose -> Cast`` computation, the flatten as ``Shape -> Gather ->
  Unsqueeze -> Concat`` of a BipolarQuant output and TensorNorm with a ``Pow``: all folded;
- a TorchScript export of a model returning a QuantTensor, whose scale, zero point and bit
  width become extra constant graph outputs: ignored, with a warning that names them."""

import contextlib
import io
import warnings

import numpy as np
import onnx
import pytest

import hwgen
from hwgen.errors import HwgenWarning
from hwgen.frontend import check_onnx, load_onnx

from .qat_support import digits, require_qat

qat = require_qat()

pytestmark = [pytest.mark.qat]


def _padded_bnn_cnn():
    import brevitas.nn as qnn
    import torch
    import torch.nn.functional as F
    from brevitas_examples.bnn_pynq.models.common import CommonActQuant, CommonWeightQuant
    from brevitas_examples.bnn_pynq.models.tensor_norm import TensorNorm
    from torch import nn

    def binary_conv(c_in, c_out):
        return qnn.QuantConv2d(c_in, c_out, 3, bias=False, weight_quant=CommonWeightQuant,
                               weight_bit_width=1)

    def sign():
        return qnn.QuantIdentity(act_quant=CommonActQuant, bit_width=1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp, self.conv1, self.bn1, self.act1 = sign(), binary_conv(1, 8), \
                nn.BatchNorm2d(8), sign()
            self.pool = nn.MaxPool2d(2)
            self.conv2, self.bn2, self.act2 = binary_conv(8, 8), nn.BatchNorm2d(8), sign()
            self.fc = qnn.QuantLinear(8 * 4 * 4, 10, bias=False, weight_quant=CommonWeightQuant,
                                      weight_bit_width=1)
            self.norm = TensorNorm()

        def forward(self, x):
            x = self.inp(2.0 * x - torch.tensor([1.0]))
            x = self.pool(self.act1(self.bn1(self.conv1(F.pad(x, (1, 1, 1, 1), value=-1.0)))))
            x = self.act2(self.bn2(self.conv2(F.pad(x, (1, 1, 1, 1), value=-1.0))))
            return self.norm(self.fc(x.reshape(x.shape[0], -1)))

    torch.manual_seed(0)
    net = Net()
    x_train, _, y_train, _ = digits("cnn")
    x, y = torch.tensor(x_train), torch.tensor(y_train)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    net.train()
    for _ in range(3):
        for start in range(0, len(x), 64):
            loss = F.cross_entropy(net(x[start:start + 64]), y[start:start + 64])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return net.eval()


def _export(net, path, example, dynamo: bool):
    import torch
    from brevitas.export import export_qonnx

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        export_qonnx(net, input_t=torch.tensor(example[:1]), export_path=str(path),
                     dynamo=dynamo)
    return onnx.load(path)


@pytest.fixture(scope="module")
def padded_cnn():
    return _padded_bnn_cnn()


@pytest.mark.parametrize("dynamo", [True, False], ids=["dynamo", "torchscript"])
def test_pad_of_minus_one_on_a_bipolar_input_every_code_equal(padded_cnn, dynamo, tmp_path):
    import torch

    x_train, x_test, _, _ = digits("cnn")
    model = _export(padded_cnn, tmp_path / "cnn.onnx", x_test, dynamo)
    assert [n.op_type for n in model.graph.node].count("Pad") == 2
    assert check_onnx(model) == []
    design = hwgen.compile(model, x_train[:400])
    assert [b.kind for b in design.blocks].count("xnor_mvau") == 3
    with torch.no_grad():
        scores = padded_cnn(torch.tensor(x_test)).numpy().astype(np.float64)
    q = design.output_quant
    steps = scores / q.scale
    assert np.abs(steps - np.floor(steps) - 0.5).min() > 1e-6      # no tie to round
    expected = np.clip(np.rint(steps) + q.zero_point, -128, 127)
    assert np.array_equal(design.golden_int(x_test).reshape(len(x_test), -1), expected)


def test_quant_tensor_metadata_outputs_are_ignored_with_a_warning(tmp_path):
    import brevitas.nn as qnn
    import torch
    from brevitas.quant import Int8ActPerTensorFloat, Int8WeightPerTensorFloat
    from torch import nn

    torch.manual_seed(1)
    net = nn.Sequential(
        qnn.QuantIdentity(act_quant=Int8ActPerTensorFloat, return_quant_tensor=True),
        qnn.QuantLinear(64, 10, bias=False, weight_quant=Int8WeightPerTensorFloat,
                        return_quant_tensor=True),
        qnn.QuantIdentity(act_quant=Int8ActPerTensorFloat, return_quant_tensor=True)).eval()
    x_train, x_test, _, _ = digits("mlp")
    with torch.no_grad():
        net(torch.tensor(x_train[:200]))
    model = _export(net, tmp_path / "mlp.onnx", x_test, dynamo=False)
    assert len(model.graph.output) > 1
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        graph = load_onnx(model, None)
    said = [str(w.message) for w in record if issubclass(w.category, HwgenWarning)]
    assert any("hwgen ignores them" in m for m in said), said
    assert len(graph.layers) == 1
