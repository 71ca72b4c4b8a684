"""Batch normalization folded into the preceding convolution or dense layer, in float64.

Inference-mode batch norm is an affine map per channel,
``y = gamma * (x - mean) / sqrt(var + eps) + beta = s * x + (beta - s * mean)`` with
``s = gamma / sqrt(var + eps)``. Applied to ``x = W v + b`` it gives
``y = (s W) v + (s (b - mean) + beta)``: the weights of output channel ``i`` are scaled by
``s[i]`` and the bias becomes ``s (b - mean) + beta``. Folding happens before quantization, so
the weight scales are calibrated on the folded weights (what the hardware multiplies by).
"""

from __future__ import annotations

import numpy as np

from ...errors import ModelError

__all__ = ["fold_batch_norm", "batch_norm"]


def _per_channel(values: dict, channels: int, where: str) -> dict:
    out = {}
    for key, value in values.items():
        array = np.asarray(value, dtype=np.float64)
        if array.shape != (channels,):
            raise ModelError(f"{where}: batch norm {key} has shape {array.shape}; expected "
                             f"({channels},), one value per output channel of the layer")
        out[key] = array
    return out


def fold_batch_norm(weights, bias, *, gamma, beta, mean, var, epsilon: float,
                    where: str = "batch norm"):
    """Weights and bias of a layer followed by batch norm, as one layer.

    Parameters
    ----------
    weights : array_like
        float, output channels on axis 0 (``(out, in)`` or ``(out, k, k, in)``).
    bias : array_like
        ``(out,)``.
    gamma, beta, mean, var : array_like
        Batch norm scale, offset, running mean and running variance, ``(out,)`` each.
    epsilon : float
        Added to ``var`` (ONNX attribute ``epsilon``).
    where : str
        Names the layer in messages.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Folded float64 weights (same shape) and bias.

    Raises
    ------
    ModelError
        If a parameter has the wrong shape or ``var + epsilon`` is not positive.
    """
    weights = np.asarray(weights, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    p = _per_channel(dict(gamma=gamma, beta=beta, mean=mean, var=var), weights.shape[0], where)
    denominator = p["var"] + float(epsilon)
    if not np.all(denominator > 0):
        i = int(np.argmin(denominator))
        raise ModelError(f"{where}: var + epsilon = {denominator[i]:g} at channel {i}; it must "
                         "be > 0 (a trained model has non-negative variances)")
    s = p["gamma"] / np.sqrt(denominator)
    folded = weights * s.reshape((-1,) + (1,) * (weights.ndim - 1))
    return folded, s * (bias - p["mean"]) + p["beta"]


def batch_norm(x, *, gamma, beta, mean, var, epsilon: float, axis: int = -1) -> np.ndarray:
    """Inference-mode batch norm of ``x`` along ``axis`` (the reference the fold must equal)."""
    x = np.asarray(x, dtype=np.float64)
    shape = [1] * x.ndim
    shape[axis] = -1

    def channel(v):
        return np.asarray(v, dtype=np.float64).reshape(shape)

    return (x - channel(mean)) / np.sqrt(channel(var) + epsilon) * channel(gamma) + channel(beta)
