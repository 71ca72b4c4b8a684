"""Post-training quantization of a float CNN: conv, pool and dense layers -> IR :class:`Graph`.

The rules of :mod:`hwgen.frontend.float.ptq` (symmetric narrow-range weights per channel or per
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

Networks with branches (a :class:`~hwgen.frontend.float.add.FloatAdd` joins two, a layer's
``inputs`` names the layer it reads) follow the same rules per tensor: a tensor read by
several layers has one quantization, its producer's output, calibrated once; every layer that
reads it (and the model's ``output`` if it is the output) must ask for the same
``activations`` and ``calibration``. An add requantizes ``S_a (q_a - Z_a) + S_b (q_b - Z_b)``
to its output's calibrated quantization (:mod:`hwgen.ir.blocks.eltwise_add`) under single rounding
unless ``requant`` is set; a Relu after it is fused (its output range starts at 0).

Calibration rows are in the model's own layout (``(N, C, H, W)`` for an image, or flattened in
that order); they are transposed to the layers' NHWC layout (:mod:`hwgen.frontend.layout`).
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import ConfigError, QuantizationError
from ...ir import Graph, RequantRounding
from ...ir.layers.add import QuantAdd
from ...ir.layers.conv import QuantConv, QuantPool
from ...ir.layers.depthwise import QuantDepthwiseConv
from ...ir.layers.mx_conv import MxConv
from ...ir.layers.mx_dense import MxDense
from ...passes.lowerable import check_lowerable
from ..calibration_data import check_calibration
from ..config import load_config
from ..layout import model_input_shape, stream_input_axes, to_stream_layout
from .add import FloatAdd
from .binary_conv_ptq import (
    binary_network_indices,
    quantize_binary_conv,
    with_binary_network_weights,
)
from .binary_ptq import BINARY_FORMATS, check_binary_options, quantize_binary_layer
from .depthwise import FloatDepthwiseConv
from .int_ptq import check_int_options, quantize_int_layer, tensor_quant
from .layers import FloatConv, FloatPool
from .model import FloatDense
from .mx_cnn_ptq import check_cnn_mx_options, has_mx_weights, quantize_mx_weights
from .network import check_chain, check_network, float_forward, is_chain, network_edges

__all__ = ["quantize_network"]

#: Keys a pool's ``[layer.NAME]`` table may set (pools have no weights and no folding).
_POOL_KEYS = {"max": (), "avg": ("activations", "calibration", "requant"),
              "global_avg": ("activations", "calibration", "requant")}
#: Keys an add's ``[layer.NAME]`` table may set (``activations``: the format of both inputs).
_ADD_KEYS = ("activations", "calibration", "requant")


def _is_max_pool(layer) -> bool:
    return isinstance(layer, FloatPool) and layer.op == "max"


def _check_pool_options(layers, config) -> None:
    errors = []
    for layer in layers:
        if not isinstance(layer, (FloatPool, FloatAdd)):
            continue
        allowed = _ADD_KEYS if isinstance(layer, FloatAdd) else _POOL_KEYS[layer.op]
        given = sorted(k for k in config.explicit.get(layer.name, ()) if k not in allowed)
        if given:
            kind = "add" if isinstance(layer, FloatAdd) else "pool"
            why = ("a max pool keeps its input's quantization: set activations on the layer "
                   "after it" if getattr(layer, "op", None) == "max" else
                   f"{'an' if kind == 'add' else 'a'} {kind} has no weights or folding; it "
                   f"takes {', '.join(allowed)}")
            errors.append(f"[layer.{layer.name}]: {', '.join(given)} cannot be set for {kind} "
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


def _tensor_groups(layers, edges) -> dict:
    """Tensors that share one quantization, ``{root: [tensors]}``: a max pool's output is
    its input's (tensor 0 is the model input, ``i + 1`` the output of layer ``i``)."""
    root = list(range(len(layers) + 1))
    for i, layer in enumerate(layers):
        if _is_max_pool(layer):
            root[i + 1] = root[edges[i][0]]
    groups = {}
    for tensor, r in enumerate(root):
        groups.setdefault(r, []).append(tensor)
    return groups


