"""Narrow requantizer inputs: saturate an integer MVAU's accumulators to 18 bits where that
provably changes no output, so each requantizer multiply takes one DSP48E2 instead of two.

Every requantization rule (``hwgen.ir.rules``) is monotone non-decreasing in the
accumulator (a non-negative multiplier, then rounding to nearest) and the result is clamped
to ``[out_min, out_max]``. So for one channel, saturating the accumulator to ``[lo, hi]``
leaves every output unchanged if the channel's accumulators never leave ``[lo, hi]`` on a
side, or the rule already gives the clamp bound at that end: ``y(hi) = out_max`` (then every
larger accumulator gives ``out_max`` too), ``y(lo) = out_min`` likewise. Two evaluations of
the golden rule per channel decide it. They stay within the rule's int32 domain: a layer's
accumulators reach beyond 18 bits (else it is not narrowed), and the compiler already checked
that its whole accumulator range, shifted left by the largest left shift, fits int32.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..golden.requant import requantize_and_clamp
from ..ir.blocks.int_mvau import REQUANT_NARROW_BITS, IntMvauParams

__all__ = ["narrow_requantizers", "saturation_is_exact"]


def saturation_is_exact(p: IntMvauParams, bits: int) -> bool:
    """Whether saturating ``p``'s accumulators to ``bits`` signed bits changes no output."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    w = p.weights
    x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
    acc_lo = np.minimum(w * x_lo, w * x_hi).sum(axis=1) + p.acc_bias
    acc_hi = np.maximum(w * x_lo, w * x_hi).sum(axis=1) + p.acc_bias

    def outputs(acc):
        return requantize_and_clamp(np.full(p.mh, acc), p.multiplier, p.shift, p.rounding,
                                    p.out_zero_point, p.out_min, p.out_max)

    top_ok = (acc_hi <= hi) | (outputs(hi) == p.out_max)
    bottom_ok = (acc_lo >= lo) | (outputs(lo) == p.out_min)
    return bool(np.all(top_ok & bottom_ok))


def narrow_requantizers(blocks) -> tuple:
    """Set ``requant_acc_bits`` of every integer MVAU whose requantizer lanes multiply in two
    DSPs (wider than 18 bits, not serial) and whose saturation to 18 bits is exact."""
    out = []
    for block in blocks:
        if (isinstance(block, IntMvauParams) and block.acc_bits > REQUANT_NARROW_BITS
                and not block.requant_serial
                and saturation_is_exact(block, REQUANT_NARROW_BITS)):
            block = replace(block, requant_acc_bits=REQUANT_NARROW_BITS)
        out.append(block)
    return tuple(out)
