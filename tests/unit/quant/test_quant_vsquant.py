"""VS-Quant: two-level scales, effective bit width, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hwgen.errors import QuantizationError
from hwgen.quant import LinearQuantized, VSQuantized, linear_quantize, vsquant


def test_hand_computed_example():
    # 4-bit codes (qmax 7), vectors of 2, 4-bit vector scales (max 15):
    # ideal scales 1.5/7 and 0.1/7; gamma = (1.5/7)/15 = 0.1/7; S_q = 15 and 1;
    # codes 1.5/(1.5/7) = 7, 0.3/(1.5/7) = 1.4 -> 1, 0.1/(0.1/7) = 7, 0.05/(0.1/7) = 3.5 -> 4 (even)
    q = vsquant([[1.5, 0.3, 0.1, 0.05]], 4, vector_size=2, scale_bits=4)
    assert isinstance(q, VSQuantized) and isinstance(q, LinearQuantized)
    assert q.codes.tolist() == [[7, 1, 7, 4]]
    assert q.vector_scale.tolist() == [[15, 15, 1, 1]]
    assert q.gamma.shape == (1, 1) and q.gamma[0, 0] == pytest.approx(0.1 / 7, rel=1e-15)
    np.testing.assert_allclose(q.scale, q.gamma * q.vector_scale, rtol=0)
    assert np.all(q.zero_point == 0)


def test_lecture_effective_bit_width():
    # INT4 codes, UINT4 scale per 16 elements, FP16 gamma per channel: 4 + 4/16 + 16/N
    n = 256
    w = np.random.default_rng(0).normal(size=(8, n))
    q = vsquant(w, 4, vector_size=16, scale_bits=4, axis=1, channel_axis=0, gamma_storage_bits=16)
    assert q.effective_bits == 4 + 4 / 16 + 16 / n
    assert q.storage_bits == 8 * n * 4 + 8 * (n // 16) * 4 + 8 * 16
    assert q.storage_bytes == q.storage_bits // 8
    # -> 4.25 as N grows
    big = vsquant(np.ones((1, 2**14)), 4, axis=1, gamma_storage_bits=16)
    assert big.effective_bits == pytest.approx(4.25, abs=1e-3)


def test_per_channel_effective_bit_width_of_the_lecture_table():
    # per-channel INT4 with an FP16 scale: 4 + 16/N
    q = linear_quantize(np.ones((4, 64)), 4, granularity="channel", scale_storage_bits=16)
    assert q.effective_bits == 4 + 16 / 64


matrices = hnp.arrays(
    np.float64, st.tuples(st.integers(1, 4), st.sampled_from([4, 8, 16])),
    elements=st.floats(-100, 100, allow_subnormal=False).filter(
        lambda v: v == 0 or abs(v) > 1e-100),
)


@settings(max_examples=100, deadline=None)
@given(matrices, st.integers(2, 8), st.integers(1, 8), st.sampled_from([2, 4]))
def test_ceil_rule_never_saturates_and_error_is_at_most_half_a_step(x, bits, scale_bits, vsize):
    q = vsquant(x, bits, vector_size=vsize, scale_bits=scale_bits, axis=1, channel_axis=0)
    assert q.vector_scale.min() >= 1 and q.vector_scale.max() <= 2**scale_bits - 1
    assert q.codes.min() >= -(2 ** (bits - 1)) and q.codes.max() <= 2 ** (bits - 1) - 1
    err = np.abs(x - q.dequantize())
    assert np.all(err <= q.scale * (0.5 + 1e-9))
    # the largest vector of each channel gets the largest integer scale
    assert np.all(q.vector_scale.max(axis=1)
                  == np.where(np.abs(x).max(axis=1) > 0, 2**scale_bits - 1, 1))


@settings(max_examples=50, deadline=None)
@given(matrices, st.integers(2, 8))
def test_vector_scale_never_exceeds_the_channel_scale(x, bits):
    # gamma * S_q <= gamma * (2**B - 1) = the per-channel scale |r|max / qmax (lecture rule)
    q = vsquant(x, bits, vector_size=4, axis=1, channel_axis=0)
    c = linear_quantize(x, bits, granularity="channel", axis=0, narrow_range=True)
    nz = np.abs(x).max(axis=1, keepdims=True) > 0
    assert np.all((q.scale <= c.scale * (1 + 1e-12)) | ~nz)


def test_two_level_scales_beat_per_channel_on_uneven_vectors():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 64)) * np.repeat(2.0 ** rng.integers(-4, 1, size=(4, 4)), 16, axis=1)
    v = vsquant(x, 4, vector_size=16, axis=1)
    c = linear_quantize(x, 4, granularity="channel", narrow_range=True)
    assert np.linalg.norm(x - v.dequantize()) < 0.7 * np.linalg.norm(x - c.dequantize())


def test_nearest_scale_rounding_option():
    q = vsquant([[1.5, 0.3, 0.13, 0.05]], 4, vector_size=2, scale_rounding="half_even")
    # 0.13/7 / (0.1/7) = 1.3 -> 1: this vector's maximum saturates at qmax
    assert q.vector_scale.tolist() == [[15, 15, 1, 1]]
    assert q.codes[0, 2] == 7


def test_per_tensor_gamma_and_4d_layout():
    w = np.random.default_rng(4).normal(size=(2, 3, 4, 8))
    q = vsquant(w, 4, vector_size=8, axis=-1, channel_axis=None)
    assert q.gamma.shape == (1, 1, 1, 1) and q.codes.shape == w.shape
    q = vsquant(w, 4, vector_size=4, axis=3, channel_axis=0)
    assert q.gamma.shape == (2, 1, 1, 1) and q.num_scales == 2 * 3 * 4 * 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"vector_size": 3}, r"group size 3 does not divide axis 1 of length 8"),
        ({"axis": 0, "channel_axis": 0}, "name the same axis 0"),
        ({"bits": 1}, "bits must be an integer from 2 to 16, got 1"),
        ({"scale_bits": 0}, "scale_bits must be an integer from 1 to 16"),
        ({"vector_size": 0}, "vector_size must be a positive integer"),
        ({"scale_rounding": "floor"}, "scale_rounding must be one of 'ceil', 'half_even'"),
        ({"channel_axis": 5}, "channel_axis=5 is out of range"),
    ],
)
def test_bad_arguments(kwargs, match):
    args = {"bits": 4, "axis": 1, **kwargs}
    bits = args.pop("bits")
    with pytest.raises(QuantizationError, match=match):
        vsquant(np.ones((2, 8)), bits, **args)


def test_bad_data():
    with pytest.raises(QuantizationError, match="NaN"):
        vsquant([[np.nan, 1.0]], 4, vector_size=2, channel_axis=None)
    with pytest.raises(QuantizationError, match="empty"):
        vsquant(np.ones((0, 16)), 4)


def test_all_zero_channel_has_finite_scales():
    x = np.zeros((2, 4))
    x[1] = [1, -2, 3, 0.5]
    q = vsquant(x, 4, vector_size=2, axis=1)
    assert np.all(np.isfinite(q.scale)) and np.all(q.codes[0] == 0)
