"""Linear quantization: the lecture's numbers, onnxruntime's QuantizeLinear, properties, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hwgen.errors import QuantizationError
from hwgen.quant import LinearQuantized, code_range, linear_quantize

# ---------------------------------------------------------------- the lecture's 4x4 example
# The lecture prints two decimals, so figures are compared to within half a unit (0.005).


def test_lecture_per_tensor(lecture_w):
    q = linear_quantize(lecture_w, 2, symmetric=True, narrow_range=True)
    assert float(q.scale) == pytest.approx(2.12, abs=0.005)
    lecture_codes = [[1, 0, 1, 0], [0, 0, -1, 1], [0, 1, 0, 0], [1, 0, 1, 1]]
    assert q.codes.tolist() == lecture_codes
    lecture_diff = [[-0.03, -0.98, -0.64, 0.09], [0.05, -0.14, 1.04, 0], [-0.91, -0.2, 0, -1.03],
                    [-0.25, 0, -0.59, -0.63]]
    np.testing.assert_allclose(lecture_w - q.dequantize(), lecture_diff, atol=0.005)
    assert np.linalg.norm(lecture_w - q.dequantize()) == pytest.approx(2.28, abs=0.005)


def test_lecture_per_channel(lecture_w):
    q = linear_quantize(lecture_w, 2, symmetric=True, narrow_range=True, granularity="channel",
                        axis=0)
    assert q.scale.shape == (4, 1)
    np.testing.assert_allclose(q.scale.ravel(), [2.09, 2.12, 1.92, 1.87], atol=0.005)
    # the lecture's reconstruction; its code table shows 0 at [2, 3] but -1.03 / 1.92 = -0.54
    # rounds to -1, which its reconstruction (-1.92) agrees with
    lecture_recon = [[2.09, 0, 2.09, 0], [0, 0, -2.12, 2.12], [0, 1.92, 0, -1.92],
                     [1.87, 0, 1.87, 1.87]]
    np.testing.assert_allclose(q.dequantize(), lecture_recon, atol=0.005)
    assert np.linalg.norm(lecture_w - q.dequantize()) == pytest.approx(2.08, abs=0.005)


def test_hand_computed_asymmetric_uint8():
    # S = 4/255, Z = 64; x/S = -63.75, 0, 31.875, 191.25 -> -64, 0, 32, 191 (+64)
    q = linear_quantize([-1.0, 0.0, 0.5, 3.0], 8, signed=False, symmetric=False)
    assert q.codes.tolist() == [0, 64, 96, 255]
    assert int(q.zero_point) == 64


def test_result_layout():
    x = np.arange(24, dtype=float).reshape(2, 3, 4) - 11
    t = linear_quantize(x, 8)
    c = linear_quantize(x, 8, granularity="channel", axis=1)
    g = linear_quantize(x, 8, granularity="group:2", axis=2)
    assert t.scale.shape == () and c.scale.shape == (1, 3, 1) and g.scale.shape == (2, 3, 4)
    for q in (t, c, g):
        assert isinstance(q, LinearQuantized)
        assert q.codes.dtype == np.int64 and q.codes.shape == x.shape
        assert q.dequantize().dtype == np.float64
        assert not q.codes.flags.writeable
    assert (t.num_scales, c.num_scales, g.num_scales) == (1, 3, 12)
    assert g.granularity == "group:2" and g.axis == 2 and c.axis == 1 and t.axis is None
    # the two scales of a group are the same value repeated along the axis
    assert np.array_equal(g.scale[..., 0], g.scale[..., 1])


def test_negative_axis_is_normalised():
    x = np.arange(12.0).reshape(3, 4)
    a = linear_quantize(x, 4, granularity="channel", axis=-1)
    b = linear_quantize(x, 4, granularity="channel", axis=1)
    assert a.axis == 1 and np.array_equal(a.scale, b.scale)


# ---------------------------------------------------------------- storage accounting


def test_storage_hand_computed():
    x = np.linspace(-1, 1, 16).reshape(4, 4)
    t = linear_quantize(x, 4)  # 16*4 + 1*32 = 96 bits
    assert (t.storage_bits, t.storage_bytes, t.effective_bits) == (96, 12, 6.0)
    c = linear_quantize(x, 4, granularity="channel")  # 64 + 4*32 = 192
    assert (c.storage_bits, c.storage_bytes) == (192, 24)
    a = linear_quantize(x, 4, granularity="channel", symmetric=False)  # + 4 zero points * 4 bits
    assert a.storage_bits == 208
    h = linear_quantize(x, 4, granularity="channel", scale_storage_bits=16)  # FP16 scales: 4 + 16/4
    assert h.effective_bits == 8.0
    g = linear_quantize(np.ones((2, 7)), 3)  # 14*3 + 32 = 74 bits -> 10 bytes (rounded up)
    assert g.storage_bytes == 10


# ---------------------------------------------------------------- onnxruntime QuantizeLinear
# Power-of-two scales make x / S exact in float32 and float64 alike, so codes must be equal,
# including the exact ties (k + 1/2) S that test half-to-even rounding, and saturated values.


def _data_with_ties(rng, shape, s):
    x = rng.normal(0, 60 * s, size=shape)
    # exact ties, some beyond range
    x.flat[::3] = (rng.integers(-200, 200, size=x.flat[::3].shape) + 0.5) * s
    return x.astype(np.float32)


def test_per_tensor_codes_equal_onnxruntime(ort_quantize_linear):
    rng = np.random.default_rng(0)
    s = 2.0**-5
    x = _data_with_ties(rng, (8, 16), s)
    q = linear_quantize(x, 8, signed=False, symmetric=False, rmin=-64 * s, rmax=191 * s)
    assert float(q.scale) == s and int(q.zero_point) == 64
    ort = ort_quantize_linear(x, np.array(s), np.array(64, dtype=np.uint8), None)
    assert np.array_equal(q.codes, ort)
    q = linear_quantize(x, 8, signed=True, symmetric=True, narrow_range=True, rmin=-127 * s,
                        rmax=127 * s)
    ort = ort_quantize_linear(x, np.array(s), np.array(0, dtype=np.int8), None)
    # narrow range clips at -127 where QuantizeLinear's int8 clips at -128
    assert np.array_equal(q.codes, np.maximum(ort, -127))


def test_per_channel_codes_equal_onnxruntime(ort_quantize_linear):
    rng = np.random.default_rng(1)
    scales = 2.0 ** np.array([-6, -4, -3, -7])
    x = np.concatenate([_data_with_ties(rng, (1, 5, 6), s) for s in scales])
    q = linear_quantize(x, 8, signed=True, symmetric=False, granularity="channel", axis=0,
                        rmin=-128 * scales, rmax=127 * scales)
    np.testing.assert_array_equal(q.scale.ravel(), scales)
    ort = ort_quantize_linear(x, scales, np.zeros(4, dtype=np.int8), 0)
    assert np.array_equal(q.codes, ort)


# ---------------------------------------------------------------- properties

formats = st.tuples(
    st.integers(min_value=1, max_value=16), st.booleans(), st.booleans(), st.booleans()
).filter(lambda f: not f[3] or (f[1] and f[0] >= 2))
# zero or at least 1e-100 in magnitude: ranges below float64's smallest normal times the code
# span are degenerate (scale 1.0 by onnxruntime's rule), which the scale comparison excludes
values = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False).filter(
    lambda v: v == 0 or abs(v) > 1e-100
)
matrices = hnp.arrays(np.float64,
                      hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=8),
                      elements=values)
granularities = st.sampled_from(["tensor", "channel", "group:1"])


@settings(max_examples=200, deadline=None)
@given(matrices, formats, granularities, st.sampled_from(["half_even", "half_away"]),
       st.integers(0, 1))
def test_round_trip_error_at_most_half_a_step(x, fmt, gran, rounding, axis):
    # Every value of the data range is within S/2 of a code (the top one may saturate by at most
    # S/2 because the zero point is rounded); 1e-9 relative slack covers float64 division.
    bits, signed, symmetric, narrow = fmt
    q = linear_quantize(x, bits, signed=signed, symmetric=symmetric, narrow_range=narrow,
                        granularity=gran, axis=axis, rounding=rounding)
    err = np.abs(x - q.dequantize())
    assert np.all(err <= np.broadcast_to(q.scale, x.shape) * (0.5 + 1e-9))
    qmin, qmax = code_range(bits, signed=signed, narrow_range=narrow)
    assert q.codes.min() >= qmin and q.codes.max() <= qmax


@settings(max_examples=100, deadline=None)
@given(matrices, formats, st.floats(-100, 100), st.floats(0, 100))
def test_round_trip_inside_an_overridden_range(x, fmt, lo, width):
    bits, signed, symmetric, narrow = fmt
    hi = lo + width
    q = linear_quantize(x, bits, signed=signed, symmetric=symmetric, narrow_range=narrow,
                        rmin=lo, rmax=hi)
    inside = (x >= lo) & (x <= hi)
    err = np.abs(x - q.dequantize())[inside]
    assert np.all(err <= float(q.scale) * (0.5 + 1e-9))


@settings(max_examples=150, deadline=None)
@given(matrices, formats)
def test_finer_granularity_never_has_a_larger_scale(x, fmt):
    # The guaranteed worst-case error S/2 never grows with finer granularity: per-group scales
    # <= per-channel scales (channels on axis 0, groups along axis 1) <= the per-tensor scale.
    bits, signed, symmetric, narrow = fmt
    kw = dict(signed=signed, symmetric=symmetric, narrow_range=narrow)
    t = linear_quantize(x, bits, **kw)
    c = linear_quantize(x, bits, granularity="channel", axis=0, **kw)
    g = linear_quantize(x, bits, granularity="group:1", axis=1, **kw)
    # all-zero rows get scale 1 (onnxruntime rule)
    nonzero = np.abs(x).max(axis=1, keepdims=True) > 0
    assert np.all((c.scale <= t.scale) | ~nonzero)
    assert np.all((g.scale <= c.scale) | (np.abs(x) == 0) | ~nonzero)


@st.composite
def nested_grids(draw):
    """A matrix whose channel maxima are power-of-two fractions of the tensor maximum, and whose
    groups' maxima are power-of-two fractions of their channel's maximum."""
    rows = draw(st.integers(1, 5))
    groups = draw(st.integers(1, 3))
    size = draw(st.integers(1, 4))
    unit = hnp.arrays(np.float64, (rows, groups, size),
                      elements=st.floats(-1, 1, allow_subnormal=False))
    u = draw(unit)
    u[:, :, 0] = draw(hnp.arrays(np.float64, (rows, groups), elements=st.sampled_from([-1.0, 1.0])))
    group_exp = draw(hnp.arrays(np.int64, (rows, groups), elements=st.integers(0, 4)))
    group_exp[:, 0] = 0
    row_exp = draw(hnp.arrays(np.int64, (rows,), elements=st.integers(0, 4)))
    row_exp[0] = 0
    x = u * 2.0 ** -(group_exp[:, :, None] + row_exp[:, None, None])
    return x.reshape(rows, groups * size), size


@settings(max_examples=200, deadline=None)
@given(nested_grids(), st.integers(2, 8), st.booleans())
def test_finer_granularity_error_on_nested_grids(data, bits, narrow):
    # When every coarse scale is a power-of-two multiple of the finer one, the coarse grid is a
    # subset of the fine grid, so the fine error is no larger *for every element*. The grids are
    # nested exactly; only an exact tie (error S/2 both ways) can differ by float rounding, hence
    # the slack of 1e-12 of the coarse scale.
    x, size = data
    kw = dict(signed=True, symmetric=True, narrow_range=narrow)
    t = linear_quantize(x, bits, **kw)
    c = linear_quantize(x, bits, granularity="channel", axis=0, **kw)
    g = linear_quantize(x, bits, granularity=f"group:{size}", axis=1, **kw)
    et, ec, eg = (np.abs(x - q.dequantize()) for q in (t, c, g))
    assert np.all(ec <= et + 1e-12 * t.scale)
    assert np.all(eg <= ec + 1e-12 * c.scale)


def test_realised_error_is_not_monotone_in_general():
    # Pinned counterexample: [[7, 0], [3, 1]] at 4 bits (codes -7..7): the per-tensor scale is 1
    # and represents every value exactly; the second row's own scale 3/7 cannot represent 1
    # (1 / (3/7) = 2.33 -> 2 -> 0.857). Finer granularity guarantees a smaller *bound* (S/2),
    # and on nested grids a smaller error, but not a smaller error for every tensor.
    x = np.array([[7.0, 0.0], [3.0, 1.0]])
    t = linear_quantize(x, 4, narrow_range=True)
    c = linear_quantize(x, 4, narrow_range=True, granularity="channel", axis=0)
    assert np.linalg.norm(x - t.dequantize()) == 0.0
    assert np.linalg.norm(x - c.dequantize()) == pytest.approx(1 - 6 / 7)


def test_per_channel_beats_per_tensor_on_outlier_channels():
    # the lecture's motivation: channels whose ranges differ by >100x. The widest channel has the
    # same scale either way; every narrower one is quantized far better with its own scale.
    rng = np.random.default_rng(5)
    w = rng.normal(size=(8, 64)) * (10.0 ** np.arange(-2, 2, 0.5))[:, None]
    t = linear_quantize(w, 4)
    c = linear_quantize(w, 4, granularity="channel")
    et = np.linalg.norm(w - t.dequantize(), axis=1)
    ec = np.linalg.norm(w - c.dequantize(), axis=1)
    assert ec[-1] == et[-1]
    assert np.all(ec[:-1] < 0.5 * et[:-1])


@pytest.mark.parametrize("bits", range(1, 17))
def test_every_width_from_1_to_16(bits):
    x = np.linspace(-3, 5, 50)
    q = linear_quantize(x, bits, symmetric=False)
    qmin, qmax = code_range(bits, signed=True)
    assert q.codes.min() == qmin and q.codes.max() == qmax


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "x, kwargs, match",
    [
        ([], {}, r"x is empty \(shape \(0,\)\)"),
        ([1.0, np.nan], {}, r"x contains 1 NaN and 0 Inf values \(first at index \(1,\)\)"),
        ([[np.inf, 1.0]], {}, r"x contains 0 NaN and 1 Inf values \(first at index \(0, 0\)\)"),
        ([1.0], {"bits": 0}, "bits must be an integer from 1 to 16, got 0"),
        ([1.0], {"bits": 17}, "bits must be an integer from 1 to 16, got 17"),
        ([1.0], {"granularity": "row"},
         "unknown granularity 'row'; use 'tensor', 'channel' or 'group:N'"),
        ([1.0], {"granularity": "group:0"}, "unknown granularity 'group:0'"),
        ([1.0], {"granularity": "group:x"}, "unknown granularity"),
        (np.ones((2, 6)), {"granularity": "group:4", "axis": 1},
         r"group size 4 does not divide axis 1 of length 6 \(shape \(2, 6\)\); "
         r"pick one of 1, 2, 3, 6"),
        (np.ones((2, 3)), {"granularity": "channel", "axis": 2},
         "axis=2 is out of range for an array of rank 2; use -2..1"),
        ([1.0], {"rounding": "up"}, "rounding must be one of 'half_even', 'half_away', got 'up'"),
        ([1.0], {"overflow": "wrap"}, "overflow must be one of 'saturate', 'error'"),
        ([1.0, 2.0], {"rmin": 3.0, "rmax": 1.0}, r"rmin > rmax"),
        ([1.0, 2.0], {"rmax": np.nan}, "rmax contains 1 NaN"),
        (np.ones((3, 2)), {"granularity": "channel", "rmin": [0.0, 0.0]},
         "does not broadcast to the channel range shape"),
        ([1.0, 5.0], {"rmax": 2.0, "overflow": "error"},
         r"1 value\(s\) fall outside the code range \[-128, 127\]"),
        (["a"], {}, "x must be a numeric array"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(x, kwargs, match):
    args = {"bits": 8, **kwargs}
    bits = args.pop("bits")
    with pytest.raises(QuantizationError, match=match):
        linear_quantize(x, bits, **args)


def test_constant_tensor_gets_a_finite_scale():
    # a constant is not an error for weights (the range is widened to 0); all zeros -> scale 1
    for value in (0.0, 0.5, -3.0):
        q = linear_quantize(np.full((3, 3), value), 8, granularity="channel")
        assert np.all(np.isfinite(q.scale)) and np.all(q.scale > 0)
        assert np.all(np.abs(q.dequantize() - value) <= q.scale / 2 + 1e-12)


def test_per_channel_override_as_a_list():
    x = np.array([[0.1, 0.2], [1.0, 2.0], [3.0, -3.0]])
    q = linear_quantize(x, 8, granularity="channel", axis=0, rmin=[-1, -2, -4], rmax=[1, 2, 4])
    np.testing.assert_allclose(q.scale.ravel(), np.array([2, 4, 8]) / 255)
