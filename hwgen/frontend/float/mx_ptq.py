"""Post-training quantization of layers that use MX formats (weights, activations or both).

A layer goes to the MX datapath (:class:`hwgen.ir.layers.mx_dense.MxDense`) when its weights are MX,
its input activations are MX, or its output is (the next layer's activations are MX):

- MX weights: :func:`hwgen.quant.mx.mx_quantize` of each row in blocks of ``block_size``
  along the inputs, shared exponent rule "floor", the layer's ``rounding`` tie rule; int
  weights as on the INT datapath (symmetric, narrow range, per channel or tensor);
- int activations: calibrated as on the INT datapath; MX activations need no calibration
  (each block carries its scale), and their exponent window is the producer's exact range;
- the bias stays real until lowering, where it is rounded to the accumulator's unit.

The model's input and output stay integer (the host streams integer codes); the block size
of a layer applies to its weights and its input activations (default 32, or 16 when MX4 /
MX6 / MX9 is involved).
"""

from __future__ import annotations

import numpy as np

from ...errors import ConfigError, IRError, QuantizationError
from ...ir import Folding, Graph, WeightQuant
from ...ir.blocks.mx_mvau import MxMvauParams, mx_output_window
from ...ir.layers.mx_dense import MxDense
from ...ir.mx.types import MxQuant, is_mx_format
from ...passes.folding import divisors
from ...quant import linear_quantize
from ...quant.mx import E8M0_NAN, mx_format, mx_quantize
from .int_ptq import check_int_lowerable, quantize_int_layer

__all__ = ["mx_layer_indices", "layer_block_size", "check_mx_options", "layer_weights",
           "check_mx_lowerable", "quantize_mx_layers"]


def _formats(layers, options, config):
    """(input format, output format) of every layer."""
    n = len(layers)
    inputs = [options[i].activations for i in range(n)]
    outputs = inputs[1:] + [config.output]
    return inputs, outputs


def mx_layer_indices(layers, options, config) -> set:
    """Indices of the layers that go to the MX datapath."""
    inputs, outputs = _formats(layers, options, config)
    return {i for i, opts in enumerate(options)
            if is_mx_format(opts.weights) or is_mx_format(inputs[i]) or is_mx_format(outputs[i])}


def layer_block_size(opts) -> int:
    """The block size of a layer's weights and input activations."""
    if opts.block_size is not None:
        return opts.block_size
    micro = any(is_mx_format(f) and mx_format(f).micro for f in (opts.weights, opts.activations))
    return 16 if micro else 32


def check_mx_options(layers, options, config) -> None:
    """Every MX choice this model cannot use, in one ConfigError (before any work)."""
    inputs, outputs = _formats(layers, options, config)
    errors = []
    for i in sorted(mx_layer_indices(layers, options, config)):
        layer, opts = layers[i], options[i]
        where = f"layer {layer.name!r}"
        k = layer_block_size(opts)
        if i == 0 and is_mx_format(inputs[0]):
            errors.append(
                f"{where}: activations = {inputs[0]!r}: the model input must be an integer "
                "format (the host streams integer codes); set activations = 'int8' in "
                f"[layer.{layer.name}] (MX activations work from the second layer on)")
        blocked = is_mx_format(opts.weights) or (i > 0 and is_mx_format(inputs[i]))
        if blocked and layer.in_features % k:
            errors.append(
                f"{where}: block_size = {k} does not divide its {layer.in_features} inputs; "
                f"use one of {', '.join(map(str, divisors(layer.in_features)))}")
        micro = [f for f in (opts.weights, inputs[i]) if is_mx_format(f) and mx_format(f).micro]
        if micro and k % 2:
            errors.append(f"{where}: {micro[0]} pairs elements under one micro-exponent, so "
                          f"block_size = {k} must be even; use e.g. 16")
        if is_mx_format(outputs[i]) and i + 1 < len(layers):
            k_next = layer_block_size(options[i + 1])
            if layer.out_features % k_next:
                errors.append(
                    f"{where}: its {layer.out_features} outputs are the MX inputs of "
                    f"{layers[i + 1].name!r} in blocks of {k_next}, which do not divide them; "
                    f"set block_size of {layers[i + 1].name!r} to one of "
                    f"{', '.join(map(str, divisors(layer.out_features)))}")
        if config.is_set(layer.name, "requant") and opts.requant != "single":
            errors.append(
                f"{where}: requant = {opts.requant!r}: an MX layer requantizes its wide "
                "accumulator with 'single' rounding; set requant = 'single' or leave it out")
    if len(errors) == 1:
        raise ConfigError(errors[0])
    if errors:
        raise ConfigError(f"{len(errors)} config problems:\n  - " + "\n  - ".join(errors))


