"""The requantizer's datapath under ``pipeline = "deep"``: short stages for ECP5 timing.

Eight register stages from an accumulator to its output code (``Requantizer(deep=True)``),
each at most about one carry chain plus a LUT level or two:

1. the operands of every multiplier tile, each in registers of its own (they can become the
   DSP's input registers): the accumulator (saturated to ``narrow_bits``, and shifted left
   by gemmlowp's left shift, when those apply) cut into a signed top chunk of at most 18 bits
   over unsigned 17-bit chunks, the 31-bit multiplier into unsigned 17-bit chunks;
2. the tile products, nothing between multiply and register (the DSP's output register):
   each at most 18 x 18 bits signed, one MULT18X18D, which Yosys' ``mul2dsp`` does not cut
   again;
3. per accumulator chunk, the sum of its tiles (the low 17 bits pass through);
4. the sum over the accumulator chunks, the 63-bit product;
5. gemmlowp: ``(product + 2**30) >> 31`` as ``(product >> 31) + product[30]`` (a 32-bit
   add); the single rules take the product as it is; the rounding constants of the fold
   are read here;
6. the rounding shift ``x >> r`` with its round bit ``x[r - 1]`` and sticky bit (any of
   ``x[:r - 1]``), both masks from per-fold tables;
7. ``floor + zero_point + up``: one add, ``up`` from the round and sticky bits (gemmlowp:
   half away from zero, ``up = round & (sticky | x >= 0)``; single: half up, ``up =
   round``; single_even: ``up = round & (sticky | floor odd)``);
8. the saturation to ``[out_min, out_max]``.

Every rule equals ``hwgen.golden.requant`` bit for bit: with ``x = q 2**r + f``, ``0 <= f
< 2**r``, ``(x + 2**(r-1)) >> r = q + f[r-1]``, a remainder above half is ``f[r-1]`` and a
non-zero ``f[:r-1]``, exactly half ``f[r-1]`` and a zero rest, and gemmlowp's threshold
``(2**r - 1 >> 1) + (x < 0)`` is passed by ``f >= 2**(r-1) + (x < 0)``.
"""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Cat, Mux, Signal, signed

from ...ir.rules import RequantRounding
from .fold_table import fold_table
from .registers import register_unless_constant

__all__ = ["DEEP_LATENCY", "TILE_BITS", "deep_requantizer", "operand_chunks"]

#: Cycles from an accumulator to its output code.
DEEP_LATENCY = 8
#: Bits of an unsigned operand chunk: 18 bits signed, one MULT18X18D port.
TILE_BITS = 17


def operand_chunks(bits: int, signed_value: bool) -> list:
    """``(offset, width, signed)`` of each chunk of a ``bits``-bit operand, lowest first:
    unsigned chunks of :data:`TILE_BITS` bits, a signed value's top chunk of at most
    ``TILE_BITS + 1`` bits signed."""
    chunks, offset = [], 0
    limit = TILE_BITS + 1 if signed_value else TILE_BITS
    while bits - offset > limit:
        chunks.append((offset, TILE_BITS, False))
        offset += TILE_BITS
    chunks.append((offset, bits - offset, signed_value))
    return chunks


def _chunk(value, offset, width, is_signed):
    part = value[offset:offset + width]
    return part.as_signed() if is_signed else part


def _join(low, high, at):
    """``low + high * 2**at`` with only ``high`` and the bits of ``low`` above ``at`` added
    (the low ``at`` bits pass through)."""
    upper = (low >> at) + high
    joined = Cat(low[:at], upper)
    return joined.as_signed() if upper.shape().signed else joined


