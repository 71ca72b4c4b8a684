"""Golden model of the integer MVAU."""

from __future__ import annotations

import numpy as np

from ..errors import IRError
from ..ir.blocks.int_mvau import IntMvauParams
from .matmul import exact_int_matmul
from .requant import requantize_and_clamp

__all__ = ["int_mvau"]


def int_mvau(x: np.ndarray, p: IntMvauParams) -> np.ndarray:
    """Outputs of the integer MVAU for input vectors ``x``.

    Parameters
    ----------
    x : numpy.ndarray
        Input codes of shape ``(N, MW)`` (or ``(MW,)``), raw codes of ``p.input_type``.
    p : IntMvauParams
        The layer.

    Returns
    -------
    numpy.ndarray
        int64 output codes of shape ``(N, MH)`` (or ``(MH,)``).
    """
    x = np.asarray(x)
    if x.shape[-1] != p.mw:
        raise IRError(f"layer {p.name!r} takes vectors of {p.mw} inputs, not {x.shape[-1]}")
    p.input_type.check_codes(x, f"layer {p.name!r}: input")
    acc = exact_int_matmul(x, p.weights.T) + p.acc_bias
    return requantize_and_clamp(acc, p.multiplier, p.shift, p.rounding,
                                p.out_zero_point, p.out_min, p.out_max)
