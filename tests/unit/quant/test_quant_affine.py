"""Code ranges and scale / zero point, checked against onnxruntime's compute_scale_zp."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hwgen.errors import QuantizationError
from hwgen.quant import code_range, scale_zero_point

ort_utils = pytest.importorskip("onnxruntime.quantization.quant_utils")


@pytest.mark.parametrize("bits, expected",
                         [(2, (-2, 1)), (3, (-4, 3)), (4, (-8, 7)), (8, (-128, 127))])
def test_signed_code_ranges_of_the_lecture(bits, expected):
    assert code_range(bits, signed=True) == expected


def test_unsigned_and_narrow_code_ranges():
    assert code_range(8, signed=False) == (0, 255)
    assert code_range(8, signed=True, narrow_range=True) == (-127, 127)
    assert code_range(16, signed=True) == (-32768, 32767)
    assert code_range(1, signed=True) == (-1, 0)


def _ort(rmin, rmax, qmin, qmax, symmetric, dtype):
    zp, scale = ort_utils.compute_scale_zp(
        np.array(rmin, dtype=dtype), np.array(rmax, dtype=dtype),
        np.array(qmin, dtype=np.int64), np.array(qmax, dtype=np.int64), symmetric=symmetric,
    )
    return scale, int(zp)


ends = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
formats = st.tuples(
    st.integers(min_value=1, max_value=16), st.booleans(), st.booleans(), st.booleans()
).filter(lambda f: not f[3] or (f[1] and f[0] >= 2))  # narrow_range needs signed and >= 2 bits


@settings(max_examples=300, deadline=None)
@given(ends, ends, formats)
def test_equals_onnxruntime_in_float64(a, b, fmt):
    # Same float64 arithmetic in the same order, so the tolerance is zero.
    bits, signed, symmetric, narrow = fmt
    rmin, rmax = min(a, b), max(a, b)
    qmin, qmax = code_range(bits, signed=signed, narrow_range=narrow)
    scale, zp = scale_zero_point(rmin, rmax, bits=bits, signed=signed, symmetric=symmetric,
                                 narrow_range=narrow)
    ort_scale, ort_zp = _ort(rmin, rmax, qmin, qmax, symmetric, np.float64)
    assert float(scale) == float(ort_scale)
    assert int(zp) == ort_zp
    assert qmin <= int(zp) <= qmax


@settings(max_examples=200, deadline=None)
@given(ends, ends, formats)
def test_equals_onnxruntime_in_float32(a, b, fmt):
    # onnxruntime returns the float64 scale rounded to float32 (and computes Z with the float64
    # one); hwgen keeps float64, so the float32 rounding of ours must equal onnxruntime's exactly.
    bits, signed, symmetric, narrow = fmt
    rmin, rmax = np.float32(min(a, b)), np.float32(max(a, b))
    qmin, qmax = code_range(bits, signed=signed, narrow_range=narrow)
    scale, zp = scale_zero_point(rmin, rmax, bits=bits, signed=signed, symmetric=symmetric,
                                 narrow_range=narrow)
    ort_scale, ort_zp = _ort(rmin, rmax, qmin, qmax, symmetric, np.float32)
    assert np.float32(scale) == ort_scale
    assert int(zp) == ort_zp


def test_zero_range_gives_scale_one_like_onnxruntime():
    for symmetric in (False, True):
        for signed in (False, True):
            scale, zp = scale_zero_point(0.0, 0.0, bits=8, signed=signed, symmetric=symmetric)
            assert float(scale) == 1.0 and int(zp) == 0
            assert _ort(0.0, 0.0, *code_range(8, signed=signed), symmetric, np.float64) == (1.0, 0)


def test_symmetric_zero_points_are_the_code_midpoint():
    # onnxruntime's documented values: 0, 128, 0, 32768 for int8, uint8, int16, uint16
    got = [int(scale_zero_point(-1.0, 2.0, bits=b, signed=s, symmetric=True)[1]) for b, s in
           [(8, True), (8, False), (16, True), (16, False)]]
    assert got == [0, 128, 0, 32768]


def test_range_is_widened_to_contain_zero():
    # [2, 4] quantizes like [0, 4]: S = 4 / 255, Z = 0 (hand computed)
    scale, zp = scale_zero_point(2.0, 4.0, bits=8, signed=False, symmetric=False)
    assert float(scale) == 4.0 / 255 and int(zp) == 0


def test_asymmetric_hand_example():
    # rmin = -1, rmax = 3, uint8: S = 4/255, Z = round(0 + 1 / S) = round(63.75) = 64
    scale, zp = scale_zero_point(-1.0, 3.0, bits=8, signed=False, symmetric=False)
    assert float(scale) == 4.0 / 255 and int(zp) == 64


def test_lecture_symmetric_rule_is_narrow_range():
    # lecture: S = |r|max / qmax = 2.12 / 1 at 2 bits
    scale, zp = scale_zero_point(-1.08, 2.12, bits=2, signed=True, symmetric=True,
                                 narrow_range=True)
    assert float(scale) == pytest.approx(2.12, abs=1e-15) and int(zp) == 0


def test_vectorised_over_channels_equals_scalar_calls():
    rng = np.random.default_rng(3)
    lo = -np.abs(rng.normal(size=7)) * 3
    hi = np.abs(rng.normal(size=7)) * 5
    lo[2] = hi[2] = 0.0
    scale, zp = scale_zero_point(lo, hi, bits=4, signed=False, symmetric=False)
    assert scale.shape == zp.shape == (7,)
    for i in range(7):
        s, z = scale_zero_point(lo[i], hi[i], bits=4, signed=False, symmetric=False)
        assert scale[i] == float(s) and zp[i] == int(z)
    assert scale.dtype == np.float64 and zp.dtype == np.int64


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"bits": 0}, "bits must be an integer from 1 to 16, got 0"),
        ({"bits": 17}, "bits must be an integer from 1 to 16, got 17"),
        ({"bits": 2.0}, "bits must be an integer"),
        ({"bits": True}, "bits must be an integer"),
        ({"bits": 8, "narrow_range": True, "signed": False}, "needs signed=True"),
        ({"bits": 1, "narrow_range": True}, "needs bits >= 2"),
        ({"bits": 8, "signed": 1}, "signed must be True or False"),
    ],
)
def test_bad_formats(kwargs, match):
    args = {"signed": True, "symmetric": False, **kwargs}
    with pytest.raises(QuantizationError, match=match):
        scale_zero_point(-1.0, 1.0, **args)


@pytest.mark.parametrize(
    "rmin, rmax, match",
    [
        (1.0, -1.0, r"rmin > rmax at index \(\) \(1.0 > -1.0\)"),
        (np.nan, 1.0, "rmin contains 1 NaN"),
        (0.0, np.inf, "rmax contains 0 NaN and 1 Inf"),
        (-1e308, 1e308, "too wide"),
        ([0.0, 0.0], [1.0, 1.0, 1.0], "do not broadcast"),
    ],
)
def test_bad_ranges(rmin, rmax, match):
    with pytest.raises(QuantizationError, match=match):
        scale_zero_point(rmin, rmax, bits=8, signed=True, symmetric=False)


@settings(max_examples=100, deadline=None)
@given(ends, ends, formats)
def test_scale_is_positive_and_finite(a, b, fmt):
    bits, signed, symmetric, narrow = fmt
    assume(a != b or a == 0)
    scale, zp = scale_zero_point(min(a, b), max(a, b), bits=bits, signed=signed,
                                 symmetric=symmetric, narrow_range=narrow)
    assert np.isfinite(scale) and scale > 0
