"""Sliding-window unit: an NHWC pixel stream in, k x k x C patches out (im2col on the fly)."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import IRError
from ..block import StreamFormat, register_block
from ..types import IntType

__all__ = ["SlidingWindowParams", "conv_output_size"]


def conv_output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int) -> int:
    """Output positions along one axis (ONNX floor rule)."""
    return (size + pad_before + pad_after - kernel) // stride + 1


@register_block("sliding_window")
@dataclass(frozen=True, eq=False)
class SlidingWindowParams:
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

    def describe(self) -> dict:
        return {"height": self.height, "width": self.width, "channels": self.channels,
                "kernel": self.kernel, "stride": self.stride, "pads": list(self.pads),
                "pad_value": self.pad_value, "lanes": self.lanes,
                "buffer_rows": self.buffer_rows, "out_fifo_depth": self.out_fifo_depth}
