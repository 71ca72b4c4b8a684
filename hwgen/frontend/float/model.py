"""Float dense layers and their numpy forward pass (the float reference and calibration source).

A float MLP is a list of :class:`FloatDense` layers, ``y = relu?(x @ W.T + b)``, each layer
consuming the previous layer's output. The ONNX reader and the Python API both produce this
list; post-training quantization turns it into an IR graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import ModelError

__all__ = ["FloatDense", "check_chain", "check_inputs", "float_forward"]


def _frozen_float(values, what: str, ndim: int) -> np.ndarray:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{what} cannot be read as a float array: {exc}") from None
    if array.ndim != ndim:
        raise ModelError(f"{what} must have {ndim} dimension(s), not shape {array.shape}")
    if 0 in array.shape:
        raise ModelError(f"{what} is empty (shape {array.shape})")
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ModelError(
            f"{what} holds {int(np.isnan(array).sum())} NaN and {int(np.isinf(array).sum())} Inf "
            f"values (first at index {first}); fix the model before quantizing it")
    array.setflags(write=False)
    return array


def check_inputs(where: str, inputs, count: int = 1):
    """``None`` (the layer reads the previous one) or a tuple of ``count`` layer names."""
    if inputs is None and count == 1:
        return None
    if isinstance(inputs, str) or not hasattr(inputs, "__len__") or len(inputs) != count \
            or not all(isinstance(n, str) and n for n in inputs):
        raise ModelError(f"{where}: inputs must be {'None or ' if count == 1 else ''}a tuple of "
                         f"{count} layer names ('input' for the model input), not {inputs!r}")
    return tuple(inputs)


@dataclass(frozen=True, eq=False)
class FloatDense:
    """A float fully connected layer ``y = x @ weights.T + bias``, then ReLU if ``relu``.

    Parameters
    ----------
    name : str
        Layer name (the ONNX Gemm or MatMul node that carries the weights).
    weights : numpy.ndarray
        float64, shape ``(out_features, in_features)``; finite.
    bias : numpy.ndarray
        float64, shape ``(out_features,)``; finite.
    relu : bool
        A ReLU follows the layer.
    clip : tuple or None
        ``(low, high)`` bounds applied after the ReLU (ONNX Clip), or None.
    inputs : tuple or None
        ``(name,)`` of the layer it reads (``"input"``: the model input) when that is not the
        previous layer of the network (a branch); None: the previous layer.
    """

    name: str
    weights: np.ndarray
    bias: np.ndarray
    relu: bool = False
    clip: tuple | None = None
    inputs: tuple | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ModelError(f"layer name must be a non-empty string, not {self.name!r}")
        where = f"layer {self.name!r}"
        weights = _frozen_float(self.weights, f"{where}: weights", 2)
        bias = _frozen_float(self.bias, f"{where}: bias", 1)
        if bias.shape != (weights.shape[0],):
            raise ModelError(
                f"{where}: bias has shape {bias.shape} but the weights have "
                f"{weights.shape[0]} output channels")
        if not isinstance(self.relu, (bool, np.bool_)):
            raise ModelError(f"{where}: relu must be True or False, not {self.relu!r}")
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "relu", bool(self.relu))
        from .layers import check_clip  # float_layers builds on this module
        object.__setattr__(self, "clip", check_clip(where, self.clip))
        object.__setattr__(self, "inputs", check_inputs(where, self.inputs))

    @property
    def out_features(self) -> int:
        return self.weights.shape[0]

    @property
    def in_features(self) -> int:
        return self.weights.shape[1]

    @property
    def input_shape(self) -> tuple:
        return (self.in_features,)

    @property
    def output_shape(self) -> tuple:
        return (self.out_features,)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """float64 outputs for inputs ``x`` of shape ``(N, in_features)``."""
        y = np.asarray(x, dtype=np.float64) @ self.weights.T + self.bias
        y = np.maximum(y, 0.0) if self.relu else y
        return y if self.clip is None else np.clip(y, *self.clip)


def check_chain(layers) -> tuple:
    """Return ``layers`` as a tuple after checking they form a chain with unique names.

    Raises
    ------
    ModelError
        Listing every mismatch at once; a network with branches (a
        :class:`~hwgen.frontend.float.add.FloatAdd` or a layer with ``inputs``) is refused
        here and quantized by :func:`hwgen.frontend.quantize_network`.
    """
    from .layers import FloatConv, FloatPool
    layers = tuple(layers)
    if not layers:
        raise ModelError("the model has no dense layers")
    problems = []
    seen = set()
    for layer in layers:
        if not isinstance(layer, (FloatDense, FloatConv, FloatPool)):
            from .add import FloatAdd
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
    for prev, layer in zip(layers, layers[1:]):
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
    from .add import FloatAdd
    return not any(isinstance(layer, FloatAdd) or getattr(layer, "inputs", None) is not None
                   for layer in layers)


def float_forward(layers, x, *, keep_intermediate: bool = False):
    """Run ``x`` through the float layers in float64.

    Parameters
    ----------
    layers : sequence of FloatDense, FloatConv, FloatPool and FloatAdd
        A chain (see :func:`check_chain`) or a network with branches, in topological order
        (see :func:`hwgen.frontend.float.network.check_network`).
    x : array_like
        Inputs, shape ``(N, in_features)``, or ``(N, *input_shape)`` of the first layer (NHWC
        for a convolution or pool; see :func:`hwgen.frontend.layout.to_stream_layout`).
    keep_intermediate : bool
        Also return the activation tensors ``[x, out_0, out_1, ...]`` (each after its ReLU).

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, list of numpy.ndarray)
    """
    from .network import check_network, network_forward
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
