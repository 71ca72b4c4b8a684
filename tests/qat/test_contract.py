"""The contract, one test per format family: a briefly trained network, exported by Brevitas
to QONNX and compiled by hwgen, gives the same output codes as the fake-quant torch model on
the whole test split (360 images), 0 differences. Float scales: bounded (docs/qat.md)."""

import numpy as np
import pytest

from .qat_support import digits, require_qat, tiny_trained

qat = require_qat()

pytestmark = pytest.mark.qat

FAMILIES = {
    # name: (preset, changes, model, datapaths hwgen must choose)
    "int-po2-tensor": ("w4a4", {}, "mlp", {"int_mvau"}),
    "int-po2-channel": ("w8a8", {"granularity": "channel"}, "mlp", {"int_mvau"}),
    "int2-ternary-codes": ("w2a2", {}, "mlp", {"ternary_mvau"}),
    "bnn": ("w1a1", {}, "mlp", {"bwn_mvau", "xnor_mvau"}),
    "twn": ("twn", {}, "mlp", {"ternary_mvau"}),
    "ttq": ("ttq", {}, "mlp", {"int_mvau"}),
    "cnn-int": ("w4a4", {}, "cnn", {"int_mvau", "sliding_window", "window_reduce"}),
    "cnn-bnn": ("w1a1", {}, "cnn", {"bwn_mvau", "xnor_mvau", "sliding_window",
                                    "window_reduce"}),
}


def export_and_check(tmp_path, net, kind):
    _, x_test, _, _ = digits(kind)
    path = qat.export_qonnx(net, tmp_path / "model.onnx", x_test)
    return qat.check_contract(net, path, x_test)      # compile_onnx checks the model first


@pytest.mark.parametrize("family", FAMILIES)
def test_codes_equal_golden(tmp_path, family):
    name, changes, kind, datapaths = FAMILIES[family]
    net = tiny_trained(qat, qat.preset(name, **changes), kind)
    result = export_and_check(tmp_path, net, kind)
    assert {b.kind for b in result.design.blocks} == datapaths
    assert result.outputs == 360 * 10
    assert result.mismatches == 0, result.summary()
    # the codes are not all alike: the check compares something
    assert len(np.unique(result.golden_codes)) > 10


def test_frozen_ternary_layers_give_the_same_codes():
    _, x_test, _, _ = digits("mlp")
    for name in ("twn", "ttq"):
        net = tiny_trained(qat, qat.preset(name), "mlp")
        assert np.array_equal(net.frozen().output_codes(x_test), net.output_codes(x_test))


def test_the_check_sees_a_model_that_changed_after_export(tmp_path):
    import torch
    net = tiny_trained(qat, qat.preset("w4a4"), "mlp")
    _, x_test, _, _ = digits("mlp")
    path = qat.export_qonnx(net, tmp_path / "model.onnx", x_test)
    with torch.no_grad():
        net.body[1].bias.add_(1.0)       # fc1's bias, after the export
    result = qat.check_contract(net, path, x_test)
    assert result.mismatches > 0
    assert result.summary().startswith(f"{result.mismatches} of 3600 output codes differ")


def test_float_scales_stay_within_the_documented_bound(tmp_path):
    """Learned float scales: torch computes in float32, hwgen's requantizer uses a 31-bit
    multiplier; an output whose exact value lies within float32's error of a rounding
    boundary may differ by one code in one layer (more at the output if carried through).
    docs/qat.md: under 1 % of outputs; this seeded case is measured, not assumed, to stay
    below it."""
    net = tiny_trained(qat, qat.preset("w4a4", scaling="float"), "mlp")
    result = export_and_check(tmp_path, net, "mlp")
    assert result.mismatches <= 0.01 * result.outputs, result.summary()
    assert result.largest_difference <= 4, result.summary()
