"""Popcount as a compressor tree of LUT-sized counters, then one carry-propagate adder.

A binary adder tree over ``n`` bits spends a carry chain on every node and grows a word per
level. A compressor tree (the "generic popcount" of FINN-R and of T. B. Preusser, "Generic
and Universal Parallel Matrix Summation with a Flexible Compression Goal for Xilinx FPGAs",
FPL 2017) instead keeps bits in columns of equal weight and replaces up to six bits of a column
by their count (a ``k:m`` counter, ``m = bit_length(k)`` outputs in columns ``w .. w+m-1``)
until no column holds more than two bits; one adder then sums the two rows. Each counter
output is a function of at most six inputs: one LUT6 each, no carry chain.

The counters are plain gates (XOR / AND / OR, never ``+``), so synthesis maps each output to
one LUT instead of inferring an adder. Their first level may take fewer bits so that logic
in front of them fits the same LUT (``first_group``): three XNORs of weight and input bits
(six inputs) make one full adder of two LUTs, the XNORs included.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Signal, Value

__all__ = ["counter_bits", "compress_columns", "compressor_popcount", "xnor_first_group"]

#: Inputs of one LUT: the largest counter.
LUT_INPUTS = 6


def counter_bits(bits) -> list:
    """The count of ``bits`` (1-bit values, at most :data:`LUT_INPUTS`), least significant
    bit first, ``bit_length(len(bits))`` bits, as gates (ripple of half and full adders)."""
    bits = [Value.cast(b) for b in bits]
    if not 1 <= len(bits) <= LUT_INPUTS:
        raise ValueError(f"a counter takes 1 to {LUT_INPUTS} bits, not {len(bits)}")
    width = len(bits).bit_length()
    total = [bits[0]]
    for bit in bits[1:]:
        # total += bit, rippled through the total's bits; the carry out widens it (up to
        # the width of the full count: a carry beyond it is always 0).
        carry, out = bit, []
        for t in total:
            out.append(t ^ carry)
            carry = t & carry
        total = (out + [carry])[:width]
    return total


def _group_sizes(height: int, first: int) -> list:
    """How a column of ``height`` bits splits into counters (sizes ``>= 3``; the rest of at
    most two bits passes through). Counters of ``first`` bits, a last smaller one of three to
    five bits when that removes bits."""
    sizes = []
    while height - sum(sizes) >= first:
        sizes.append(first)
    rest = height - sum(sizes)
    if rest >= 3:
        sizes.append(rest)
    return sizes


def compress_columns(m: Module, columns: list, *, first_group: int = LUT_INPUTS,
                     name: str = "pc") -> list:
    """Counter levels over ``columns`` (a list of lists of 1-bit values, column ``w`` of
    weight ``2**w``) until every column holds at most two bits.

    Parameters
    ----------
    m : Module
        Where the counters go: each output is a signal (``comb``), so that later levels share
        it instead of repeating its expression.
    columns : list of list of Value
        Bits by weight.
    first_group : int
        Bits per counter in the first level (3 to 6; later levels take 6).
    name : str
        Prefix of the counter outputs' names.

    Returns
    -------
    list of list of Value
        Columns of at most two bits each, with the same total.
    """
    if not 3 <= first_group <= LUT_INPUTS:
        raise ValueError(f"first_group must be 3 to {LUT_INPUTS}, not {first_group}")
    columns = [list(c) for c in columns]
    group, level = first_group, 0
    while any(len(c) > 2 for c in columns):
        out = [[] for _ in range(len(columns) + 3)]
        for weight, column in enumerate(columns):
            start = 0
            for index, size in enumerate(_group_sizes(len(column), group)):
                for k, bit in enumerate(counter_bits(column[start:start + size])):
                    wire = Signal(name=f"{name}_l{level}_w{weight}_c{index}_{k}")
                    m.d.comb += wire.eq(bit)
                    out[weight + k].append(wire)
                start += size
            out[weight].extend(column[start:])
        while out and not out[-1]:
            out.pop()
        columns = out
        group, level = LUT_INPUTS, level + 1
    return columns


def compressor_popcount(m: Module, bits, *, first_group: int = LUT_INPUTS,
                        name: str = "pc") -> Value:
    """Number of ones among ``bits`` (1-bit values): a compressor tree
    (:func:`compress_columns`, in ``m``), then one adder of its two rows.

    Returns
    -------
    Value
        Unsigned, ``bit_length(len(bits))`` bits wide.
    """
    bits = [Value.cast(b) for b in bits]
    if not bits:
        raise ValueError("a popcount needs at least one bit")
    width = len(bits).bit_length()
    columns = compress_columns(m, [bits], first_group=first_group, name=name)
    rows = [Cat(*[c[r] if len(c) > r else Const(0, 1) for c in columns]) for r in range(2)]
    return (rows[0] + rows[1])[:width]


def xnor_first_group(address_bits: int) -> int:
    """First-level counter size for XNORs of weights read from a table of ``address_bits``
    address bits (through a registered address) with input bits.

    With 2 or 3 address bits, a full adder over three XNORs depends on six signals (the
    address and three inputs): each of its two outputs is one LUT6 holding the weight table,
    the XNORs and the count. Otherwise the weight and XNOR logic stands apart and 5:3 counters
    came out smallest (Yosys ``synth_xilinx``, ``benchmarks/bench_xnor_resources.py``).
    """
    return 3 if 2 <= address_bits <= 3 else 5
