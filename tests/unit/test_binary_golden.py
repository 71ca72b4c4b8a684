"""Golden XNOR / binary-weight / ternary arithmetic: the lecture's numbers, float references,
FINN's MultiThreshold, and the hardware's accumulator domain."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hwgen.errors import IRError
from hwgen.golden.xnor import binary_mvau, multithreshold, xnor_popcount_dot
from hwgen.ir import IntType
from hwgen.ir.binary import BIT, Activation, from_bits, to_bits, ttq_levels
from hwgen.ir.blocks.binary_mvau import BinaryWeightMvauParams, TernaryMvauParams, XnorMvauParams
from tests.fixtures.binary_factories import random_binary_params, random_inputs


def identity_requant(cls, weights, **fields):
    """A layer whose output is its accumulator (M = 1: multiplier 2**30, shift 1)."""
    mh = len(weights)
    return cls(name="t", weights=weights, output_type=IntType(16, True),
               bias=np.zeros(mh, dtype=np.int64), activation=Activation.REQUANT, pe=1, simd=1,
               multiplier=np.full(mh, 1 << 30), shift=np.ones(mh, dtype=np.int64),
               out_min=-(1 << 15), out_max=(1 << 15) - 1, **fields)


def test_lecture_xnor_example():
    # W = [1, -1, 1, -1] is stored as 1010, x = [1, 1, -1, 1] as 1101; XNOR = 1000, popcount
    # 1, y = -4 + (1 << 1) = -2.
    w, x = to_bits([1, -1, 1, -1]), to_bits([1, 1, -1, 1])
    assert w.tolist() == [1, 0, 1, 0] and x.tolist() == [1, 1, 0, 1]
    assert (1 - (w ^ x)).tolist() == [1, 0, 0, 0]
    assert xnor_popcount_dot(w, x) == -2
    layer = identity_requant(XnorMvauParams, [[1, -1, 1, -1]], input_type=BIT,
                             input_bipolar=True)
    assert binary_mvau(np.array([x]), layer).tolist() == [[-2]]


def test_lecture_binary_weight_example():
    # y = 8*5 + (-3)*2 + 5*0 + (-1)*1 with weights quantized to +1 / -1: 5 - 2 + 0 - 1 = 2.
    layer = identity_requant(BinaryWeightMvauParams, [[1, -1, 1, -1]],
                             input_type=IntType(8, False))
    assert binary_mvau(np.array([[5, 2, 0, 1]]), layer).tolist() == [[2]]


def test_lecture_ternary_weights_on_the_4x4_matrix():
    # The lecture's TWN codes of its 4x4 matrix, applied to x = 1..4: row by row
    # [1,-1,1,0]: 1-2+3 = 2; [0,0,-1,1]: -3+4 = 1; [-1,1,0,-1]: -1+2-4 = -3; [1,0,1,1]: 8.
    codes = [[1, -1, 1, 0], [0, 0, -1, 1], [-1, 1, 0, -1], [1, 0, 1, 1]]
    layer = identity_requant(TernaryMvauParams, codes, input_type=IntType(8, False))
    assert binary_mvau(np.array([[1, 2, 3, 4]]), layer).tolist() == [[2, 1, -3, 8]]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 80).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int64, (5, n), elements=st.sampled_from([-1, 1])),
    hnp.arrays(np.int64, (7, n), elements=st.sampled_from([-1, 1])))))
def test_xnor_popcount_equals_float_bipolar_dot(wx):
    w, x = wx
    expected = x.astype(np.float64) @ w.astype(np.float64).T
    got = xnor_popcount_dot(to_bits(w), to_bits(x))
    np.testing.assert_array_equal(got, expected)


def test_xnor_layer_equals_float_dot_with_bias_on_random_inputs():
    rng = np.random.default_rng(3)
    w = rng.choice([-1, 1], size=(9, 70))
    bias = rng.integers(-20, 20, 9)
    layer = identity_requant(XnorMvauParams, w, input_type=BIT, input_bipolar=True)
    layer = dataclasses.replace(layer, bias=bias)
    x_bits = rng.integers(0, 2, size=(50, 70))
    expected = (2.0 * x_bits - 1) @ w.T.astype(np.float64) + bias
    np.testing.assert_array_equal(binary_mvau(x_bits, layer), expected)


def test_accumulator_shift_scales_the_dot_product_only():
    rng = np.random.default_rng(8)
    w = rng.choice([-1, 1], size=(5, 9))
    bias = rng.integers(-300, 300, 5)
    x_bits = rng.integers(0, 2, size=(20, 9))
    layer = dataclasses.replace(identity_requant(XnorMvauParams, w, input_type=BIT,
                                                 input_bipolar=True), bias=bias, acc_shift=5)
    expected = (2 * x_bits - 1) @ w.T * 32 + bias
    np.testing.assert_array_equal(binary_mvau(x_bits, layer), np.clip(expected, -32768, 32767))


def test_ttq_levels_reconstruct_the_scales_and_golden_uses_them():
    w_p, w_n = np.array([0.9, 0.5, 0.25]), np.array([0.3, 0.5, 1.0])
    lp, ln, s = ttq_levels(w_p, w_n)
    assert lp.tolist() == [127, 1, 32] and ln.tolist() == [42, 1, 127]
    assert np.all(np.abs(lp * s - w_p) <= s / 2) and np.all(np.abs(ln * s - w_n) <= s / 2)
    codes = np.array([[1, -1, 0, 1], [1, 1, -1, 0], [-1, 0, 1, 1]])
    layer = identity_requant(TernaryMvauParams, codes, input_type=IntType(8, True),
                             level_pos=lp, level_neg=ln)
    x = np.array([[3, -2, 7, 1], [-128, 127, 0, 5]])
    real = np.where(codes > 0, lp[:, None], np.where(codes < 0, -ln[:, None], 0))
    np.testing.assert_array_equal(binary_mvau(x, layer), x @ real.T)


def test_multithreshold_matches_qonnx_reference():
    pytest.importorskip("qonnx")
    from qonnx.custom_op.general.multithreshold import multithreshold as qonnx_mt
    rng = np.random.default_rng(5)
    acc = rng.integers(-40, 40, size=(30, 6))
    thresholds = np.sort(rng.integers(-40, 40, size=(6, 7)), axis=1)
    ours = multithreshold(acc, thresholds, np.zeros(6), out_offset=0)
    np.testing.assert_array_equal(ours, qonnx_mt(acc.astype(np.float32),
                                                 thresholds.astype(np.float32)))


def test_multithreshold_descending_counts_acc_at_most_t_and_ties_count():
    acc = np.array([[-1, 0, 1, 2]]).T * np.ones((1, 2), dtype=np.int64)   # (4, 2)
    t = np.array([[0, 1], [0, 1]])
    up = multithreshold(acc, t, np.array([0, 0]))
    down = multithreshold(acc, t, np.array([1, 1]))
    assert up[:, 0].tolist() == [0, 1, 2, 2]      # acc >= 0, acc >= 1
    assert down[:, 0].tolist() == [2, 2, 1, 0]    # acc <= 0, acc <= 1


@pytest.mark.parametrize("bias", [-5, 0, 3])
@pytest.mark.parametrize("shift", [0, 2])
def test_popcount_domain_thresholds_equal_y_domain(bias, shift):
    # Every popcount of a 13-wide XNOR layer, every threshold around its range, both ways;
    # with an accumulator shift s, acc = 2**s (2 pc - MW) + bias.
    mw = 13
    t = np.arange((-mw - 3 << shift) + bias, (mw + 4 << shift) + bias)
    for down in (0, 1):
        p = XnorMvauParams(name="t", weights=np.ones((1, mw), dtype=np.int64), input_type=BIT,
                           output_type=IntType(8, False), bias=[bias],
                           activation=Activation.THRESHOLD, pe=1, simd=1, input_bipolar=True,
                           thresholds=t[None, :] if len(t) < 256 else t[None, :255],
                           descending=[down], acc_shift=shift)
        t = p.thresholds[0]
        assert p.popcount_domain and p.hw_acc_bits == mw.bit_length()
        hw_t, flip = p.hw_thresholds()
        pc = np.arange(mw + 1)
        y = (2 * pc - mw) * 2 ** shift + bias
        want = (y[:, None] <= t) if down else (y[:, None] >= t)
        got = (pc[:, None] >= hw_t) ^ (flip[0] == 1)
        np.testing.assert_array_equal(got, want)
        assert hw_t.min() >= 0 and hw_t.max() <= mw + 1


def test_bits_round_trip_and_reject_other_values():
    codes = np.array([[-1, 1, 1], [1, -1, -1]])
    np.testing.assert_array_equal(from_bits(to_bits(codes)), codes)
    with pytest.raises(IRError, match="bipolar codes must be -1 or \\+1"):
        to_bits([0, 1])
    with pytest.raises(IRError, match="bipolar bits must be 0 or 1"):
        from_bits([2])


def test_golden_rejects_wrong_widths_and_codes():
    rng = np.random.default_rng(0)
    p = random_binary_params(rng, "xnor", mh=4, mw=6, pe=2, simd=3)
    with pytest.raises(IRError, match="takes vectors of 6 inputs, not 5"):
        binary_mvau(np.zeros((1, 5), dtype=np.int64), p)
    with pytest.raises(IRError, match="outside uint1"):
        binary_mvau(np.full((1, 6), 2), p)


def test_factory_layers_exercise_ties():
    # The factory draws thresholds from reachable accumulators; the golden outputs must see
    # acc == t, or the tie tests downstream would test nothing.
    rng = np.random.default_rng(1)
    p = random_binary_params(rng, "bwn", mh=6, mw=8, pe=1, simd=1, descending=0.5)
    x = random_inputs(rng, p, 200)
    acc = x @ p.coefficients.T + p.bias
    assert np.any(acc[:, :, None] == p.thresholds[None])
    assert set(p.descending.tolist()) == {0, 1}
