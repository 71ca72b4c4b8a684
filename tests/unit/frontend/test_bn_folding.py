"""Batch norm folded into the layer before it equals the layer followed by batch norm."""

import numpy as np
import pytest

from hwgen.errors import ModelError
from hwgen.frontend import FloatConv, FloatDense, read_onnx
from hwgen.frontend.onnx.bn_folding import batch_norm, fold_batch_norm
from tests.fixtures.cnn_builders import Chain
from tests.fixtures.reader_checks import assert_matches_onnxruntime


def bn_params(rng, channels):
    return dict(gamma=rng.uniform(-1.5, 1.5, channels), beta=rng.normal(0, 1, channels),
                mean=rng.normal(0, 1, channels), var=rng.uniform(0.01, 3, channels))


def test_batch_norm_by_hand():
    # x = 3, mean 1, var 3, eps 1: (3 - 1) / sqrt(4) * 2 + 0.5 = 2.5
    y = batch_norm(np.array([[3.0]]), gamma=[2.0], beta=[0.5], mean=[1.0], var=[3.0], epsilon=1.0)
    assert y.tolist() == [[2.5]]


@pytest.mark.parametrize("seed", range(3))
def test_folded_dense_equals_dense_then_batch_norm(seed):
    rng = np.random.default_rng(seed)
    w, b, p = rng.normal(size=(6, 5)), rng.normal(size=6), bn_params(rng, 6)
    x = rng.normal(size=(40, 5))
    wf, bf = fold_batch_norm(w, b, epsilon=1e-3, **p)
    expected = batch_norm(FloatDense("d", w, b).forward(x), epsilon=1e-3, **p)
    np.testing.assert_allclose(FloatDense("d", wf, bf).forward(x), expected, rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_folded_conv_equals_conv_then_batch_norm_per_channel(seed):
    rng = np.random.default_rng(seed)
    w, b, p = rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4), bn_params(rng, 4)
    x = rng.normal(size=(5, 6, 6, 2))
    conv = FloatConv("c", w, b, (6, 6, 2), pads=(1, 1, 1, 1))
    wf, bf = fold_batch_norm(w, b, epsilon=1e-5, **p)
    folded = FloatConv("c", wf, bf, (6, 6, 2), pads=(1, 1, 1, 1))
    expected = batch_norm(conv.forward(x), epsilon=1e-5, axis=-1, **p)   # NHWC: channels last
    np.testing.assert_allclose(folded.forward(x), expected, rtol=1e-12, atol=1e-12)


def test_onnx_conv_batch_norm_and_gemm_batch_norm_match_onnxruntime():
    proto = (Chain((2, 5, 5), seed=3).conv("c", 2, 4, 3).bn("bn", 4, epsilon=1e-3).relu("r")
             .flatten("f").gemm("fc", 36, 3).bn("bn2", 3).build())
    layers = read_onnx(proto)
    assert [layer.name for layer in layers] == ["c", "fc"]   # batch norms folded away
    assert_matches_onnxruntime(proto, np.random.default_rng(4).normal(size=(12, 2, 5, 5)))


def test_bad_batch_norm_parameters_are_named():
    with pytest.raises(ModelError, match=r"var \+ epsilon = -1 at channel 1; it must be > 0"):
        fold_batch_norm(np.ones((2, 3)), np.zeros(2), gamma=[1, 1], beta=[0, 0], mean=[0, 0],
                        var=[1.0, -1.0], epsilon=0.0, where="layer 'x'")
    with pytest.raises(ModelError, match=r"batch norm mean has shape \(3,\); expected \(2,\)"):
        fold_batch_norm(np.ones((2, 3)), np.zeros(2), gamma=[1, 1], beta=[0, 0],
                        mean=[0, 0, 0], var=[1, 1], epsilon=1e-5)
