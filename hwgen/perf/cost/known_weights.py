"""Products by weights known at synthesis, and the sums over them, counted as Yosys sees them.

With one or two steps (``NF x SF <= 2``) each of an int MVAU's products takes one weight (a
constant) or two (a select by the step) over the whole run. Yosys then folds the weight into
the product: a result bit is a function of the input code's bits (and the step's), a bit that
is constant or a copy of a code bit costs nothing, and its register goes or merges with its
twin. The adder tree after the product registers sees only the bits that remain, so its
terms are as narrow as the weights make them.

Measured by ``benchmarks/bench_known_products.py`` (the coefficients of ``known_mul``,
``known_mul2`` and ``known_tree`` in :mod:`hwgen.perf.cost.coefficients`).
"""

from __future__ import annotations

import functools

import numpy as np

from .arith import adder_tree

__all__ = ["KNOWN_FEATURES", "KNOWN_STEPS", "known_function_bits", "known_tree_bits"]

#: the feature of a product's function bits by the steps it has: one step, constants
#: (``known_mul``); two, a select of two constants by the step's bit (``known_mul2``)
KNOWN_FEATURES = {1: "known_mul", 2: "known_mul2"}
#: the most steps at which an int MVAU's soft products are counted as products by known
#: weights
KNOWN_STEPS = max(KNOWN_FEATURES)


def _codes(x_bits: int, x_signed: bool) -> np.ndarray:
    if x_signed:
        return np.arange(-(1 << (x_bits - 1)), 1 << (x_bits - 1), dtype=np.int64)
    return np.arange(1 << x_bits, dtype=np.int64)


@functools.lru_cache(maxsize=4096)
def _function_bits(values: tuple[int, ...], y_bits: int, x_bits: int, x_signed: bool) -> int:
    """Distinct functions among the result bits of ``w * x`` (``w`` one of ``values``, chosen
    by the step) that are neither constant nor a code bit (or the step's bit) as it is or
    inverted."""
    codes = _codes(x_bits, x_signed)
    mask = (1 << y_bits) - 1
    table = np.concatenate([(value * codes) & mask for value in values])
    inputs = [np.tile((codes >> k) & 1, len(values)) for k in range(x_bits)]
    steps = np.arange(len(values))
    inputs += [np.repeat((steps >> k) & 1, len(codes))
               for k in range((len(values) - 1).bit_length())]
    functions = set()
    for bit in range(y_bits):
        column = (table >> bit) & 1
        if column.min() == column.max():
            continue
        if any((column == wire).all() or (column != wire).all() for wire in inputs):
            continue
        # bits of the same function (a sign's extension) are one register and one LUT
        functions.add(column.tobytes())
    return len(functions)


def known_function_bits(steps: np.ndarray, pe: int, simd: int, *, y_bits: int, x_bits: int,
                        x_signed: bool) -> int:
    """The function bits of all products of ``steps`` (``(steps, PE x SIMD)`` weights), a
    product counted once per code and weight sequence: PEs whose product of the same code has
    the same weights share its register (Yosys merges them)."""
    per_pe = steps.reshape(steps.shape[0], pe, simd)
    distinct = {(i, tuple(int(v) for v in per_pe[:, row, i]))
                for row in range(pe) for i in range(simd)}
    return sum(_function_bits(weights, y_bits, x_bits, x_signed) for _, weights in distinct)


def known_tree_bits(steps: np.ndarray, pe: int, simd: int, *, x_bits: int,
                    x_signed: bool) -> int:
    """The bits the PEs' adder trees compress: each PE's terms at the width their weights
    leave them (a product by weight 0 is no term), one bit more for a signed term (its sign
    extension is one signal), less the sum's width."""
    per_pe = steps.reshape(steps.shape[0], pe, simd)
    codes = _codes(x_bits, x_signed)
    # w * x is extreme at the extreme weights and codes
    ends = [w * int(c) for w in (per_pe.min(axis=0), per_pe.max(axis=0))
            for c in (codes[0], codes[-1])]
    lows, highs = np.minimum.reduce(ends), np.maximum.reduce(ends)
    total = 0
    for row in range(pe):
        terms = [(int(lo), int(hi)) for lo, hi in zip(lows[row], highs[row], strict=True)
                 if (lo, hi) != (0, 0)]
        if len(terms) < 2:
            continue
        tree = adder_tree(terms)
        total += tree.leaf_bits + sum(1 for lo, _ in terms if lo < 0) - tree.width
    return total
