"""Adder trees whose every node is exactly as wide as the values it can hold."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Shape, Signal, Value, signed, unsigned

__all__ = ["shape_for_range", "bounded_sum", "pipelined_sum", "tree_levels", "popcount",
           "step_dot_range"]


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
        terms = _add_pairs(terms)
    return terms[0]


def _add_pairs(terms: list) -> list:
    """One adder level: neighbours summed in pairs, each as wide as its bounds."""
    paired = []
    # an odd count leaves the last term without a partner: it is carried to the next level
    for (a, alo, ahi), (b, blo, bhi) in zip(terms[0::2], terms[1::2], strict=False):
        lo, hi = alo + blo, ahi + bhi
        paired.append((_fit(a + b, lo, hi), lo, hi))
    if len(terms) % 2:
        paired.append(terms[-1])
    return paired


def tree_levels(terms: int) -> int:
    """Adder levels of :func:`bounded_sum` over ``terms`` terms: ``ceil(log2(terms))``."""
    return (terms - 1).bit_length() if terms > 1 else 0


def pipelined_sum(m, terms, *, every: int, stages: int, name: str):
    """:func:`bounded_sum` with a register after every ``every`` adder levels (none after the
    last level), then registers to make ``stages`` in all: the sum of terms presented in
    cycle ``t`` is out in cycle ``t + stages``.

    Parameters
    ----------
    m : Module
        Where the registers go (``sync`` domain).
    terms : sequence of (Value, lo, hi)
        As for :func:`bounded_sum`.
    every : int
        Adder levels between registers, at least 1.
    stages : int
        Registers on the way, at least ``(levels - 1) // every`` (``levels`` from
        :func:`tree_levels`).
    name : str
        Prefix of the registers' names.

    Returns
    -------
    (Value, lo, hi)
        As for :func:`bounded_sum`.
    """
    terms = [(_fit(v, lo, hi), int(lo), int(hi)) for v, lo, hi in terms]
    if not terms:
        raise ValueError("an adder tree needs at least one term")
    inside = max(0, tree_levels(len(terms)) - 1) // every
    if stages < inside:
        raise ValueError(f"{len(terms)} terms summed {every} levels per stage need "
                         f"{inside} stages, not {stages}")
    made, level = 0, 0

    def register(values):
        nonlocal made
        out = []
        for index, (v, lo, hi) in enumerate(values):
            reg = Signal(shape_for_range(lo, hi), name=f"{name}_s{made}_{index}")
            m.d.sync += reg.eq(v)
            out.append((reg, lo, hi))
        made += 1
        return out

    while len(terms) > 1:
        if level and level % every == 0:
            terms = register(terms)
        terms = _add_pairs(terms)
        level += 1
    while made < stages:
        terms = register(terms)
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
