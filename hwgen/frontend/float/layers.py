"""Float convolution and pooling layers in hwgen's layout (NHWC), with numpy forward passes.

ONNX tensors are NCHW; hwgen streams NHWC (channels fastest), so the readers store feature
maps the way the hardware sees them: an image is ``(height, width, channels)`` and a
convolution's weights are ``(out, k, k, in)``, the order of the sliding window's im2col vector.
Each layer's :meth:`forward` takes ``(N, *input_shape)`` float64 and returns
``(N, *output_shape)``; they are the float reference and the source of calibration ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ModelError
from ...ir.blocks.sliding_window import conv_output_size
from ...ir.layers.conv_shape import KernelWeights
from ..im2col import patches
from .fields import activate, check_clip, check_inputs, frozen_float

__all__ = ["FloatConv", "FloatPool", "POOL_OPS", "check_geometry"]

#: Pooling operations: ONNX MaxPool, AveragePool, GlobalAveragePool.
POOL_OPS = ("max", "avg", "global_avg")


def check_geometry(where: str, input_shape, kernel: int, stride, pads) -> tuple:
    """Validated ``(input_shape, stride, pads)``; the window must fit the padded image."""
    shape = tuple(int(d) for d in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ModelError(f"{where}: input_shape must be (height, width, channels), "
                         f"not {input_shape!r}")
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ModelError(f"{where}: stride must be a positive integer, not {stride!r}")
    pads = tuple(int(p) for p in pads)
    if len(pads) != 4 or min(pads) < 0:
        raise ModelError(f"{where}: pads must be 4 integers >= 0 (top, left, bottom, right), "
                         f"not {pads!r}")
    h, w, _ = shape
    if (conv_output_size(h, kernel, stride, pads[0], pads[2]) < 1
            or conv_output_size(w, kernel, stride, pads[1], pads[3]) < 1):
        raise ModelError(f"{where}: a {kernel}x{kernel} window does not fit the padded "
                         f"{h}x{w} input")
    return shape, int(stride), pads


@dataclass(frozen=True, eq=False)
class FloatConv(KernelWeights):
    """A float 2-D convolution over an NHWC image, then ReLU if ``relu``, then ``clip``.

    Parameters
    ----------
    name : str
        Layer name (the ONNX Conv node).
    weights : numpy.ndarray
        float64 ``(out_channels, kernel, kernel, in_channels)``: ONNX's ``(out, in, kh, kw)``
        transposed to the im2col order ``(ky, kx, c)``.
    bias : numpy.ndarray
        float64 ``(out_channels,)``.
    input_shape : tuple
        ``(height, width, in_channels)``.
    stride : int
        The same along both axes.
    pads : tuple
        ``(top, left, bottom, right)``, zero padding (ONNX's ``pads`` order).
    relu : bool
    clip : tuple or None
        ``(low, high)`` bounds applied after the ReLU (ONNX Clip), or None.
    inputs : tuple or None
        ``(name,)`` of the layer it reads when not the previous one (see FloatDense).
    """

    name: str
    weights: np.ndarray
    bias: np.ndarray
    input_shape: tuple
    stride: int = 1
    pads: tuple = (0, 0, 0, 0)
    relu: bool = False
    clip: tuple | None = None
    inputs: tuple | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ModelError(f"layer name must be a non-empty string, not {self.name!r}")
        where = f"layer {self.name!r}"
        weights = frozen_float(self.weights, f"{where}: weights", 4)
        if weights.shape[1] != weights.shape[2]:
            raise ModelError(f"{where}: weights must be (out, k, k, in) with a square kernel, "
                             f"not {weights.shape}")
        bias = frozen_float(self.bias, f"{where}: bias", 1)
        if bias.shape != (weights.shape[0],):
            raise ModelError(f"{where}: bias has shape {bias.shape} but the weights have "
                             f"{weights.shape[0]} output channels")
        shape, stride, pads = check_geometry(where, self.input_shape, weights.shape[1],
                                              self.stride, self.pads)
        if shape[2] != weights.shape[3]:
            raise ModelError(f"{where}: the weights take {weights.shape[3]} input channels but "
                             f"the input has {shape[2]}")
        for key, value in (("weights", weights), ("bias", bias), ("input_shape", shape),
                           ("stride", stride), ("pads", pads), ("relu", bool(self.relu)),
                           ("clip", check_clip(where, self.clip)),
                           ("inputs", check_inputs(where, self.inputs))):
            object.__setattr__(self, key, value)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, H, W, C)`` -> ``(N, OH, OW, out_channels)`` in float64."""
        cols = patches(np.asarray(x, dtype=np.float64), self.kernel, self.stride, self.pads, 0.0)
        n, oh, ow = cols.shape[:3]
        y = cols.reshape(n * oh * ow, -1) @ self.weights.reshape(self.out_features, -1).T
        return activate(y.reshape(n, oh, ow, -1) + self.bias, self.relu, self.clip)


@dataclass(frozen=True, eq=False)
class FloatPool:
    """Max, average or global average pooling of an NHWC image.

    ``max`` pads with -infinity (ONNX MaxPool); ``avg`` pads with 0 and divides every window
    by ``kernel**2`` (ONNX AveragePool with ``count_include_pad=1``, what the hardware
    computes); ``global_avg`` averages each channel over the image and outputs
    ``(channels,)``. ``inputs``: ``(name,)`` of the layer it reads when not the previous one.
    """

    name: str
    op: str
    input_shape: tuple
    kernel: int = 1
    stride: int = 1
    pads: tuple = (0, 0, 0, 0)
    inputs: tuple | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ModelError(f"layer name must be a non-empty string, not {self.name!r}")
        where = f"layer {self.name!r}"
        if self.op not in POOL_OPS:
            raise ModelError(f"{where}: pooling op {self.op!r} is not one of "
                             f"{', '.join(POOL_OPS)}")
        if not isinstance(self.kernel, (int, np.integer)) or self.kernel < 1:
            raise ModelError(f"{where}: kernel must be a positive integer, not {self.kernel!r}")
        shape, stride, pads = check_geometry(where, self.input_shape, int(self.kernel),
                                              self.stride, self.pads)
        for key, value in (("input_shape", shape), ("kernel", int(self.kernel)),
                           ("stride", stride), ("pads", pads),
                           ("inputs", check_inputs(where, self.inputs))):
            object.__setattr__(self, key, value)

    @property
    def output_shape(self) -> tuple:
        h, w, c = self.input_shape
        if self.op == "global_avg":
            return (c,)
        top, left, bottom, right = self.pads
        return (conv_output_size(h, self.kernel, self.stride, top, bottom),
                conv_output_size(w, self.kernel, self.stride, left, right), c)

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.op == "global_avg":
            return x.mean(axis=(1, 2))
        pad_value = -np.inf if self.op == "max" else 0.0
        cols = patches(x, self.kernel, self.stride, self.pads, pad_value)
        if self.op == "max":
            return cols.max(axis=(3, 4))
        return cols.sum(axis=(3, 4)) / (self.kernel * self.kernel)
