"""Golden model of the sliding-window unit: im2col with a pad value."""

from __future__ import annotations

import numpy as np

from ..ir.blocks.sliding_window import SlidingWindowParams

__all__ = ["sliding_window"]


def sliding_window(x: np.ndarray, p: SlidingWindowParams) -> np.ndarray:
    """Patches ``(N, out_height, out_width, kernel * kernel * channels)``, ``(ky, kx, c)`` order.

    ``x`` has shape ``(N, height, width, channels)``.
    """
    x = np.asarray(x, dtype=np.int64)
    n = x.shape[0]
    top, left, bottom, right = p.pads
    padded = np.full((n, p.height + top + bottom, p.width + left + right, p.channels),
                     p.pad_value, dtype=np.int64)
    padded[:, top:top + p.height, left:left + p.width, :] = x
    k, s = p.kernel, p.stride
    out = np.empty((n, p.out_height, p.out_width, k, k, p.channels), dtype=np.int64)
    for ky in range(k):
        for kx in range(k):
            out[:, :, :, ky, kx, :] = padded[:, ky:ky + s * p.out_height:s,
                                             kx:kx + s * p.out_width:s, :]
    return out.reshape(n, p.out_height, p.out_width, k * k * p.channels)
