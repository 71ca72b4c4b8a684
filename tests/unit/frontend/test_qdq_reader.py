"""QDQ reader: what quantize_static writes becomes IR layers with the model's own integers, and
every malformed or unsupported QDQ model gets one clear report."""

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from hwgen.errors import ConfigError
from hwgen.frontend import check_onnx, load_onnx, read_qdq
from hwgen.frontend.qdq.reader import QDQ_REQUANT, is_qdq, qdq_tensors
from hwgen.ir import QuantDense, RequantRounding
from hwgen.ir.layers.conv import QuantConv, QuantPool
from tests.fixtures.cnn_builders import Chain, digits_like_cnn
from tests.fixtures.onnx_builders import gemm_mlp, mutated, node_named
from tests.fixtures.qdq_builders import ort_quantize
from tests.fixtures.reader_checks import load_onnx_problems


def initializers(proto):
    return {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}


def dq_source(proto, tensor):
    """(codes, scale, zero point) of the DequantizeLinear that produces ``tensor``."""
    init = initializers(proto)
    node = next(n for n in proto.graph.node if n.output[0] == tensor)
    assert node.op_type == "DequantizeLinear"
    zero = init[node.input[2]] if len(node.input) > 2 else 0
    return init[node.input[0]], init[node.input[1]], zero


@pytest.fixture(scope="module")
def cnn_float():
    proto = digits_like_cnn(seed=1, image=(3, 6, 6), channels=(4, 5), classes=3)
    return proto, np.random.default_rng(2).uniform(0, 1, (64, 3, 6, 6))


# -- what is read ----------------------------------------------------------------------------

@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("activations", ["int8", "uint8"])
def test_cnn_layers_carry_the_models_own_integers(cnn_float, per_channel, activations):
    proto, x = cnn_float
    qdq = ort_quantize(proto, x, per_channel=per_channel, activations=activations)
    assert is_qdq(qdq) and check_onnx(qdq) == []
    graph = load_onnx(qdq, None)
    conv1, pool, conv2, fc = graph.layers
    assert isinstance(conv1, QuantConv) and isinstance(pool, QuantPool) and pool.op == "max"
    assert isinstance(fc, QuantDense)
    init = initializers(qdq)
    x_q = node_named(qdq, "x_QuantizeLinear")
    assert graph.input_quant.scale == float(init[x_q.input[1]])
    assert graph.input_quant.zero_point == int(init[x_q.input[2]])
    assert graph.input_quant.dtype.name == activations
    codes, scale, zero = dq_source(qdq, node_named(qdq, "conv1").input[1])
    np.testing.assert_array_equal(conv1.weights, codes.transpose(0, 2, 3, 1))  # (out,k,k,in)
    np.testing.assert_array_equal(conv1.weight_quant.scale,
                                  np.broadcast_to(scale.astype(np.float64), (4,)))
    assert conv1.weight_quant.granularity == ("channel" if per_channel else "tensor")
    assert np.all(zero == 0)
    bias, _, _ = dq_source(qdq, node_named(qdq, "conv1").input[2])
    np.testing.assert_array_equal(conv1.bias, bias)
    assert conv1.output_quant == pool.input_quant == pool.output_quant == conv2.input_quant
    # onnxruntime removed the Relu: the conv's output range starts at 0 (its zero point is
    # the type's minimum, so saturation is the ReLU)
    assert conv1.output_quant.zero_point == conv1.output_quant.dtype.qmin
    # fc reads the flattened NHWC map: its weights' columns are ONNX's, permuted
    w_fc, _, _ = dq_source(qdq, node_named(qdq, "fc").input[1])
    np.testing.assert_array_equal(fc.weights, w_fc.reshape(3, 5, 3, 3).transpose(0, 2, 3, 1)
                                  .reshape(3, 45))
    assert all(layer.rounding is QDQ_REQUANT for layer in (conv1, conv2, fc))


