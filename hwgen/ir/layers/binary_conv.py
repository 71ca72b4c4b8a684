"""Binary and ternary convolutions (NHWC): a sliding window feeding a binary or ternary MVAU.

:class:`BinaryConv` is :class:`~hwgen.ir.layers.binary_dense.BinaryDense` applied to the im2col
vector of every output pixel, as :class:`~hwgen.ir.layers.conv.QuantConv` is the integer dense layer
per pixel. Padding:

- integer inputs (a BWN or ternary first layer taking int8 pixels) pad with the input zero
  point, a real 0, as every integer convolution does;
- bipolar inputs cannot represent 0: they pad with **-1** (the stored bit 0), FINN's
  convention for binarized CNNs. A float or QONNX model pads with a real 0, so the frontends
  refuse padding on bipolar inputs instead of producing hardware that computes something else;
  only a graph built in Python (or a model trained with -1 padding) asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..binary import BipolarQuant
from .binary_dense import BinaryDense
from .conv import set_conv_geometry
from .conv_shape import KernelWeights
from .dense import Folding

__all__ = ["BinaryConv", "BIPOLAR_PAD_BIT"]

#: Stored bit of the padding of a bipolar input: 0, the value -1 (FINN's convention).
BIPOLAR_PAD_BIT = 0


@dataclass(frozen=True, eq=False)
class BinaryConv(KernelWeights):
    """2-D convolution with bipolar or ternary weights, square kernel, NHWC tensors.

    Every field but the geometry is :class:`~hwgen.ir.layers.binary_dense.BinaryDense`'s (the
    accumulator, levels, activation and folding rules are its own); ``weights`` has shape
    ``(out_channels, kernel, kernel, in_channels)`` and is read in the sliding window's
    ``(ky, kx, c)`` order.

    Parameters
    ----------
    name : str
    weights : numpy.ndarray
        Codes ``(out, k, k, in)`` in {-1, +1} or {-1, 0, +1}.
    weight_format : WeightFormat
    weight_scale, bias, input_quant, activation, level_pos, level_neg, folding, acc_shift
        As for :class:`~hwgen.ir.layers.binary_dense.BinaryDense`.
    input_shape : tuple of int
        ``(height, width, in_channels)``.
    stride : int
    pads : tuple of 4 ints
        ``(top, left, bottom, right)``, each below the kernel. Padded positions hold the input
        zero point (integer inputs) or -1 (bipolar inputs, see the module docstring).
    """

    name: str
    weights: np.ndarray
    weight_format: object
    weight_scale: np.ndarray
    bias: np.ndarray
    input_quant: object
    activation: object
    input_shape: tuple
    stride: int = 1
    pads: tuple = (0, 0, 0, 0)
    level_pos: np.ndarray | None = None
    level_neg: np.ndarray | None = None
    folding: Folding | None = None
    acc_shift: int = 0

    def __post_init__(self):
        where = f"layer {self.name!r}"
        weights = np.asarray(self.weights)
        set_conv_geometry(self, where, weights)
        dense = self.as_dense()      # validates codes, scales, bias, levels, activation, folding
        for key in ("weight_format", "weight_scale", "bias", "level_pos", "level_neg"):
            object.__setattr__(self, key, getattr(dense, key))
        object.__setattr__(self, "weights", dense.weights.reshape(weights.shape))

    # -- geometry ----------------------------------------------------------------------
    @property
    def output_quant(self):
        return self.activation.output_quant

    @property
    def pad_code(self) -> int:
        """Stored code of a padded position: the input zero point, or the bit of -1."""
        if isinstance(self.input_quant, BipolarQuant):
            return BIPOLAR_PAD_BIT
        return self.input_quant.zero_point

    # -- the matrix part ---------------------------------------------------------------
    def as_dense(self) -> BinaryDense:
        """The matrix part: weights ``(out, k*k*in)`` in the sliding window's order."""
        w = np.asarray(self.weights)
        return BinaryDense(name=self.name, weights=w.reshape(w.shape[0], -1),
                           weight_format=self.weight_format, weight_scale=self.weight_scale,
                           bias=self.bias, input_quant=self.input_quant,
                           activation=self.activation, level_pos=self.level_pos,
                           level_neg=self.level_neg, folding=self.folding,
                           acc_shift=self.acc_shift)

    def acc_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Exact per-channel bounds of ``acc``: those of the matrix part, since a padded
        position holds a value of the input range (0 or -1)."""
        return self.as_dense().acc_bounds()

    def replace(self, **changes) -> "BinaryConv":
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)
