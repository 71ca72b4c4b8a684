"""Quantized depthwise convolution (NHWC): one k x k kernel per channel, multiplier 1."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...errors import IRError
from ..rules import RequantRounding
from ..types import TensorQuant, WeightQuant
from .conv import _check_geometry
from .conv_shape import KernelWeights
from .dense import Folding, QuantDense

__all__ = ["QuantDepthwiseConv"]


@dataclass(frozen=True, eq=False)
class QuantDepthwiseConv(KernelWeights):
    """Depthwise 2-D convolution: channel ``c`` of the output sees channel ``c`` of the input.

    ``q_Y[y, x, c] = clamp(Z_Y + requant(sum_{ky,kx} q_W[c, ky, kx] (q_X[.., c] - Z_X)
    + q_b[c], M_c))`` with ``M_c = S_W[c] S_X / S_Y`` (the dense layer's rule per channel),
    the input padded with its zero point (a real 0); a fused ReLU raises the lower clamp to
    ``Z_Y``. ONNX: ``Conv`` with ``group = C_in = C_out``.

    Parameters
    ----------
    name : str
    weights : numpy.ndarray
        Weight codes, shape ``(channels, kernel, kernel)``.
    weight_quant : WeightQuant
        One scale per channel (equal for ``granularity = "tensor"``).
    bias : numpy.ndarray
        int32 bias codes at ``S_W[c] S_X``, shape ``(channels,)``.
    input_quant, output_quant : TensorQuant
    input_shape : tuple
        ``(height, width, channels)``.
    stride : int
    pads : tuple
        ``(top, left, bottom, right)``, each below the kernel.
    relu : bool
    rounding : RequantRounding
    folding : Folding or None
        ``pe`` channels per cycle; ``simd`` (taps per cycle) must be 1.
    """

    name: str
    weights: np.ndarray
    weight_quant: WeightQuant
    bias: np.ndarray
    input_quant: TensorQuant
    output_quant: TensorQuant
    input_shape: tuple
    stride: int = 1
    pads: tuple = (0, 0, 0, 0)
    relu: bool = False
    rounding: RequantRounding = RequantRounding.GEMMLOWP
    folding: Folding | None = None

    def __post_init__(self):
        where = f"layer {self.name!r}"
        weights = np.asarray(self.weights)
        if weights.ndim != 3 or weights.shape[1] != weights.shape[2] or 0 in weights.shape:
            raise IRError(f"{where}: depthwise weights must be (channels, k, k) with a square "
                          f"kernel, not {weights.shape}")
        shape, pads = _check_geometry(where, self.input_shape, weights.shape[1], self.stride,
                                      self.pads)
        if weights.shape[0] != shape[2]:
            raise IRError(f"{where}: {weights.shape[0]} depthwise kernels for an input of "
                          f"{shape[2]} channels; a depthwise convolution has one kernel per "
                          "channel (multiplier 1)")
        if self.folding is not None and isinstance(self.folding, Folding) \
                and self.folding.simd != 1:
            raise IRError(f"{where}: SIMD={self.folding.simd}: the depthwise unit takes one "
                          "kernel tap per cycle; use simd = 1 (fold with pe)")
        object.__setattr__(self, "input_shape", shape)
        object.__setattr__(self, "pads", pads)
        dense = self.as_dense()      # validates codes, scales, bias, bit widths, folding
        object.__setattr__(self, "weights", dense.weights.reshape(weights.shape))
        object.__setattr__(self, "bias", dense.bias)
        object.__setattr__(self, "rounding", dense.rounding)

    @property
    def channels(self) -> int:
        return self.weights.shape[0]

    @property
    def in_features(self) -> int:
        """Taps per channel (what ``simd`` would fold)."""
        return self.kernel * self.kernel

    def allows_folding(self, pe: int, simd: int) -> bool:
        """``passes.choose_folding``: one tap per cycle."""
        return simd == 1

    def as_dense(self) -> QuantDense:
        """Per-channel dot products as a dense layer's rows: weights ``(channels, k*k)``,
        taps in ``(ky, kx)`` order (not a matrix the hardware multiplies: row ``c`` only
        ever meets channel ``c``)."""
        w = np.asarray(self.weights)
        return QuantDense(name=self.name, weights=w.reshape(w.shape[0], -1),
                          weight_quant=self.weight_quant, bias=self.bias,
                          input_quant=self.input_quant, output_quant=self.output_quant,
                          relu=self.relu, rounding=self.rounding, folding=self.folding)

    def replace(self, **changes) -> "QuantDepthwiseConv":
        return replace(self, **changes)
