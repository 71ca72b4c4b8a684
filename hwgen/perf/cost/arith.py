"""Widths of the arithmetic the blocks build: bounded values and minimal-width adder trees.

These mirror the rules the hardware follows (``hwgen.hw.arith.adder_tree``: every tree node
exactly as wide as the values it can hold) from the same integer bounds, without Amaranth.
"""

from __future__ import annotations

import math

__all__ = ["width", "index_bits", "range_bits", "Tree", "adder_tree", "staged_trees",
           "popcount_tree", "varying_bits", "set_bits", "signed_tree_full_adders"]


def width(lo: int, hi: int) -> int:
    """Bits of the narrowest shape holding ``[lo, hi]``: unsigned if ``lo >= 0``."""
    lo, hi = int(lo), int(hi)
    if lo >= 0:
        return max(1, hi.bit_length())
    bits = 1
    while not (-(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1):
        bits += 1
    return bits


def index_bits(count: int) -> int:
    """Bits of a counter over ``count`` values (at least two values: one bit)."""
    return max(1, (max(count, 2) - 1).bit_length())


def range_bits(limit: int) -> int:
    """Bits of a value in ``range(limit)``."""
    return max(1, (limit - 1).bit_length())


class Tree:
    """An adder tree: the widths of its adders and the bounds of its result."""

    def __init__(self, adders: list, lo: int, hi: int, leaves: int, leaf_bits: int,
                 signed: bool):
        self.adders = adders          # width of each two-input adder
        self.lo, self.hi = lo, hi
        self.leaves = leaves
        self.leaf_bits = leaf_bits    # total width of the terms
        self.signed = signed          # some term is negative

    @property
    def bits(self) -> int:
        """Total adder bits."""
        return sum(self.adders)

    @property
    def width(self) -> int:
        return width(self.lo, self.hi)

    @property
    def depth(self) -> int:
        return math.ceil(math.log2(self.leaves)) if self.leaves > 1 else 0


def adder_tree(terms) -> Tree:
    """Pairwise sum of ``terms`` (``(lo, hi)`` bounds each), an odd term carried down a level,
    as ``hwgen.hw.arith.adder_tree.bounded_sum`` builds it."""
    terms = [(int(lo), int(hi)) for lo, hi in terms]
    if not terms:
        raise ValueError("an adder tree needs at least one term")
    leaves, adders = len(terms), []
    leaf_bits = sum(width(lo, hi) for lo, hi in terms)
    signed = any(lo < 0 for lo, _ in terms)
    while len(terms) > 1:
        paired = []
        for (alo, ahi), (blo, bhi) in zip(terms[0::2], terms[1::2], strict=False):
            lo, hi = alo + blo, ahi + bhi
            adders.append(width(lo, hi))
            paired.append((lo, hi))
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return Tree(adders, terms[0][0], terms[0][1], leaves, leaf_bits, signed)


def pipeline_register_bits(terms, *, every: int, stages: int) -> int:
    """Flip-flops of ``hwgen.hw.arith.adder_tree.pipelined_sum`` over ``terms`` (``(lo, hi)``
    each): every node at each register level, a register after ``every`` adder levels, then
    the sum registered until there are ``stages`` levels."""
    terms = [(int(lo), int(hi)) for lo, hi in terms]
    bits, made, level = 0, 0, 0
    while len(terms) > 1:
        if level and level % every == 0:
            bits += sum(width(lo, hi) for lo, hi in terms)
            made += 1
        paired = [(alo + blo, ahi + bhi) for (alo, ahi), (blo, bhi)
                  in zip(terms[0::2], terms[1::2], strict=False)]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
        level += 1
    return bits + (stages - made) * width(*terms[0])


def staged_trees(terms, *, every: int, paired: list | None = None) -> list:
    """The sums ``hwgen.hw.arith.adder_tree.pipelined_sum`` builds between its registers:
    the pairwise tree over ``terms`` cut after every ``every`` levels, each piece (the
    sum of up to ``2**every`` consecutive values) one multi-operand sum for Yosys'
    ``alumacc``. Returns the pieces' trees (:class:`Tree`), level by level.

    ``paired``: the first level's pairs are summed elsewhere (in the DSPs' post-adders:
    ``CostTarget.dsp_post_add_bits``); the first pieces sum the pairs' sums, and the list
    gets each pair's sum ``(lo, hi)``."""
    terms = [(int(lo), int(hi)) for lo, hi in terms]
    group = 1 << every
    pieces = []
    first = paired is not None
    while len(terms) > 1:
        sums = []
        for start in range(0, len(terms), group):
            part = terms[start:start + group]
            if first:
                pairs = [part[i:i + 2] for i in range(0, len(part), 2)]
                paired += [(a[0] + b[0], a[1] + b[1]) for a, b in
                           (pair for pair in pairs if len(pair) == 2)]
                summed = [(sum(lo for lo, _ in pair), sum(hi for _, hi in pair))
                          for pair in pairs]
                if len(summed) > 1:
                    pieces.append(adder_tree(summed))
            elif len(part) > 1:
                pieces.append(adder_tree(part))
            sums.append((sum(lo for lo, _ in part), sum(hi for _, hi in part)))
        terms = sums
        first = False
    return pieces


def signed_tree_full_adders(tree: Tree) -> int:
    """Full adders of the carry-save tree Yosys builds for a sum of three or more signed terms
    whose sign bits are real signals (``alumacc`` merges the adders into one ``$macc``,
    ``maccmap`` sign-extends every term to the sum's width and reduces the rows to two):
    ``(leaves - 2) x width``; none for two terms or fewer (one adder)."""
    if tree.leaves < 3:
        return 0
    return (tree.leaves - 2) * tree.width


def popcount_tree(n: int) -> Tree:
    """The popcount of ``n`` bits as a tree of minimal-width adders."""
    return adder_tree([(0, 1)] * n)


def varying_bits(values) -> int:
    """Bits that are not the same in every value (the stages of a shifter by these values)."""
    values = [int(v) for v in values]
    if not values:
        return 0
    changed = 0
    for v in values:
        changed |= v ^ values[0]
    return changed.bit_count()


def set_bits(values) -> int:
    """OR of the values: the bits a register of these values can hold as 1.

    A register whose input is 1 in one bit for every value still resets to 0, so Yosys keeps
    it: a shifter by such a register has a stage for every bit set in some value.
    """
    result = 0
    for v in values:
        result |= int(v)
    return result
