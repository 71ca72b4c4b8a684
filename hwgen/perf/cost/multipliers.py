"""Multipliers: how many DSP slices a product takes, and what is left to LUTs.

:func:`multiplier` follows Yosys' ``mul2dsp`` (the pass every ``hwgen synth`` target runs): the
wider operand goes on port A; a product narrower than the target's minimum (2 bits per
operand; on Xilinx also a result under 9 bits, "4 x 4 and smaller") stays in soft logic; one
wider than the DSP is split into partial products of ``a_partial`` (``b_partial``) bits, one
bit of each partial kept as a zero sign bit on signed-only DSPs, recursively. Only the
operand widths matter, so the count is exact once the widths are.

A product left whole to soft logic is counted as the partial-product bits Yosys' ``maccmap``
builds for it (:func:`soft_partial_products`): each operand extended to the result's width, a
signed one by its sign bit. A signed-by-signed int4 product has 36 such bits where an int4 by
uint4 one has 26, and costs about that much more on xcup (benchmarks/bench_soft_products.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .targets import CostTarget, DspRule

__all__ = ["Product", "multiplier", "product_width", "soft_partial_products"]


@dataclass(frozen=True)
class Product:
    """The hardware of one multiplication: DSP slices, and the partial-product bits of the
    parts left to soft logic (``a x b`` of each soft multiplier)."""

    dsp: int = 0
    soft_bits: int = 0

    def __add__(self, other: "Product") -> "Product":
        return Product(self.dsp + other.dsp, self.soft_bits + other.soft_bits)

    def __mul__(self, count: int) -> "Product":
        return Product(self.dsp * count, self.soft_bits * count)


def product_width(lo: int, hi: int) -> int:
    """Bits of a two's complement (or unsigned, ``lo >= 0``) value in ``[lo, hi]``."""
    if lo >= 0:
        return max(1, int(hi).bit_length())
    bits = 1
    while not (-(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1):
        bits += 1
    return bits


def soft_partial_products(a_bits: int, b_bits: int, y_bits: int, *, a_signed: bool,
                          b_signed: bool) -> int:
    """Partial-product bits of an ``a_bits`` x ``b_bits`` product used to ``y_bits`` bits, as
    Yosys' ``maccmap`` lays them out: each operand extended to ``y_bits`` (a signed one by
    its sign bit, which varies; an unsigned one by zeros, which fall away), one AND for each
    pair of bits whose weights sum below ``y_bits``."""
    a_var = y_bits if a_signed else min(a_bits, y_bits)
    b_var = y_bits if b_signed else min(b_bits, y_bits)
    return sum(min(a_var, y_bits - i) for i in range(b_var))


def _in_logic(a: int, b: int, y: int, rule: DspRule) -> bool:
    """``mul2dsp``'s minimums (``a >= b``): a product narrower stays in soft logic."""
    return a < rule.a_min or b < rule.b_min or bool(rule.y_min and y < rule.y_min)


def _split(a, b, y, a_signed, b_signed, rule: DspRule, top: bool) -> Product:
    if top and a < b:
        a, b, a_signed, b_signed = b, a, b_signed, a_signed
    if _in_logic(a, b, y, rule):
        # a partial of a split product: an unsigned slice, its bits a x b
        return Product(soft_bits=a * b)
    if rule.signed_only and top and not a_signed and not b_signed:
        a, b, a_signed, b_signed = a + 1, b + 1, True, True
    headroom = 1 if rule.signed_only else 0
    if a > rule.a_max:
        step = rule.a_partial - headroom
        n = (a - rule.a_max + step - 1) // step
        partial = _split(rule.a_partial, b, min(y, b + rule.a_partial), bool(headroom),
                         b_signed, rule, False)
        last_a = a - n * step
        return partial * n + _split(last_a, b, b + last_a, a_signed, b_signed, rule, False)
    if b > rule.b_max:
        step = rule.b_partial - headroom
        n = (b - rule.b_max + step - 1) // step
        partial = _split(a, rule.b_partial, min(y, a + rule.b_partial), a_signed,
                         bool(headroom), rule, False)
        last_b = b - n * step
        return partial * n + _split(a, last_b, a + last_b, a_signed, b_signed, rule, False)
    return Product(dsp=1)


def multiplier(a_bits: int, b_bits: int, y_bits: int, target: CostTarget, *,
               a_signed: bool = True, b_signed: bool = True) -> Product:
    """DSPs and soft partial-product bits of an ``a_bits`` x ``b_bits`` product whose result
    is used to ``y_bits`` bits (operand widths as Yosys sees them after width reduction).

    An unsigned operand multiplied by a signed one is, for the DSPs, one bit wider and
    signed (``mul2dsp``'s and ``_90_soft_mul``'s rule); in soft logic its top bit is a
    constant zero."""
    if a_bits < 1 or b_bits < 1:
        return Product()
    soft = Product(soft_bits=soft_partial_products(a_bits, b_bits, y_bits, a_signed=a_signed,
                                                   b_signed=b_signed))
    if target.dsp is None:
        return soft
    if a_signed != b_signed:
        a_bits, b_bits = a_bits + (not a_signed), b_bits + (not b_signed)
        a_signed = b_signed = True
    if _in_logic(max(a_bits, b_bits), min(a_bits, b_bits), y_bits, target.dsp):
        return soft
    return _split(a_bits, b_bits, y_bits, a_signed, b_signed, target.dsp, True)
