"""Integer layers of QONNX models: Conv / Gemm / MatMul with integer weights, and pools.

qonnx executes a model in float32: ``Quant`` computes ``clamp(round(x / s + z))`` and
dequantizes, every other node runs in onnxruntime on the dequantized values. A layer is
``Quant(W)`` times a ``Quant``'d activation, then any of a bias, ``Mul``, batch norm and
``Relu``, then the next activation ``Quant``. All of that is affine per output channel in
the exact integer accumulator ``acc = sum_j q_W (q_X - Z_X)``:

    y_i = u_i * acc_i + d_i,     u_i = S_W[i] * S_X * (Mul and batch norm factors)

so the layer is hwgen's :class:`~hwgen.ir.QuantDense` / :class:`~hwgen.ir.QuantConv` with
weight scale ``|u_i| / S_X`` (a negative ``u_i`` negates the row's codes), bias
``round_half_even(d_i / |u_i|)`` accumulator steps and the output ``Quant``'s scale and zero
point. A bias quantized at ``S_X * S_W`` (Brevitas' ``Int32Bias``) is exact there; a float
bias (or batch norm) lies between steps and is rounded to the nearest.

The requantization rule is single rounding with ties to even (:data:`QONNX_REQUANT`): qonnx
rounds with ``np.round`` (ties to even) once, on the float32 result. Where the float32
arithmetic is exact (power-of-two scales, partial sums below ``2**24`` steps) the two are
equal on every output, ties included; otherwise they differ where float32's error moves a
value across a rounding boundary (docs/models.md gives the measured rates).

Pools: a ``MaxPool`` keeps its input's quantization. An ``AveragePool`` /
``GlobalAveragePool`` followed by a ``Quant`` is a :class:`~hwgen.ir.QuantPool` requantized
to it. Brevitas' ``TruncAvgPool2d`` exports the pool then ``Trunc``, which recovers the window
sum of codes and keeps its top bits: ``round_mode(sum / 2**t)``, ``t`` from the scales
(:class:`TruncSpec`). With ``ROUND`` (qonnx's Trunc v2) that is a QuantPool whose multiplier is
exactly ``2**-t``; ``FLOOR`` / ``CEIL`` cannot come out of a round-to-nearest requantizer
alone, so the pool becomes a :class:`~hwgen.ir.QuantConv` with identity weights (``c x k x
k x c``, ones on the diagonal), a bias of ``-2**(t-1)`` (floor) or ``2**(t-1) - 1`` (ceil) and
single rounding with ties up, which gives ``floor`` / ``ceil`` exactly (no value is a tie).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import HwgenError, IRError, QuantizationError
from ...ir import Folding, QuantDense, RequantRounding
from ...ir.blocks.int_mvau import IntMvauParams
from ...ir.blocks.sliding_window import conv_output_size
from ...ir.layers.conv import QuantConv, QuantPool
from ...ir.layers.dense import INT_MVAU_BITS
from ...ir.layers.float_activation import UniformQuantizer
from ...ir.types import IntType, TensorQuant, WeightQuant
from ..im2col import patches
from ..onnx.graph import node_name

__all__ = ["QONNX_REQUANT", "IntLayer", "PoolPart", "TruncSpec", "output_quantizer_problem"]

#: Requantization rule of integer QONNX layers unless the config sets ``requant``.
QONNX_REQUANT = RequantRounding.SINGLE_EVEN
_INT32 = IntType(32, True)
#: Rounding modes of an activation Quant that single rounding with ties to even computes.
NEAREST_EVEN = ("ROUND", "HALF_EVEN")


def output_quantizer_problem(quantizer) -> str | None:
    """Why ``quantizer`` (after an integer layer or pool) cannot be its output, or None."""
    if not isinstance(quantizer, UniformQuantizer):
        return ("an integer layer's output must be a Quant / IntQuant of 2 to 8 bits; a "
                "bipolar or MultiThreshold output needs binary or ternary weights")
    lo, hi = INT_MVAU_BITS
    if not lo <= quantizer.dtype.bits <= hi:
        return (f"{quantizer.dtype.bits}-bit activations around an integer layer are out of "
                f"range; the integer datapath takes {lo} to {hi} bits")
    if quantizer.narrow:
        return ("narrow = 1 on an activation: qonnx clamps at qmin + 1 but the hardware "
                "saturates at the type's end; export the activation with narrow_range = False")
    if quantizer.rounding not in NEAREST_EVEN:
        return (f"rounding_mode {quantizer.rounding} on an activation: the requantizer rounds "
                "to the nearest (ties to even); use ROUND")
    return None


class IntLayer:
    """A Conv / Gemm / MatMul with integer weights, assembled up to its output Quant.

    ``codes`` are ``(out, in)`` or ``(out, k, k, in)`` (NHWC im2col order), ``w_scale`` one
    scale per output channel. ``scale`` / ``bias`` collect the Mul factors and the real bias
    (qonnx's order: a Mul scales both), ``batch_norm`` and ``relu`` the rest.
    """

    def __init__(self, node, codes, dtype: IntType, w_scale, in_quant, geometry=None):
        self.node, self.codes, self.dtype = node, codes, dtype
        self.w_scale = np.asarray(w_scale, dtype=np.float64)
        self.in_quant = in_quant
        self.geometry = geometry        # (input_shape (h, w, c), stride, pads) of a Conv
        out = codes.shape[0]
        self.scale = np.ones(out)
        self.bias = np.zeros(out)
        self.batch_norm = None
        self.relu = False
        self.quantizer = None
        self.rounding = QONNX_REQUANT
        self.in_rescale = (1.0, 0)      # (factor, zero shift) of a scalar Mul / Add before

    @property
    def name(self) -> str:
        return node_name(self.node)

    @property
    def out_channels(self) -> int:
        return self.codes.shape[0]

    @property
    def out_quant(self):
        return None if self.quantizer is None else self.quantizer.output_quant

    def affine(self):
        """``(f, d)``: ``y = S_W * S_X * f * acc + d`` per output channel, batch norm folded
        (``f`` the Mul and batch norm factors, ``d`` the real bias)."""
        f, d = self.scale, self.bias
        if self.batch_norm is not None:
            bn = self.batch_norm
            k = bn.gamma / np.sqrt(bn.var + bn.eps)
            f, d = f * k, (d - bn.mean) * k + bn.beta
        factor, shift = self.in_rescale
        if factor != 1.0 or shift:
            # codes rescaled after their quantizer: S_X' = factor S_X, Z_X' = Z_X - shift, so
            # acc' = acc + shift * (row sum), an exact integer shift of the bias
            f = f * factor
            rows = self.codes.reshape(self.out_channels, -1).sum(axis=1)
            d = d + self.w_scale * self.in_quant.scale * f * shift * rows
        return f, d

    def build(self, in_quant, out_quant=None):
        """The IR layer (QuantDense or QuantConv); raises QuantizationError / IRError."""
        out_quant = out_quant or self.out_quant
        f, d = self.affine()
        if np.any(f == 0):
            raise QuantizationError("a scale of 0 (Mul or batch norm gamma) erases a channel")
        sign = np.where(f < 0, -1, 1)
        codes = self.codes * sign.reshape((-1,) + (1,) * (self.codes.ndim - 1))
        dtype = self.dtype
        if codes.min() < dtype.qmin or codes.max() > dtype.qmax:
            dtype = IntType(dtype.bits + 1, True)    # a negated -2**(b-1) needs one more bit
        # |u| = S_W' * S_X with S_W' the weight scale the IR multiplies by S_X / S_Y.
        w_scale = self.w_scale * np.abs(f)
        bias = np.rint(d / (w_scale * in_quant.scale))
        if np.any(np.abs(bias) > _INT32.qmax):
            raise QuantizationError(f"the bias is beyond int32 in accumulator steps "
                                    f"({float(np.abs(bias).max()):.3g})")
        same = bool(np.all(w_scale == w_scale[0]))
        fields = dict(name=self.name, weight_quant=WeightQuant(
            dtype, w_scale, "tensor" if same else "channel"), bias=bias.astype(np.int64),
            input_quant=in_quant, output_quant=out_quant, relu=self.relu, rounding=self.rounding)
        if self.geometry is None:
            layer = QuantDense(weights=codes, **fields)
            dense = layer
        else:
            input_shape, stride, pads = self.geometry
            layer = QuantConv(weights=codes, input_shape=input_shape, stride=stride, pads=pads,
                              **fields)
            dense = layer.as_dense()
        IntMvauParams.from_layer(dense.replace(folding=Folding(pe=1, simd=1)))  # int32 checks
        return layer

    def accumulators(self, codes) -> np.ndarray:
        """Exact accumulators ``sum q_W (q_X - Z_X)`` (no bias) of input ``codes`` (stream
        layout), ``(N, out)`` or ``(N, oh, ow, out)``."""
        z = self.in_quant.zero_point
        if self.geometry is None:
            return (np.asarray(codes, dtype=np.int64).reshape(len(codes), -1) - z) @ \
                self.codes.reshape(self.out_channels, -1).T
        (h, w, c), stride, pads = self.geometry
        # im2col in the sliding window's (ky, kx, c) order, padded with the zero point
        windows = patches(np.asarray(codes, dtype=np.int64).reshape(-1, h, w, c),
                          self.codes.shape[1], stride, pads, z, dtype=np.int64)
        windows = windows.reshape(windows.shape[:3] + (-1,)) - z
        return windows @ self.codes.reshape(self.out_channels, -1).T


@dataclass
class TruncSpec:
    """A ``Trunc`` node after an average pool, decoded (qonnx's Trunc v1 / v2).

    ``code = clamp(rounding(round(x / scale + zero) / 2**shift))`` with ``x`` the pool's
    output: ``x / scale`` is the window sum of codes when ``scale = S_in / positions``. The
    codes stand for ``out_scale * code`` (v2: the ``output_scale`` input; v1: ``scale``).
    """

    scale: float
    shift: int
    out_bits: int
    signed: bool
    narrow: bool
    rounding: str
    out_scale: float
    clamps: bool          # v2 clamps to out_bits; v1 does not


class PoolPart:
    """A max pool, or an average pool awaiting its output ``Quant`` or ``Trunc``."""

    def __init__(self, node, op: str, input_shape, kernel: int, stride: int, pads, in_quant):
        self.node, self.op, self.input_shape = node, op, tuple(input_shape)
        self.kernel, self.stride, self.pads = kernel, stride, tuple(pads)
        self.in_quant = in_quant
        self.quantizer = None         # an output Quant (UniformQuantizer)
        self.trunc = None             # or a TruncSpec
        self.rounding = QONNX_REQUANT
        self.relu = False

    @property
    def name(self) -> str:
        return node_name(self.node)

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

    @property
    def out_quant(self):
        if self.op == "max":
            return self.in_quant
        if self.quantizer is not None:
            return self.quantizer.output_quant
        if self.trunc is not None and self.in_quant is not None:
            return self._trunc_quant(self.in_quant)
        return None

    # -- Trunc -------------------------------------------------------------------------
    def _trunc_quant(self, in_quant) -> TensorQuant:
        t = self.trunc
        dtype = IntType(t.out_bits, t.signed)
        if self.uses_pool():
            # The multiplier S_in / (S_out * positions) must be exactly 2**-shift: derive
            # S_out from S_in (it equals the Trunc's output scale to float32 precision).
            return TensorQuant(dtype, in_quant.scale * 2.0 ** t.shift / self.positions, 0)
        return TensorQuant(dtype, t.out_scale, 0)

    def uses_pool(self) -> bool:
        """Whether a Trunc'd average is a QuantPool (round to nearest, ties to even, onto the
        window's own scale); else it is an identity convolution (floor / ceil, Trunc v1)."""
        t = self.trunc
        return t.clamps and (t.rounding in NEAREST_EVEN or t.shift == 0)

    def trunc_problems(self, in_quant) -> list[str]:
        """What makes the Trunc disagree with an integer window sum shifted right."""
        t, problems = self.trunc, []
        expected = in_quant.scale / self.positions
        if abs(t.scale / expected - 1) > 1e-6:
            problems.append(
                f"inconsistent scales: the Trunc's scale {t.scale:.9g} is not the pool input's "
                f"scale / window size = {expected:.9g}, so x / scale is not the window sum of "
                "codes")
        if in_quant.zero_point != 0:
            problems.append("a Trunc'd pool needs an input zero point of 0 (Brevitas exports "
                            "no zero point for TruncQuant)")
        if t.rounding not in NEAREST_EVEN + ("FLOOR", "CEIL"):
            problems.append(f"Trunc rounding_mode {t.rounding}: hwgen computes FLOOR, CEIL and "
                            "ROUND (ties to even)")
        lo, hi = INT_MVAU_BITS
        if not lo <= t.out_bits <= hi:
            problems.append(f"a {t.out_bits}-bit Trunc output is out of range; the integer "
                            f"datapath takes {lo} to {hi} bits")
        if problems:
            return problems
        dtype = IntType(t.out_bits, t.signed)
        reach = [self.positions * (in_quant.dtype.qmin - in_quant.zero_point) >> t.shift,
                 -(-self.positions * (in_quant.dtype.qmax - in_quant.zero_point) >> t.shift)]
        floor_lo = dtype.qmin + (1 if t.narrow and t.signed else 0)
        ceil_hi = dtype.qmax - (1 if t.narrow and not t.signed else 0)
        clipped = reach[0] < floor_lo or reach[1] > ceil_hi
        if clipped and (not t.clamps or floor_lo != dtype.qmin or ceil_hi != dtype.qmax):
            problems.append(
                f"the truncated sums reach [{reach[0]}, {reach[1]}], beyond "
                f"[{floor_lo}, {ceil_hi}], where qonnx "
                f"{'does not clamp (Trunc v1)' if not t.clamps else 'clamps to a narrow range'}"
                " but the hardware saturates at the type's ends")
        return problems

    # -- building ----------------------------------------------------------------------
    def build(self, in_quant):
        """The IR layer; raises QuantizationError / IRError."""
        fields = dict(name=self.name, input_quant=in_quant)
        if self.op == "max":
            return QuantPool(op="max", input_shape=self.input_shape, kernel=self.kernel,
                             stride=self.stride, pads=self.pads, output_quant=in_quant,
                             **fields)
        if self.trunc is None:
            return QuantPool(op=self.op, input_shape=self.input_shape, kernel=self.kernel,
                             stride=self.stride, pads=self.pads,
                             output_quant=self.quantizer.output_quant, rounding=self.rounding,
                             **fields)
        out_q = self._trunc_quant(in_quant)
        if self.uses_pool():
            return QuantPool(op=self.op, input_shape=self.input_shape, kernel=self.kernel,
                             stride=self.stride, pads=self.pads, output_quant=out_q,
                             rounding=RequantRounding.SINGLE_EVEN, **fields)
        return self._identity_conv(in_quant, out_q)

    def _identity_conv(self, in_quant, out_q) -> QuantConv:
        """The window sum as a convolution with one weight of 1 per channel, then
        ``floor`` / ``ceil`` / ties-to-even of ``sum / 2**shift`` by the bias trick."""
        h, w, c = self.input_shape
        t = self.trunc
        if self.op == "global_avg":
            if h != w:
                raise QuantizationError(
                    f"a {t.rounding} Trunc after a global pool over a {h}x{w} map becomes a "
                    "square convolution; the map must be square")
            kernel, stride, pads = h, 1, (0, 0, 0, 0)
        else:
            kernel, stride, pads = self.kernel, self.stride, self.pads
        weights = np.zeros((c, kernel, kernel, c), dtype=np.int64)
        weights[np.arange(c), :, :, np.arange(c)] = 1
        half = (1 << (t.shift - 1)) if t.shift else 0
        if t.rounding == "FLOOR":
            bias, rounding = -half, RequantRounding.SINGLE       # k - 1/2 rounds up to k
        elif t.rounding == "CEIL":
            bias, rounding = max(half - 1, 0), RequantRounding.SINGLE
        else:
            bias, rounding = 0, RequantRounding.SINGLE_EVEN
        # Weight scale such that M = S_W * S_in / S_out = 2**-shift (exactly, after
        # quantize_multiplier rounds to 31 bits).
        w_scale = 2.0 ** -t.shift * out_q.scale / in_quant.scale
        return QuantConv(name=self.name, weights=weights,
                         weight_quant=WeightQuant(IntType(2, True), np.full(c, w_scale),
                                                  "tensor"),
                         bias=np.full(c, bias), input_quant=in_quant, output_quant=out_q,
                         input_shape=(h, w, c), stride=stride, pads=pads, rounding=rounding)


def build_problem(part, in_quant) -> str | None:
    """Build ``part`` once to find what the IR rejects (bit widths, int32 overflow, ...)."""
    try:
        part.build(in_quant)
    except (IRError, QuantizationError) as exc:
        return str(exc).replace(f"layer {part.name!r}: ", "")
    except HwgenError as exc:   # quantize_multiplier and friends
        return str(exc)
    return None
