"""The quantization of a tensor the model leaves unquantized, calibrated on its real values.

Pre-quantized models (QDQ, QONNX) carry their own scales, except at their ends: an unquantized
model input (QONNX) and an unquantized model output (QDQ and QONNX: a float output, e.g.
Brevitas' TensorNorm or a last layer without an output quantizer). Those are calibrated here,
with the config's format (``activations`` for an input, ``output`` for the output) and
``calibration`` method, on the values the calibration data (``--calib``) gives them. A model
quantized from end to end ignores ``--calib`` and says so (:func:`warn_calibration_ignored`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..errors import HwgenWarning, QuantizationError
from ..ir.types import IntType, TensorQuant
from ..quant import calibrate
from .calibration_data import check_calibration, warn_if_outliers
from .layout import stream_input_axes, to_stream_layout

__all__ = ["calibrated_quant", "stream_rows", "warn_calibration_ignored"]


def calibrated_quant(values, fmt: str, method: str, what: str) -> TensorQuant:
    """An asymmetric quantization of format ``fmt`` (e.g. ``"int8"``) fitted to ``values``.

    Raises
    ------
    QuantizationError
        Naming ``what`` when the values are all equal (no range) or the method fails.
    """
    values = np.asarray(values, dtype=np.float64)
    dtype = IntType.parse(fmt)
    if float(values.min()) == float(values.max()):
        raise QuantizationError(f"{what}: every calibration value is {float(values.min())}, "
                                "so there is no range to quantize; pass varied inputs")
    warn_if_outliers(values, method, what)
    try:
        scale, zero = calibrate(values, method, bits=dtype.bits, signed=dtype.signed,
                                symmetric=False).scale_zero_point()
    except QuantizationError as exc:
        raise QuantizationError(f"{what}: {exc}") from None
    return TensorQuant(dtype, float(scale), int(zero))


def stream_rows(calibration, stream_shape, layer: str) -> np.ndarray:
    """Calibration samples (the model's own layout) as ``(N, *stream_shape)`` float64 rows."""
    stream_shape = tuple(int(d) for d in stream_shape)
    flat = check_calibration(calibration, math.prod(stream_shape), layer=layer)
    return to_stream_layout(flat, stream_shape, stream_input_axes(stream_shape))


def warn_calibration_ignored(source: str, why: str) -> None:
    """Warn that ``--calib`` is ignored for ``source`` because ``why`` (the model quantizes
    its input and output itself); the same rule as :func:`hwgen.frontend.uses_calibration`."""
    warnings.warn(HwgenWarning(
        f"{source}: calibration data (--calib) is ignored: {why}; --calib is used only for an "
        "input or output the model leaves unquantized"), stacklevel=3)