def deep_requantizer(m, *, i_valid, i_acc, i_fold, o_valid, o_data, acc_bits, multiplier,
                     shift, rounding, zero_point, out_min, out_max, narrow_bits, roms):
    """Build the eight stages in ``m`` for every lane (arguments as for ``Requantizer``;
    ``multiplier`` and ``shift`` of shape ``(folds, lanes)``)."""
    rounding = RequantRounding(rounding)
    gemmlowp = rounding is RequantRounding.GEMMLOWP
    lanes = multiplier.shape[1]
    qm = fold_table(m, "multiplier", multiplier, bits=31, is_signed=False, fold=i_fold,
                    roms=roms)
    max_left = int(np.maximum(shift, 0).max()) if gemmlowp else 0
    if max_left:
        left = fold_table(m, "left_shift", np.maximum(shift, 0), bits=5, is_signed=False,
                          fold=i_fold, roms=roms)
    right = np.maximum(-shift, 0) if gemmlowp else 31 - shift
    half = np.where(right > 0, np.left_shift(1, np.maximum(right - 1, 0)), 0)
    mask = np.maximum(half - 1, 0)
    a_bits = min(32, (narrow_bits or acc_bits) + max_left)

    # valid and fold follow the data (the rounding tables are read in stage 5)
    valid, fold = [i_valid], [i_fold]
    for stage in range(1, 8):
        valid.append(register_unless_constant(m, valid[-1], f"valid_{stage}"))
        if stage <= 4:
            fold.append(register_unless_constant(m, fold[-1], f"fold_{stage}"))
    m.d.sync += o_valid.eq(valid[7])
    r_t = fold_table(m, "right_shift", right, bits=6, is_signed=False, fold=fold[4], roms=roms)
    half_t = fold_table(m, "round_bit", half, bits=max(1, int(half.max()).bit_length()),
                        is_signed=False, fold=fold[4], roms=roms)
    mask_t = fold_table(m, "sticky_mask", mask, bits=max(1, int(mask.max()).bit_length()),
                        is_signed=False, fold=fold[4], roms=roms)

    for lane in range(lanes):
        acc = i_acc[lane]
        if narrow_bits:
            lo, hi = -(1 << (narrow_bits - 1)), (1 << (narrow_bits - 1)) - 1
            acc = Mux(acc > hi, hi, Mux(acc < lo, lo, acc))
        if max_left:
            # |acc << left| < 2**31 (the compiler checks it): the product stays in 63 bits
            acc = (acc << left[lane])[:a_bits].as_signed()
        a_chunks = operand_chunks(a_bits, True)
        b_chunks = operand_chunks(31, False)
        # stages 1 and 2: each tile's operands in registers of their own, then its product
        sums = []
        for i, a_chunk in enumerate(a_chunks):
            tiles = []
            for j, b_chunk in enumerate(b_chunks):
                a_op = register_unless_constant(m, _chunk(acc, *a_chunk), f"tile_a{lane}_{i}_{j}")
                b_op = register_unless_constant(m, _chunk(qm[lane], *b_chunk),
                                                f"tile_b{lane}_{i}_{j}")
                tiles.append(register_unless_constant(m, a_op * b_op, f"tile{lane}_{i}_{j}"))
            # stage 3: the tiles of one accumulator chunk
            total = tiles[0]
            for j in range(1, len(tiles)):
                total = _join(total, tiles[j], b_chunks[j][0])
            sums.append(register_unless_constant(m, total, f"tile_sum{lane}_{i}"))
        # stage 4: the 63-bit product (it fits: |acc << left| <= 2**31, qm < 2**31)
        total = sums[0]
        for i in range(1, len(sums)):
            total = _join(total, sums[i], a_chunks[i][0])
        product = Signal(signed(63), name=f"product{lane}")
        m.d.sync += product.eq(total)
        # stage 5: gemmlowp's doubling high multiply rounds first
        if gemmlowp:
            x = register_unless_constant(m, (product >> 31) + product[30], f"high{lane}")
        else:
            x = register_unless_constant(m, product, f"high{lane}")
        r = register_unless_constant(m, r_t[lane], f"rshift{lane}")
        half_bit = register_unless_constant(m, half_t[lane], f"round_mask{lane}")
        sticky_mask = register_unless_constant(m, mask_t[lane], f"sticky_mask{lane}")
        # stage 6: the rounding shift, its round and sticky bits
        floor = register_unless_constant(m, x >> r, f"floor{lane}")
        round_bit = register_unless_constant(m, (x & half_bit).any(), f"round{lane}")
        sticky = register_unless_constant(m, (x & sticky_mask).any(), f"sticky{lane}")
        # stage 7: floor + zero point + up, one add
        if gemmlowp:
            up = round_bit & (sticky | ~floor[-1])
        elif rounding is RequantRounding.SINGLE:
            up = round_bit
        else:
            up = round_bit & (sticky | floor[0])
        with_zero = register_unless_constant(m, floor + Mux(up, zero_point + 1, zero_point),
                              f"with_zero{lane}")
        # stage 8: saturation
        m.d.sync += o_data[lane].eq(Mux(with_zero < out_min, out_min,
                                        Mux(with_zero > out_max, out_max, with_zero)))
