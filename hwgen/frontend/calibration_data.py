"""Checks on the calibration array before any quantization work."""

from __future__ import annotations

import math

import numpy as np

from ..errors import QuantizationError

__all__ = ["check_calibration"]


def check_calibration(calibration, in_features: int, *, layer: str) -> np.ndarray:
    """Calibration samples as a float64 ``(N, in_features)`` array.

    Parameters
    ----------
    calibration : array_like
        ``(N, in_features)``, or ``(N, d1, d2, ...)`` with ``d1 * d2 * ... == in_features``
        (flattened row-major, as ONNX Flatten with axis 1 does).
    in_features : int
        Width of the first layer.
    layer : str
        Name of the first layer, for messages.

    Raises
    ------
    QuantizationError
        If the data is missing, not numeric, empty, of the wrong width, or holds NaN / Inf.
    """
    if calibration is None:
        raise QuantizationError(
            f"calibration data is required: pass an array of shape (N, {in_features}) of "
            "representative model inputs")
    try:
        data = np.asarray(calibration)
    except (TypeError, ValueError) as exc:
        raise QuantizationError(f"calibration data cannot be read as an array: {exc}") from None
    if data.dtype.kind not in "biuf":
        raise QuantizationError(
            f"calibration data must be a numeric array, not dtype {data.dtype}")
    if data.ndim < 2:
        raise QuantizationError(
            f"calibration data has shape {data.shape}; pass (N, {in_features}) with one sample "
            "per row (for a single sample use x[None, :])")
    if data.shape[0] == 0:
        raise QuantizationError(
            f"calibration data is empty (shape {data.shape}); pass at least one sample of "
            f"{in_features} features (a few hundred representative inputs are typical)")
    width = math.prod(data.shape[1:])
    if width != in_features:
        raise QuantizationError(
            f"calibration samples have shape {data.shape[1:]} ({width} values) but layer "
            f"{layer!r} takes {in_features} inputs; pass an array of shape (N, {in_features})")
    data = data.reshape(data.shape[0], in_features).astype(np.float64)
    bad = ~np.isfinite(data)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise QuantizationError(
            f"calibration data holds {int(np.isnan(data).sum())} NaN and "
            f"{int(np.isinf(data).sum())} Inf values (first at row {row}, column {col}); "
            "remove or repair those samples")
    return data
