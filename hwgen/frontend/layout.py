"""Tensor layouts: ONNX images are NCHW, hwgen streams NHWC.

Every ONNX reader of hwgen stores a feature map as ``(height, width, channels)`` (channels
fastest on the stream, the order the sliding window and the MVAU consume), so a model whose
first layer takes an image reads its input ``(N, C, H, W)`` transposed by
:data:`NCHW_TO_NHWC`. A model whose first layer is dense reads its input row-major, as the
model flattens it (no transposition). :func:`stream_input_axes` states that rule once; the
compiler stores its result in :attr:`hwgen.backend.design.LoweredDesign.input_axes`, so
``LoweredDesign.input_codes`` and ``hwgen sim --inputs X.npy`` take X in the model's own layout.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ModelError

__all__ = ["NCHW_TO_NHWC", "stream_input_axes", "model_input_shape", "to_stream_layout",
           "nchw_columns_to_nhwc"]

#: Per-sample axes permutation ``(C, H, W) -> (H, W, C)``.
NCHW_TO_NHWC = (1, 2, 0)


def stream_input_axes(stream_shape) -> tuple | None:
    """Axes that permute a model's per-sample input into the stream order, None for none.

    ``stream_shape`` is the input shape of the first IR layer: ``(H, W, C)`` for an image
    (the model's input is ``(C, H, W)``), ``(features,)`` for a dense layer.
    """
    return NCHW_TO_NHWC if len(tuple(stream_shape)) == 3 else None


def model_input_shape(stream_shape, axes) -> tuple:
    """The model's own per-sample input shape, e.g. ``(C, H, W)`` for ``(H, W, C)``."""
    stream_shape = tuple(int(d) for d in stream_shape)
    if axes is None:
        return stream_shape
    shape = [0] * len(stream_shape)
    for position, axis in enumerate(axes):
        shape[axis] = stream_shape[position]  # stream axis i is model axis axes[i]
    return tuple(shape)


def to_stream_layout(x, stream_shape, axes=None) -> np.ndarray:
    """Rows of ``x`` in the model's own layout -> ``(N, *stream_shape)``.

    ``x`` is ``(N, *model_shape)`` or ``(N, features)`` flattened row-major in the model's
    layout (ONNX Flatten order). Without ``axes`` any per-sample shape of the right size is
    read row-major (a model that flattens its input first).
    """
    x = np.asarray(x)
    stream_shape = tuple(int(d) for d in stream_shape)
    shape = model_input_shape(stream_shape, axes)
    size = math.prod(shape)
    if axes is None and x.ndim >= 2 and math.prod(x.shape[1:]) == size:
        return x.reshape((len(x),) + shape)
    if x.ndim < 2 or x.shape[1:] not in (shape, (size,)):
        shown = f"(N, {size})" + (f" or (N, {', '.join(map(str, shape))})"
                                  if len(shape) > 1 else "")
        raise ModelError(f"inputs have shape {x.shape}; the model takes {shown}")
    x = x.reshape((len(x),) + shape)
    if axes is not None:
        x = x.transpose((0,) + tuple(a + 1 for a in axes))
    return x


def nchw_columns_to_nhwc(weights: np.ndarray, chw: tuple) -> np.ndarray:
    """Reorder the columns of ``(out, C*H*W)`` dense weights to read an NHWC feature map.

    ONNX Flatten of an NCHW map orders features ``(c, h, w)``; hwgen's stream orders them
    ``(h, w, c)``, so column ``(c, h, w)`` moves to position ``(h, w, c)``.
    """
    c, h, w = chw
    weights = np.asarray(weights)
    return weights.reshape(weights.shape[0], c, h, w).transpose(0, 2, 3, 1).reshape(
        weights.shape[0], c * h * w)
