"""Named arithmetic rules of the MX datapath, documented once.

The golden model (``hwgen.golden.mx_mvau``) implements them with Python integers, the
hardware (``hwgen.hw.mx.mvau``) in Amaranth; tests hold the two equal bit for bit. Element
decoding is in :mod:`hwgen.quant.mx.formats`: every element is ``(-1)**s * mant *
2**(exp + base)`` times its block's scale ``2**(E - 127)``.

Accumulation (exact)
    Weights and MX activations are aligned to integers. For output channel ``i`` let
    ``Elo[i]`` be the smallest shared exponent among the row's *live* weight blocks (finite
    scale, some nonzero finite element; 127 if none) and ``span`` the largest
    ``E - Elo[i]`` over all rows. A weight element becomes the integer
    ``Wal = (-1)**s * mant << (exp + clamp(E - Elo[i], 0, span))``. An int activation is its
    raw code ``q``. An MX activation of a block with exponent ``Ex`` in the window
    ``[lo, hi]`` becomes ``Xal = (-1)**s * mant << (exp + Ex - lo)``. Then
    ``acc[i] = acc_bias[i] + sum_j Wal[i, j] * Xal[j]`` exactly (the accumulator is as wide
    as the exact bound over every possible input), and ``acc[i] * U[i]`` is the real dot
    product plus bias, with the power-of-two-times-scale unit
    ``U[i] = 2**(base_w + Elo[i] - 127) * (S_X or 2**(base_x + lo - 127)) * (S_W[i] for int
    weights)``. The bias is ``round_half_even(b[i] / U[i])`` with the input zero point folded
    in: ``- Z_X * sum_j Wal[i, j]``.

NaN rules (:data:`NAN_INT_OUTPUT`)
    A weight block with the NaN scale (``E = 255``), an element code that is NaN or Inf
    (E4M3 ``S.1111.111``, E5M2 ``S.11111.xx``), or an MX activation block with ``E = 255``
    or ``E > hi`` (above the window its producer can emit) contributes nothing to the
    accumulator and makes the outputs it feeds NaN: every output channel for an activation,
    the channel's row for a weight. An MX activation block with ``E < lo`` is flushed to
    zero (the only such block a producer emits is an all-zero block, ``E = 0``). A NaN output
    becomes the output type's most negative code (``qmin``, e.g. -128) for an int output,
    and a NaN block (``E = 255``, every code and micro-exponent 0) for an MX output.

Requantization to an integer output: ``"single"`` on a wide accumulator
    TFLite's single rounding (:class:`hwgen.ir.RequantRounding` ``SINGLE``) without the int32
    limit: ``M[i] = U[i] / S_Y = multiplier[i] * 2**-t[i]`` (``multiplier`` in
    ``[2**30, 2**31)``, gemmlowp's ``QuantizeMultiplier`` without its underflow to zero,
    ``t >= 1``), ``out = clamp(Z_Y + ((acc * multiplier + 2**(t-1)) >> t), out_min,
    out_max)``: one rounding, ties toward +infinity; a fused ReLU sets ``out_min = Z_Y``.

Requantization to an MX output: fixed point, then the OCP rule in integers
    ``z[i] = (max(acc[i], 0) if relu else acc[i]) * multiplier[i] << lshift[i]`` is exact
    and ``z[i] * 2**g`` is the real output (``multiplier[i] * 2**(lshift[i] + g) = U[i]``
    with ``multiplier`` the 31-bit rounding of ``U``'s non-power-of-two part, 1 when ``U``
    is a power of two). Blocks of ``k`` consecutive channels are then encoded exactly by
    :func:`hwgen.golden.mx_encode.encode_fixed_point`: ``amax = max |z|`` (a max-abs tree),
    ``e = bit_length(amax) - 1`` (leading-one detection), the "floor" scale rule
    ``E = e + g - emax_elem + 127`` (NaN above 254, clamped at 0, 0 for an all-zero block),
    each element shifted right to its quantum with the tie rule (``"half_even"`` or
    ``"half_away"``) and saturated to the largest finite value; MX4 / MX6 / MX9 pick each
    pair's micro-exponent as in :mod:`hwgen.quant.mx.block`.
"""

from __future__ import annotations

import enum

__all__ = ["NAN_INT_OUTPUT", "MX_OUTPUT_SCALE_RULE", "MxRounding", "MX_ROUNDINGS"]

#: What an integer output of a NaN channel becomes: the output type's qmin.
NAN_INT_OUTPUT = "qmin"

#: The shared-exponent rule of the hardware output quantizer.
MX_OUTPUT_SCALE_RULE = "floor"

class MxRounding(enum.StrEnum):
    """Tie rule of the hardware output quantizer's elements (as in :mod:`hwgen.quant.rounding`).

    HALF_EVEN
        A value exactly between two representable elements goes to the one whose last
        mantissa bit is 0.
    HALF_AWAY
        It goes to the one farther from zero.
    """

    HALF_EVEN = "half_even"
    HALF_AWAY = "half_away"


#: The tie rules' names (configuration values).
MX_ROUNDINGS = tuple(r.value for r in MxRounding)
