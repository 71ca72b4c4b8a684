"""Multipliers: how many DSP slices a product takes, and what is left to LUTs.

:func:`multiplier` follows Yosys' ``mul2dsp`` (the pass every ``hwgen synth`` target runs): the
wider operand goes on port A; a product narrower than the target's minimum (2 bits per
operand; on Xilinx also a result under 9 bits, "4 x 4 and smaller") stays in soft logic; one
wider than the DSP is split into partial products of ``a_partial`` (``b_partial``) bits, one
bit of each partial kept as a zero sign bit on signed-only DSPs, recursively. Only the
operand widths matter, so the count is exact once the widths are.
"""

from __future__ import annotations

from dataclasses import dataclass

from .targets import CostTarget, DspRule

__all__ = ["Product", "multiplier", "product_width"]


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


def _split(a, b, y, a_signed, b_signed, rule: DspRule, top: bool) -> Product:
    if top and a < b:
        a, b, a_signed, b_signed = b, a, b_signed, a_signed
    if a < rule.a_min or b < rule.b_min or (rule.y_min and y < rule.y_min):
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
    is used to ``y_bits`` bits (operand widths as Yosys sees them after width reduction:
    an unsigned operand multiplied by a signed one is one bit wider)."""
    if a_bits < 1 or b_bits < 1:
        return Product()
    if target.dsp is None:
        return Product(soft_bits=a_bits * b_bits)
    return _split(a_bits, b_bits, y_bits, a_signed, b_signed, target.dsp, True)