def test_mlp_uint8_weights_with_zero_point_128_are_recentred():
    proto, _, _ = gemm_mlp(np.random.default_rng(3), [6, 5, 4])
    x = np.random.default_rng(4).normal(size=(50, 6))
    qdq = ort_quantize(proto, x, activations="uint8", weights="uint8",
                       extra={"WeightSymmetric": True})
    graph = read_qdq(qdq)
    codes, _, zero = dq_source(qdq, node_named(qdq, "fc0").input[1])
    assert codes.dtype == np.uint8 and np.all(zero == 128)
    np.testing.assert_array_equal(graph.layers[0].weights, codes.astype(np.int64) - 128)
    assert graph.layers[0].weight_quant.dtype.name == "int8"


def test_symmetric_activations_keep_the_relu_and_it_is_fused():
    proto = Chain((2, 5, 5), seed=5).conv("c", 2, 3, 3).relu("r").flatten("f").gemm(
        "fc", 27, 2).build()
    x = np.random.default_rng(6).normal(size=(40, 2, 5, 5))
    qdq = ort_quantize(proto, x, extra={"ActivationSymmetric": True})
    assert any(n.op_type == "Relu" for n in qdq.graph.node)   # kept by onnxruntime
    conv = read_qdq(qdq).layers[0]
    assert conv.relu and conv.output_quant.zero_point == 0  # ReLU is max(code, 0) exactly


def test_requant_rule_and_folding_come_from_the_config(cnn_float):
    proto, x = cnn_float
    qdq = ort_quantize(proto, x)
    graph = read_qdq(qdq, config={"default": {"requant": "gemmlowp"},
                                  "layer": {"fc": {"requant": "single", "pe": 3}}})
    assert graph.layer("conv1").rounding is RequantRounding.GEMMLOWP
    assert graph.layer("fc").rounding is RequantRounding.SINGLE
    with pytest.raises(ConfigError, match=r"activations, weights cannot be set for .*a QDQ "
                                          r"model carries its own quantization; only requant, "
                                          r"pe, simd apply"):
        read_qdq(qdq, config={"default": {"weights": "int4"},
                              "layer": {"fc": {"activations": "uint8"}}})
    with pytest.raises(ConfigError, match=r"\[layer.nope\]: the model has no such layer"):
        read_qdq(qdq, config={"layer": {"nope": {"pe": 1}}})


def test_tensor_map_names_the_quantize_linear_of_every_layer(cnn_float):
    proto, x = cnn_float
    qdq = ort_quantize(proto, x)
    tensors = qdq_tensors(qdq)
    producers = {n.output[0]: n for n in qdq.graph.node}
    assert set(tensors) == {None, "conv1", "pool1", "conv2", "fc"}
    assert all(producers[t].op_type == "QuantizeLinear" for t in tensors.values())


# -- what is rejected ------------------------------------------------------------------------

def set_initializer(proto, name, value):
    for i, t in enumerate(proto.graph.initializer):
        if t.name == name:
            proto.graph.initializer[i].CopyFrom(numpy_helper.from_array(
                np.asarray(value, dtype=numpy_helper.to_array(t).dtype), name))
            return
    raise KeyError(name)


def test_inconsistent_parameters_are_all_listed_in_one_report(cnn_float):
    proto, x = cnn_float
    qdq = ort_quantize(proto, x, per_channel=True)

    def break_it(m):
        # a DQ that disagrees with its Q, a bias at the wrong scale, asymmetric weights
        dq = next(n for n in m.graph.node if n.op_type == "DequantizeLinear"
                  and n.input[0].startswith("x_"))
        m.graph.initializer.append(numpy_helper.from_array(np.float32(0.5), "other_scale"))
        dq.input[1] = "other_scale"
        bias_dq = next(n for n in m.graph.node if n.output[0] == node_named(m, "conv2").input[2])
        set_initializer(m, bias_dq.input[1], 2 * initializers(m)[bias_dq.input[1]])
        w_dq = next(n for n in m.graph.node if n.output[0] == node_named(m, "fc").input[1])
        set_initializer(m, w_dq.input[2], np.ones(3))

    found = load_onnx_problems(mutated(qdq, break_it))
    text = " | ".join(str(p) for p in found)
    assert "inconsistent quantization parameters: QuantizeLinear 'x_QuantizeLinear' uses" in text
    assert "but this DequantizeLinear uses int8 scale 0.5" in text
    assert "node 'conv2' (Conv): inconsistent quantization parameters: bias scale" in text
    assert "node 'fc' (Gemm): weights" in text and "must be symmetric (zero point 0)" in text


