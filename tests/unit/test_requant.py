"""Golden requantization against straightforward references of the gemmlowp formulas."""

from fractions import Fraction

import numpy as np
import pytest

from hwgen.golden.requant import (
    INT32_MAX,
    INT32_MIN,
    requantize,
    rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
)
from hwgen.ir.rules import RequantRounding
from hwgen.quant.multiplier import quantize_multiplier
from tests.fixtures.requant_reference import (
    ref_quantize_multiplier,
    ref_rdivpot,
    ref_requant,
    ref_srdhm,
    round_half_up,
)

EDGE = [0, 1, -1, 2, -2, 3, -3, (1 << 30), -(1 << 30), (1 << 30) + 1, INT32_MAX, INT32_MIN,
        INT32_MIN + 1, INT32_MAX - 1, 12345, -12345, (1 << 16) + (1 << 15), -(1 << 15)]


def test_srdhm_edges_and_random():
    rng = np.random.default_rng(0)
    a = EDGE + rng.integers(INT32_MIN, INT32_MAX, 400, endpoint=True).tolist()
    b = [INT32_MIN, INT32_MAX, 1 << 30, (1 << 31) - 1, 1, 0, -1] + \
        rng.integers(INT32_MIN, INT32_MAX, 60, endpoint=True).tolist()
    aa, bb = np.meshgrid(np.array(a), np.array(b))
    got = saturating_rounding_doubling_high_mul(aa, bb)
    want = np.vectorize(ref_srdhm, otypes=[object])(aa, bb).astype(np.int64)
    np.testing.assert_array_equal(got, want)
    assert saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX


def test_srdhm_is_round_to_nearest_ties_up():
    # The nudge 1 - 2**30 for negative products makes SRDHM round ties toward +infinity,
    # not away from zero: -0.5 -> 0 and -1.5 -> -1.
    assert saturating_rounding_doubling_high_mul(1 << 15, 1 << 15) == 1
    assert saturating_rounding_doubling_high_mul(-(1 << 15), 1 << 15) == 0
    assert saturating_rounding_doubling_high_mul(3 << 15, 1 << 15) == 2
    assert saturating_rounding_doubling_high_mul(-(3 << 15), 1 << 15) == -1
    rng = np.random.default_rng(7)
    a = rng.integers(INT32_MIN + 1, INT32_MAX, 2000, endpoint=True)
    b = rng.integers(INT32_MIN + 1, INT32_MAX, 2000, endpoint=True)
    got = saturating_rounding_doubling_high_mul(a, b)
    want = [round_half_up(Fraction(int(x) * int(y), 1 << 31)) for x, y in zip(a, b, strict=True)]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("exponent", list(range(0, 32)))
def test_rdivpot_matches_reference(exponent):
    rng = np.random.default_rng(exponent)
    xs = np.array(EDGE + rng.integers(INT32_MIN, INT32_MAX, 300, endpoint=True).tolist()
                  + [k * (1 << exponent) + (1 << exponent) // 2 * s
                     for k in (-3, -1, 0, 1, 5) for s in (-1, 1)])
    xs = xs[(xs >= INT32_MIN) & (xs <= INT32_MAX)]
    got = rounding_divide_by_pot(xs, exponent)
    want = [ref_rdivpot(int(x), exponent) for x in xs]
    np.testing.assert_array_equal(got, want)


def test_rdivpot_ties():
    assert rounding_divide_by_pot(5, 1) == 3
    assert rounding_divide_by_pot(-5, 1) == -3
    assert rounding_divide_by_pot(6, 2) == 2
    assert rounding_divide_by_pot(-6, 2) == -2
    assert rounding_divide_by_pot(-7, 2) == -2


def test_quantize_multiplier_reference_and_accuracy():
    rng = np.random.default_rng(1)
    ms = np.concatenate([10.0 ** rng.uniform(-12, 1, 500),
                         [0.0, 0.5, 0.25, 1.0, 1 - 2.0 ** -40, 2.0 ** -31, 2.0 ** -33, 3.0]])
    qm, shift = quantize_multiplier(ms)
    for m, a, s in zip(ms, qm, shift, strict=True):
        assert (int(a), int(s)) == ref_quantize_multiplier(float(m))
        if a:
            assert (1 << 30) <= a < (1 << 31)
            approx = Fraction(int(a)) * Fraction(2) ** (int(s) - 31)
            assert abs(approx - Fraction(float(m))) <= Fraction(2) ** (int(s) - 32)


def test_quantize_multiplier_rejects_bad_values():
    from hwgen.errors import QuantizationError
    for bad in (-1.0, float("nan"), float("inf"), 2.0 ** 31):
        with pytest.raises(QuantizationError):
            quantize_multiplier(bad)


@pytest.mark.parametrize("rounding", ["gemmlowp", "single", "single_even"])
def test_requantize_matches_reference(rounding):
    rng = np.random.default_rng(2)
    m = 10.0 ** rng.uniform(-6, -0.5, 300)
    qm, shift = quantize_multiplier(m)
    acc = rng.integers(-(1 << 24), 1 << 24, 300)
    got = requantize(acc, qm, shift, RequantRounding(rounding))
    want = [ref_requant(int(a), int(q), int(s), rounding)
            for a, q, s in zip(acc, qm, shift, strict=True)]
    np.testing.assert_array_equal(got, want)


def test_requantize_left_shift_and_overflow_guard():
    qm, shift = quantize_multiplier(np.array([3.0]))
    assert shift[0] == 2
    assert requantize(np.array([1000]), qm, shift, "gemmlowp")[0] == 3000
    with pytest.raises(OverflowError):
        requantize(np.array([1 << 30]), qm, shift, "gemmlowp")


def test_single_even_rounds_ties_to_even():
    qm, shift = quantize_multiplier(np.full(8, 0.25))
    acc = np.array([2, 6, 10, -2, -6, 5, -5, 7])           # /4: .5 1.5 2.5 -.5 -1.5 ...
    np.testing.assert_array_equal(requantize(acc, qm, shift, "single_even"),
                                  [0, 2, 2, 0, -2, 1, -1, 2])
    np.testing.assert_array_equal(requantize(acc, qm, shift, "single"),
                                  [1, 2, 3, 0, -1, 1, -1, 2])


def test_double_and_single_rounding_differ_somewhere():
    # The two named rules are not the same function: find inputs where they disagree.
    rng = np.random.default_rng(3)
    qm, shift = quantize_multiplier(np.full(20000, 0.0123456))
    acc = rng.integers(-(1 << 20), 1 << 20, 20000)
    a = requantize(acc, qm, shift, "gemmlowp")
    b = requantize(acc, qm, shift, "single")
    assert np.any(a != b)
    assert np.max(np.abs(a - b)) == 1
