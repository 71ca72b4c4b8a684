"""im2col: turn a 2-D convolution into a matrix product.

For ``x[N, C, H, W]`` and a kernel ``kh x kw``, :func:`im2col` returns one row per output pixel
(ordered ``n, oh, ow``) and one column per weight element (ordered ``c, i, j``), so that
``conv(x, w)[n, o, oh, ow] == (im2col(x) @ w.reshape(O, -1).T)[(n, oh, ow), o]``.
Padding is zeros; no dilation.
"""

from __future__ import annotations

import numbers

import numpy as np

from hwgen.errors import QuantizationError


def _pair(value, name: str, low: int) -> tuple[int, int]:
    single = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    vals = (value, value) if single else value
    try:
        a, b = vals
    except (TypeError, ValueError):
        raise QuantizationError(
            f"{name} must be an integer or a pair of integers, got {value!r}"
        ) from None
    for v in (a, b):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
            raise QuantizationError(f"{name} must be integers >= {low}, got {value!r}")
    return int(a), int(b)


def conv_output_shape(hw: tuple[int, int], kernel_shape, *, stride=1, padding=0) -> tuple[int, int]:
    """Output height and width of a convolution (floor division, as ONNX Conv)."""
    kh, kw = _pair(kernel_shape, "kernel_shape", 1)
    sh, sw = _pair(stride, "stride", 1)
    ph, pw = _pair(padding, "padding", 0)
    oh = (hw[0] + 2 * ph - kh) // sh + 1
    ow = (hw[1] + 2 * pw - kw) // sw + 1
    if oh < 1 or ow < 1:
        raise QuantizationError(
            f"kernel {kh}x{kw} does not fit the {hw[0]}x{hw[1]} input with padding {ph},{pw}; "
            "pad more or use a smaller kernel"
        )
    return oh, ow


def im2col(x, kernel_shape, *, stride=1, padding=0) -> np.ndarray:
    """Patches of ``x[N, C, H, W]`` as a ``(N*OH*OW, C*kh*kw)`` matrix (see module docstring)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 4:
        raise QuantizationError(f"im2col needs x of shape (N, C, H, W), got shape {arr.shape}")
    kh, kw = _pair(kernel_shape, "kernel_shape", 1)
    sh, sw = _pair(stride, "stride", 1)
    ph, pw = _pair(padding, "padding", 0)
    oh, ow = conv_output_shape(arr.shape[2:], (kh, kw), stride=(sh, sw), padding=(ph, pw))
    padded = np.pad(arr, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(2, 3))
    win = win[:, :, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw]  # (N, C, OH, OW, kh, kw)
    n, c = arr.shape[:2]
    return np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(n * oh * ow, c * kh * kw)
