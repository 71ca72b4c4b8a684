"""Window reduction: max or average over the positions of each window, per channel."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...errors import IRError
from ...quant.multiplier import quantize_multiplier
from ..block import Block, StreamFormat
from ..layers.conv import QuantPool
from ..rules import RequantRounding
from ..types import IntType
from .int_mvau import signed_bits_for_range
from .pipeline_key import INPUT_SLICE_DEPTH, check_pipeline
from .sliding_window import WINDOW_SUFFIX, SlidingWindowParams

__all__ = ["WindowReduceParams", "REDUCE_OPS", "lower_pool"]

REDUCE_OPS = ("max", "avg")


@dataclass(frozen=True, eq=False)
class WindowReduceParams(Block):
    """Reduce ``positions`` windows positions of ``channels`` channels to one value each.

    Input per output pixel: ``positions x channels`` elements, position-major (the layout of
    a sliding window's patch, or of a whole image for global pooling). ``op = "max"`` keeps
    the largest code (max pooling commutes with a monotone quantization, so the type and
    scale do not change). ``op = "avg"`` sums the codes and requantizes
    ``sum - positions * in_zero_point`` by ``multiplier``/``shift`` (``M = S_in / (S_out *
    positions)``) under the named ``rounding`` rule, adds ``out_zero_point`` and saturates to
    ``[out_min, out_max]``: every padded position counts (ONNX ``count_include_pad = 1``).

    Parameters
    ----------
    name : str
    positions, channels : int
    spatial : tuple of int
        Output pixels per inference (``()`` for global pooling).
    op : {"max", "avg"}
    input_type, output_type : IntType
    lanes : int
        Elements per beat on both ports; divides ``channels``.
    in_zero_point, multiplier, shift, rounding, out_zero_point, out_min, out_max
        Requantization of ``avg`` (ignored by ``max``).
    out_fifo_depth, in_fifo_depth : int
    pipeline : str
        ``"auto"``, or ``"deep"``: a register slice at the input
        (``hwgen.hw.stream.register_slice``), so the merge starts at a flip-flop instead of
        behind the upstream FIFO's read (the CONFIG key of the integer MVAUs, which
        ``[default]`` also gives the pools). Same outputs and II, one cycle more latency.
    """

    kind = "window_reduce"

    name: str
    positions: int
    channels: int
    spatial: tuple
    op: str
    input_type: IntType
    output_type: IntType
    lanes: int
    in_zero_point: int = 0
    multiplier: int = 0
    shift: int = 0
    rounding: RequantRounding = RequantRounding.GEMMLOWP
    out_zero_point: int = 0
    out_min: int = 0
    out_max: int = 0
    out_fifo_depth: int = 2
    in_fifo_depth: int = 0
    pipeline: str = "auto"

    @classmethod
    def example(cls, rng) -> "WindowReduceParams":
        """A 2 x 2 average of 4 uint8 channels over 3 x 3 output pixels, 2 lanes."""
        in_type, out_type = IntType(8, False), IntType(8, False)
        multiplier, shift = quantize_multiplier(rng.uniform(0.2, 0.3))
        return cls(name="example_pool", positions=4, channels=4, spatial=(3, 3), op="avg",
                   input_type=in_type, output_type=out_type, lanes=2,
                   in_zero_point=int(rng.integers(0, 20)), multiplier=int(multiplier),
                   shift=int(shift), rounding=RequantRounding.SINGLE,
                   out_zero_point=int(rng.integers(0, 20)), out_min=out_type.qmin,
                   out_max=out_type.qmax)

    def __post_init__(self):
        where = f"layer {self.name!r}"
        for key in ("positions", "channels", "lanes", "out_fifo_depth"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise IRError(f"{where}: {key} must be a positive integer, not {value!r}")
        object.__setattr__(self, "spatial", tuple(int(d) for d in self.spatial))
        check_pipeline(where, self.pipeline)
        if self.op not in REDUCE_OPS:
            raise IRError(f"{where}: op {self.op!r} is not one of {', '.join(REDUCE_OPS)}")
        if self.channels % self.lanes:
            raise IRError(f"{where}: {self.lanes} lanes do not divide {self.channels} channels")
        object.__setattr__(self, "rounding", RequantRounding(self.rounding))
        if self.op == "max":
            if self.output_type != self.input_type:
                raise IRError(f"{where}: max pooling keeps the input type")
        else:
            if not 0 <= self.multiplier < (1 << 31) or not -31 <= self.shift <= 30:
                raise IRError(f"{where}: requantization constants out of range")
            if not (self.output_type.qmin <= self.out_min <= self.out_max
                    <= self.output_type.qmax):
                raise IRError(f"{where}: output bounds do not fit {self.output_type}")
            lo, hi = self.acc_range
            if lo < -(1 << 31) or hi >= (1 << 31):
                raise IRError(f"{where}: the window sum may leave int32; pool over fewer "
                              "positions")
            if self.rounding is RequantRounding.GEMMLOWP:
                left = max(self.shift, 0)
                if (lo << left) < -(1 << 31) or (hi << left) >= (1 << 31):
                    raise IRError(f"{where}: the averaging scale is above 1 and the shifted "
                                  "sum would overflow int32; check the layer's scales")
        if not isinstance(self.in_fifo_depth, int) or self.in_fifo_depth < 0:
            raise IRError(f"{where}: in_fifo_depth must be an int >= 0")

    @property
    def groups(self) -> int:
        return self.channels // self.lanes

    @property
    def acc_range(self) -> tuple:
        """Bounds of ``sum - positions * in_zero_point``."""
        bias = -self.positions * self.in_zero_point
        return (self.positions * self.input_type.qmin + bias,
                self.positions * self.input_type.qmax + bias)

    @property
    def acc_bits(self) -> int:
        """Width of the running value: the input type for max, the sum's range for avg."""
        if self.op == "max":
            return self.input_type.bits + (0 if self.input_type.signed else 1)
        lo, hi = self.acc_range
        top = self.positions * max(abs(self.input_type.qmin), abs(self.input_type.qmax))
        return max(signed_bits_for_range(lo, hi), signed_bits_for_range(-top, top))

    @property
    def input_shape(self) -> tuple:
        return self.spatial + (self.positions * self.channels,)

    @property
    def output_shape(self) -> tuple:
        return self.spatial + (self.channels,)

    @property
    def input_format(self) -> StreamFormat:
        return StreamFormat(self.input_type, self.lanes)

    @property
    def output_format(self) -> StreamFormat:
        return StreamFormat(self.output_type, self.lanes)

    @property
    def input_slice(self) -> int:
        """Beats the input register slice holds: 0, 2 with ``pipeline = "deep"``."""
        return INPUT_SLICE_DEPTH if self.pipeline == "deep" else 0

    @property
    def pixels(self) -> int:
        return math.prod(self.spatial)

    def describe(self) -> dict:
        out = {"op": self.op, "positions": self.positions, "channels": self.channels,
               "lanes": self.lanes, "input_type": self.input_type.name,
               "output_type": self.output_type.name, "out_fifo_depth": self.out_fifo_depth}
        if self.pipeline != "auto":
            out["pipeline"] = self.pipeline
        if self.op == "avg":
            out.update(multiplier=self.multiplier, shift=self.shift,
                       rounding=self.rounding.value, out_zero_point=self.out_zero_point)
        return out


