"""The MX convolution of the IR: a sliding window feeding the MX MVAU.

An :class:`MxConv` is :class:`hwgen.ir.layers.conv.QuantConv` with MX weights: each output pixel is
the :class:`~hwgen.ir.layers.mx_dense.MxDense` of :meth:`MxConv.as_dense` applied to the pixel's
im2col vector, ``(ky, kx, c)`` order (channels fastest), padded with the input zero point.

Blocks. The weights are the im2col matrix ``(out, k*k*in)`` blocked along its rows: block
``j`` of output channel ``o`` holds positions ``[j*B, (j+1)*B)`` of the vector, position
``(ky*k + kx)*in + c``. So with ``B`` dividing ``in`` a block is ``B`` channels of one kernel
tap; with ``in`` dividing ``B`` it is ``B / in`` whole taps; otherwise blocks straddle taps
(allowed: the window streams the vector in that order and the datapath never looks at taps).
``B`` must divide ``k*k*in``.

Activations are integers (scale, zero point). MX activations cannot enter a convolution:
the window would have to carry MX blocks, and a block of the im2col vector would mix
elements of several input blocks (several shared exponents) and padding, which the MX MVAU
aligns per block of its input beat. Such a model keeps the convolution's input (and its
output, which feeds a window or pool) integer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...errors import IRError
from ...quant.mx import MxTensor, mx_format, mx_quantize
from ..mx.types import MxQuant
from ..types import TensorQuant
from .conv import _check_geometry
from .conv_shape import ConvShape
from .dense import Folding
from .mx_dense import MxDense

__all__ = ["MxConv", "conv_block_sizes"]


def conv_block_sizes(n: int, *, micro: bool) -> list[int]:
    """Block sizes an im2col vector of ``n`` elements allows (even ones for MX4/MX6/MX9)."""
    return [d for d in range(1, n + 1) if n % d == 0 and not (micro and d % 2)]


@dataclass(frozen=True, eq=False)
class MxConv(ConvShape):
    """MX-weight 2-D convolution, NHWC, square kernel, int activations in and out.

    Parameters
    ----------
    name : str
    weights : MxTensor
        The im2col weight matrix ``(out_channels, kernel*kernel*in_channels)`` in an MX format,
        blocked along its rows in ``(ky, kx, c)`` order (see the module docstring);
        :meth:`quantize` builds it from float ``(out, k, k, in)`` weights.
    kernel : int
    bias : numpy.ndarray
        Real bias ``(out_channels,)``, rounded to the accumulator's unit at lowering.
    input_quant, output_quant : TensorQuant
    input_shape : tuple
        ``(height, width, in_channels)``.
    stride : int
    pads : tuple
        ``(top, left, bottom, right)``, each below ``kernel``.
    relu : bool
    rounding : str
        MX output tie rule (unused with int outputs; kept for :class:`MxDense`).
    folding : Folding or None
    """

    name: str
    weights: MxTensor
    kernel: int
    bias: np.ndarray
    input_quant: TensorQuant
    output_quant: TensorQuant
    input_shape: tuple
    stride: int = 1
    pads: tuple = (0, 0, 0, 0)
    relu: bool = False
    rounding: str = "half_even"
    folding: Folding | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise IRError(f"layer name must be a non-empty string, not {self.name!r}")
        where = f"layer {self.name!r}"
        if not isinstance(self.weights, MxTensor):
            raise IRError(f"{where}: MxConv takes MX weights (an MxTensor); int weights go to "
                          "QuantConv")
        if not isinstance(self.kernel, int) or isinstance(self.kernel, bool) or self.kernel < 1:
            raise IRError(f"{where}: kernel must be a positive integer, not {self.kernel!r}")
        if isinstance(self.input_quant, MxQuant):
            raise IRError(
                f"{where}: MX activations ({self.input_quant.format}) cannot enter a "
                "convolution (its sliding window would have to carry MX blocks); give the "
                f"convolution int input activations, e.g. activations = 'int8' in "
                f"[layer.{self.name}]")
        if isinstance(self.output_quant, MxQuant):
            raise IRError(
                f"{where}: an MX convolution outputs int activations, not "
                f"{self.output_quant.format}; set the next layer's activations to an int "
                "format, e.g. 'int8'")
        for key in ("input_quant", "output_quant"):
            if not isinstance(getattr(self, key), TensorQuant):
                raise IRError(f"{where}: {key} must be a TensorQuant")
        shape, pads = _check_geometry(where, self.input_shape, self.kernel, self.stride,
                                      self.pads)
        object.__setattr__(self, "input_shape", shape)
        object.__setattr__(self, "pads", pads)
        codes = self.weights.codes
        n = self.kernel * self.kernel * shape[2]
        if codes.ndim != 2 or codes.shape[1] != n:
            raise IRError(f"{where}: MX conv weights must be the im2col matrix (out, "
                          f"{self.kernel}*{self.kernel}*{shape[2]} = {n}), not {codes.shape}")
        k = self.weights.block_size
        if n % k:
            sizes = conv_block_sizes(n, micro=self.weights.fmt.micro)
            raise IRError(f"{where}: block_size = {k} does not divide its {self.kernel}x"
                          f"{self.kernel}x{shape[2]} = {n} weights per output channel; use one "
                          f"of {', '.join(map(str, sizes)) or 'none (no even divisor)'}")
        dense = self.as_dense()         # validates bias, rounding, folding
        object.__setattr__(self, "bias", dense.bias)

    @classmethod
    def quantize(cls, *, weights, fmt: str, block_size: int, rounding: str = "half_even",
                 **fields) -> "MxConv":
        """An MxConv from float weights ``(out, k, k, in)``: :func:`mx_quantize` of the
        im2col matrix in blocks of ``block_size`` (shared exponent rule "floor")."""
        w = np.asarray(weights, dtype=np.float64)
        name = fields.get("name")
        if w.ndim != 4 or w.shape[1] != w.shape[2]:
            raise IRError(f"layer {name!r}: conv weights must be (out, k, k, in) with a "
                          f"square kernel, not {w.shape}")
        n = w[0].size
        if n % block_size:
            micro = mx_format(fmt).micro
            raise IRError(f"layer {name!r}: block_size = {block_size} does not divide its "
                          f"{w.shape[1]}x{w.shape[2]}x{w.shape[3]} = {n} weights per output "
                          f"channel; use one of "
                          f"{', '.join(map(str, conv_block_sizes(n, micro=micro))) or 'none'}")
        t = mx_quantize(w.reshape(w.shape[0], -1), fmt, block_size, rounding=rounding)
        return cls(weights=t, kernel=w.shape[1], rounding=rounding, **fields)

    # -- IR layer interface ----------------------------------------------------------------
    @property
    def out_features(self) -> int:
        return self.weights.codes.shape[0]

    @property
    def weight_format(self) -> str:
        return self.weights.fmt.name

    @property
    def weight_block(self) -> int:
        return self.weights.block_size

    def decoded_weights(self) -> np.ndarray:
        """Real weights ``(out, k, k, in)``, float64 (exact: MX values are dyadic)."""
        return self.weights.dequantize().reshape(
            self.out_features, self.kernel, self.kernel, self.input_shape[2])

    def as_dense(self) -> MxDense:
        """The matrix part: the MX MVAU's layer, weights ``(out, k*k*in)``."""
        return MxDense(name=self.name, weights=self.weights, weight_quant=None, bias=self.bias,
                       input_quant=self.input_quant, output_quant=self.output_quant,
                       relu=self.relu, rounding=self.rounding, folding=self.folding)

    def folding_problem(self, pe: int, simd: int) -> str | None:
        return self.as_dense().folding_problem(pe, simd)

    def allows_folding(self, pe: int, simd: int) -> bool:
        """Folding hook for ``hwgen.passes.choose_folding``."""
        return self.folding_problem(pe, simd) is None

    def replace(self, **changes) -> "MxConv":
        return replace(self, **changes)