def layer_weights(layer, opts, k):
    """MX tensor, or int codes and their WeightQuant."""
    if is_mx_format(opts.weights):
        t = mx_quantize(layer.weights, opts.weights, k, rounding=opts.rounding)
        if np.any(t.scales == E8M0_NAN):
            raise QuantizationError(
                f"layer {layer.name!r}: weights of magnitude {np.abs(layer.weights).max():.3g} "
                "overflow the E8M0 shared exponent (2**127); check the model")
        return t, None
    dtype = opts.weight_type
    q = linear_quantize(layer.weights, dtype.bits, signed=True, symmetric=True,
                        narrow_range=True, granularity=opts.granularity, axis=0,
                        rounding=opts.rounding)
    scale = np.broadcast_to(np.asarray(q.scale).reshape(-1), (layer.out_features,)).copy()
    return q.codes, WeightQuant(dtype=dtype, scale=scale, granularity=opts.granularity)


def check_mx_lowerable(layer: MxDense) -> None:
    """Fail now, naming the layer, if the MX datapath cannot hold it under any folding."""
    for pe in divisors(layer.out_features):
        for simd in divisors(layer.in_features):
            if layer.allows_folding(pe, simd):
                try:
                    MxMvauParams.from_layer(layer.replace(folding=Folding(pe=pe, simd=simd)))
                except IRError as exc:
                    raise QuantizationError(str(exc)) from None
                return


def quantize_mx_layers(layers, options, config, quants, name: str) -> Graph:
    """The graph of a model with MX layers.

    ``quants`` holds the int TensorQuant of every layer boundary that carries int
    activations (``None`` where the activations are MX); layers are built in order, each MX
    output's exponent window computed from its producer.
    """
    mx = mx_layer_indices(layers, options, config)
    built = []
    for i, (layer, opts) in enumerate(zip(layers, options, strict=True)):
        in_q = built[-1].output_quant if built else quants[0]
        out_q = quants[i + 1]
        if i not in mx:
            qlayer = quantize_int_layer(layer, opts, in_q, out_q)
            check_int_lowerable(qlayer)
            built.append(qlayer)
            continue
        k = layer_block_size(opts)
        if out_q is None:                     # MX outputs, in blocks of the consumer's size
            fmt = options[i + 1].activations
            out_q = MxQuant(fmt, layer_block_size(options[i + 1]))
        weights, weight_quant = layer_weights(layer, opts, k)
        folding = None
        if opts.pe is not None and opts.simd is not None:
            folding = Folding(pe=opts.pe, simd=opts.simd)
        try:
            qlayer = MxDense(name=layer.name, weights=weights, weight_quant=weight_quant,
                             bias=layer.bias, input_quant=in_q, output_quant=out_q,
                             relu=layer.relu, rounding=opts.rounding, folding=folding)
            if isinstance(out_q, MxQuant):
                lo, hi = mx_output_window(qlayer)
                qlayer = qlayer.replace(output_quant=MxQuant(out_q.format, out_q.block_size,
                                                             lo, hi))
        except IRError as exc:
            raise QuantizationError(str(exc)) from None
        check_mx_lowerable(qlayer)
        built.append(qlayer)
    return Graph(name=name, layers=tuple(built))
