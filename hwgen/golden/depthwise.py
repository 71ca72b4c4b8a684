"""Golden model of the depthwise unit."""

from __future__ import annotations

import numpy as np

from ..errors import IRError
from ..ir.blocks.depthwise import DepthwiseParams
from .requant import requantize_and_clamp

__all__ = ["depthwise"]


def depthwise(x: np.ndarray, p: DepthwiseParams) -> np.ndarray:
    """``(N, *spatial, positions * channels)`` windows -> ``(N, *spatial, channels)`` codes.

    Each channel's window taps (``(ky, kx)`` order, channels fastest) dotted with that
    channel's kernel, exactly in int64, then requantized like the dense layer.
    """
    x = np.asarray(x, dtype=np.int64)
    if x.shape[-1] != p.positions * p.channels:
        raise IRError(f"layer {p.name!r} takes windows of {p.positions * p.channels} codes, "
                      f"not {x.shape[-1]}")
    p.input_type.check_codes(x, f"layer {p.name!r}: input")
    windows = x.reshape(x.shape[:-1] + (p.positions, p.channels))
    # |products| < 2**16 and at most a few hundred taps: int64 is exact.
    acc = (windows * p.weights.T).sum(axis=-2) + p.acc_bias
    return requantize_and_clamp(acc, p.multiplier, p.shift, p.rounding, p.out_zero_point,
                                p.out_min, p.out_max)
