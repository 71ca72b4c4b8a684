"""Post-training quantization of a float CNN: conv, pool and dense layers -> IR :class:`Graph`.

The rules of :mod:`hwgen.frontend.ptq` (symmetric narrow-range weights per channel or per
tensor, asymmetric per-tensor activations calibrated on the float model, int32 bias at
``S_W S_X``) apply to every convolution (its matrix ``(out, k*k*in)``, one scale per output
channel) and dense layer. Pools add two rules:

- a max pool keeps its input's quantization (max commutes with a monotone quantization), so
  the tensors before and after a run of max pools share one quantization: its format and
  calibration method are those of the first layer after the run that is not a max pool (its
  ``activations``; the model's ``output`` if none), calibrated on the values entering the run
  (every value after a max pool is one of those);
- an average pool requantizes its window sum with ``M = S_in / (S_out * positions)`` under the
  single rounding rule (the exactly rounded mean when the scales are equal) unless its
  ``[layer.NAME]`` table (or ``[default]``) sets ``requant``.

Calibration rows are in the model's own layout (``(N, C, H, W)`` for an image, or flattened in
that order); they are transposed to the layers' NHWC layout (:mod:`hwgen.frontend.layout`).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError, IRError, QuantizationError
from ..ir import Graph, RequantRounding
from ..ir.conv import QuantConv, QuantPool
from ..ir.lowering import lower_layer
from .calibration_data import check_calibration
from .config import load_config
from .float_layers import FloatConv, FloatPool
from .float_model import FloatDense, check_chain, float_forward
from .layout import model_input_shape, stream_input_axes, to_stream_layout
from .ptq import _check_options, _quantize_layer, _tensor_quant

__all__ = ["quantize_network"]

#: Keys a pool's ``[layer.NAME]`` table may set (pools have no weights and no folding).
_POOL_KEYS = {"max": (), "avg": ("activations", "calibration", "requant"),
              "global_avg": ("activations", "calibration", "requant")}


def _is_max_pool(layer) -> bool:
    return isinstance(layer, FloatPool) and layer.op == "max"


def _check_pool_options(layers, config) -> None:
    errors = []
    for layer in layers:
        if not isinstance(layer, FloatPool):
            continue
        allowed = _POOL_KEYS[layer.op]
        given = sorted(k for k in config.explicit.get(layer.name, ()) if k not in allowed)
        if given:
            why = ("a max pool keeps its input's quantization: set activations on the layer "
                   "after it" if layer.op == "max" else
                   f"a pool has no weights or folding; it takes {', '.join(allowed)}")
            errors.append(f"[layer.{layer.name}]: {', '.join(given)} cannot be set for pool "
                          f"{layer.name!r} ({why})")
    if len(errors) == 1:
        raise ConfigError(errors[0])
    if errors:
        raise ConfigError(f"{len(errors)} config problems:\n  - " + "\n  - ".join(errors))


def _calibration_rows(calibration, layers) -> np.ndarray:
    """Calibration samples as ``(N, *input_shape)`` of the first layer (stream layout)."""
    stream_shape = tuple(layers[0].input_shape)
    axes = stream_input_axes(stream_shape)
    shape = model_input_shape(stream_shape, axes)
    data = np.asarray(calibration) if calibration is not None else None
    if data is not None and data.ndim >= 2 and len(shape) > 1 \
            and data.shape[1:] not in (shape, (math.prod(shape),)) \
            and math.prod(data.shape[1:]) == math.prod(shape):
        raise QuantizationError(
            f"calibration samples have shape {data.shape[1:]}; the model takes "
            f"{shape} per sample (its own layout, e.g. NCHW) or {math.prod(shape)} values "
            "flattened in that order")
    flat = check_calibration(calibration, math.prod(shape), layer=layers[0].name)
    return to_stream_layout(flat, stream_shape, axes)


def _activation_quants(layers, tensors, config) -> list:
    """One TensorQuant per tensor (model input, then every layer's output)."""
    quants = [None] * len(tensors)
    k = 0
    while k < len(tensors):
        j = k
        while j < len(layers) and _is_max_pool(layers[j]):
            j += 1  # tensors k..j are tied by max pools
        if j < len(layers):
            opts = config.layer(layers[j].name)
            fmt, method = opts.activations, opts.calibration
        else:
            fmt, method = config.output, config.default.calibration
        values = tensors[k]
        if k == 0:
            what = f"model input (input of layer {layers[0].name!r})"
            fix = "pass varied, representative calibration inputs"
        else:
            prev = layers[k - 1]
            what = f"output of layer {prev.name!r}" + (" (the model output)"
                                                       if j == len(layers) else "")
            fix = ("its ReLU outputs 0 for every sample: " if getattr(prev, "relu", False)
                   and values.max() <= 0 else "") + \
                "pass more varied calibration inputs, or check this layer's weights"
        quant = _tensor_quant(values, fmt, method, what, fix)
        for i in range(k, j + 1):
            quants[i] = quant
        k = j + 1
    return quants


def _quantize(layer, opts, config, in_q, out_q):
    if isinstance(layer, FloatDense):
        return _quantize_layer(layer, opts, in_q, out_q)
    if isinstance(layer, FloatConv):
        matrix = FloatDense(name=layer.name, weights=layer.weights.reshape(layer.out_features, -1),
                            bias=layer.bias, relu=layer.relu)
        dense = _quantize_layer(matrix, opts, in_q, out_q)
        return QuantConv(name=layer.name, weights=dense.weights.reshape(layer.weights.shape),
                         weight_quant=dense.weight_quant, bias=dense.bias, input_quant=in_q,
                         output_quant=out_q, input_shape=layer.input_shape,
                         stride=layer.stride, pads=layer.pads, relu=layer.relu,
                         rounding=dense.rounding, folding=dense.folding)
    rounding = opts.requant if config.is_set(layer.name, "requant") else RequantRounding.SINGLE
    return QuantPool(name=layer.name, op=layer.op, input_shape=layer.input_shape,
                     input_quant=in_q, output_quant=out_q, kernel=layer.kernel,
                     stride=layer.stride, pads=layer.pads, rounding=rounding)


def _check_lowerable(qlayer) -> None:
    """Fail now, naming the layer, if the hardware blocks cannot hold this layer."""
    from ..ir import Folding
    try:
        if isinstance(qlayer, QuantPool):
            lower_layer(qlayer, 1)
        else:
            matrix = qlayer.as_dense() if isinstance(qlayer, QuantConv) else qlayer
            lower_layer(matrix.replace(folding=Folding(pe=1, simd=1)), 1)
    except (IRError, QuantizationError) as exc:
        text = str(exc)
        prefix = f"layer {qlayer.name!r}"
        raise QuantizationError(text if text.startswith(prefix) else f"{prefix}: {text}") \
            from None


def quantize_network(layers, calibration, config=None, *, name: str = "model") -> Graph:
    """Quantize a float network (conv, pool and dense layers) into an IR graph.

    Parameters
    ----------
    layers : sequence of FloatConv, FloatPool and FloatDense
        The float layers in order, feature maps NHWC (what :func:`hwgen.frontend.read_onnx`
        returns).
    calibration : array_like
        Representative inputs in the model's own layout: ``(N, C, H, W)`` when the first
        layer takes an image, ``(N, features)`` otherwise (or flattened rows).
    config : None, CompileConfig, dict or path
        Per-layer choices (docs/config.md); pools take ``activations``, ``calibration`` and
        ``requant`` (average pools only).
    name : str
        Graph name.

    Returns
    -------
    Graph
        :class:`~hwgen.ir.conv.QuantConv`, :class:`~hwgen.ir.conv.QuantPool` and
        :class:`~hwgen.ir.QuantDense` layers, one per float layer.

    Raises
    ------
    ConfigError, QuantizationError, ModelError
        Before any quantization work for config and data problems.
    """
    layers = check_chain(layers)
    config = load_config(config)
    config.check_layer_names([layer.name for layer in layers])
    options = [config.layer(layer.name) for layer in layers]
    weighted = [(layer, opts) for layer, opts in zip(layers, options)
                if not isinstance(layer, FloatPool)]
    _check_options([layer for layer, _ in weighted], [opts for _, opts in weighted])
    _check_pool_options(layers, config)
    x = _calibration_rows(calibration, layers)
    _, tensors = float_forward(layers, x, keep_intermediate=True)
    quants = _activation_quants(layers, tensors, config)
    qlayers = [_quantize(layer, opts, config, quants[i], quants[i + 1])
               for i, (layer, opts) in enumerate(zip(layers, options))]
    for qlayer in qlayers:
        _check_lowerable(qlayer)
    return Graph(name=name, layers=tuple(qlayers))
