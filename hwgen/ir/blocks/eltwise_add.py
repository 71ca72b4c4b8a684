"""Element-wise addition of two streams with requantization (residual connections)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...errors import IRError
from ...quant.multiplier import quantize_multiplier
from ..block import Block, StreamFormat
from ..layers.add import QuantAdd
from ..rules import RequantRounding
from ..types import IntType, TensorQuant

__all__ = ["AddParams", "ADD_FACTOR_BITS", "add_constants", "lower_add"]

#: Bits of the integer factors that bring both inputs to a common scale.
ADD_FACTOR_BITS = 14


def add_constants(a: TensorQuant, b: TensorQuant, out: TensorQuant):
    """Integer constants of ``y = a + b`` in real terms (the rule of :class:`AddParams`).

    With ``s = max(S_a, S_b)``: ``a_factor = round(S_a / s * 2**14)``, ``b_factor`` likewise,
    and ``M = s / (2**14 * S_y)`` as multiplier and shift.
    """
    s = max(a.scale, b.scale)
    a_factor = int(round(a.scale / s * (1 << ADD_FACTOR_BITS)))
    b_factor = int(round(b.scale / s * (1 << ADD_FACTOR_BITS)))
    multiplier, shift = quantize_multiplier(s / ((1 << ADD_FACTOR_BITS) * out.scale))
    return a_factor, b_factor, int(multiplier), int(shift)


@dataclass(frozen=True, eq=False)
class AddParams(Block):
    """``y = clamp(Z_y + requant(a_factor (q_a - Z_a) + b_factor (q_b - Z_b)))``.

    The named rule: both inputs are brought to a common scale by 14-bit integer factors
    (:func:`add_constants`), summed exactly, and the sum is requantized by ``multiplier`` /
    ``shift`` under ``rounding`` (:mod:`hwgen.ir.rules`), offset by ``out_zero_point`` and
    saturated to ``[out_min, out_max]`` (``out_min = Z_y`` fuses a ReLU).

    The block has two input streams of the same shape and lanes: ``i_stream`` (``a``) and
    ``i_stream2`` (``b``); it takes one beat from each in the same cycle.
    """

    kind = "eltwise_add"
    inputs = 2

    name: str
    shape: tuple
    lanes: int
    a_type: IntType
    b_type: IntType
    output_type: IntType
    a_zero_point: int
    b_zero_point: int
    a_factor: int
    b_factor: int
    multiplier: int
    shift: int
    rounding: RequantRounding
    out_zero_point: int
    out_min: int
    out_max: int
    out_fifo_depth: int = 2
    in_fifo_depth: int = 0
    in2_fifo_depth: int = 0


    @classmethod
    def example(cls, rng) -> "AddParams":
        """The sum of two int8 tensors of shape (2, 2, 6) at different scales, with ReLU."""
        a = TensorQuant(IntType(8, True), float(rng.uniform(0.01, 0.05)),
                        int(rng.integers(-10, 11)))
        b = TensorQuant(IntType(8, True), float(rng.uniform(0.01, 0.05)),
                        int(rng.integers(-10, 11)))
        out = TensorQuant(IntType(8, True), 0.08, int(rng.integers(-10, 11)))
        a_factor, b_factor, multiplier, shift = add_constants(a, b, out)
        return cls(name="example_add", shape=(2, 2, 6), lanes=3, a_type=a.dtype,
                   b_type=b.dtype, output_type=out.dtype, a_zero_point=a.zero_point,
                   b_zero_point=b.zero_point, a_factor=a_factor, b_factor=b_factor,
                   multiplier=multiplier, shift=shift, rounding=RequantRounding.SINGLE,
                   out_zero_point=out.zero_point, out_min=out.zero_point,
                   out_max=out.dtype.qmax)

    def __post_init__(self):
        where = f"layer {self.name!r}"
        object.__setattr__(self, "shape", tuple(int(d) for d in self.shape))
        object.__setattr__(self, "rounding", RequantRounding(self.rounding))
        if not isinstance(self.lanes, int) or self.lanes < 1 or self.shape[-1] % self.lanes:
            raise IRError(f"{where}: {self.lanes} lanes do not divide the {self.shape[-1]} "
                          "channels")
        for key in ("a_factor", "b_factor"):
            value = getattr(self, key)
            if not 0 <= value <= (1 << ADD_FACTOR_BITS):
                raise IRError(f"{where}: {key} must lie in [0, 2**{ADD_FACTOR_BITS}]")
        if not 0 <= self.multiplier < (1 << 31) or not -31 <= self.shift <= 30:
            raise IRError(f"{where}: requantization constants out of range")
        if not self.output_type.qmin <= self.out_min <= self.out_max <= self.output_type.qmax:
            raise IRError(f"{where}: output bounds do not fit {self.output_type}")
        if not (self.a_type.qmin <= self.a_zero_point <= self.a_type.qmax
                and self.b_type.qmin <= self.b_zero_point <= self.b_type.qmax):
            raise IRError(f"{where}: input zero points must be codes of their types")
        if self.rounding is RequantRounding.GEMMLOWP:
            lo, hi = self.acc_range
            left = max(self.shift, 0)
            if (lo << left) < -(1 << 31) or (hi << left) >= (1 << 31):
                raise IRError(f"{where}: the output scale is too small for the inputs' "
                              "(the shifted sum would overflow int32)")
        for key in ("out_fifo_depth",):
            if getattr(self, key) < 1:
                raise IRError(f"{where}: {key} must be >= 1")
        for key in ("in_fifo_depth", "in2_fifo_depth"):
            if getattr(self, key) < 0:
                raise IRError(f"{where}: {key} must be >= 0")

    @property
    def acc_range(self) -> tuple:
        def span(t, z, f):
            lo, hi = (t.qmin - z) * f, (t.qmax - z) * f
            return min(lo, hi), max(lo, hi)
        a_lo, a_hi = span(self.a_type, self.a_zero_point, self.a_factor)
        b_lo, b_hi = span(self.b_type, self.b_zero_point, self.b_factor)
        return a_lo + b_lo, a_hi + b_hi

    # -- the block interface -------------------------------------------------------------
    @property
    def input_shape(self) -> tuple:
        return self.shape

    @property
    def output_shape(self) -> tuple:
        return self.shape

    @property
    def input_format(self) -> StreamFormat:
        return StreamFormat(self.a_type, self.lanes)

    @property
    def second_input_format(self) -> StreamFormat:
        return StreamFormat(self.b_type, self.lanes)

    @property
    def output_format(self) -> StreamFormat:
        return StreamFormat(self.output_type, self.lanes)

    @property
    def input_formats(self) -> tuple:
        return (self.input_format, self.second_input_format)

    @property
    def input_fifo_depths(self) -> tuple:
        return (self.in_fifo_depth, self.in2_fifo_depth)

    def describe(self) -> dict:
        return {"a_type": self.a_type.name, "b_type": self.b_type.name,
                "output_type": self.output_type.name, "lanes": self.lanes,
                "a_factor": self.a_factor, "b_factor": self.b_factor,
                "multiplier": self.multiplier, "shift": self.shift,
                "rounding": self.rounding.value, "relu": self.out_min > self.output_type.qmin,
                "out_fifo_depth": self.out_fifo_depth, "in2_fifo_depth": self.in2_fifo_depth}


def lower_add(layer: QuantAdd, upstream_lanes: int) -> tuple:
    """An add of two branches, with the lanes of the stream that feeds its first input."""
    a_factor, b_factor, multiplier, shift = add_constants(layer.a_quant, layer.b_quant,
                                                          layer.output_quant)
    out = layer.output_quant
    return (AddParams(
        name=layer.name, shape=layer.shape, lanes=math.gcd(layer.shape[-1], upstream_lanes),
        a_type=layer.a_quant.dtype, b_type=layer.b_quant.dtype, output_type=out.dtype,
        a_zero_point=layer.a_quant.zero_point, b_zero_point=layer.b_quant.zero_point,
        a_factor=a_factor, b_factor=b_factor, multiplier=multiplier, shift=shift,
        rounding=layer.rounding, out_zero_point=out.zero_point,
        out_min=max(out.dtype.qmin, out.zero_point) if layer.relu else out.dtype.qmin,
        out_max=out.dtype.qmax),)
