"""The requantizer fields every block that ends in an integer requantizer declares once.

:class:`RequantFields` holds the per-output-channel accumulator bias, multiplier and shift
and the output's zero point and saturation bounds; the integer MVAU, the depthwise unit and
the MX MVAU inherit it and add their rounding rule (an enum). The checks below are shared by
the integer MVAU and the depthwise unit, whose blocks also hold integer ``weights`` (rows =
output channels), ``weight_type``, ``output_type`` and an ``acc_range`` property.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import IRError
from ..rules import RequantRounding
from ..types import IntType

__all__ = ["RequantFields", "frozen_ints", "freeze_requant_fields", "check_requant_ranges"]

_INT32 = IntType(32, True)


@dataclass(frozen=True, eq=False, kw_only=True)
class RequantFields:
    """``y[i] = clamp(out_zero_point + requant(acc[i], multiplier[i], shift[i]), out_min,
    out_max)`` with ``acc[i]`` starting from ``acc_bias[i]``.

    Parameters
    ----------
    acc_bias : numpy.ndarray
        The accumulator's starting value per output channel (bias, input zero point folded).
    multiplier, shift : numpy.ndarray
        Requantization constants per output channel; what they mean is the subclass's
        rounding rule (``hwgen.ir.rules``, ``hwgen.ir.mx.rules``).
    out_zero_point, out_min, out_max : int
        Output zero point and saturation bounds (a fused ReLU sets ``out_min`` to the zero
        point).
    """

    acc_bias: np.ndarray
    multiplier: np.ndarray
    shift: np.ndarray
    out_zero_point: int
    out_min: int
    out_max: int


def frozen_ints(values) -> np.ndarray:
    """A read-only int64 copy of ``values``."""
    array = np.array(values, dtype=np.int64)
    array.setflags(write=False)
    return array


def freeze_requant_fields(params, where: str) -> None:
    """Freeze the per-row arrays of ``params`` and check codes, bias, multipliers, shifts."""
    weights = params.weights
    rows = weights.shape[0]
    for key in ("acc_bias", "multiplier", "shift"):
        array = frozen_ints(getattr(params, key))
        if array.shape != (rows,):
            raise IRError(f"{where}: {key} has shape {array.shape}, expected ({rows},)")
        object.__setattr__(params, key, array)
    object.__setattr__(params, "rounding", RequantRounding(params.rounding))
    if not params.weight_type.signed:
        raise IRError(f"{where}: weights must be signed")
    params.weight_type.check_codes(weights, f"{where}: weights")
    _INT32.check_codes(params.acc_bias, f"{where}: accumulator bias")
    if np.any(params.multiplier < 0) or np.any(params.multiplier >= 1 << 31):
        raise IRError(f"{where}: multipliers must lie in [0, 2**31)")
    if np.any(params.shift < -31) or np.any(params.shift > 30):
        raise IRError(f"{where}: shifts must lie in [-31, 30]")


def check_requant_ranges(params, where: str) -> None:
    """Output bounds inside the output type; accumulator (and gemmlowp's shifted
    accumulator) inside int32."""
    out = params.output_type
    if not out.qmin <= params.out_min <= params.out_max <= out.qmax:
        raise IRError(f"{where}: output bounds [{params.out_min}, {params.out_max}] do not fit "
                      f"{out}")
    lo, hi = params.acc_range
    if lo < _INT32.qmin or hi > _INT32.qmax:
        raise IRError(f"{where}: the accumulator may reach [{lo}, {hi}], beyond int32; "
                      "use fewer weight or activation bits, or split the layer")
    if params.rounding is RequantRounding.GEMMLOWP:
        left = int(max(params.shift.max(), 0))
        if (lo << left) < _INT32.qmin or (hi << left) > _INT32.qmax:
            raise IRError(f"{where}: the requantization scale is above 1 and the shifted "
                          "accumulator would overflow int32; check the layer's scales "
                          "(S_W * S_X / S_Y)")