def _group_format(layers, edges, members, config) -> tuple:
    """``(format, calibration method)`` of a group of tensors: that of every layer reading
    it but max pools (their ``activations``), or the model's ``output``; they must agree."""
    choices = {}
    for i, inputs in enumerate(edges):
        if any(t in members for t in inputs) and not _is_max_pool(layers[i]):
            opts = config.layer(layers[i].name)
            choices.setdefault((opts.activations, opts.calibration), []).append(
                repr(layers[i].name))
    if len(layers) in members:
        choices.setdefault((config.output, config.default.calibration), []).append(
            "the model output ([default] output)")
    if len(choices) > 1:
        root = members[0]
        tensor = "the model input" if root == 0 else \
            f"the output of layer {layers[root - 1].name!r}"
        readers = "; ".join(f"{', '.join(who)}: {fmt}, {method}"
                            for (fmt, method), who in choices.items())
        raise ConfigError(f"{tensor} is read by layers that ask for different formats or "
                          f"calibrations ({readers}); a tensor has one quantization: give "
                          "them the same activations and calibration")
    return next(iter(choices))


def _activation_quants(layers, tensors, config, edges) -> list:
    """One TensorQuant per tensor (model input, then every layer's output)."""
    quants = [None] * len(tensors)
    for k, members in _tensor_groups(layers, edges).items():
        fmt, method = _group_format(layers, edges, members, config)
        values = tensors[k]
        if k == 0:
            what = f"model input (input of layer {layers[0].name!r})"
            fix = "pass varied, representative calibration inputs"
        else:
            prev = layers[k - 1]
            what = f"output of layer {prev.name!r}" + (" (the model output)"
                                                       if len(layers) in members else "")
            fix = ("its ReLU outputs 0 for every sample: " if getattr(prev, "relu", False)
                   and values.max() <= 0 else "") + \
                "pass more varied calibration inputs, or check this layer's weights"
        quant = tensor_quant(values, fmt, method, what, fix)
        for i in members:
            quants[i] = quant
    return quants


def _quantize(layer, opts, config, in_quants, out_q):
    in_q = in_quants[0]
    if isinstance(layer, FloatAdd):
        rounding = opts.requant if config.is_set(layer.name, "requant") \
            else RequantRounding.SINGLE
        return QuantAdd(name=layer.name, inputs=layer.inputs, a_quant=in_quants[0],
                        b_quant=in_quants[1], output_quant=out_q, shape=layer.shape,
                        relu=layer.relu, rounding=rounding)
    binary = opts.weights in BINARY_FORMATS
    if isinstance(layer, FloatDepthwiseConv) and (binary or has_mx_weights(layer, opts)):
        raise ConfigError(f"[layer.{layer.name}]: weights = {opts.weights!r}: a depthwise "
                          "convolution takes integer weights (int2 to int8)")
    if has_mx_weights(layer, opts):
        return quantize_mx_weights(layer, opts, in_q, out_q)
    if isinstance(layer, FloatDense):
        return (quantize_binary_layer if binary else quantize_int_layer)(layer, opts, in_q, out_q)
    if isinstance(layer, FloatDepthwiseConv):
        # Each channel's k*k taps are one row: one weight scale per channel (or per tensor).
        rows = FloatDense(name=layer.name, weights=layer.weights.reshape(layer.out_features, -1),
                          bias=layer.bias, relu=layer.relu)
        dense = quantize_int_layer(rows, opts, in_q, out_q)
        return QuantDepthwiseConv(
            name=layer.name, weights=dense.weights.reshape(layer.weights.shape[:3]),
            weight_quant=dense.weight_quant, bias=dense.bias, input_quant=in_q,
            output_quant=out_q, input_shape=layer.input_shape, stride=layer.stride,
            pads=layer.pads, relu=layer.relu, rounding=dense.rounding, folding=dense.folding)
    if isinstance(layer, FloatConv) and binary:
        return quantize_binary_conv(layer, opts, in_q, out_q)
    if isinstance(layer, FloatConv):
        matrix = FloatDense(name=layer.name, weights=layer.weights.reshape(layer.out_features, -1),
                            bias=layer.bias, relu=layer.relu)
        dense = quantize_int_layer(matrix, opts, in_q, out_q)
        return QuantConv(name=layer.name, weights=dense.weights.reshape(layer.weights.shape),
                         weight_quant=dense.weight_quant, bias=dense.bias, input_quant=in_q,
                         output_quant=out_q, input_shape=layer.input_shape,
                         stride=layer.stride, pads=layer.pads, relu=layer.relu,
                         rounding=dense.rounding, folding=dense.folding)
    rounding = opts.requant if config.is_set(layer.name, "requant") else RequantRounding.SINGLE
    return QuantPool(name=layer.name, op=layer.op, input_shape=layer.input_shape,
                     input_quant=in_q, output_quant=out_q, kernel=layer.kernel,
                     stride=layer.stride, pads=layer.pads, rounding=rounding)


