"""Sliding-window unit: an NHWC pixel stream in, k x k x C patches out (im2col on the fly)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...errors import IRError
from ..block import Block, StreamFormat
from ..types import IntType

__all__ = ["SlidingWindowParams", "conv_output_size", "conv_window"]


def conv_output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int) -> int:
    """Output positions along one axis (ONNX floor rule)."""
    return (size + pad_before + pad_after - kernel) // stride + 1


@dataclass(frozen=True, eq=False)
class SlidingWindowParams(Block):
    """Patches of a ``height x width x channels`` image for a ``kernel x kernel`` window.

    Output order: for each output pixel (row-major), for each kernel row ``ky``, kernel column
    ``kx``, the ``channels`` elements of input pixel ``(oy*stride - pad_top + ky,
    ox*stride - pad_left + kx)``; positions outside the image give ``pad_value``. That is the
    im2col vector of the pixel, ``(ky, kx, c)`` with ``c`` fastest, which a convolution's
    weights are laid out to match.

    Parameters
    ----------
    name : str
    height, width, channels : int
        Input image.
    kernel, stride : int
        Square window and its step (the same along both axes).
    pads : tuple of 4 ints
        ``(top, left, bottom, right)`` padding, each smaller than ``kernel``.
    element : IntType
        Element type (unchanged by the block).
    pad_value : int
        Code for positions outside the image: the input zero point for a convolution, the
        smallest code for max pooling.
    lanes : int
        Elements per beat on both ports; divides ``channels``.
    out_fifo_depth, in_fifo_depth : int
        FIFO depths in beats (set by ``hwgen.passes.size_fifos``).
    """

    kind = "sliding_window"

    name: str
    height: int
    width: int
    channels: int
    kernel: int
    stride: int
    pads: tuple
    element: IntType
    pad_value: int
    lanes: int
    out_fifo_depth: int = 2
    in_fifo_depth: int = 0


    @classmethod
    def example(cls, rng) -> "SlidingWindowParams":
        """A 3 x 3 window of stride 2 over a padded 6 x 5 x 4 int8 image, 2 lanes."""
        return cls(name="example_window", height=6, width=5, channels=4, kernel=3, stride=2,
                   pads=(1, 1, 1, 0), element=IntType(8, True),
                   pad_value=int(rng.integers(-5, 6)), lanes=2, out_fifo_depth=4)

    def __post_init__(self):
        where = f"layer {self.name!r}"
        for key in ("height", "width", "channels", "kernel", "stride", "lanes", "out_fifo_depth"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise IRError(f"{where}: {key} must be a positive integer, not {value!r}")
        pads = tuple(int(p) for p in self.pads)
        if len(pads) != 4 or any(p < 0 or p >= self.kernel for p in pads):
            raise IRError(f"{where}: pads must be 4 integers (top, left, bottom, right) in "
                          f"[0, kernel - 1], not {self.pads!r}")
        object.__setattr__(self, "pads", pads)
        if self.channels % self.lanes:
            raise IRError(f"{where}: {self.lanes} lanes do not divide {self.channels} channels")
        if not self.element.qmin <= self.pad_value <= self.element.qmax:
            raise IRError(f"{where}: pad value {self.pad_value} is not a {self.element} code")
        if self.out_height < 1 or self.out_width < 1:
            raise IRError(f"{where}: a {self.kernel}x{self.kernel} window does not fit a padded "
                          f"{self.height}x{self.width} image")
        if not isinstance(self.in_fifo_depth, int) or self.in_fifo_depth < 0:
            raise IRError(f"{where}: in_fifo_depth must be an int >= 0")

    # -- geometry ------------------------------------------------------------------------
    @property
    def out_height(self) -> int:
        return conv_output_size(self.height, self.kernel, self.stride, self.pads[0], self.pads[2])

    @property
    def out_width(self) -> int:
        return conv_output_size(self.width, self.kernel, self.stride, self.pads[1], self.pads[3])

    @property
    def groups(self) -> int:
        """Beats per pixel: channel groups of ``lanes``."""
        return self.channels // self.lanes

    @property
    def buffer_rows(self) -> int:
        """Image rows the line buffer holds: a window's rows plus one output row's step, so
        the rows for the next output row arrive while the current one is read."""
        return self.kernel + self.stride

    # -- the block interface -------------------------------------------------------------
    @property
    def input_shape(self) -> tuple:
        return (self.height, self.width, self.channels)

    @property
    def output_shape(self) -> tuple:
        return (self.out_height, self.out_width, self.kernel * self.kernel * self.channels)

    @property
    def input_format(self) -> StreamFormat:
        return StreamFormat(self.element, self.lanes)

    @property
    def output_format(self) -> StreamFormat:
        return StreamFormat(self.element, self.lanes)

    def last_output_row_using(self, row: int) -> int:
        """The last output row whose windows use input row ``row`` (clamped to the last row)."""
        return min((row + self.pads[0]) // self.stride, self.out_height - 1)

    def describe(self) -> dict:
        return {"height": self.height, "width": self.width, "channels": self.channels,
                "kernel": self.kernel, "stride": self.stride, "pads": list(self.pads),
                "pad_value": self.pad_value, "lanes": self.lanes,
                "buffer_rows": self.buffer_rows, "out_fifo_depth": self.out_fifo_depth}


def conv_window(layer, *, pad_value: int | None = None,
                lanes: int | None = None) -> SlidingWindowParams:
    """The sliding window in front of a convolution-shaped layer (folding set).

    It pads with the input's zero point (``pad_value`` overrides it: a bipolar input pads
    with the code of -1) and emits ``gcd(channels, SIMD)`` elements per beat unless ``lanes``
    is given.
    """
    if layer.folding is None:
        raise IRError(f"layer {layer.name!r} has no folding yet; run "
                      "hwgen.passes.choose_folding first")
    h, w, c = layer.input_shape
    return SlidingWindowParams(
        name=f"{layer.name}.window", height=h, width=w, channels=c, kernel=layer.kernel,
        stride=layer.stride, pads=layer.pads, element=layer.input_quant.dtype,
        pad_value=layer.input_quant.zero_point if pad_value is None else pad_value,
        lanes=math.gcd(c, layer.folding.simd) if lanes is None else lanes)
