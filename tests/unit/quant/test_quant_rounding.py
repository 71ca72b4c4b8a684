"""Rounding rules: named ties, stochastic rounding, errors."""

from __future__ import annotations

import decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwgen.errors import QuantizationError
from hwgen.quant import ROUNDING_RULES, round_to_int, stochastic_round

TIES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]


def test_rules_are_named():
    assert ROUNDING_RULES == ("half_even", "half_away")


def test_half_even_ties_go_to_even():
    assert round_to_int(TIES, "half_even").tolist() == [-2, -2, 0, 0, 2, 2]


def test_half_away_ties_go_away_from_zero():
    assert round_to_int(TIES, "half_away").tolist() == [-3, -2, -1, 1, 2, 3]


def test_default_rule_is_half_even():
    assert round_to_int(TIES).tolist() == round_to_int(TIES, "half_even").tolist()


def test_half_away_is_not_fooled_by_the_float_below_one_half():
    # 0.49999999999999994 + 0.5 == 1.0 in float64, so floor(x + 0.5) would give 1
    below_half = np.nextafter(0.5, 0.0)
    assert round_to_int([below_half, -below_half, 2.4999999999999996],
                        "half_away").tolist() == [0, 0, 2]


def test_result_is_int64_with_the_input_shape():
    out = round_to_int(np.zeros((2, 3)))
    assert out.dtype == np.int64 and out.shape == (2, 3)


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
# values with exact ties: k / 2
halves = st.integers(min_value=-(10**6), max_value=10**6).map(lambda k: k / 2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(finite, halves), min_size=1, max_size=20))
def test_rounding_matches_decimal(values):
    # Python's decimal module is an independent oracle: Decimal(float) is exact.
    rules = {"half_even": decimal.ROUND_HALF_EVEN, "half_away": decimal.ROUND_HALF_UP}
    for rule, mode in rules.items():
        expected = [int(decimal.Decimal(v).quantize(decimal.Decimal(1), rounding=mode))
                    for v in values]
        assert round_to_int(values, rule).tolist() == expected


def test_stochastic_round_is_seeded_and_only_floor_or_ceil():
    x = np.linspace(-3.0, 3.0, 101)
    a = stochastic_round(x, 7)
    assert np.array_equal(a, stochastic_round(x, 7))
    assert np.all((a == np.floor(x)) | (a == np.ceil(x)))
    assert a.dtype == np.int64


def test_stochastic_round_keeps_integers():
    x = np.arange(-5.0, 6.0)
    assert np.array_equal(stochastic_round(x, np.random.default_rng(0)), x.astype(np.int64))


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=-50, max_value=50, allow_nan=False),
       st.integers(min_value=0, max_value=2**32 - 1))
def test_stochastic_round_is_unbiased(value, seed):
    # mean of n draws has standard deviation sqrt(f (1 - f) / n) <= 0.5 / sqrt(n); 6 sigma fails
    # with probability ~2e-9 per example
    n = 20000
    draws = stochastic_round(np.full(n, value), seed)
    frac = value - np.floor(value)
    sigma = np.sqrt(frac * (1 - frac) / n)
    assert abs(draws.mean() - value) <= 6 * sigma + 1e-12


def test_stochastic_round_refuses_unseeded():
    with pytest.raises(QuantizationError, match="seeded"):
        stochastic_round([0.5], None)


@pytest.mark.parametrize("bad", [[np.nan], [1.0, np.inf], [-np.inf]])
def test_round_refuses_nan_and_inf(bad):
    with pytest.raises(QuantizationError, match="NaN|Inf"):
        round_to_int(bad)


def test_round_refuses_unknown_rule():
    with pytest.raises(QuantizationError, match="'half_even', 'half_away'"):
        round_to_int([0.5], "nearest")


def test_round_refuses_values_beyond_int_precision():
    with pytest.raises(QuantizationError, match="2\\*\\*53"):
        round_to_int([1e300])
