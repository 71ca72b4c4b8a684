"""The float dense layer and its numpy forward pass (the float reference and calibration source).

A float MLP is a list of :class:`FloatDense` layers, ``y = relu?(x @ W.T + b)``, each layer
consuming the previous layer's output. The ONNX reader and the Python API both produce this
list; post-training quantization turns it into an IR graph. Chains and networks of float
layers, and their forward pass, are in :mod:`hwgen.frontend.float.network`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ModelError
from ...ir.layers.dense_shape import DenseShape
from .fields import check_clip, check_inputs, frozen_float

__all__ = ["FloatDense"]


@dataclass(frozen=True, eq=False)
class FloatDense(DenseShape):
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
        weights = frozen_float(self.weights, f"{where}: weights", 2)
        bias = frozen_float(self.bias, f"{where}: bias", 1)
        if bias.shape != (weights.shape[0],):
            raise ModelError(
                f"{where}: bias has shape {bias.shape} but the weights have "
                f"{weights.shape[0]} output channels")
        if not isinstance(self.relu, (bool, np.bool_)):
            raise ModelError(f"{where}: relu must be True or False, not {self.relu!r}")
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "relu", bool(self.relu))
        object.__setattr__(self, "clip", check_clip(where, self.clip))
        object.__setattr__(self, "inputs", check_inputs(where, self.inputs))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """float64 outputs for inputs ``x`` of shape ``(N, in_features)``."""
        y = np.asarray(x, dtype=np.float64) @ self.weights.T + self.bias
        y = np.maximum(y, 0.0) if self.relu else y
        return y if self.clip is None else np.clip(y, *self.clip)
