"""Quantized convolution and pooling layers (NHWC tensors)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import IRError
from ..blocks.sliding_window import conv_output_size
from ..rules import RequantRounding
from ..types import TensorQuant, WeightQuant
from .conv_shape import KernelWeights
from .dense import Folding, QuantDense

__all__ = ["QuantConv", "QuantPool", "POOL_OPS"]

POOL_OPS = ("max", "avg", "global_avg")


def _check_geometry(where, input_shape, kernel, stride, pads):
    shape = tuple(int(d) for d in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise IRError(f"{where}: input_shape must be (height, width, channels), "
                      f"not {input_shape!r}")
    if not isinstance(stride, int) or stride < 1:
        raise IRError(f"{where}: stride must be a positive integer, not {stride!r}")
    pads = tuple(int(p) for p in pads)
    if len(pads) != 4 or any(p < 0 or p >= kernel for p in pads):
        raise IRError(f"{where}: pads must be (top, left, bottom, right), each in "
                      f"[0, {kernel - 1}], not {pads!r}")
    h, w, _ = shape
    if (conv_output_size(h, kernel, stride, pads[0], pads[2]) < 1
            or conv_output_size(w, kernel, stride, pads[1], pads[3]) < 1):
        raise IRError(f"{where}: a {kernel}x{kernel} window does not fit the padded "
                      f"{h}x{w} input")
    return shape, pads


def set_conv_geometry(layer, where: str, weights: np.ndarray) -> None:
    """Check ``(out, k, k, in)`` weights against ``layer``'s input shape, stride and pads and
    store the normalised ``input_shape`` and ``pads`` on the (frozen) layer."""
    if weights.ndim != 4 or weights.shape[1] != weights.shape[2]:
        raise IRError(f"{where}: conv weights must be (out, k, k, in) with a square kernel, "
                      f"not {weights.shape}")
    shape, pads = _check_geometry(where, layer.input_shape, weights.shape[1], layer.stride,
                                  layer.pads)
    if weights.shape[3] != shape[2]:
        raise IRError(f"{where}: weights take {weights.shape[3]} input channels but the "
                      f"input has {shape[2]}")
    object.__setattr__(layer, "input_shape", shape)
    object.__setattr__(layer, "pads", pads)


@dataclass(frozen=True, eq=False)
class QuantConv(KernelWeights):
    """Quantized 2-D convolution, NHWC, square kernel: the lecture's dense layer per pixel.

    ``weights`` has shape ``(out_channels, kernel, kernel, in_channels)``; each output pixel is
    :class:`QuantDense` applied to its im2col vector in ``(ky, kx, c)`` order, padded with the
    input zero point (a real 0).
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
        set_conv_geometry(self, where, weights)
        dense = self.as_dense()      # validates codes, scales, bias, bit widths, folding
        object.__setattr__(self, "weights", dense.weights.reshape(weights.shape))
        object.__setattr__(self, "bias", dense.bias)
        object.__setattr__(self, "rounding", dense.rounding)

    def as_dense(self) -> QuantDense:
        """The matrix part: weights ``(out, k*k*in)`` in the sliding window's order."""
        w = np.asarray(self.weights)
        return QuantDense(name=self.name, weights=w.reshape(w.shape[0], -1),
                          weight_quant=self.weight_quant, bias=self.bias,
                          input_quant=self.input_quant, output_quant=self.output_quant,
                          relu=self.relu, rounding=self.rounding, folding=self.folding)

    def replace(self, **changes) -> "QuantConv":
        from dataclasses import replace
        return replace(self, **changes)


@dataclass(frozen=True, eq=False)
class QuantPool:
    """Max, average or global average pooling over an NHWC tensor.

    ``max`` keeps the quantization (max commutes with a monotone map) and pads with the
    smallest code; ``avg`` pads with the input zero point and divides by ``kernel**2``
    whatever the padding (ONNX ``count_include_pad = 1``); ``global_avg`` averages each
    channel over the whole image and outputs ``(channels,)``. Averages are requantized with
    ``M = S_in / (S_out * positions)`` under the named ``rounding`` rule; the default, single
    rounding, rounds the product of the sum and the 31-bit multiplier once (half up), so a
    power-of-two window with equal scales gives the exactly rounded mean. gemmlowp's double
    rounding can be one step off there.
    """

    name: str
    op: str
    input_shape: tuple
    input_quant: TensorQuant
    output_quant: TensorQuant
    kernel: int = 1
    stride: int = 1
    pads: tuple = (0, 0, 0, 0)
    rounding: RequantRounding = RequantRounding.SINGLE

    def __post_init__(self):
        where = f"layer {self.name!r}"
        if self.op not in POOL_OPS:
            raise IRError(f"{where}: pooling op {self.op!r} is not one of {', '.join(POOL_OPS)}")
        if not isinstance(self.kernel, int) or self.kernel < 1:
            raise IRError(f"{where}: kernel must be a positive integer, not {self.kernel!r}")
        shape, pads = _check_geometry(where, self.input_shape, self.kernel, self.stride,
                                      self.pads)
        object.__setattr__(self, "input_shape", shape)
        object.__setattr__(self, "pads", pads)
        object.__setattr__(self, "rounding", RequantRounding(self.rounding))
        if self.op == "max" and self.input_quant != self.output_quant:
            raise IRError(f"{where}: max pooling keeps the input quantization; its output must "
                          f"be {self.input_quant}")

    @property
    def positions(self) -> int:
        h, w, _ = self.input_shape
        return h * w if self.op == "global_avg" else self.kernel * self.kernel

    @property
    def output_shape(self) -> tuple:
        h, w, c = self.input_shape
        if self.op == "global_avg":
            return (c,)
        return (conv_output_size(h, self.kernel, self.stride, self.pads[0], self.pads[2]),
                conv_output_size(w, self.kernel, self.stride, self.pads[1], self.pads[3]), c)