def quantize_network(layers, calibration, config=None, *, name: str = "model") -> Graph:
    """Quantize a float network (conv, pool and dense layers) into an IR graph.

    Parameters
    ----------
    layers : sequence of FloatConv, FloatPool, FloatDense and FloatAdd
        The float layers in topological order, feature maps NHWC (what
        :func:`hwgen.frontend.read_onnx` returns).
    calibration : array_like
        Representative inputs in the model's own layout: ``(N, C, H, W)`` when the first
        layer takes an image, ``(N, features)`` otherwise (or flattened rows).
    config : None, CompileConfig, dict or path
        Per-layer choices (docs/config.md); pools and adds take ``activations``,
        ``calibration`` and ``requant`` (average pools and adds only).
    name : str
        Graph name.

    Returns
    -------
    Graph
        :class:`~hwgen.ir.layers.conv.QuantConv`, :class:`~hwgen.ir.layers.conv.QuantPool`,
        :class:`~hwgen.ir.QuantDense` and :class:`~hwgen.ir.layers.add.QuantAdd` layers, one per
        float layer; ``connections`` for the layers with ``inputs``.

    Raises
    ------
    ConfigError, QuantizationError, ModelError
        Before any quantization work for config and data problems.
    """
    layers = check_chain(layers) if is_chain(layers) else check_network(layers)
    config = load_config(config)
    config.check_layer_names([layer.name for layer in layers])
    options = [config.layer(layer.name) for layer in layers]
    weighted = [(layer, opts) for layer, opts in zip(layers, options, strict=True)
                if not isinstance(layer, (FloatPool, FloatAdd))]
    check_int_options([layer for layer, _ in weighted], [opts for _, opts in weighted])
    _check_pool_options(layers, config)
    check_binary_options([layer for layer, _ in weighted], [opts for _, opts in weighted],
                         config)
    check_cnn_mx_options(layers, options, config)
    edges = network_edges(layers)
    x = _calibration_rows(calibration, layers)
    # Binary / ternary layers are calibrated with their quantized weights in place.
    binary = binary_network_indices(layers, options)
    _, tensors = float_forward(with_binary_network_weights(layers, options, binary), x,
                               keep_intermediate=True)
    quants = _activation_quants(layers, tensors, config, edges)
    qlayers = [_quantize(layer, opts, config, [quants[t] for t in inputs], quants[i + 1])
               for i, (layer, opts, inputs) in enumerate(zip(layers, options, edges, strict=True))]
    for qlayer in qlayers:
        if not isinstance(qlayer, (MxConv, MxDense)):  # checked as they were built
            check_lowerable(qlayer)
    connections = {layer.name: layer.inputs for layer in layers
                   if not isinstance(layer, FloatAdd) and layer.inputs is not None}
    return Graph(name=name, layers=tuple(qlayers), connections=connections)
