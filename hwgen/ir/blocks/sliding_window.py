"""Sliding-window unit: an NHWC pixel stream in, k x k x C patches out (im2col on the fly)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...errors import IRError
from ..block import Block, StreamFormat
from ..types import IntType
from .pipeline_key import check_pipeline

#: A window block's name: its layer's and this.
WINDOW_SUFFIX = ".window"

__all__ = ["SlidingWindowParams", "conv_output_size", "conv_window", "tap_counts",
           "window_lanes", "window_lane_counts", "window_layer", "WINDOW_SUFFIX"]


def conv_output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int) -> int:
    """Output positions along one axis (ONNX floor rule)."""
    return (size + pad_before + pad_after - kernel) // stride + 1


def tap_counts(kernel: int) -> tuple:
    """Kernel taps one beat may carry: a divisor of ``kernel`` (part of a kernel row) or a
    multiple of it dividing ``kernel * kernel`` (whole kernel rows), so the taps of a beat
    are a rectangle of the window (see :class:`SlidingWindowParams`)."""
    return tuple(sorted({d for d in range(1, kernel + 1) if kernel % d == 0}
                        | {kernel * d for d in range(1, kernel + 1) if kernel % d == 0}))


def window_lane_counts(channels: int, kernel: int) -> tuple:
    """Every lane count a sliding window of ``channels`` channels accepts, ascending."""
    return tuple(sorted({d for d in range(1, channels + 1) if channels % d == 0}
                        | {channels * m for m in tap_counts(kernel)}))


def window_lanes(channels: int, kernel: int, simd: int) -> int:
    """Lanes of the window in front of a consumer taking ``simd`` elements per beat.

    ``simd`` itself when it divides ``channels``; otherwise the fewest lanes the window
    accepts (:func:`window_lane_counts`) that are at least ``simd``, so the window delivers at
    least the consumer's rate and a width converter re-beats its stream to ``simd``. The
    fewest, not a multiple of ``simd``: a patch-wide beat in front of a narrow consumer (CNV's
    conv4: 128 channels, SIMD 36, 9 taps = 9,216 bits per beat) costs wide registers and
    multiplexers for no throughput, in hardware and in every simulated cycle.
    ``simd`` must divide ``kernel * kernel * channels``.
    """
    if channels % simd == 0:
        return simd
    if (kernel * kernel * channels) % simd:
        raise IRError(f"SIMD={simd} does not divide the {kernel * kernel * channels} elements "
                      f"of a {kernel}x{kernel}x{channels} patch")
    return min(lanes for lanes in window_lane_counts(channels, kernel) if lanes >= simd)


@dataclass(frozen=True, eq=False)
class SlidingWindowParams(Block):
    """Patches of a ``height x width x channels`` image for a ``kernel x kernel`` window.

    Output order: for each output pixel (row-major), for each kernel row ``ky``, kernel column
    ``kx``, the ``channels`` elements of input pixel ``(oy*stride - pad_top + ky,
    ox*stride - pad_left + kx)``; positions outside the image give ``pad_value``. That is the
    im2col vector of the pixel, ``(ky, kx, c)`` with ``c`` fastest, which a convolution's
    weights are laid out to match.

    The output stream carries that order ``lanes`` elements per beat, one beat per cycle at
    full rate. Either ``lanes`` divides ``channels`` (a beat is one channel group of one
    kernel tap; the input stream has the same lanes), or ``lanes = taps_per_beat * channels``
    with ``taps_per_beat`` in :func:`tap_counts`: a beat is ``tap_cols`` adjacent taps of
    each of ``tap_rows`` kernel rows (part of a kernel row, whole kernel rows, or the whole
    patch), whole pixels, and the input stream carries one pixel per beat. Several taps per
    beat let a consumer with a wide SIMD (e.g. the 3-channel first layer of a CNN) take a
    kernel row or a whole patch per cycle.

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
        Elements per output beat: a divisor of ``channels`` or ``channels`` times a
        :func:`tap_counts` entry (:func:`window_lane_counts`).
    out_fifo_depth, in_fifo_depth : int
        FIFO depths in beats (set by ``hwgen.passes.size_fifos``).
    pipeline : str
        ``"auto"``, or ``"deep"``: the line buffer is kept out of block RAM (LUT RAM, a
        synthesis attribute), whose clock-to-output without an output register (4.3 ns on
        ECP5) limits a window fed at full rate (the CONFIG key of the integer MVAUs, which
        ``[default]`` also gives the windows). Same Verilog behaviour and cycles.
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
    pipeline: str = "auto"

    @classmethod
    def example(cls, rng) -> "SlidingWindowParams":
        """A 3 x 3 window of stride 2 over a padded 6 x 5 x 2 int8 image, a kernel row (three
        taps, 6 lanes) per beat: the conformance suite's multi-tap case (the single-tap ones
        are in tests/hw)."""
        return cls(name="example_window", height=6, width=5, channels=2, kernel=3, stride=2,
                   pads=(1, 1, 1, 0), element=IntType(8, True),
                   pad_value=int(rng.integers(-5, 6)), lanes=6, out_fifo_depth=4)

    def __post_init__(self):
        where = f"layer {self.name!r}"
        for key in ("height", "width", "channels", "kernel", "stride", "lanes", "out_fifo_depth"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise IRError(f"{where}: {key} must be a positive integer, not {value!r}")
        check_pipeline(where, self.pipeline)
        pads = tuple(int(p) for p in self.pads)
        if len(pads) != 4 or any(p < 0 or p >= self.kernel for p in pads):
            raise IRError(f"{where}: pads must be 4 integers (top, left, bottom, right) in "
                          f"[0, kernel - 1], not {self.pads!r}")
        object.__setattr__(self, "pads", pads)
        if self.lanes not in window_lane_counts(self.channels, self.kernel):
            raise IRError(
                f"{where}: {self.lanes} lanes neither divide the {self.channels} channels nor "
                f"carry whole kernel taps in rows of the {self.kernel}x{self.kernel} window; "
                f"use one of {', '.join(map(str, window_lane_counts(self.channels, self.kernel)))}")
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
    def input_lanes(self) -> int:
        """Elements per input beat: ``lanes``, or a whole pixel when a beat has several taps."""
        return min(self.lanes, self.channels)

    @property
    def groups(self) -> int:
        """Beats per pixel on either port: channel groups of ``input_lanes``."""
        return self.channels // self.input_lanes

    @property
    def taps_per_beat(self) -> int:
        """Kernel taps in one output beat (1 when a beat is a channel group of one tap)."""
        return max(1, self.lanes // self.channels)

    @property
    def tap_cols(self) -> int:
        """Adjacent kernel columns in one output beat."""
        return math.gcd(self.taps_per_beat, self.kernel)

    @property
    def tap_rows(self) -> int:
        """Kernel rows in one output beat."""
        return self.taps_per_beat // self.tap_cols

    @property
    def beats_per_patch(self) -> int:
        """Output beats per output pixel."""
        return self.kernel * self.kernel * self.groups // self.taps_per_beat

    @property
    def buffer_rows(self) -> int:
        """Image rows the line buffer holds: a window's rows plus one output row's step, so
        the rows for the next output row arrive while the current one is read; plus, where the
        last window of an image still holds rows the next image's first window needs to
        overwrite (no padding to skip, ``kernel > stride``), those rows, so the next image
        loads while the last output row is read.

        With ``f = (out_height - 1) * stride - top`` the first row of the last window, the
        next image's rows ``0 .. kernel - 1 - top`` must not overwrite rows ``f ..`` of this
        one: ``buffer_rows >= height - f + kernel - top = 2 * kernel - top - bottom + rem``,
        ``rem = (height + top + bottom - kernel) mod stride`` (rows below the last window).

        With a kernel or more of padding in all (``top + bottom >= kernel``) several output
        rows at an image's end read its last row (the tail, ``out_height - t`` rows from the
        first such row ``t``), and the next image loads while they are read: the buffer
        also holds the rows from the tail's first row ``t * stride - top`` on, plus the
        ``(out_height - t) * stride`` rows the window advances over meanwhile. A lone window
        then runs at its ideal rate over kernels 1-5, strides 1-3 and every padding
        (tests/unit/test_window_rate.py checks it with the cycle model).
        """
        k, s = self.kernel, self.stride
        top, bottom = self.pads[0], self.pads[2]
        rem = (self.height + top + bottom - k) % s
        rows = k + s + max(0, k - top - bottom - s + rem)
        if top + bottom >= k:
            tail = min(max(0, -(-(self.height - k + top) // s)), self.out_height - 1)
            rows = max(rows, self.height - (tail * s - top) + (self.out_height - tail) * s)
        return rows

    # -- the block interface -------------------------------------------------------------
    @property
    def input_shape(self) -> tuple:
        return (self.height, self.width, self.channels)

    @property
    def output_shape(self) -> tuple:
        return (self.out_height, self.out_width, self.kernel * self.kernel * self.channels)

    @property
    def input_format(self) -> StreamFormat:
        return StreamFormat(self.element, self.input_lanes)

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
                "input_lanes": self.input_lanes, "taps_per_beat": self.taps_per_beat,
                "buffer_rows": self.buffer_rows, "out_fifo_depth": self.out_fifo_depth,
                **({"pipeline": self.pipeline} if self.pipeline != "auto" else {})}


def window_layer(name: str) -> str:
    """The layer a window block belongs to: ``"conv1"`` for ``"conv1.window"``."""
    return name.removesuffix(WINDOW_SUFFIX)


def conv_window(layer, *, pad_value: int | None = None,
                lanes: int | None = None) -> SlidingWindowParams:
    """The sliding window in front of a convolution-shaped layer (folding set).

    It pads with the input's zero point (``pad_value`` overrides it: a bipolar input pads
    with the code of -1). Its lanes follow the consumer's SIMD (:func:`window_lanes`: SIMD
    itself, or whole taps when SIMD exceeds or does not divide the channels) unless ``lanes``
    is given.
    """
    if layer.folding is None:
        raise IRError(f"layer {layer.name!r} has no folding yet; run "
                      "hwgen.passes.choose_folding first")
    h, w, c = layer.input_shape
    return SlidingWindowParams(
        name=f"{layer.name}{WINDOW_SUFFIX}", height=h, width=w, channels=c, kernel=layer.kernel,
        stride=layer.stride, pads=layer.pads, element=layer.input_quant.dtype,
        pad_value=layer.input_quant.zero_point if pad_value is None else pad_value,
        lanes=window_lanes(c, layer.kernel, layer.folding.simd) if lanes is None else lanes)
