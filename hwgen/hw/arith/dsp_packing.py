"""Two products sharing one operand in one multiplier (AMD WP486 INT8 packing).

For an input code ``x`` shared by two PEs with weights ``w0`` and ``w1``, one multiply

    P = x * (w1 * 2**18 + w0) = x*w1 * 2**18 + x*w0

gives both products when ``|x*w0| < 2**17``: the low 18 bits of ``P``, read as a signed
number, are ``x*w0``, and ``x*w1 = (P >> 18) + P[17]`` (``P >> 18`` is one less when the low
product is negative: the borrow). The packed operand is at most ``8 + 19 = 27`` bits and
``x`` at most 9 (an unsigned 8-bit code gains a sign bit): one DSP48E2 (27 x 18). The
adder trees add the borrow bits ``P[17]`` as 1-bit terms, so no per-product correction adder
is needed.

The packed operand is built without a wide adder: ``w1 * 2**18 + w0 = (w1 - s) * 2**18 +
(w0 mod 2**18)`` with ``s`` the sign bit of ``w0``, i.e. ``w0`` sign-extended to 18 bits
under ``w1 - s``.
"""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Cat, Value

__all__ = ["LOW_BITS", "MAX_OPERAND_BITS", "PRODUCT_MIN_BITS", "packable", "packed_pair",
           "packed_operand", "packed_products", "packed_pair_numpy"]

#: Bits of the low product's field.
LOW_BITS = 18
#: Widest weight and input codes the packing takes (their product stays below 2**17).
MAX_OPERAND_BITS = 8
#: Yosys maps a multiply to a DSP48E2 only when its product has at least this many bits
#: (``DSP_Y_MINWIDTH`` of ``synth_xilinx``); narrower ones become LUTs, so packing them
#: would add DSPs instead of saving them.
PRODUCT_MIN_BITS = 9


def packable(weight_bits: int, input_bits: int, product_bits: int) -> bool:
    """Whether two products of these codes pack into one DSP and are worth packing."""
    return (2 <= weight_bits <= MAX_OPERAND_BITS and input_bits <= MAX_OPERAND_BITS
            and product_bits >= PRODUCT_MIN_BITS)


def packed_pair(x, w0, w1):
    """One multiply for ``x * w0`` and ``x * w1`` (Amaranth values; ``w0``, ``w1`` signed).

    Returns
    -------
    (low, high, borrow)
        ``low = x * w0`` (signed 18 bits); ``high + borrow = x * w1`` with ``borrow`` one bit.
    """
    return packed_products(x, packed_operand(w0, w1))


def packed_operand(w0, w1):
    """The packed weight operand ``w1 * 2**18 + w0`` (signed Amaranth values in, signed out)."""
    w0, w1 = Value.cast(w0), Value.cast(w1)
    sign = w0[-1]
    low_field = Cat(w0, *([sign] * (LOW_BITS - len(w0))))
    return Cat(low_field, w1 - sign).as_signed()


def packed_products(x, operand):
    """``(low, high, borrow)`` of :func:`packed_pair` from a :func:`packed_operand`: the
    multiply and bit slices only, so a register of ``operand`` can feed the multiplier
    directly."""
    product = x * operand
    return (product[:LOW_BITS].as_signed(), product[LOW_BITS:].as_signed(),
            product[LOW_BITS - 1])


def packed_pair_numpy(x, w0, w1):
    """:func:`packed_pair` on int64 arrays, bit for bit: ``(low, high, borrow)``."""
    x, w0, w1 = (np.asarray(v, dtype=np.int64) for v in (x, w0, w1))
    mask = (1 << LOW_BITS) - 1
    sign = (w0 < 0).astype(np.int64)
    operand = ((w1 - sign) << LOW_BITS) | (w0 & mask)
    product = x * operand
    low = product & mask
    low = np.where(low >> (LOW_BITS - 1), low - (1 << LOW_BITS), low)
    return low, product >> LOW_BITS, (product >> (LOW_BITS - 1)) & 1
