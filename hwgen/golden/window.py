"""Golden model of the sliding-window unit: im2col with a pad value.

:func:`sliding_window` returns the patches as int64, like every golden function.
:class:`WindowPatches` is the same patches as a strided view of the (padded) input, never
copied whole: the golden pipeline hands it to the consuming block, which gathers a chunk of
patch rows at a time in the dtype it computes in (see :mod:`hwgen.golden.model`).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..ir.blocks.sliding_window import SlidingWindowParams
from ..ir.types import IntType
from .kernels import code_dtype

__all__ = ["WindowPatches", "sliding_window", "sliding_window_codes"]


class WindowPatches:
    """Patches ``(N, out_height, out_width, kernel * kernel * channels)``, ``(ky, kx, c)`` order,
    of input codes ``x`` ``(N, height, width, channels)``, as a view.

    Patch ``(n, oy, ox)`` holds ``x[n, oy*stride - top + ky, ox*stride - left + kx, c]``, or
    ``pad_value`` outside the image.
    """

    def __init__(self, x: np.ndarray, p: SlidingWindowParams):
        x = np.asarray(x)
        n = x.shape[0]
        x = x.reshape((n, p.height, p.width, p.channels))
        top, left, bottom, right = p.pads
        if any(p.pads):
            dtype = np.promote_types(x.dtype, code_dtype(p.pad_value, p.pad_value))
            padded = np.full((n, p.height + top + bottom, p.width + left + right, p.channels),
                             p.pad_value, dtype=dtype)
            padded[:, top:top + p.height, left:left + p.width, :] = x
        else:
            padded = np.ascontiguousarray(x)
        self._set_source(padded, p)

    def _set_source(self, padded: np.ndarray, p: SlidingWindowParams) -> None:
        n = padded.shape[0]
        s0, s1, s2, s3 = padded.strides
        k, s = p.kernel, p.stride
        self.params = p
        self.source = padded
        self.view = as_strided(padded, (n, p.out_height, p.out_width, k, k, p.channels),
                               (s0, s * s1, s * s2, s1, s2, s3), writeable=False)
        # The same patches with (kx, c) merged: a patch row of one ky is contiguous in the
        # C-contiguous padded input, so gathers copy runs of kernel * channels codes.
        self.rows_view = as_strided(padded, (n, p.out_height, p.out_width, k, k * p.channels),
                                    (s0, s * s1, s * s2, s1, s3), writeable=False)
        self._range = None

    def recoded(self, source: np.ndarray) -> "WindowPatches":
        """The same patches over ``source``: a C-contiguous array of :attr:`source`'s shape
        holding its codes recoded elementwise (e.g. shifted to uint8), pads included."""
        if source.shape != self.source.shape or not source.flags.c_contiguous:
            raise ValueError(f"source {source.shape} does not replace {self.source.shape}")
        patches = object.__new__(WindowPatches)
        patches._set_source(source, self.params)
        return patches

    @property
    def shape(self) -> tuple:
        p = self.params
        return (self.view.shape[0], p.out_height, p.out_width,
                p.kernel * p.kernel * p.channels)

    @property
    def dtype(self) -> np.dtype:
        return self.source.dtype

    def __len__(self) -> int:
        return self.view.shape[0]

    def tap(self, ky: int, kx: int) -> np.ndarray:
        """Codes at window position ``(ky, kx)`` of every patch, ``(N, oh, ow, channels)``."""
        return self.view[:, :, :, ky, kx, :]

    def materialize(self, dtype=None) -> np.ndarray:
        """The patches as one array (in ``dtype``, default the codes' own)."""
        out = np.empty(self.view.shape, dtype=dtype or self.dtype)
        np.copyto(out, self.view, casting="unsafe")
        return out.reshape(self.shape)

    def check_codes(self, int_type: IntType, what: str) -> None:
        """:meth:`IntType.check_codes` of the patches, from the (cheaper) padded input.

        Every patch code is a code of the padded input, so an input within range proves the
        patches are; otherwise the patches themselves are checked (some input codes may lie
        in no window), raising exactly as for materialised patches.
        """
        if self._range is None:
            src = self.source
            self._range = (int(src.min()), int(src.max())) if src.size else (0, 0)
        lo, hi = self._range
        if not (int_type.qmin <= lo and hi <= int_type.qmax):
            int_type.check_codes(self.materialize(), what)

    def chunks(self, rows: int):
        """Pieces of about ``rows`` patches covering every patch, in row-major order.

        Yields ``(images, out_rows, start, stop)``: index slices into the patch grid and the
        same patches' range in the flattened ``(N * out_height * out_width)`` order. A piece
        is whole images while an image has at most ``rows`` patches, else a run of output
        rows of one image (at least one row), so each is contiguous in that order.
        """
        n, oh, ow = self.view.shape[:3]
        if oh * ow <= rows:
            step = max(1, rows // (oh * ow))
            for n0 in range(0, n, step):
                n1 = min(n0 + step, n)
                yield slice(n0, n1), slice(0, oh), n0 * oh * ow, n1 * oh * ow
        else:
            step = max(1, rows // ow)
            for n0 in range(n):
                for y0 in range(0, oh, step):
                    y1 = min(y0 + step, oh)
                    yield (slice(n0, n0 + 1), slice(y0, y1), (n0 * oh + y0) * ow,
                           (n0 * oh + y1) * ow)

    def max_chunk(self, rows: int) -> int:
        """The most patches one piece of :meth:`chunks` ``(rows)`` holds."""
        n, oh, ow = self.view.shape[:3]
        return rows if oh * ow <= rows else max(1, rows // ow) * ow

    def gather(self, images: slice, out_rows: slice, buffer: np.ndarray) -> np.ndarray:
        """Patches of ``(images, out_rows)`` as rows, converted into ``buffer[:R, :K]``.

        ``buffer`` is a C-contiguous ``(rows, K + extra)`` array (``K`` = kernel * kernel *
        channels) whose dtype the codes take; columns after ``K`` are left as they are (a
        column of ones, for a bias). Returns ``buffer[:R]``.
        """
        block = self.rows_view[images, out_rows]
        nn, yy, ow, k, run = block.shape
        width = buffer.shape[1]
        b = buffer.itemsize
        # as_strided does not check bounds: make sure the target lies inside the buffer.
        if not buffer.flags.c_contiguous or nn * yy * ow > len(buffer) or k * run > width:
            raise ValueError(f"buffer {buffer.shape} cannot hold patches {block.shape}")
        target = as_strided(buffer, block.shape, (yy * ow * width * b, ow * width * b,
                                                  width * b, run * b, b))
        np.copyto(target, block, casting="unsafe")
        return buffer[:nn * yy * ow]


def sliding_window_codes(x: np.ndarray, p: SlidingWindowParams) -> WindowPatches:
    """The patches of :func:`sliding_window` as a :class:`WindowPatches` view."""
    return WindowPatches(x, p)


def sliding_window(x: np.ndarray, p: SlidingWindowParams) -> np.ndarray:
    """Patches ``(N, out_height, out_width, kernel * kernel * channels)``, ``(ky, kx, c)`` order.

    ``x`` has shape ``(N, height, width, channels)``.
    """
    return WindowPatches(x, p).materialize(np.int64)
