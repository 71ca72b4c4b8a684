"""The float forward pass of the read layers equals onnxruntime on the same model."""

import numpy as np
import pytest
from onnx import helper

from hwgen.errors import ModelError
from hwgen.frontend import FloatDense, float_forward, read_onnx
from tests.fixtures.onnx_builders import gemm_mlp, init, model, run_onnxruntime


def assert_matches_onnxruntime(proto, x):
    """float64 numpy vs onnxruntime's float32: 1e-5 relative to the output's magnitude.

    float32 carries 24 bits (6e-8 relative per operation); a dot product of a few dozen terms
    and a few layers stays far below 1e-5 of the largest output. Relative to the largest output
    rather than elementwise, because outputs near 0 have no meaningful relative error.
    """
    ours = float_forward(read_onnx(proto), x)
    ref = run_onnxruntime(proto, x).astype(np.float64)
    assert ours.shape == ref.shape
    scale = np.abs(ref).max()
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (0.5, 2.0)])
def test_gemm_chain_matches_onnxruntime(trans_b, alpha, beta):
    rng = np.random.default_rng(1)
    proto, _, _ = gemm_mlp(rng, [20, 16, 12, 10], trans_b=trans_b, alpha=alpha, beta=beta)
    assert_matches_onnxruntime(proto, rng.normal(size=(64, 20)))


def test_matmul_add_flatten_dropout_identity_reshape_match_onnxruntime():
    rng = np.random.default_rng(2)
    w0 = rng.normal(size=(16, 8))   # MatMul weights: (in, out)
    b0 = rng.normal(size=8)
    w1 = rng.normal(size=(8, 4))
    b1 = rng.normal(size=(1, 4))    # a (1, out) bias broadcasts like (out,)
    nodes = [
        helper.make_node("Flatten", ["x"], ["f"], name="flat", axis=1),
        helper.make_node("MatMul", ["f", "W0"], ["m0"], name="mm0"),
        helper.make_node("Add", ["B0", "m0"], ["a0"], name="add0"),  # constant first: allowed
        helper.make_node("Relu", ["a0"], ["r0"], name="relu0"),
        helper.make_node("Dropout", ["r0"], ["d0"], name="drop0"),
        helper.make_node("Identity", ["d0"], ["i0"], name="id0"),
        helper.make_node("Reshape", ["i0", "shape"], ["s0"], name="reshape0"),
        helper.make_node("MatMul", ["s0", "W1"], ["m1"], name="mm1"),
        helper.make_node("Add", ["m1", "B1"], ["y"], name="add1"),
    ]
    inits = [init("W0", w0), init("B0", b0), init("W1", w1), init("B1", b1),
             init("shape", np.array([-1, 8], dtype=np.int64))]
    proto = model(nodes, inits, in_shape=["N", 1, 4, 4], out_shape=["N", 4])
    layers = read_onnx(proto)
    assert [(layer.name, layer.weights.shape, layer.relu) for layer in layers] == [
        ("mm0", (8, 16), True), ("mm1", (4, 8), False)]
    x = rng.normal(size=(32, 1, 4, 4))
    ref = run_onnxruntime(proto, x).astype(np.float64)
    ours = float_forward(layers, x.reshape(32, 16))
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())


def test_forward_is_x_wt_plus_b_then_relu():
    w = np.array([[1.0, -2.0], [0.5, 0.25], [-1.0, -1.0]])
    b = np.array([0.5, -1.0, 0.0])
    layer = FloatDense("d", w, b, relu=True)
    x = np.array([[1.0, 1.0], [2.0, -4.0]])
    # by hand: [1-2+.5, .5+.25-1, -2] = [-.5, -.25, -2] -> relu 0
    #          [2+8+.5, 1-1-1, -2+4] = [10.5, -1, 2] -> [10.5, 0, 2]
    np.testing.assert_array_equal(float_forward([layer], x), [[0, 0, 0], [10.5, 0, 2]])


def test_forward_keeps_intermediate_activations_after_relu():
    layers = [FloatDense("a", [[1.0], [-1.0]], [0.0, 0.0], relu=True),
              FloatDense("b", [[1.0, 1.0]], [1.0], relu=False)]
    y, tensors = float_forward(layers, np.array([[3.0]]), keep_intermediate=True)
    assert [t.tolist() for t in tensors] == [[[3.0]], [[3.0, 0.0]], [[4.0]]]
    assert y.tolist() == [[4.0]]


def test_forward_rejects_wrong_width_and_broken_chain():
    a = FloatDense("a", np.ones((3, 2)), np.zeros(3))
    with pytest.raises(ModelError, match=r"the model takes \(N, 2\)"):
        float_forward([a], np.ones((4, 5)))
    b = FloatDense("b", np.ones((1, 4)), np.zeros(1))
    with pytest.raises(ModelError, match="layer 'b' takes 4 inputs but 'a' produces 3"):
        float_forward([a, b], np.ones((1, 2)))


def test_float_dense_rejects_nan_and_bad_bias():
    with pytest.raises(ModelError, match=r"layer 'd': weights holds 1 NaN and 1 Inf"):
        FloatDense("d", [[np.nan, np.inf]], [0.0])
    with pytest.raises(ModelError, match=r"bias has shape \(2,\) but the weights have 1 output"):
        FloatDense("d", [[1.0, 2.0]], [0.0, 1.0])
