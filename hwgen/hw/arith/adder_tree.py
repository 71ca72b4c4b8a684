"""Adder trees whose every node is exactly as wide as the values it can hold."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Shape, Value, signed, unsigned

__all__ = ["shape_for_range", "bounded_sum", "popcount", "step_dot_range"]


def shape_for_range(lo: int, hi: int) -> Shape:
    """Narrowest shape holding every integer of ``[lo, hi]``: unsigned if ``lo >= 0``."""
    lo, hi = int(lo), int(hi)
    if lo > hi:
        raise ValueError(f"empty range [{lo}, {hi}]")
    if lo >= 0:
        return unsigned(max(1, hi.bit_length()))
    bits = 1
    while not (-(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1):
        bits += 1
    return signed(bits)


def _fit(value, lo: int, hi: int):
    """``value`` (known to lie in ``[lo, hi]``) cut to the narrowest shape for that range."""
    shape = shape_for_range(lo, hi)
    value = Value.cast(value)
    if len(value) <= shape.width:
        return value          # already narrow enough; arithmetic extends it correctly
    # The value fits the target shape, so its low bits are its two's complement code.
    cut = value[:shape.width]
    return cut.as_signed() if shape.signed else cut


def bounded_sum(terms):
    """Sum ``terms`` pairwise (depth ``ceil(log2(n))``) with minimal-width nodes.

    Parameters
    ----------
    terms : sequence of (Value, lo, hi)
        Each term with the bounds of the values it takes.

    Returns
    -------
    (Value, lo, hi)
        The sum, as wide as ``shape_for_range(lo, hi)``, and its bounds.
    """
    terms = [(_fit(v, lo, hi), int(lo), int(hi)) for v, lo, hi in terms]
    if not terms:
        raise ValueError("an adder tree needs at least one term")
    while len(terms) > 1:
        paired = []
        # an odd count leaves the last term without a partner: it is carried below
        for (a, alo, ahi), (b, blo, bhi) in zip(terms[0::2], terms[1::2], strict=False):
            lo, hi = alo + blo, ahi + bhi
            paired.append((_fit(a + b, lo, hi), lo, hi))
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]


def popcount(bits):
    """Number of ones among 1-bit values: a tree of ``ceil(log2(n))`` levels whose node over
    ``k`` leaves is ``bit_length(k)`` bits wide (the minimal width)."""
    value, _, _ = bounded_sum([(b, 0, 1) for b in bits])
    return value


def step_dot_range(term_lo, term_hi, pe: int, simd: int) -> tuple[int, int]:
    """Bounds of one PE's dot product in any step of a folded matrix ``(MH, MW)``.

    ``term_lo`` and ``term_hi`` bound each weight's contribution; a step sums ``simd``
    consecutive terms of one row.
    """
    lo = np.asarray(term_lo, dtype=np.int64)
    hi = np.asarray(term_hi, dtype=np.int64)
    mh, mw = lo.shape
    lo = lo.reshape(mh, mw // simd, simd).sum(axis=2)
    hi = hi.reshape(mh, mw // simd, simd).sum(axis=2)
    return int(lo.min()), int(hi.max())
