"""Binary and ternary weights for a float model's layers (config ``weights = "binary"`` /
``"ternary"``), with ``binarize`` / ``ternarize`` choosing the method (docs/config.md).

- ``binarize = "bwn"`` (default): ``W ~ alpha sign(W)``, ``alpha = mean |W|`` per output
  channel (``granularity = "channel"``, XNOR-Net's weight scaling) or per tensor;
  ``"sign"``: ``sign(W)`` with scale 1. sign(0) = +1 (the lecture's convention).
- ``ternarize = "twn"`` (default): ``Delta = 0.7 mean |W|``, one scale ``r_t`` (the mean of
  ``|W|`` above ``Delta``) for both signs; ``"ttq"``: ``Delta = 0.05 max |W|`` and separate
  positive and negative scales fitted to the codes, held as integer levels on one scale per
  channel (:func:`hwgen.ir.binary.ttq_levels`).

The layer's input and output activations stay integer codes (its input format is its
``activations``), the accumulator is requantized like the INT datapath's (``requant``), and
the activations are calibrated on the float model with these weights in place, so the ranges
are those the quantized model produces.
"""

from __future__ import annotations

import numpy as np

from ...errors import ConfigError, HwgenError, QuantizationError
from ...ir import Folding, IntType
from ...ir.binary import RequantActivation, ttq_levels
from ...ir.blocks.binary_mvau import lower_binary_dense
from ...ir.layers.binary_dense import BinaryDense
from ...quant import binarize, round_to_int, ternarize
from .model import FloatDense

__all__ = ["BINARY_FORMATS", "binary_layer_indices", "check_binary_options", "dequantized_weights",
           "with_binary_weights", "quantize_binary_layer"]

#: The ``weights`` values of this path.
BINARY_FORMATS = ("binary", "ternary")
_INT32 = IntType(32, True)


def binary_layer_indices(options) -> set:
    """Indices of the layers whose weights are binary or ternary."""
    return {i for i, opts in enumerate(options) if opts.weights in BINARY_FORMATS}


def check_binary_options(layers, options, config) -> None:
    """Binary / ternary choices this model cannot use, in one ConfigError, before any work."""
    errors = []
    for i, (layer, opts) in enumerate(zip(layers, options, strict=True)):
        where = f"layer {layer.name!r}"
        explicit = config.explicit.get(layer.name, frozenset())
        for key, fmt in (("binarize", "binary"), ("ternarize", "ternary")):
            if key in explicit and opts.weights != fmt:
                errors.append(f"{where}: {key} = {getattr(opts, key)!r} applies to {fmt} weights; "
                              f"this layer's weights are {opts.weights!r}")
        if opts.weights not in BINARY_FORMATS:
            continue
        if opts.group_size is not None:
            errors.append(f"{where}: granularity = {opts.granularity!r}: binary and ternary "
                          "weights take 'tensor' or 'channel'")
        formats = [opts.activations] + ([config.output] if i == len(layers) - 1 else
                                        [options[i + 1].activations])
        for fmt in formats:
            if not fmt.startswith(("int", "uint")):
                errors.append(f"{where}: {opts.weights} weights need integer activations "
                              f"around them, not {fmt!r}")
    if len(errors) == 1:
        raise ConfigError(errors[0])
    if errors:
        raise ConfigError(f"{len(errors)} config problems:\n  - " + "\n  - ".join(errors))


def _codes(layer: FloatDense, opts):
    """Codes, real scale per output channel and TTQ levels of a layer's weights."""
    axis = 0 if opts.granularity == "channel" else None
    rows = layer.out_features
    ones = np.ones(rows, dtype=np.int64)
    if opts.weights == "binary":
        if opts.binarize == "sign":
            return binarize(layer.weights, "sign").codes, np.ones(rows), ones, ones
        b = binarize(layer.weights, "bwn", axis=axis)
        return b.codes, np.broadcast_to(b.scale.reshape(-1), (rows,)), ones, ones
    t = ternarize(layer.weights, opts.ternarize, axis=axis)
    w_p = np.broadcast_to(t.scale_pos.reshape(-1), (rows,))
    w_n = np.broadcast_to(t.scale_neg.reshape(-1), (rows,))
    if opts.ternarize == "twn":
        # A row without non-zero codes has r_t = 0; any scale serves it.
        return t.codes, np.where(w_p > 0, w_p, 1.0), ones, ones
    level_pos, level_neg, scale = ttq_levels(w_p, w_n)
    return t.codes, scale, level_pos, level_neg


def dequantized_weights(layer: FloatDense, opts) -> np.ndarray:
    """The real values of a layer's binary / ternary weights (levels times scales)."""
    codes, scale, level_pos, level_neg = _codes(layer, opts)
    levels = np.where(codes > 0, level_pos[:, None], np.where(codes < 0, -level_neg[:, None], 0))
    return levels * scale[:, None]


def with_binary_weights(layers, options, indices) -> tuple:
    """The float layers with the binary / ternary layers' weights as the hardware sees them
    (for calibrating the activation ranges the quantized model produces)."""
    return tuple(FloatDense(name=layer.name, weights=dequantized_weights(layer, options[i]),
                            bias=layer.bias, relu=layer.relu) if i in indices else layer
                 for i, layer in enumerate(layers))


def quantize_binary_layer(layer: FloatDense, opts, in_q, out_q) -> BinaryDense:
    """The :class:`BinaryDense` of a float layer, checked to fit the hardware."""
    codes, scale, level_pos, level_neg = _codes(layer, opts)
    real = layer.bias / (scale * in_q.scale)
    if np.any(np.abs(real) > _INT32.qmax):
        i = int(np.argmax(np.abs(real) > _INT32.qmax))
        raise QuantizationError(
            f"layer {layer.name!r}: bias[{i}] = {layer.bias[i]:.6g} is beyond int32 in units "
            f"of the weight scale times the input scale ({scale[i] * in_q.scale:.4g}); check "
            "the model")
    folding = Folding(pe=opts.pe, simd=opts.simd) if opts.pe and opts.simd else None
    dense = BinaryDense(
        name=layer.name, weights=codes, weight_format="ternary" if opts.weights == "ternary"
        else "bipolar", weight_scale=scale, bias=round_to_int(real, "half_even"),
        input_quant=in_q, activation=RequantActivation(out_q, rounding=opts.requant,
                                                       relu=layer.relu),
        level_pos=level_pos, level_neg=level_neg, folding=folding)
    try:
        lower_binary_dense(dense.replace(folding=Folding(pe=1, simd=1)))
    except HwgenError as exc:
        raise QuantizationError(f"layer {layer.name!r}: {exc}") from None
    return dense
