"""Folding batch norm + sign (or + a multi-bit quantizer) into integer thresholds equals the
float computation on every reachable accumulator, ties included."""

import numpy as np
import pytest

from hwgen.errors import IRError
from hwgen.golden.xnor import multithreshold
from hwgen.ir import Folding, Graph, IntType, TensorQuant
from hwgen.ir.binary import BipolarQuant, RequantActivation, ThresholdActivation
from hwgen.ir.layers.binary_dense import BinaryDense
from hwgen.ir.layers.float_activation import (
    BatchNorm,
    FloatActivation,
    SignQuantizer,
    ThresholdQuantizer,
    UniformQuantizer,
)
from hwgen.ir.lowering import lower_layer
from hwgen.passes.threshold_folding import fold_activation, fold_thresholds

LO, HI = -40, 40


def float_bn_sign(acc, scale, bias, gamma, beta, mean, var, eps):
    """BN + sign written out independently: +1 (bit 1) where gamma (v - mean) / s + beta >= 0."""
    v = acc * scale + bias
    z = gamma * (v - mean) / np.sqrt(var + eps) + beta
    return (z >= 0).astype(np.int64), z


def every_acc(channels):
    return np.arange(LO, HI + 1)[:, None] * np.ones((1, channels), dtype=np.int64)


def test_bn_sign_equals_float_everywhere_with_ties_and_negative_scales():
    # Channels built to hit z == 0 exactly at an integer accumulator (var + eps = 1, integer
    # mean, beta = -gamma * k), with positive, negative and zero batch-norm scales.
    gamma = np.array([2.0, -2.0, 0.5, -0.5, 0.0, 0.0, 1.0, -3.0])
    k = np.array([0, 0, 3, -3, 0, 0, 1, 2])
    mean = np.array([3.0, 3.0, -5.0, 7.0, 0.0, 0.0, 0.0, -1.0])
    beta = -gamma * k + np.array([0, 0, 0, 0, 0.25, -0.25, 0, 0])
    var, eps = np.ones(8) - 1e-3, 1e-3
    scale, bias = np.ones(8), np.zeros(8)
    act = FloatActivation(acc_scale=scale, acc_bias=bias, quantizer=SignQuantizer(),
                          batch_norm=BatchNorm(gamma, beta, mean, var, eps))
    folded = fold_activation(act, np.full(8, LO), np.full(8, HI))
    acc = every_acc(8)
    want, z = float_bn_sign(acc, scale, bias, gamma, beta, mean, var, eps)
    assert np.count_nonzero(z == 0) >= 6               # the ties are really there
    got = multithreshold(acc, folded.thresholds, folded.descending, folded.out_offset)
    np.testing.assert_array_equal(got, want)
    assert folded.descending.tolist() == [0, 1, 0, 1, 0, 0, 0, 1]
    # a tie outputs +1 in both directions: acc = mean + k is the threshold itself
    assert folded.thresholds[:4, 0].tolist() == [3, 3, -2, 4]
    # constant channels: always +1 (threshold at the bottom), never +1 (above the top)
    assert folded.thresholds[4:6, 0].tolist() == [LO, HI + 1]


def test_bn_sign_equals_float_on_random_parameters_and_data():
    rng = np.random.default_rng(11)
    c = 64
    gamma = rng.normal(0, 1, c)
    beta, mean = rng.normal(0, 1, c), rng.normal(0, 8, c)
    var, eps = rng.uniform(0.2, 3, c), 1e-5
    scale = rng.uniform(0.05, 0.5, c) * rng.choice([-1, 1], c)   # a negative Mul flips too
    bias = rng.normal(0, 1, c)
    act = FloatActivation(acc_scale=scale, acc_bias=bias, quantizer=SignQuantizer(),
                          batch_norm=BatchNorm(gamma, beta, mean, var, eps))
    folded = fold_activation(act, np.full(c, LO), np.full(c, HI))
    acc = np.concatenate([every_acc(c), rng.integers(LO, HI + 1, size=(500, c))])
    want, _ = float_bn_sign(acc, scale, bias, gamma, beta, mean, var, eps)
    np.testing.assert_array_equal(
        multithreshold(acc, folded.thresholds, folded.descending), want)
    np.testing.assert_array_equal(folded.descending, (np.sign(scale * gamma) < 0))


@pytest.mark.parametrize("rounding,reference", [
    ("ROUND", np.round),                                      # half to even
    ("HALF_UP", lambda q: np.sign(q) * np.floor(np.abs(q) + 0.5)),
    ("FLOOR", np.floor),
])
@pytest.mark.parametrize("dtype,narrow", [(IntType(2, True), True), (IntType(2, False), False),
                                          (IntType(4, True), False)])
