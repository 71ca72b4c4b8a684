"""Binary and ternary quantization: the lecture's numbers, XNOR arithmetic, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hwgen.errors import QuantizationError
from hwgen.quant import (
    BINARIZE_METHODS,
    TERNARIZE_METHODS,
    binarize,
    bipolar_dot,
    hard_sigmoid,
    im2col,
    ternarize,
    xnor_activation_scales,
)

# the lecture's binary weights (sign(0) = +1 at [2, 2] and [3, 1])
LECTURE_SIGN = [[1, -1, 1, 1], [1, -1, -1, 1], [-1, 1, 1, -1], [1, 1, 1, 1]]
LECTURE_TERNARY = [[1, -1, 1, 0], [0, 0, -1, 1], [-1, 1, 0, -1], [1, 0, 1, 1]]


def test_method_names():
    assert BINARIZE_METHODS == ("sign", "stochastic", "bwn", "xnor")
    assert TERNARIZE_METHODS == ("twn", "ttq")


def test_lecture_sign(lecture_w):
    b = binarize(lecture_w, "sign")
    assert b.codes.tolist() == LECTURE_SIGN
    assert float(b.scale) == 1.0 and b.codes.dtype == np.int64
    # ||W - sign(W)||^2 = 9.28 (two decimals)
    assert np.sum((lecture_w - b.dequantize()) ** 2) == pytest.approx(9.28, abs=0.005)


def test_lecture_bwn(lecture_w):
    b = binarize(lecture_w, "bwn")
    assert b.codes.tolist() == LECTURE_SIGN
    # alpha = ||W||_1 / 16 = 16.78 / 16 = 1.04875, printed 1.05
    assert float(b.scale) == pytest.approx(16.78 / 16, rel=1e-12)
    assert float(b.scale) == pytest.approx(1.05, abs=0.005)
    # ||W - alpha sign(W)||^2 = 9.2452, printed 9.24: the lecture truncates here (9.2452 would
    # round to 9.25), so allow one unit of the last place
    assert abs(np.sum((lecture_w - b.dequantize()) ** 2) - 9.24) < 0.01


def test_bwn_alpha_is_l2_optimal(lecture_w):
    b = binarize(lecture_w, "bwn")

    def err(a):
        return np.sum((lecture_w - a * b.codes) ** 2)

    a = float(b.scale)
    assert err(a) < err(a - 1e-3) and err(a) < err(a + 1e-3)


def test_bwn_and_xnor_per_channel_scales(lecture_w):
    b = binarize(lecture_w, "bwn", axis=0)
    # row means of |W|: (2.09+0.98+1.48+0.09)/4 = 1.16, (0.05+0.14+1.08+2.12)/4 = 0.8475, ...
    np.testing.assert_allclose(b.scale.ravel(), [1.16, 0.8475, 0.965, 1.2225], rtol=1e-12)
    x = binarize(lecture_w, "xnor", axis=0)
    np.testing.assert_array_equal(x.scale, b.scale)
    assert x.num_scales == 4 and binarize(lecture_w, "sign").num_scales == 0


def test_lecture_xnor_popcount_dot():
    # W = [1, -1, 1, -1] (bits 1010), x = [1, 1, -1, 1] (bits 1101): XNOR 1000, y = -4 + 2 = -2
    w = binarize(np.array([1.0, -1.0, 1.0, -1.0]), "sign")
    x = binarize(np.array([1.0, 1.0, -1.0, 1.0]), "sign")
    assert w.to_bits().tolist() == [1, 0, 1, 0] and x.to_bits().tolist() == [1, 1, 0, 1]
    assert int(bipolar_dot(w.codes, x.codes)) == -2


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 64).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int64, (3, n), elements=st.sampled_from([-1, 1])),
    hnp.arrays(np.int64, (n,), elements=st.sampled_from([-1, 1])))))
def test_popcount_dot_equals_integer_dot(wx):
    w, x = wx
    np.testing.assert_array_equal(bipolar_dot(w, x), w @ x)


def test_stochastic_binarization():
    w = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    draws = binarize(np.tile(w, (20000, 1)), "stochastic", seed=11).codes
    p = hard_sigmoid(w)  # 0, 0, 0.25, 0.5, 0.75, 1, 1
    np.testing.assert_array_equal(p, [0, 0, 0.25, 0.5, 0.75, 1, 1])
    freq = (draws == 1).mean(axis=0)
    # 6 standard deviations of a binomial frequency over the draws
    assert np.all(np.abs(freq - p) <= 6 * np.sqrt(p * (1 - p) / len(draws)) + 1e-12)
    a = binarize(w, "stochastic", seed=3)
    assert np.array_equal(a.codes, binarize(w, "stochastic", seed=3).codes)
    assert float(a.scale) == 1.0


def test_xnor_activation_scales_hand():
    # |x| = 1 everywhere, 3x3 box with zero padding 1: corners see 4/9, edges 6/9, inside 1
    k = xnor_activation_scales(np.ones((1, 3, 4, 4)), 3, padding=1)
    assert k.shape == (1, 1, 4, 4)
    np.testing.assert_allclose(k[0, 0], [[4 / 9, 6 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 1, 6 / 9],
                                         [6 / 9, 1, 1, 6 / 9], [4 / 9, 6 / 9, 6 / 9, 4 / 9]])


def test_xnor_activation_scales_against_loops():
    x = np.random.default_rng(0).normal(size=(2, 3, 6, 5))
    k = xnor_activation_scales(x, (3, 2), stride=2)
    a = np.abs(x).mean(axis=1)
    for n in range(2):
        for i in range(k.shape[2]):
            for j in range(k.shape[3]):
                assert k[n, 0, i, j] == pytest.approx(a[n, 2 * i:2 * i + 3, 2 * j:2 * j + 2].mean())


def test_im2col_against_a_direct_convolution():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 5, 6))
    w = rng.normal(size=(4, 3, 3, 2))
    cols = im2col(x, (3, 2), stride=(2, 1), padding=1)
    y = (cols @ w.reshape(4, -1).T).reshape(2, 3, 7, 4).transpose(0, 3, 1, 2)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for n in range(2):
        for o in range(4):
            for i in range(3):
                for j in range(7):
                    direct = np.sum(xp[n, :, 2 * i:2 * i + 3, j:j + 2] * w[o])
                    assert y[n, o, i, j] == pytest.approx(direct)


@pytest.mark.parametrize(
    "method, kwargs, match",
    [
        ("sign", {"seed": 1}, "seed is only used by method='stochastic'"),
        ("stochastic", {}, "seed is required"),
        ("sign", {"axis": 0}, "method 'sign' has no scale, so axis must be None"),
        ("xnor", {}, "method 'xnor' needs axis"),
        ("bwn", {"axis": 3}, "axis=3 is out of range"),
        ("binary", {}, "method must be one of 'sign', 'stochastic', 'bwn', 'xnor'"),
    ],
)
def test_binarize_bad_arguments(lecture_w, method, kwargs, match):
    with pytest.raises(QuantizationError, match=match):
        binarize(lecture_w, method, **kwargs)


def test_binarize_bad_data():
    with pytest.raises(QuantizationError, match="w is empty"):
        binarize([], "sign")
    with pytest.raises(QuantizationError, match="NaN"):
        binarize([0.0, np.nan], "bwn")


def test_bipolar_dot_refuses_other_codes():
    with pytest.raises(QuantizationError, match="only -1 and \\+1"):
        bipolar_dot([1, 0], [1, 1])


# ---------------------------------------------------------------- ternary


def test_lecture_twn(lecture_w):
    t = ternarize(lecture_w, "twn")
    assert t.codes.tolist() == LECTURE_TERNARY
    # Delta = 0.7 * 16.78 / 16 = 0.734125 (printed 0.73); r_t = 16.5 / 11 = 1.5; 11 non-zeros
    assert float(t.threshold) == pytest.approx(0.7 * 16.78 / 16, rel=1e-12)
    assert float(t.threshold) == pytest.approx(0.73, abs=0.005)
    assert float(t.scale_pos) == pytest.approx(1.5, rel=1e-12)
    assert float(t.scale_neg) == float(t.scale_pos)
    assert t.nonzeros == 11
    np.testing.assert_allclose(t.dequantize(), 1.5 * np.array(LECTURE_TERNARY), rtol=1e-12)


def test_ttq_fitted_scales_hand(lecture_w):
    # Delta = 0.05 * 2.12 = 0.106; positives above it: 2.09 1.48 2.12 1.92 1.87 1.53 1.49
    # (sum 12.5); negatives below -0.106: -0.98 -0.14 -1.08 -0.91 -1.03 (sum -4.14)
    t = ternarize(lecture_w, "ttq")
    assert float(t.threshold) == pytest.approx(0.106, rel=1e-12)
    assert float(t.scale_pos) == pytest.approx(12.5 / 7, rel=1e-12)
    assert float(t.scale_neg) == pytest.approx(4.14 / 5, rel=1e-12)
    assert t.nonzeros == 12 and t.codes[1, 1] == -1 and t.codes[0, 3] == 0


def test_ttq_fitted_scales_are_least_squares(lecture_w):
    t = ternarize(lecture_w, "ttq")
    wp, wn = float(t.scale_pos), float(t.scale_neg)

    def err(p, n):
        return np.sum((lecture_w - np.where(t.codes > 0, p, 0) + np.where(t.codes < 0, n, 0)) ** 2)

    for d in (-1e-3, 1e-3):
        assert err(wp, wn) < err(wp + d, wn) and err(wp, wn) < err(wp, wn + d)


def test_ttq_given_scales(lecture_w):
    t = ternarize(lecture_w, "ttq", w_p=2.0, w_n=0.5)
    d = t.dequantize()
    assert set(np.unique(d)) == {-0.5, 0.0, 2.0}
    np.testing.assert_array_equal(d == 2.0, t.codes == 1)


def test_ternary_per_channel(lecture_w):
    t = ternarize(lecture_w, "twn", axis=0)
    # row 0: Delta = 0.7 * 1.16 = 0.812; |W| > 0.812: 2.09 0.98 1.48 -> r_t = 4.55 / 3
    assert t.threshold[0, 0] == pytest.approx(0.812)
    assert t.scale_pos[0, 0] == pytest.approx(4.55 / 3)
    assert t.codes[0].tolist() == [1, -1, 1, 0]


def test_ternary_all_zero_group_has_zero_scale():
    t = ternarize(np.array([[0.0, 0.0], [1.0, -2.0]]), "twn", axis=0)
    assert t.scale_pos[0, 0] == 0.0 and np.all(np.isfinite(t.dequantize()))


@pytest.mark.parametrize(
    "method, kwargs, match",
    [
        ("twn", {"w_p": 1.0, "w_n": 1.0}, "method 'twn' computes r_t itself"),
        ("ttq", {"w_p": 1.0}, "pass both w_p and w_n"),
        ("ttq", {"w_p": -1.0, "w_n": 1.0}, "w_p must be >= 0"),
        ("ttq", {"w_p": [1.0, 2.0, 3.0], "w_n": 1.0}, "do not broadcast"),
        ("twn", {"threshold_ratio": -0.1}, "threshold_ratio must be >= 0.0"),
        ("bwn", {}, "method must be one of 'twn', 'ttq'"),
    ],
)
def test_ternarize_bad_arguments(lecture_w, method, kwargs, match):
    with pytest.raises(QuantizationError, match=match):
        ternarize(lecture_w, method, **kwargs)
