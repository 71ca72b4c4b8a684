"""Integer parameters of the depthwise (vector-vector) unit: the bridge from
:class:`~hwgen.ir.layers.depthwise.QuantDepthwiseConv` to hardware, golden and cycle models."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ...errors import IRError
from ...quant.multiplier import quantize_multiplier
from ..block import Block, StreamFormat
from ..layers.depthwise import QuantDepthwiseConv
from ..rules import RequantRounding
from ..types import IntType
from .int_mvau import signed_bits_for_range
from .requant_fields import RequantFields, check_requant_ranges, freeze_requant_fields, frozen_ints
from .sliding_window import conv_window

__all__ = ["DepthwiseParams", "lower_depthwise"]




@dataclass(frozen=True, eq=False)
class DepthwiseParams(Block, RequantFields):
    """One depthwise unit: per output pixel and channel ``c``,

    ``y[c] = clamp(out_zero_point + requant(acc_bias[c] + sum_t weights[c, t] * x[t, c],
    multiplier[c], shift[c], rounding), out_min, out_max)``

    where ``x`` is the pixel's window, ``positions`` taps ``t`` in ``(ky, kx)`` order with
    the ``channels`` fastest (a sliding window's patch).

    Parameters
    ----------
    name : str
    weights : numpy.ndarray
        Signed codes, shape ``(channels, positions)``.
    weight_type, input_type, output_type : IntType
    acc_bias : numpy.ndarray
        ``q_b[c] - Z_X * sum_t q_W[c, t]``, shape ``(channels,)``.
    multiplier, shift : numpy.ndarray
        Per-channel requantization constants, shape ``(channels,)``.
    rounding : RequantRounding
    out_zero_point, out_min, out_max : int
    pe : int
        Channels per cycle (the lanes of both streams); divides ``channels``.
    spatial : tuple of int
        Output pixels per inference, ``(height, width)``.
    out_fifo_depth, in_fifo_depth : int
    """

    kind = "depthwise"

    name: str
    weights: np.ndarray
    weight_type: IntType
    input_type: IntType
    output_type: IntType
    rounding: RequantRounding
    pe: int
    spatial: tuple = ()
    out_fifo_depth: int = 1
    in_fifo_depth: int = 0


    @classmethod
    def example(cls, rng) -> "DepthwiseParams":
        """A 3 x 3 depthwise unit over 4 int8 channels and 2 x 2 output pixels, 2 per beat."""
        channels, positions = 4, 9
        in_type, out_type = IntType(8, True), IntType(8, True)
        multiplier, shift = quantize_multiplier(rng.uniform(0.005, 0.02, size=channels))
        return cls(name="example_depthwise",
                   weights=rng.integers(-127, 128, size=(channels, positions)),
                   weight_type=IntType(8, True), input_type=in_type, output_type=out_type,
                   acc_bias=rng.integers(-2000, 2001, size=channels), multiplier=multiplier,
                   shift=shift, rounding=RequantRounding.SINGLE,
                   out_zero_point=int(rng.integers(-5, 6)), out_min=out_type.qmin,
                   out_max=out_type.qmax, pe=2, spatial=(2, 2), out_fifo_depth=2)

    def __post_init__(self):
        where = f"layer {self.name!r}"
        weights = frozen_ints(self.weights)
        if weights.ndim != 2 or 0 in weights.shape:
            raise IRError(f"{where}: weights must be a non-empty (channels, positions) array, "
                          f"not {weights.shape}")
        object.__setattr__(self, "weights", weights)
        channels = weights.shape[0]
        freeze_requant_fields(self, where)
        for key in ("pe", "out_fifo_depth"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise IRError(f"{where}: {key} must be an int >= 1, not {value!r}")
        if not isinstance(self.in_fifo_depth, int) or self.in_fifo_depth < 0:
            raise IRError(f"{where}: in_fifo_depth must be an int >= 0")
        spatial = tuple(int(d) for d in self.spatial)
        if any(d < 1 for d in spatial):
            raise IRError(f"{where}: spatial dimensions must be >= 1, not {spatial}")
        object.__setattr__(self, "spatial", spatial)
        if channels % self.pe:
            raise IRError(f"{where}: PE={self.pe} does not divide the {channels} channels; "
                          f"use a divisor of {channels}")
        check_requant_ranges(self, where)

    # -- shape facts -----------------------------------------------------------------------
    @property
    def channels(self) -> int:
        return self.weights.shape[0]

    @property
    def positions(self) -> int:
        """Window taps per channel (``kernel**2``)."""
        return self.weights.shape[1]

    @property
    def lanes(self) -> int:
        return self.pe

    @property
    def groups(self) -> int:
        """Beats per window position (channel folds)."""
        return self.channels // self.pe

    @property
    def pixels(self) -> int:
        return math.prod(self.spatial)

    @cached_property
    def acc_range(self) -> tuple:
        """Exact bounds of every partial and final accumulator (input ranges hold 0)."""
        w = self.weights
        x_lo, x_hi = self.input_type.qmin, self.input_type.qmax
        lo = np.minimum(w * x_lo, w * x_hi).sum(axis=1) + np.minimum(self.acc_bias, 0)
        hi = np.maximum(w * x_lo, w * x_hi).sum(axis=1) + np.maximum(self.acc_bias, 0)
        return int(min(lo.min(), 0)), int(max(hi.max(), 0))

    @property
    def acc_bits(self) -> int:
        return signed_bits_for_range(*self.acc_range)

    @property
    def macs(self) -> int:
        return self.pixels * self.channels * self.positions

    # -- the block interface ----------------------------------------------------------------
    @property
    def input_shape(self) -> tuple:
        return self.spatial + (self.positions * self.channels,)

    @property
    def output_shape(self) -> tuple:
        return self.spatial + (self.channels,)

    @property
    def input_format(self) -> StreamFormat:
        return StreamFormat(self.input_type, self.pe)

    @property
    def output_format(self) -> StreamFormat:
        return StreamFormat(self.output_type, self.pe)

    def describe(self) -> dict:
        return {
            "channels": self.channels, "positions": self.positions, "pe": self.pe,
            "weight_type": self.weight_type.name, "input_type": self.input_type.name,
            "output_type": self.output_type.name, "acc_bits": self.acc_bits,
            "per_channel_requant": bool(len(set(zip(self.multiplier.tolist(),
                                                    self.shift.tolist(), strict=True))) > 1),
            "relu": self.out_min > self.output_type.qmin, "rounding": self.rounding.value,
            "out_zero_point": self.out_zero_point, "out_min": self.out_min,
            "out_max": self.out_max, "out_fifo_depth": self.out_fifo_depth, "macs": self.macs,
        }

    # -- the bridge --------------------------------------------------------------------------
    @classmethod
    def from_layer(cls, layer: QuantDepthwiseConv) -> "DepthwiseParams":
        """Integer parameters of ``layer`` (its folding must be set): the input zero point
        folded into the bias, each ``M_c`` as a multiplier and shift."""
        if layer.folding is None:
            raise IRError(f"layer {layer.name!r} has no folding yet; "
                          "run hwgen.passes.choose_folding first")
        dense = layer.as_dense()
        multiplier, shift = quantize_multiplier(
            layer.weight_quant.scale * layer.input_quant.scale / layer.output_quant.scale)
        out = layer.output_quant
        return cls(
            name=layer.name, weights=dense.weights, weight_type=layer.weight_quant.dtype,
            input_type=layer.input_quant.dtype, output_type=out.dtype,
            acc_bias=dense.bias - layer.input_quant.zero_point * dense.weights.sum(axis=1),
            multiplier=multiplier, shift=shift, rounding=layer.rounding,
            out_zero_point=out.zero_point,
            out_min=max(out.dtype.qmin, out.zero_point) if layer.relu else out.dtype.qmin,
            out_max=out.dtype.qmax, pe=layer.folding.pe, spatial=layer.output_shape[:2])


def lower_depthwise(layer: QuantDepthwiseConv, upstream_lanes: int) -> tuple:
    """A sliding window feeding the depthwise unit, both PE channels per beat."""
    unit = DepthwiseParams.from_layer(layer)      # checks the folding is set
    return (conv_window(layer, lanes=unit.pe), unit)
