"""Quantization math for hwgen (numpy only).

Public entry points (the compiler's config names methods and rules with the same strings):

* rounding: :func:`round_to_int` (``"half_even"``, ``"half_away"``), :func:`stochastic_round`
* affine parameters: :func:`code_range`, :func:`scale_zero_point` (onnxruntime's rules)
* linear quantization: :func:`linear_quantize` (``"tensor"``, ``"channel"``, ``"group:N"``),
  :func:`vsquant` (two-level VS-Quant)
* calibration: :func:`calibrate`, :data:`CALIBRATION_METHODS`
* binary / ternary: :func:`binarize`, :func:`ternarize`, :func:`xnor_activation_scales`,
  :func:`bipolar_dot`
* k-means: :func:`kmeans_quantize`, :func:`centroid_gradients`
* AdaRound: :func:`adaround`, :func:`adaround_conv`
* metrics: :func:`frobenius_error`, :func:`mse`, :func:`sqnr_db`

Bad input raises :class:`hwgen.errors.QuantizationError`. See docs/quantization.md.
"""

from hwgen.quant.adaround import AdaRoundResult, adaround, adaround_conv
from hwgen.quant.affine import code_range, scale_zero_point
from hwgen.quant.binary import (
    BINARIZE_METHODS,
    BinaryQuantized,
    binarize,
    bipolar_dot,
    hard_sigmoid,
    xnor_activation_scales,
)
from hwgen.quant.calibration import CALIBRATION_METHODS, CalibrationRange, calibrate
from hwgen.quant.clipping import gaussian_clip_ratio, laplace_clip_ratio
from hwgen.quant.im2col import im2col
from hwgen.quant.kmeans import KMEANS_INITS, KMeansQuantized, centroid_gradients, kmeans_quantize
from hwgen.quant.linear import OVERFLOW_RULES, LinearQuantized, linear_quantize
from hwgen.quant.metrics import frobenius_error, mse, sqnr_db
from hwgen.quant.rounding import ROUNDING_RULES, round_to_int, stochastic_round
from hwgen.quant.ternary import TERNARIZE_METHODS, TernaryQuantized, ternarize
from hwgen.quant.vsquant import SCALE_ROUNDING_RULES, VSQuantized, vsquant

__all__ = [
    "AdaRoundResult",
    "BINARIZE_METHODS",
    "BinaryQuantized",
    "CALIBRATION_METHODS",
    "CalibrationRange",
    "KMEANS_INITS",
    "KMeansQuantized",
    "LinearQuantized",
    "OVERFLOW_RULES",
    "ROUNDING_RULES",
    "SCALE_ROUNDING_RULES",
    "TERNARIZE_METHODS",
    "TernaryQuantized",
    "VSQuantized",
    "adaround",
    "adaround_conv",
    "binarize",
    "bipolar_dot",
    "calibrate",
    "centroid_gradients",
    "code_range",
    "frobenius_error",
    "gaussian_clip_ratio",
    "hard_sigmoid",
    "im2col",
    "kmeans_quantize",
    "laplace_clip_ratio",
    "linear_quantize",
    "mse",
    "round_to_int",
    "scale_zero_point",
    "sqnr_db",
    "stochastic_round",
    "ternarize",
    "vsquant",
    "xnor_activation_scales",
]
