"""Binary and ternary weights for the convolutions (and dense layers) of a float CNN.

A convolution with ``weights = "binary"`` / ``"ternary"`` is quantized exactly as a dense
layer of :mod:`hwgen.frontend.float.binary_ptq` whose matrix is the convolution's
``(out, k * k * in)`` im2col weights: one scale (BWN's alpha, TWN's r_t, TTQ's levels) per
output channel or per tensor, integer activations around the layer, a requantizing output.
Its integer input is padded with the zero point, the float model's 0.
"""

from __future__ import annotations

from dataclasses import replace

from ...ir.layers.binary_conv import BinaryConv
from .binary_ptq import BINARY_FORMATS, dequantized_weights, quantize_binary_layer
from .layers import FloatConv
from .model import FloatDense

__all__ = ["binary_network_indices", "with_binary_network_weights", "quantize_binary_conv"]


def _matrix(layer: FloatConv) -> FloatDense:
    return FloatDense(name=layer.name, weights=layer.weights.reshape(layer.out_features, -1),
                      bias=layer.bias, relu=layer.relu)


def binary_network_indices(layers, options) -> set:
    """Indices of the convolutions and dense layers whose weights are binary or ternary."""
    return {i for i, (layer, opts) in enumerate(zip(layers, options, strict=True))
            if isinstance(layer, (FloatConv, FloatDense)) and opts.weights in BINARY_FORMATS}


def with_binary_network_weights(layers, options, indices) -> tuple:
    """The float layers with the binary / ternary layers' weights as the hardware sees them
    (everything else about each layer kept), for calibrating the activations."""
    out = []
    for i, layer in enumerate(layers):
        if i in indices:
            matrix = _matrix(layer) if isinstance(layer, FloatConv) else layer
            layer = replace(layer, weights=dequantized_weights(matrix, options[i]).reshape(
                layer.weights.shape))
        out.append(layer)
    return tuple(out)


def quantize_binary_conv(layer: FloatConv, opts, in_q, out_q) -> BinaryConv:
    """The :class:`BinaryConv` of a float convolution, checked to fit the hardware."""
    dense = quantize_binary_layer(_matrix(layer), opts, in_q, out_q)
    return BinaryConv(name=layer.name, weights=dense.weights.reshape(layer.weights.shape),
                      weight_format=dense.weight_format, weight_scale=dense.weight_scale,
                      bias=dense.bias, input_quant=in_q, activation=dense.activation,
                      input_shape=layer.input_shape, stride=layer.stride, pads=layer.pads,
                      level_pos=dense.level_pos, level_neg=dense.level_neg,
                      folding=dense.folding)
