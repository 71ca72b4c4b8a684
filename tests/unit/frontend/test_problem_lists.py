"""``hwgen check`` lists every root problem of a model and none that follows from another
(docs/models.md, "Problem lists"): a layer that cannot be built leaves its output's
quantization and shape unknown, and the checks that need them stay silent, while a problem
of a later node's own (its weights, its attributes) is still reported.

The models are real exports (onnxruntime's quantize_static, the float builders, the QONNX
builders) with one or two faults put in."""

import numpy as np
import pytest
from onnx import helper

from hwgen.frontend import check_onnx
from tests.fixtures.cnn_builders import digits_like_cnn
from tests.fixtures.onnx_builders import gemm_mlp, mutated
from tests.fixtures.qdq_builders import ort_quantize
from tests.fixtures.qonnx_builders import qonnx_mlp


def _cnn():
    return digits_like_cnn(seed=3, image=(3, 8, 8), channels=(6, 8), classes=5)


def _qdq_cnn():
    return ort_quantize(_cnn(), np.random.default_rng(1).uniform(0, 1, (50, 3, 8, 8)))


def _unread_weights(*names):
    def change(m):
        for node in m.graph.node:
            if node.name in names:
                node.input[1] = f"{node.name}_missing"
    return change


def _listed(model):
    return sorted((p.node, p.message.split(";")[0]) for p in check_onnx(model))


@pytest.mark.parametrize("layer", ["conv1", "conv2", "fc"])
def test_an_unread_weight_of_a_qdq_cnn_is_one_problem(layer):
    """Before: the QuantizeLinear after an unread convolution also reported that it
    'requantizes a tensor that is already quantized' (the input's grid)."""
    found = check_onnx(mutated(_qdq_cnn(), _unread_weights(layer)))
    assert [(p.node, p.op_type) for p in found] == [(layer, "Conv" if "conv" in layer
                                                     else "Gemm")], found
    assert f"weights '{layer}_missing'" in found[0].message


@pytest.mark.parametrize("build", ["float", "qdq"])
def test_independent_faults_are_each_reported_once(build):
    model = _cnn() if build == "float" else _qdq_cnn()

    def two_faults(m):
        _unread_weights("conv1")(m)
        flat = next(n for n in m.graph.node if n.op_type == "Flatten")
        del flat.attribute[:]
        flat.attribute.append(helper.make_attribute("axis", 2))
    found = check_onnx(mutated(model, two_faults))
    assert [p.node for p in found] == ["conv1", "flat"], found
    assert "axis=2" in found[1].message


def test_a_dense_chain_with_an_unread_weight_in_each_position():
    proto, _, _ = gemm_mlp(np.random.default_rng(11), [6, 8, 8, 3])
    qdq = ort_quantize(proto, np.random.default_rng(12).normal(size=(60, 6)))
    for layer in ("fc0", "fc1", "fc2"):
        for model in (proto, qdq):
            found = check_onnx(mutated(model, _unread_weights(layer)))
            assert [p.node for p in found] == [layer], found


def test_qonnx_a_later_layers_own_problem_survives_an_earlier_one():
    """fc0's weights are missing; fc1's integer weights on a bipolar activation are a
    problem of its own (reported without the fault too)."""
    model = qonnx_mlp(np.random.default_rng(3), [8, 16, 4],
                      [dict(weights="bipolar", bn=True, act="bipolar"),
                       dict(weights="quant8", act="quant8")])
    alone = check_onnx(model)
    assert [p.node for p in alone] == ["fc1"]
    found = check_onnx(mutated(model, _unread_weights("fc0")))
    assert [p.node for p in found] == ["fc0", "fc1"], found
    assert found[1] == alone[0]
