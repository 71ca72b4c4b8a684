"""Checks on the calibration array before any quantization work, and on the ranges it gives.

:func:`check_calibration` refuses data that cannot calibrate anything (missing, empty, not
real numbers, NaN / Inf). :func:`warn_if_outliers` warns when a tensor's min / max range is
set by a few extreme values, which leaves every other value a handful of codes.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..errors import HwgenWarning, QuantizationError

__all__ = ["check_calibration", "outlier_stretch", "warn_if_outliers", "OUTLIER_FRACTION",
           "OUTLIER_STRETCH", "RANGE_METHODS"]

#: The "few" values that may not set a range alone: 0.1% of a tensor's values (at least one
#: at each end).
OUTLIER_FRACTION = 1e-3
#: A range more than this many times wider than the range of the other values is dominated
#: by outliers: those values get at most 1/16 of the codes (an int8 tensor: 16 of 256).
OUTLIER_STRETCH = 16.0
#: Calibration methods whose range is the data's extremes (the ones a few outliers can set).
RANGE_METHODS = ("minmax", "mean_minmax", "ema")


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
    if data.dtype.kind == "c":
        raise QuantizationError(
            f"calibration data holds complex numbers ({data.dtype}); pass real values (the "
            "imaginary part is not dropped silently)")
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


def outlier_stretch(values) -> tuple[float, float, float, float, float]:
    """How much the few most extreme values widen the range of ``values``.

    The range includes 0 (as the quantizer's does). The trimmed range leaves out the
    ``max(1, OUTLIER_FRACTION * n)`` smallest and largest values.

    Returns
    -------
    (stretch, lo, hi, lo_trimmed, hi_trimmed)
        ``stretch`` = full range width / trimmed range width; 1.0 when there are too few
        values to tell, or when the trimmed range is empty (constant data has its own error).
    """
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    n = flat.size
    few = max(1, int(n * OUTLIER_FRACTION))
    if n <= 2 * few + 1:
        return 1.0, 0.0, 0.0, 0.0, 0.0
    part = np.partition(flat, (0, few, n - 1 - few, n - 1))
    lo, hi = min(float(part[0]), 0.0), max(float(part[-1]), 0.0)
    lo_trim, hi_trim = min(float(part[few]), 0.0), max(float(part[n - 1 - few]), 0.0)
    bulk = hi_trim - lo_trim
    if bulk <= 0:
        return 1.0, lo, hi, lo_trim, hi_trim
    return (hi - lo) / bulk, lo, hi, lo_trim, hi_trim


def warn_if_outliers(values, method: str, what: str) -> bool:
    """Warn (:class:`~hwgen.errors.HwgenWarning`) when a few values set ``what``'s range.

    Only for the methods of :data:`RANGE_METHODS`, whose range is the data's extremes.
    Returns whether it warned.
    """
    if method not in RANGE_METHODS:
        return False
    stretch, lo, hi, lo_trim, hi_trim = outlier_stretch(values)
    if stretch <= OUTLIER_STRETCH:
        return False
    warnings.warn(HwgenWarning(
        f"{what}: the calibration range [{lo:.4g}, {hi:.4g}] is set by a few outliers: "
        "without the most extreme 0.1% at each end the values lie in "
        f"[{lo_trim:.4g}, {hi_trim:.4g}], {stretch:.3g} times narrower, so they share a "
        "handful of codes. Check the calibration data for bad "
        'samples, or set calibration = "percentile" or "mse" (in [default], or in the '
        "[layer.NAME] table of the layer that reads this tensor)"), stacklevel=2)
    return True
