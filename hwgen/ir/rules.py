"""Named arithmetic rules shared by the golden model and the hardware generator.

Each rule is documented here once. The golden model (hwgen.golden) implements it in int64
numpy, the hardware (hwgen.hw) in Amaranth; tests hold the two equal bit for bit.
"""

from __future__ import annotations

import enum

__all__ = ["RequantRounding", "REQUANT_ROUNDINGS"]


class RequantRounding(str, enum.Enum):
    """How an int32 accumulator is scaled by ``M = multiplier * 2**(shift - 31)``.

    GEMMLOWP
        gemmlowp / TFLite reference ("double rounding")::

            a   = acc << max(shift, 0)          # must fit int32 (checked at compile time)
            h   = SaturatingRoundingDoublingHighMul(a, multiplier)
            out = RoundingDivideByPOT(h, max(-shift, 0))

        SRDHM rounds to nearest with ties toward +infinity (its nudge is ``2**30`` for a
        non-negative product and ``1 - 2**30`` otherwise, then it truncates);
        RoundingDivideByPOT rounds half away from zero. With ``shift >= 0`` only the first
        rounding happens.
    SINGLE
        TFLite's single-rounding variant: ``out = (acc * multiplier + 2**(t-1)) >> t`` with
        ``t = 31 - shift``: one rounding, ties toward +infinity.
    SINGLE_EVEN
        The same single rounding of ``acc * multiplier / 2**t``, ties to the even integer:
        what ONNX QuantizeLinear and onnxruntime do (``nearbyint``), so exact ties (the mean
        of a power-of-two window with equal scales) round as there.

    After any rule the output zero point is added and the result is saturated to the
    output range (``[qmin, qmax]``, or ``[zero_point, qmax]`` with a fused ReLU).
    """

    GEMMLOWP = "gemmlowp"
    SINGLE = "single"
    SINGLE_EVEN = "single_even"


REQUANT_ROUNDINGS = tuple(r.value for r in RequantRounding)
