"""Float depthwise convolution (ONNX Conv with ``group = C_in = C_out``) in NHWC."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ModelError
from ..im2col import patches
from .fields import activate, check_clip, check_inputs, frozen_float
from .layers import FloatConv, check_geometry

__all__ = ["FloatDepthwiseConv"]


@dataclass(frozen=True, eq=False)
class FloatDepthwiseConv(FloatConv):
    """A float depthwise convolution: output channel ``c`` is input channel ``c`` convolved
    with its own ``k x k`` kernel (depth multiplier 1), then ReLU / clip.

    Fields as :class:`FloatConv`, but ``weights`` has shape ``(channels, kernel, kernel, 1)``
    (ONNX's ``(C, 1, k, k)`` in the im2col order), one kernel per input channel.
    """

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ModelError(f"layer name must be a non-empty string, not {self.name!r}")
        where = f"layer {self.name!r}"
        weights = frozen_float(self.weights, f"{where}: weights", 4)
        if weights.shape[1] != weights.shape[2] or weights.shape[3] != 1:
            raise ModelError(f"{where}: depthwise weights must be (channels, k, k, 1) with a "
                             f"square kernel, not {weights.shape}")
        bias = frozen_float(self.bias, f"{where}: bias", 1)
        if bias.shape != (weights.shape[0],):
            raise ModelError(f"{where}: bias has shape {bias.shape} but the weights have "
                             f"{weights.shape[0]} channels")
        shape, stride, pads = check_geometry(where, self.input_shape, weights.shape[1],
                                              self.stride, self.pads)
        if shape[2] != weights.shape[0]:
            raise ModelError(f"{where}: {weights.shape[0]} depthwise kernels for an input of "
                             f"{shape[2]} channels (one kernel per channel)")
        for key, value in (("weights", weights), ("bias", bias), ("input_shape", shape),
                           ("stride", stride), ("pads", pads), ("relu", bool(self.relu)),
                           ("clip", check_clip(where, self.clip)),
                           ("inputs", check_inputs(where, self.inputs))):
            object.__setattr__(self, key, value)

    @property
    def in_features(self) -> int:
        """Taps per channel."""
        return self.kernel * self.kernel

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, H, W, C)`` -> ``(N, OH, OW, C)`` in float64."""
        cols = patches(np.asarray(x, dtype=np.float64), self.kernel, self.stride, self.pads, 0.0)
        # cols (N, OH, OW, k, k, C) times the kernels (k, k, C), summed over the window.
        y = np.einsum("nhwijc,ijc->nhwc", cols, self.weights[..., 0].transpose(1, 2, 0))
        return activate(y + self.bias, self.relu, self.clip)
