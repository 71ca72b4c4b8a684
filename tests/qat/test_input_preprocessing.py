"""Input preprocessing before the input quantizer of a Brevitas QONNX export, ``(x - m) / s``
by scalar constants (Sub, Div), folded into the design's input quantization: the design's
output codes equal the torch model's on every test input. A preprocessing whose shift is not
a whole number of input steps is refused, naming the condition that failed."""

import contextlib
import io
import warnings

import numpy as np
import onnx
import pytest

import hwgen
from hwgen.errors import ModelError

from .qat_support import digits, require_qat

qat = require_qat()

pytestmark = [pytest.mark.qat]


def _net(mean: float, std: float):
    import brevitas.nn as qnn
    import torch
    from brevitas.quant import (
        Int8ActPerTensorFixedPoint,
        Int8WeightPerTensorFixedPoint,
        Uint8ActPerTensorFixedPoint,
    )
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint)
            self.fc1 = qnn.QuantLinear(64, 16, bias=False,
                                       weight_quant=Int8WeightPerTensorFixedPoint)
            self.relu = qnn.QuantReLU(act_quant=Uint8ActPerTensorFixedPoint)
            self.fc2 = qnn.QuantLinear(16, 10, bias=False,
                                       weight_quant=Int8WeightPerTensorFixedPoint)
            self.out = qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint,
                                         return_quant_tensor=True)

        def forward(self, x):
            x = self.inp((x - torch.tensor(mean)) / torch.tensor(std))
            return self.out(self.fc2(self.relu(self.fc1(x))))

    torch.manual_seed(2)
    net = Net()
    x_train, _, _, _ = digits("mlp")
    net.train()
    with torch.no_grad():
        net(torch.tensor(x_train[:500]))
    return net.eval()


def _export(net, path, example):
    import torch
    from brevitas.export import export_qonnx

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        export_qonnx(net, input_t=torch.tensor(example[:1]), export_path=str(path))
    return onnx.load(path)


def test_sub_and_div_before_the_input_quantizer_fold_exactly(tmp_path):
    import torch

    net = _net(0.5, 0.25)
    _, x_test, _, _ = digits("mlp")
    model = _export(net, tmp_path / "mlp.onnx", x_test)
    assert {"Sub", "Div"} <= {n.op_type for n in model.graph.node}
    design = hwgen.compile(model)
    with torch.no_grad():
        expected = net(torch.tensor(x_test)).int().numpy()
    assert np.array_equal(design.golden_int(x_test).reshape(len(x_test), -1), expected)
    assert len(np.unique(expected)) > 10
    # the input codes are those of the preprocessed input: round((x - m) / (s S)) + 0, i.e.
    # scale s S and zero point -m / (s S)
    q = design.input_quant
    inp = net.inp.act_quant.scale().item()
    assert q.scale == pytest.approx(0.25 * inp) and q.zero_point == -round(0.5 / (0.25 * inp))


def test_a_shift_off_the_input_grid_is_refused_naming_the_condition(tmp_path):
    _, x_test, _, _ = digits("mlp")
    model = _export(_net(0.3, 1.0), tmp_path / "mlp.onnx", x_test)
    with pytest.raises(ModelError, match=r"which cannot fold into the input quantization: it "
                                         r"adds -0\.3, which is .* steps of the scale .*, not "
                                         r"a whole number"):
        hwgen.compile(model)
