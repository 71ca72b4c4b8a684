"""Checks of the fields every float layer shares, and the activation they end with.

:class:`~hwgen.frontend.float.model.FloatDense`, the convolutions and pools of
:mod:`hwgen.frontend.float.layers` and :class:`~hwgen.frontend.float.add.FloatAdd` validate
their arrays, ``inputs`` and ``clip`` here, so that each layer module depends only on this one.
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import ModelError

__all__ = ["frozen_float", "check_inputs", "check_clip", "activate"]


def frozen_float(values, what: str, ndim: int) -> np.ndarray:
    """A read-only float64 copy of ``values`` with ``ndim`` dimensions, non-empty and finite."""
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{what} cannot be read as a float array: {exc}") from None
    if array.ndim != ndim:
        raise ModelError(f"{what} must have {ndim} dimension(s), not shape {array.shape}")
    if 0 in array.shape:
        raise ModelError(f"{what} is empty (shape {array.shape})")
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ModelError(
            f"{what} holds {int(np.isnan(array).sum())} NaN and {int(np.isinf(array).sum())} Inf "
            f"values (first at index {first}); fix the model before quantizing it")
    array.setflags(write=False)
    return array


def check_inputs(where: str, inputs, count: int = 1):
    """``None`` (the layer reads the previous one) or a tuple of ``count`` layer names."""
    if inputs is None and count == 1:
        return None
    if isinstance(inputs, str) or not hasattr(inputs, "__len__") or len(inputs) != count \
            or not all(isinstance(n, str) and n for n in inputs):
        raise ModelError(f"{where}: inputs must be {'None or ' if count == 1 else ''}a tuple of "
                         f"{count} layer names ('input' for the model input), not {inputs!r}")
    return tuple(inputs)


def check_clip(where: str, clip) -> tuple | None:
    """``None`` or a ``(low, high)`` pair of floats with ``low < high`` (infinities allowed)."""
    if clip is None:
        return None
    try:
        low, high = (float(v) for v in clip)
    except (TypeError, ValueError):
        raise ModelError(f"{where}: clip must be None or (low, high), not {clip!r}") from None
    if math.isnan(low) or math.isnan(high) or not low < high:
        raise ModelError(f"{where}: clip bounds must satisfy low < high, not ({low}, {high})")
    return (low, high)


def activate(y: np.ndarray, relu: bool, clip) -> np.ndarray:
    """ReLU if ``relu``, then ``clip`` bounds if any (ONNX's Relu then Clip)."""
    if relu:
        y = np.maximum(y, 0.0)
    if clip is not None:
        y = np.clip(y, clip[0], clip[1])
    return y