def test_bn_multibit_quantizer_equals_float(rounding, reference, dtype, narrow):
    rng = np.random.default_rng(7)
    c = 16
    gamma = rng.normal(0, 1, c)
    gamma[:2] = [1.0, -1.0]
    beta, mean, var = rng.normal(0, 1, c), rng.normal(0, 5, c), rng.uniform(0.5, 2, c)
    beta[:2], mean[:2], var[:2] = 0.0, 0.0, 1.0
    scale = np.full(c, 0.25)   # quantizer scale 0.5 below: z / s hits .5 exactly on channels 0, 1
    q = UniformQuantizer(dtype, 0.5, 0, narrow=narrow, rounding=rounding)
    act = FloatActivation(acc_scale=scale, acc_bias=np.zeros(c), quantizer=q,
                          batch_norm=BatchNorm(gamma, beta, mean, var, 0.0))
    folded = fold_activation(act, np.full(c, LO), np.full(c, HI))
    acc = every_acc(c)
    z = gamma * (acc * scale - mean) / np.sqrt(var) + beta
    qmin = dtype.qmin + (1 if narrow and dtype.signed else 0)
    want = np.clip(reference(z / 0.5), qmin, dtype.qmax)
    assert np.any(np.abs(z[:, :2] / 0.5) % 1 == 0.5)          # rounding ties are exercised
    got = multithreshold(acc, folded.thresholds, folded.descending, folded.out_offset)
    np.testing.assert_array_equal(got, want)
    assert folded.thresholds.shape == (c, dtype.qmax - qmin)


def test_relu_and_finn_thresholds_fold_exactly():
    rng = np.random.default_rng(2)
    c = 6
    t_real = np.sort(rng.normal(0, 2, size=(c, 3)), axis=1)
    q = ThresholdQuantizer(t_real, TensorQuant(IntType(2, False), 1.0, 0))
    act = FloatActivation(acc_scale=np.full(c, 0.3), acc_bias=rng.normal(0, 1, c),
                          quantizer=q, relu=True)
    folded = fold_activation(act, np.full(c, LO), np.full(c, HI))
    acc = every_acc(c)
    z = np.maximum(acc * 0.3 + act.acc_bias, 0)
    want = (z[..., None] >= t_real).sum(axis=-1)
    np.testing.assert_array_equal(multithreshold(acc, folded.thresholds, folded.descending), want)


def binary_layer(name, act, in_q, out_features=4, in_features=6, seed=0):
    rng = np.random.default_rng(seed)
    return BinaryDense(name=name, weights=rng.choice([-1, 1], size=(out_features, in_features)),
                       weight_format="bipolar", weight_scale=1.0,
                       bias=np.zeros(out_features, dtype=np.int64), input_quant=in_q,
                       activation=act, folding=Folding(pe=2, simd=2))


def test_pass_folds_float_activations_and_lowering_needs_it():
    rng = np.random.default_rng(4)
    bn = BatchNorm(rng.normal(0, 1, 4), rng.normal(0, 1, 4), rng.normal(0, 2, 4), np.ones(4))
    act = FloatActivation(acc_scale=np.ones(4), acc_bias=np.zeros(4), quantizer=SignQuantizer(),
                          batch_norm=bn)
    out = TensorQuant(IntType(8, True), 0.1, 0)
    first = binary_layer("fc0", act, BipolarQuant())
    second = binary_layer("fc1", RequantActivation(out), BipolarQuant(), in_features=4, seed=1)
    graph = Graph(name="g", layers=(first, second))
    with pytest.raises(IRError, match="'fc0': its float activation .* run "
                                      "hwgen.passes.fold_thresholds first"):
        lower_layer(first)
    folded = fold_thresholds(graph)
    assert isinstance(folded.layers[0].activation, ThresholdActivation)
    assert folded.layers[1] is second
    lo, hi = first.acc_bounds()
    assert lo.tolist() == [-6] * 4 and hi.tolist() == [6] * 4
    acc = every_acc(4)[(np.arange(LO, HI + 1) >= -6) & (np.arange(LO, HI + 1) <= 6)]
    t = folded.layers[0].activation
    np.testing.assert_array_equal(multithreshold(acc, t.thresholds, t.descending),
                                  act.evaluate(acc))
    blocks = lower_layer(folded.layers[0])
    block = blocks[0] if isinstance(blocks, tuple) else blocks
    assert block.kind == "xnor_mvau" and block.popcount_domain


def test_float_activation_validation_messages():
    with pytest.raises(IRError, match="accumulator scales must be non-zero"):
        FloatActivation(acc_scale=[1.0, 0.0], acc_bias=[0, 0], quantizer=SignQuantizer())
    with pytest.raises(IRError, match="batch norm has 3 channels, the layer 2"):
        FloatActivation(acc_scale=[1.0, 1.0], acc_bias=[0, 0], quantizer=SignQuantizer(),
                        batch_norm=BatchNorm(np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)))
    with pytest.raises(IRError,
                       match="rounding mode 'sideways' is not known; use one of ROUND, HALF_EVEN"):
        UniformQuantizer(IntType(2, True), 1.0, rounding="sideways")
    with pytest.raises(IRError, match="batch norm needs var \\+ eps > 0"):
        BatchNorm([1.0], [0.0], [0.0], [-1.0], 0.5)
