"""Presets: their quantizers give the integers hwgen's formats hold (checked against numpy
computations of the formats), and bad presets are refused with the reason."""

import numpy as np
import pytest

from .qat_support import require_qat

qat = require_qat()
import torch  # noqa: E402

pytestmark = pytest.mark.qat


def quant_weight(p, shape=(6, 20), seed=3):
    from brevitas.nn import QuantLinear
    torch.manual_seed(seed)
    layer = QuantLinear(shape[1], shape[0], bias=False, weight_quant=p.weight_quant())
    return layer.weight.detach().numpy().astype(np.float64), layer.quant_weight()


@pytest.mark.parametrize("bits", [2, 3, 4, 8])
def test_int_po2_per_tensor_weights(bits):
    w, q = quant_weight(qat.preset("w8a8").with_(weight_bits=bits))
    qmax = 2 ** (bits - 1) - 1                     # narrow range, zero point 0
    # Brevitas' fixed point: a power-of-two threshold >= max|w|, divided by 2**(bits-1)
    scale = 2.0 ** np.ceil(np.log2(np.abs(w).max())) / 2 ** (bits - 1)
    assert float(q.scale.detach()) == scale
    assert np.array_equal(q.int().numpy(), np.clip(np.rint(w / scale), -qmax, qmax))
    assert int(q.bit_width) == bits


def test_int_po2_per_channel_weights():
    w, q = quant_weight(qat.preset("w4a4", granularity="channel"))
    w[0] *= 4                                    # channels of different ranges
    from brevitas.nn import QuantLinear
    layer = QuantLinear(20, 6, bias=False, weight_quant=qat.preset(
        "w4a4", granularity="channel").weight_quant())
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w))
    q = layer.quant_weight()
    scale = 2.0 ** np.ceil(np.log2(np.abs(w).max(axis=1, keepdims=True))) / 8
    assert np.array_equal(q.scale.detach().numpy(), scale)
    assert np.array_equal(q.int().numpy(), np.clip(np.rint(w / scale), -7, 7))


def test_float_scales_are_max_over_qmax():
    w, q = quant_weight(qat.preset("w4a4", scaling="float", granularity="channel"))
    scale = np.abs(w).max(axis=1, keepdims=True) / 7
    assert q.scale.detach().numpy() == pytest.approx(scale, rel=1e-6)


def test_binary_weights_are_signs_with_scale_one():
    w, q = quant_weight(qat.preset("w1a1"))
    assert float(q.scale.detach()) == 1.0
    assert np.array_equal(q.value.detach().numpy(), np.where(w >= 0, 1.0, -1.0))


def test_input_quantizer_gives_the_pixels_as_codes():
    from brevitas.nn import QuantIdentity
    p = qat.preset("w4a4")
    q = QuantIdentity(act_quant=p.input_quant(), return_quant_tensor=True)
    out = q(torch.tensor([[0.0, 1 / 16, 0.5, 15 / 16, 1.0]]))
    assert float(out.scale.detach()) == 1 / 16
    assert out.int().tolist() == [[0, 1, 8, 15, 16]]


def test_presets_of_the_example():
    assert list(qat.PRESETS) == ["w8a8", "w4a4", "w2a2", "w1a1", "twn", "ttq"]
    assert qat.preset("ttq").weight_bits == 4          # levels 1..7: 4-bit codes
    assert qat.preset("w4a4", granularity="channel").name == "w4a4-channel"


@pytest.mark.parametrize("changes, message", [
    ({"weight_bits": 9}, "preset 'w8a8': weight_bits = 9; use one of 2, 3, 4, 5, 6, 7, 8"),
    ({"act_bits": 1}, "preset 'w8a8': act_bits = 1; use one of 2, 3, 4, 5, 6, 7, 8"),
    ({"scaling": "log"}, "preset 'w8a8': scaling = 'log'; use one of po2, float"),
    ({"granularity": "group"}, "granularity = 'group'; use one of tensor, channel"),
    ({"input_scale": 0.1}, "input_scale = 0.1 must be a power of two"),
    ({"weights": "binary"}, "binary weights have 1 bits, not weight_bits = 8"),
])
def test_bad_presets_are_refused(changes, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        qat.Preset("w8a8", **changes)


def test_mx_and_unknown_presets_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="exports none of them to QONNX"):
        qat.preset("mxfp4")
    with pytest.raises(ValueError, match="unknown preset 'w3a3'; use one of w8a8, w4a4"):
        qat.preset("w3a3")
