"""Golden model of window reduction (max and average pooling)."""

from __future__ import annotations

import numpy as np

from ..ir.blocks.window_reduce import WindowReduceParams
from .requant import requantize_and_clamp

__all__ = ["window_reduce"]


def window_reduce(x: np.ndarray, p: WindowReduceParams) -> np.ndarray:
    """``(N, *spatial, positions * channels)`` -> ``(N, *spatial, channels)``."""
    x = np.asarray(x, dtype=np.int64)
    windows = x.reshape(x.shape[:-1] + (p.positions, p.channels))
    if p.op == "max":
        return windows.max(axis=-2)
    acc = windows.sum(axis=-2) - p.positions * p.in_zero_point
    return requantize_and_clamp(acc, p.multiplier, p.shift, p.rounding, p.out_zero_point,
                                p.out_min, p.out_max)
