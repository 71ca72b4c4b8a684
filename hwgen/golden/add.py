"""Golden model of the element-wise adder."""

from __future__ import annotations

import numpy as np

from ..ir.blocks.eltwise_add import AddParams
from .requant import requantize_and_clamp

__all__ = ["eltwise_add"]


def eltwise_add(a: np.ndarray, b: np.ndarray, p: AddParams) -> np.ndarray:
    """Integer sum of two code tensors of the same shape, requantized (see AddParams)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    acc = p.a_factor * (a - p.a_zero_point) + p.b_factor * (b - p.b_zero_point)
    return requantize_and_clamp(acc, p.multiplier, p.shift, p.rounding, p.out_zero_point,
                                p.out_min, p.out_max)