def lower_pool(layer: QuantPool, upstream_lanes: int) -> tuple:
    """A pool is a sliding window feeding a window reduction (a global average pool: the
    reduction alone), both with the lanes of the stream that feeds them."""
    h, w, c = layer.input_shape
    lanes = math.gcd(c, upstream_lanes)
    in_q, out_q = layer.input_quant, layer.output_quant
    common = dict(channels=c, input_type=in_q.dtype, output_type=out_q.dtype, lanes=lanes)
    if layer.op == "max":
        reduce_fields = dict(op="max")
    else:
        multiplier, shift = quantize_multiplier(in_q.scale / (out_q.scale * layer.positions))
        reduce_fields = dict(op="avg", in_zero_point=in_q.zero_point,
                             multiplier=int(multiplier), shift=int(shift),
                             rounding=layer.rounding, out_zero_point=out_q.zero_point,
                             out_min=out_q.dtype.qmin, out_max=out_q.dtype.qmax)
    if layer.op == "global_avg":
        return (WindowReduceParams(name=layer.name, positions=layer.positions, spatial=(),
                                   **common, **reduce_fields),)
    window = SlidingWindowParams(
        name=f"{layer.name}{WINDOW_SUFFIX}", height=h, width=w, channels=c, kernel=layer.kernel,
        stride=layer.stride, pads=layer.pads, element=in_q.dtype,
        pad_value=in_q.dtype.qmin if layer.op == "max" else in_q.zero_point, lanes=lanes)
    reduce = WindowReduceParams(name=layer.name, positions=layer.positions,
                                spatial=layer.output_shape[:2], **common, **reduce_fields)
    return (window, reduce)
