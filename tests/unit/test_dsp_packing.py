"""The packed two-products-per-multiplier arithmetic, exhaustively for 8-bit codes."""

import numpy as np
import pytest

from hwgen.hw.arith.dsp_packing import packable, packed_pair_numpy

CODES = np.arange(-128, 128)


@pytest.mark.parametrize("x_codes", [np.arange(-128, 128), np.arange(0, 256)],
                         ids=["int8", "uint8"])
def test_every_8bit_triple_gives_both_products(x_codes):
    # Every input code times every pair of signed 8-bit weights: 2**24 triples per signedness.
    x, w0 = np.meshgrid(x_codes, CODES, indexing="ij")
    for w1 in CODES:
        low, high, borrow = packed_pair_numpy(x, w0, np.full_like(x, w1))
        np.testing.assert_array_equal(low, x * w0)
        np.testing.assert_array_equal(high + borrow, x * w1)
        assert set(np.unique(borrow)) <= {0, 1}


def test_packed_operand_is_the_sum_and_fits_a_dsp48e2():
    w0, w1 = np.meshgrid(CODES, CODES, indexing="ij")
    sign = (w0 < 0).astype(np.int64)
    operand = ((w1 - sign) << 18) | (w0 & ((1 << 18) - 1))
    np.testing.assert_array_equal(operand, w1 * 2 ** 18 + w0)
    assert operand.min() >= -(1 << 26) and operand.max() < 1 << 26     # 27-bit A port
    # The input code, an unsigned 8-bit one with its sign bit, fits the 18-bit B port.
    assert 255 < 1 << 17


def test_a_wider_low_product_breaks_the_packing():
    # |x * w0| >= 2**17 no longer fits the 18-bit low field: why operands stop at 8 bits.
    low, high, borrow = packed_pair_numpy(np.array([1023]), np.array([-512]), np.array([3]))
    assert low[0] != 1023 * -512


@pytest.mark.parametrize(("weight_bits", "input_bits", "product_bits", "want"), [
    (8, 8, 16, True), (4, 8, 12, True), (8, 8, 17, True),
    (2, 4, 6, False),        # a LUT multiply in Yosys: packing would add a DSP
    (4, 4, 8, False),
    (9, 8, 17, False),       # the packed operand would not fit 27 bits
    (8, 9, 17, False),
    (1, 8, 9, False),
])
def test_packable(weight_bits, input_bits, product_bits, want):
    assert packable(weight_bits, input_bits, product_bits) is want