def test_asymmetric_uint8_weights_say_how_to_requantize():
    proto, _, _ = gemm_mlp(np.random.default_rng(7), [5, 3])
    x = np.random.default_rng(8).normal(size=(30, 5))
    qdq = ort_quantize(proto, x, activations="uint8", weights="uint8")
    (p,) = load_onnx_problems(qdq)
    assert p.node == "fc0" and "weights must be symmetric (zero point 0 for signed, 128 for " \
                               "uint8): quantize with weight_type=QuantType.QInt8" in p.message


def test_matmul_plus_add_batch_norm_and_unsupported_ops():
    proto = (Chain((2, 4, 4), seed=9).conv("c", 2, 3, 3).bn("bn", 3).relu("r")
             .flatten("f").matmul("mm", 12, 4).add("bias", np.ones(4)).op("Sigmoid", "sig")
             .build())
    x = np.random.default_rng(10).normal(size=(30, 2, 4, 4))
    qdq = ort_quantize(proto, x, pre_process=False)
    text = {p.node: p.message for p in load_onnx_problems(qdq)}
    assert "run onnxruntime.quantization.quant_pre_process" in text["bn"]
    assert "rounds twice" in text["bias"] and "fuses MatMul + Add into Gemm" in text["bias"]
    assert "unsupported op Sigmoid in a QDQ model" in text["sig"]


def test_unquantized_outputs_inputs_and_per_axis_activations():
    proto, _, _ = gemm_mlp(np.random.default_rng(11), [4, 3, 2])
    x = np.random.default_rng(12).normal(size=(30, 4))
    qdq = ort_quantize(proto, x, extra={"ActivationSymmetric": True})

    def drop_last_q(m):   # the model output straight from the last Gemm
        q = next(n for n in m.graph.node if n.op_type == "QuantizeLinear"
                 and n.output[0].startswith("y"))
        dq = next(n for n in m.graph.node if n.input and n.input[0] == q.output[0])
        gemm = next(n for n in m.graph.node if n.output[0] == q.input[0])
        gemm.output[0] = "y"
        m.graph.node.remove(q)
        m.graph.node.remove(dq)

    found = load_onnx_problems(mutated(qdq, drop_last_q))
    assert any(p.node == "fc1" and "its output is not quantized" in p.message for p in found)

    def per_axis(m):
        q = next(n for n in m.graph.node if n.op_type == "QuantizeLinear")
        m.graph.initializer.extend([numpy_helper.from_array(np.full(4, 0.1, np.float32), "s4"),
                                    numpy_helper.from_array(np.zeros(4, np.int8), "z4")])
        q.input[1], q.input[2] = "s4", "z4"
    found = load_onnx_problems(mutated(qdq, per_axis))
    assert any("per-axis quantization of an activation is not supported" in p.message
               for p in found)


def test_float_weights_in_a_qdq_model_are_named():
    g = helper.make_graph(
        [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q"),
         helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xd"], name="dq"),
         helper.make_node("Gemm", ["xd", "W"], ["y"], name="fc", transB=1)],
        "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["N", 2])],
        [numpy_helper.from_array(np.float32(0.1), "s"), numpy_helper.from_array(np.int8(0), "z"),
         numpy_helper.from_array(np.ones((2, 2), np.float32), "W")])
    proto = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    found = load_onnx_problems(proto)
    assert any(p.node == "fc" and "weights 'W' are a float constant" in p.message
               for p in found)
