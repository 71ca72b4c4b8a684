"""im2col of an NHWC batch: every window of a convolution or pool as one row.

The float layers (:mod:`hwgen.frontend.float.layers`) take the windows of float activations;
the QONNX reader (:mod:`hwgen.frontend.qonnx.integer_layers`) takes those of integer codes to
compute exact accumulators. The window order ``(ky, kx, c)`` is the sliding window's.
"""

from __future__ import annotations

import numpy as np

from ..ir.blocks.sliding_window import conv_output_size

__all__ = ["patches"]


def patches(x: np.ndarray, kernel: int, stride: int, pads: tuple, pad_value,
            dtype=np.float64) -> np.ndarray:
    """im2col of an NHWC batch: ``(N, OH, OW, k, k, C)``, positions outside hold ``pad_value``.

    ``dtype`` is the element type of the result: float64 for activations, int64 for codes.
    """
    n, h, w, c = x.shape
    top, left, bottom, right = pads
    padded = np.full((n, h + top + bottom, w + left + right, c), pad_value, dtype=dtype)
    padded[:, top:top + h, left:left + w, :] = x
    oh = conv_output_size(h, kernel, stride, top, bottom)
    ow = conv_output_size(w, kernel, stride, left, right)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kernel, kernel), axis=(1, 2))
    windows = windows[:, :(oh - 1) * stride + 1:stride, :(ow - 1) * stride + 1:stride]
    return windows.transpose(0, 1, 2, 4, 5, 3)  # (N, OH, OW, C, k, k) -> (N, OH, OW, k, k, C)
