"""Chains and networks of float layers: which tensors each layer reads, checks, and the forward
pass (:func:`float_forward`).

A float network is a sequence of float layers in topological order. A layer reads the previous
layer's output unless its ``inputs`` names other layers (``"input"``: the model input); a
:class:`~hwgen.frontend.float.add.FloatAdd` always names its two. A chain is the special case
with no ``inputs``. Tensors are numbered as :func:`hwgen.frontend.float_forward` returns them:
0 the model input, ``i + 1`` the output of layer ``i``.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from ...errors import ModelError
from ...ir.graph import GRAPH_INPUT
from .add import FloatAdd
from .layers import FloatConv, FloatPool
from .model import FloatDense

__all__ = ["layer_sources", "check_chain", "is_chain", "check_network", "network_edges",
           "network_forward", "float_forward"]


def layer_sources(layers) -> list[tuple]:
    """The names each layer reads, in the order of its input ports."""
    sources, previous = [], GRAPH_INPUT
    for layer in layers:
        sources.append(tuple(getattr(layer, "inputs", None) or (previous,)))
        previous = layer.name
    return sources


def check_chain(layers) -> tuple:
    """Return ``layers`` as a tuple after checking they form a chain with unique names.

    Raises
    ------
    ModelError
        Listing every mismatch at once; a network with branches (a
        :class:`~hwgen.frontend.float.add.FloatAdd` or a layer with ``inputs``) is refused
        here and quantized by :func:`hwgen.frontend.quantize_network`.
    """
    layers = tuple(layers)
    if not layers:
        raise ModelError("the model has no dense layers")
    problems = []
    seen = set()
    for layer in layers:
        if not isinstance(layer, (FloatDense, FloatConv, FloatPool)):
            if isinstance(layer, FloatAdd):
                raise ModelError(f"layer {layer.name!r} adds two branches; a network with "
                                 "branches is quantized by quantize_network")
            raise ModelError(f"{layer!r} is not a FloatDense, FloatConv or FloatPool layer")
        if layer.inputs is not None:
            raise ModelError(f"layer {layer.name!r} reads {layer.inputs[0]!r}, not the layer "
                             "before it; a network with branches is quantized by "
                             "quantize_network")
        if layer.name in seen:
            problems.append(f"layer name {layer.name!r} is used twice; names must be unique")
        seen.add(layer.name)
    for prev, layer in pairwise(layers):
        # Tensors chain in row-major order, so a dense layer may read a feature map (flatten).
        if math.prod(prev.output_shape) != math.prod(layer.input_shape):
            problems.append(
                f"layer {layer.name!r} takes {math.prod(layer.input_shape)} inputs but "
                f"{prev.name!r} produces {math.prod(prev.output_shape)}")
    if problems:
        raise ModelError("the layers do not form a chain:\n  - " + "\n  - ".join(problems))
    return layers


def is_chain(layers) -> bool:
    """Whether every layer reads the one before it (no FloatAdd, no ``inputs``)."""
    return not any(isinstance(layer, FloatAdd) or getattr(layer, "inputs", None) is not None
                   for layer in layers)


def check_network(layers) -> tuple:
    """Return ``layers`` as a tuple after checking they form a network.

    Names are unique, every input names the model input or an earlier layer, element counts
    match (a dense layer may read a feature map: a flatten), and every layer but the last feeds
    another (the last is the output).

    Raises
    ------
    ModelError
        Listing every problem at once.
    """
    layers = tuple(layers)
    if not layers:
        raise ModelError("the model has no dense layers")
    for layer in layers:
        if not isinstance(layer, (FloatDense, FloatConv, FloatPool, FloatAdd)):
            raise ModelError(f"{layer!r} is not a FloatDense, FloatConv, FloatPool or FloatAdd "
                             "layer")
    problems, index, used = [], {GRAPH_INPUT: None}, set()
    for layer, sources in zip(layers, layer_sources(layers), strict=True):
        if layer.name in index:
            what = "stands for the model input" if layer.name == GRAPH_INPUT else "is used twice"
            problems.append(f"layer name {layer.name!r} {what}; names must be unique")
        for source in sources:
            if source not in index:
                problems.append(f"layer {layer.name!r} reads {source!r}, which is neither the "
                                "model input nor an earlier layer")
                continue
            used.add(source)
            producer = index[source]
            # Tensors travel in row-major order, so a dense layer may read a map (flatten).
            if producer is not None and \
                    math.prod(producer.output_shape) != math.prod(layer.input_shape):
                problems.append(
                    f"layer {layer.name!r} takes {math.prod(layer.input_shape)} inputs but "
                    f"{producer.name!r} produces {math.prod(producer.output_shape)}")
        index.setdefault(layer.name, layer)
    unused = [layer.name for layer in layers[:-1] if layer.name not in used]
    if unused:
        problems.append(f"the output of {', '.join(map(repr, unused))} is never used; every "
                        "layer but the last must feed another")
    if problems:
        raise ModelError("the layers do not form a network:\n  - " + "\n  - ".join(problems))
    return layers


def network_edges(layers) -> list[tuple]:
    """Tensor index of each input of each layer (0: the model input, ``i + 1``: layer ``i``)."""
    position = {GRAPH_INPUT: 0}
    position.update({layer.name: i + 1 for i, layer in enumerate(layers)})
    return [tuple(position[s] for s in sources) for sources in layer_sources(layers)]


def network_forward(layers, x: np.ndarray) -> list:
    """Every tensor of the network for inputs ``x`` (already in the first layer's layout):
    ``[x, out_0, out_1, ...]``, float64. ``layers`` were checked by :func:`check_network`."""
    tensors = [np.asarray(x, dtype=np.float64)]
    for layer, inputs in zip(layers, network_edges(layers), strict=True):
        args = [tensors[i].reshape((len(x),) + tuple(layer.input_shape)) for i in inputs]
        tensors.append(layer.forward(*args))
    return tensors


def float_forward(layers, x, *, keep_intermediate: bool = False):
    """Run ``x`` through the float layers in float64.

    Parameters
    ----------
    layers : sequence of FloatDense, FloatConv, FloatPool and FloatAdd
        A chain (see :func:`check_chain`) or a network with branches, in topological order
        (see :func:`check_network`).
    x : array_like
        Inputs, shape ``(N, in_features)``, or ``(N, *input_shape)`` of the first layer (NHWC
        for a convolution or pool; see :func:`hwgen.frontend.layout.to_stream_layout`).
    keep_intermediate : bool
        Also return the activation tensors ``[x, out_0, out_1, ...]`` (each after its ReLU).

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, list of numpy.ndarray)
    """
    layers = tuple(layers)
    layers = check_chain(layers) if is_chain(layers) else check_network(layers)
    y = np.asarray(x, dtype=np.float64)
    first = tuple(layers[0].input_shape)
    if y.ndim < 2 or y.shape[1:] not in (first, (math.prod(first),)):
        shapes = f"(N, {math.prod(first)})" + (
            f" or (N, {', '.join(map(str, first))})" if len(first) > 1 else "")
        raise ModelError(f"inputs have shape {y.shape}; the model takes {shapes}")
    tensors = network_forward(layers, y)
    return (tensors[-1], tensors) if keep_intermediate else tensors[-1]
