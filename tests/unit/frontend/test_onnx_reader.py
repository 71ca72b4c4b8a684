"""ONNX reader: what it reads, and every kind of model it must reject (all problems at once)."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from hwgen.errors import ModelError
from hwgen.frontend import check_onnx, read_onnx
from tests.fixtures.onnx_builders import gemm_mlp, init, model


def dense(rng, n_in, n_out):
    return rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)


# -- what is read -----------------------------------------------------------------------------

@pytest.mark.parametrize("trans_b", [0, 1])
def test_gemm_weights_bias_relu_and_names(trans_b):
    rng = np.random.default_rng(3)
    proto, weights, biases = gemm_mlp(rng, [6, 5, 4], trans_b=trans_b, alpha=0.5, beta=3.0,
                                      names=["first", "second"])
    layers = read_onnx(proto)
    assert [layer.name for layer in layers] == ["first", "second"]
    assert [layer.relu for layer in layers] == [True, False]
    for layer, w, b in zip(layers, weights, biases, strict=True):
        # alpha and beta are powers of two, so the scaled float32 values are exact
        np.testing.assert_array_equal(layer.weights, w)
        np.testing.assert_array_equal(layer.bias, b)
        assert layer.weights.dtype == np.float64 and layer.bias.dtype == np.float64


def test_matmul_weights_are_transposed_and_add_and_gemm_c_are_summed():
    w = np.arange(6, dtype=np.float32).reshape(3, 2)  # (in=3, out=2): x @ W
    nodes = [helper.make_node("MatMul", ["x", "W"], ["m"], name="mm"),
             helper.make_node("Add", ["m", "b"], ["a"], name="add"),
             helper.make_node("Gemm", ["a", "W2", "c2"], ["g"], name="gemm", transB=1),
             helper.make_node("Add", ["g", "d2"], ["y"], name="add2")]
    proto = model(nodes, [init("W", w), init("b", [1.0, 2.0]), init("W2", [[1.0, 1.0]]),
                          init("c2", [0.5]), init("d2", 0.25)],
                  in_shape=["N", 3], out_shape=["N", 1])
    mm, gemm = read_onnx(proto)
    np.testing.assert_array_equal(mm.weights, [[0, 2, 4], [1, 3, 5]])
    np.testing.assert_array_equal(mm.bias, [1.0, 2.0])
    assert (mm.name, mm.relu, gemm.name) == ("mm", False, "gemm")
    np.testing.assert_array_equal(gemm.bias, [0.75])


def test_constant_node_weights_and_unnamed_nodes():
    w = helper.make_tensor("wv", TensorProto.FLOAT, [2, 2], [1.0, 2.0, 3.0, 4.0])
    nodes = [helper.make_node("Constant", [], ["W"], value=w),
             helper.make_node("MatMul", ["x", "W"], ["y"])]
    proto = model(nodes, [], in_shape=[1, 2], out_shape=[1, 2])
    (layer,) = read_onnx(proto)
    assert layer.name == "MatMul:y"
    np.testing.assert_array_equal(layer.weights, [[1, 3], [2, 4]])


def test_reads_from_a_file(tmp_path):
    proto, _, _ = gemm_mlp(np.random.default_rng(4), [4, 3])
    path = tmp_path / "m.onnx"
    onnx.save(proto, path)
    assert [layer.name for layer in read_onnx(path)] == ["fc0"]
    assert check_onnx(str(path)) == []


# -- what is rejected -------------------------------------------------------------------------

def problems_of(proto):
    found = check_onnx(proto)
    with pytest.raises(ModelError) as info:
        read_onnx(proto)
    text = str(info.value)
    for p in found:
        assert str(p) in text  # the error lists every problem check_onnx returns
    return found, text


def test_every_unsupported_op_is_listed_at_once_with_names():
    rng = np.random.default_rng(5)
    w0, b0 = dense(rng, 4, 4)
    nodes = [helper.make_node("Gemm", ["x", "W0", "b0"], ["g0"], name="fc0", transB=1),
             helper.make_node("Sigmoid", ["g0"], ["s0"], name="act0"),
             helper.make_node("Gemm", ["s0", "W0", "b0"], ["g1"], name="fc1", transB=1),
             helper.make_node("Tanh", ["g1"], ["t1"], name="act1"),
             helper.make_node("Softmax", ["t1"], ["y"], name="probs")]
    proto = model(nodes, [init("W0", w0), init("b0", b0)], in_shape=["N", 4],
                  out_shape=["N", 4])
    found, text = problems_of(proto)
    assert [(p.node, p.op_type) for p in found] == [
        ("act0", "Sigmoid"), ("act1", "Tanh"), ("probs", "Softmax")]
    assert "3 problems" in text
    assert "supported ops: Gemm, MatMul, Add, Relu, Identity, Dropout, Flatten, Reshape" in text
    assert "drop the final Softmax" in text


def test_weight_problems_are_all_listed():
    rng = np.random.default_rng(6)
    w0, b0 = dense(rng, 4, 3)
    w0[1, 2] = np.nan
    w1, b1 = dense(rng, 3, 2)
    b1[0] = np.inf
    nodes = [helper.make_node("Gemm", ["x", "W0", "b0"], ["g0"], name="fc0", transB=1),
             helper.make_node("Relu", ["g0"], ["r0"], name="relu0"),
             helper.make_node("Gemm", ["r0", "W1", "b1"], ["g1"], name="fc1", transB=1),
             helper.make_node("Gemm", ["g1", "missing", ""], ["g2"], name="fc2", transB=1),
             helper.make_node("Constant", [], ["wint"], name="k",
                              value=helper.make_tensor("v", TensorProto.INT64, [3, 2],
                                                       [1] * 6)),
             helper.make_node("Cast", ["wint"], ["wdyn"], name="cast", to=TensorProto.FLOAT),
             helper.make_node("MatMul", ["g2", "wdyn"], ["y"], name="fc3")]
    proto = model(nodes, [init("W0", w0), init("b0", b0), init("W1", w1), init("b1", b1)],
                  in_shape=["N", 4], out_shape=["N", 2])
    found = check_onnx(proto)
    by_node = {}
    for p in found:
        by_node.setdefault(p.node, []).append(p.message)
    assert "1 NaN and 0 Inf" in " ".join(by_node["fc0"]) and "(1, 2)" in by_node["fc0"][0]
    assert "bias C 'b1': 0 NaN and 1 Inf" in " ".join(by_node["fc1"])
    assert "missing initializer" in " ".join(by_node["fc2"])
    assert by_node["fc3"][0].startswith(
        "weights 'wdyn': computed by node 'cast' (Cast), not a constant")
    assert ("cast", "Cast") in [(p.node, p.op_type) for p in found]
    assert len(found) == 5
    with pytest.raises(ModelError, match="(?s)5 problems.*fc0.*fc1.*fc2.*fc3"):
        read_onnx(proto)


def test_dynamic_feature_size_and_unsupported_attributes():
    rng = np.random.default_rng(7)
    w, b = dense(rng, 4, 4)
    nodes = [helper.make_node("Flatten", ["x"], ["f"], name="flat", axis=2),
             helper.make_node("Gemm", ["f", "W", "b"], ["y"], name="fc", transA=1)]
    proto = model(nodes, [init("W", w), init("b", b)], in_shape=["N", "C", 4],
                  out_shape=["N", 4])
    found, text = problems_of(proto)
    assert "dynamic or unknown feature size ('N', '?', 4)" not in text  # symbolic dims are '?'
    assert "dynamic or unknown feature size (?, ?, 4)" in text
    assert any(p.node == "fc" and "transA=1 is not supported" in p.message for p in found)

    nodes = [helper.make_node("Flatten", ["x"], ["f"], name="flat", axis=2),
             helper.make_node("Gemm", ["f", "W", "b"], ["y"], name="fc", transB=1)]
    proto = model(nodes, [init("W", w), init("b", b)], in_shape=["N", 2, 2],
                  out_shape=["N", 4])
    found, _ = problems_of(proto)
    assert [(p.node, p.op_type) for p in found] == [("flat", "Flatten")]
    assert "only axis=1" in found[0].message


def test_gemm_on_a_4d_activation_asks_for_flatten():
    w, b = dense(np.random.default_rng(8), 4, 2)
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="fc", transB=1)]
    proto = model(nodes, [init("W", w), init("b", b)], in_shape=["N", 1, 2, 2],
                  out_shape=["N", 2])
    found, _ = problems_of(proto)
    assert any(p.node == "fc" and "insert a Flatten" in p.message for p in found)


def test_feature_mismatch_is_named():
    w, b = dense(np.random.default_rng(9), 5, 2)
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="fc", transB=1)]
    proto = model(nodes, [init("W", w), init("b", b)], in_shape=["N", 4], out_shape=["N", 2])
    found = check_onnx(proto)
    assert any(p.node == "fc" and "weights take 5 inputs but the activation has 4" in p.message
               for p in found)


@pytest.mark.parametrize("opset", [9, 10])
def test_old_opset_says_what_is_supported(opset):
    proto, _, _ = gemm_mlp(np.random.default_rng(10), [3, 2])
    proto.opset_import[0].version = opset
    found, text = problems_of(proto)
    newest = onnx.defs.onnx_opset_version()
    assert f"opset {opset} is not supported; hwgen reads opsets 11 to {newest}" in text
    assert "convert_version" in text


def test_a_relu_on_one_branch_of_a_fork_cannot_be_fused():
    """fc0's raw output feeds fc1 and a Relu: fusing the Relu into fc0 would change what fc1
    reads, and the hardware has no separate activation layer."""
    rng = np.random.default_rng(11)
    w, b = dense(rng, 3, 3)
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["g"], name="fc0", transB=1),
             helper.make_node("Relu", ["g"], ["r"], name="relu"),
             helper.make_node("Gemm", ["g", "W", "b"], ["g2"], name="fc1", transB=1),
             helper.make_node("Add", ["r", "g2"], ["y"], name="residual")]
    proto = model(nodes, [init("W", w), init("b", b)], in_shape=["N", 3], out_shape=["N", 3])
    found, text = problems_of(proto)
    assert len(found) == 1 and found[0].node == "relu"
    assert "the output of 'fc0' also feeds 'fc1' (Gemm), which reads it without this " \
        "activation" in text


def test_add_of_two_activations_and_misplaced_ops():
    rng = np.random.default_rng(12)
    w, b = dense(rng, 3, 3)
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu_in"),
             helper.make_node("Gemm", ["r", "W", "b"], ["g"], name="fc0", transB=1),
             helper.make_node("Relu", ["g"], ["r2"], name="relu0"),
             helper.make_node("Add", ["r2", "b"], ["y"], name="late_bias")]
    proto = model(nodes, [init("W", w), init("b", b)], in_shape=["N", 3], out_shape=["N", 3])
    found, _ = problems_of(proto)
    assert [(p.node, p.op_type) for p in found] == [("relu_in", "Relu"), ("late_bias", "Add")]
    assert "before the first Gemm" in found[0].message
    assert "after the Relu" in found[1].message


def test_matmul_with_weights_first_and_non_2d_weights():
    nodes = [helper.make_node("MatMul", ["W", "x"], ["y"], name="wx")]
    proto = model(nodes, [init("W", np.ones((3, 3)))], in_shape=["N", 3], out_shape=["N", 3])
    found, _ = problems_of(proto)
    assert any(p.node == "wx" and "W @ x" in p.message for p in found)


def test_multiple_inputs_outputs_and_no_layers():
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="r")]
    proto = model(nodes, [], in_shape=["N", 3], out_shape=["N", 3])
    found, _ = problems_of(proto)
    assert any("before the first Gemm" in p.message for p in found)
    assert any("no Gemm or MatMul layer" in p.message for p in found)

    graph = helper.make_graph(
        [helper.make_node("Identity", ["a"], ["y"])], "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 3]) for n in ("a", "b")],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])])
    found = check_onnx(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    assert any("exactly one input, it has 2 ('a', 'b')" in p.message for p in found)


def test_training_mode_dropout_and_bad_reshape():
    w, b = dense(np.random.default_rng(13), 4, 2)
    nodes = [helper.make_node("Dropout", ["x", "ratio", "train"], ["d"], name="drop"),
             helper.make_node("Reshape", ["d", "shape"], ["s"], name="rs"),
             helper.make_node("Gemm", ["s", "W", "b"], ["y"], name="fc", transB=1)]
    inits = [init("W", w), init("b", b), init("ratio", np.float32(0.5)),
             init("train", np.array(True)), init("shape", np.array([2, -1], dtype=np.int64))]
    proto = model(nodes, inits, in_shape=["N", 4], out_shape=["N", 2])
    found, _ = problems_of(proto)
    assert [(p.node, p.op_type) for p in found] == [("drop", "Dropout"), ("rs", "Reshape")]
    assert "training_mode is true" in found[0].message
    assert "shape [-1, 4] or [0, -1]" in found[1].message


def test_unreadable_and_missing_files(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        read_onnx(tmp_path / "nope.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00not an onnx file")
    with pytest.raises(ModelError, match="bad.onnx is not a readable ONNX model"):
        read_onnx(bad)
    problems = check_onnx(tmp_path / "nope.onnx")
    assert len(problems) == 1 and "does not exist" in str(problems[0])


def test_reshape_allowzero_with_a_zero_is_rejected():
    w, b = dense(np.random.default_rng(14), 4, 2)
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["s"], name="rs", allowzero=1),
             helper.make_node("Gemm", ["s", "W", "b"], ["y"], name="fc", transB=1)]
    inits = [init("W", w), init("b", b), init("shape", np.array([0, 4], dtype=np.int64))]
    proto = model(nodes, inits, in_shape=["N", 4], out_shape=["N", 2])
    found = check_onnx(proto)
    assert [(p.node, p.op_type) for p in found] == [("rs", "Reshape")]
    assert "allowzero=1" in found[0].message
    proto.graph.node[0].attribute[0].i = 0  # allowzero=0: 0 copies the batch axis
    assert check_onnx(proto) == []
