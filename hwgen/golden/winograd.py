"""A 3x3 stride-1 convolution as kernel rows paired by Winograd's F(2, 3), exact in float32.

The kernel-row product (:mod:`hwgen.golden.conv`) forms ``acc[y] = sum_ky R[y + ky] @ W[ky]``
(``R[y]``: the patch rows ``(ox, kx*C)`` of input row ``y``; ``W[ky]``: kernel row ``ky``,
``(kx*C, MH)``; bias left out here), three products per output row. Winograd's F(2, 3)
along ``y`` forms two output rows from four input rows ``d0..d3 = R[2j .. 2j + 3]`` with four
products, scaled by 2 so that every operand is an integer::

    M1 = (d0 - d2) @ 2*W0            M2 = (d1 + d2) @ (W0 + W1 + W2)
    M3 = (d2 - d1) @ (W0 - W1 + W2)  M4 = (d1 - d3) @ 2*W2
    2*acc[2j]     = M1 + M2 + M3     2*acc[2j + 1] = M2 - M3 - M4

(expand: ``M1 + M2 + M3 = 2*(d0 W0 + d1 W1 + d2 W2)``, ``M2 - M3 - M4 = 2*(d1 W0 + d2 W1 +
d3 W2)``). Two thirds of the kernel rows' multiply-adds, for six additions per pair of output
rows, each over ``(ow, MH)``, and four input differences over ``(ow, kx*C)``.

Exactness. Input codes lie in ``[qmin, qmax]`` (pads included: the window's pad value is a code
of that type), so ``d0 - d2``, ``d2 - d1`` and ``d1 - d3`` lie within ``X_- = qmax - qmin`` in
magnitude and ``d1 + d2`` within ``X_+ = 2 * max(|qmin|, |qmax|)``: exact integers in float32
(below ``2**24``). As in :mod:`hwgen.golden.matmul`, every value BLAS forms for ``M_i`` is a
sum of a subset of its terms, at most ``B_i = X_i * sum |U_i|`` per output channel (``U_i`` the
integer weights above, summed over ``kx, c``). The twice-the-bias ``2b`` is added to ``M2``
(both rows use ``+M2``), and the additions form ``M1 + (M2 + 2b)``, then ``+ M3``, and
``(M2 + 2b) - M4``, then ``- M3``: every value is at most ``2|b| + B1 + B2 + B3`` or
``2|b| + B2 + B3 + B4``. When both are at most ``2**24`` in every channel (computed from the
block's weights, bias and input type, :func:`winograd_bound`), float32 is exact throughout;
otherwise the block uses the plain kernel rows or im2col. The sums are twice the
accumulators; the requantizer takes them with ``exponent = 1``
(:meth:`hwgen.golden.requant.Requantizer.__call__`).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..ir.blocks.int_mvau import IntMvauParams
from .kernels import block_plan, even_band, rows_per_chunk
from .matmul import FLOAT32_EXACT
from .window import WindowPatches

__all__ = ["WinogradRows", "winograd_bound", "winograd_weights"]

#: Fewest output channels for which the saved third of the products outweighs the input
#: differences (measured on CNV: a loss at 64 channels, a gain at 128; speed only).
MIN_OUTPUTS = 128
#: Fewest output rows: with fewer, the rows the pairs compute past the image cost too much.
MIN_ROWS = 4
#: Elements of a band's gathered rows: twice the other kernels' chunks, since every band
#: costs some twenty numpy calls.
BAND_ELEMENTS = 1 << 18


def winograd_weights(weights: np.ndarray) -> list:
    """``[2*W0, W0 + W1 + W2, W0 - W1 + W2, 2*W2]`` as int64 ``(MH, 3*C)`` arrays, from MVAU
    weights ``(MH, 9*C)`` in ``(ky, kx, c)`` order."""
    w = np.asarray(weights, dtype=np.int64).reshape(len(weights), 3, -1)
    w0, w1, w2 = w[:, 0], w[:, 1], w[:, 2]
    return [2 * w0, w0 + w1 + w2, w0 - w1 + w2, 2 * w2]


def winograd_bound(p: IntMvauParams) -> int:
    """The largest magnitude any float32 value of :class:`WinogradRows` can take for block
    ``p`` (module docstring), as a Python int."""
    lo, hi = int(p.input_type.qmin), int(p.input_type.qmax)
    x_minus, x_plus = hi - lo, 2 * max(abs(lo), abs(hi))
    sums = [np.abs(u.astype(object)).sum(axis=1) for u in winograd_weights(p.weights)]
    b1, b2, b3, b4 = (x * s for x, s in zip((x_minus, x_plus, x_minus, x_minus), sums,
                                            strict=True))
    bias = 2 * np.abs(np.asarray(p.acc_bias, dtype=object))
    return int(max(max(bias + b1 + b2 + b3, default=0), max(bias + b2 + b3 + b4, default=0)))


class WinogradRows:
    """The paired kernel-row product of one 3x3 convolution (module docstring)."""

    def __init__(self, p: IntMvauParams):
        self.mh = p.mh
        # (3*C, MH) float32 operands: integers below 2**24 (each at most the bound)
        self.weights = [np.ascontiguousarray(u.T, dtype=np.float32)
                        for u in winograd_weights(p.weights)]
        self.bias2 = (2 * np.asarray(p.acc_bias, dtype=np.int64)).astype(np.float32)
        for w in (*self.weights, self.bias2):
            w.setflags(write=False)

    @staticmethod
    def applies(p: IntMvauParams, patches: WindowPatches) -> bool:
        """3x3, stride 1, at least 16 channels, ``MIN_OUTPUTS`` outputs, ``MIN_ROWS`` rows, and
        the float32 bound."""
        w = patches.params
        return (w.kernel == 3 and w.stride == 1 and w.channels >= 16 and p.mh >= MIN_OUTPUTS
                and w.out_height >= MIN_ROWS
                and block_plan(p, "winograd_bound", winograd_bound) <= FLOAT32_EXACT)

    @staticmethod
    def band_rows(width: int) -> int:
        """Gathered rows of ``width`` codes in one band (at most)."""
        return rows_per_chunk(width, BAND_ELEMENTS)

    def run(self, patches: WindowPatches, requant, out: np.ndarray) -> None:
        """Requantized outputs of every patch into ``out`` ``(N, oh, ow, MH)``."""
        mh = self.mh
        src = patches.source                              # (N, Hp, Wp, C), C-contiguous
        n, hp, _, c = src.shape
        oh, ow = out.shape[1:3]
        s0, s1, s2, s3 = src.strides
        rows_view = as_strided(src, (n, hp, ow, 3 * c), (s0, s1, s2, s3), writeable=False)
        width = 3 * c
        pairs = (oh + 1) // 2
        # a band: whole images, or pairs of output rows of one image, sized to the cache
        budget = self.band_rows(width)
        per_image = (2 * pairs + 2) * ow
        if per_image <= budget:
            step = max(1, budget // per_image)
            bands = [(slice(n0, min(n0 + step, n)), 0, pairs) for n0 in range(0, n, step)]
        else:
            band = even_band(pairs, max(1, budget // (2 * ow) - 1))
            bands = [(slice(n0, n0 + 1), j0, min(j0 + band, pairs))
                     for n0 in range(n) for j0 in range(0, pairs, band)]
        most_in = max((b[0].stop - b[0].start) * (2 * (b[2] - b[1]) + 2) for b in bands) * ow
        most_pairs = max((b[0].stop - b[0].start) * (b[2] - b[1]) for b in bands) * ow
        rows = np.zeros((most_in, width), dtype=np.float32)   # rows past the input stay 0
        d = np.empty((4, most_pairs, width), dtype=np.float32)
        m = np.empty((4, most_pairs, mh), dtype=np.float32)
        for images, j0, j1 in bands:
            nn, jj = images.stop - images.start, j1 - j0
            y0, y1 = 2 * j0, min(2 * j1 + 2, hp)          # input rows of these pairs
            block = rows_view[images, y0:y1]
            grid = rows[:nn * (2 * jj + 2) * ow].reshape(nn, 2 * jj + 2, ow, width)
            np.copyto(grid[:, :y1 - y0], block, casting="unsafe")
            if y1 - y0 < 2 * jj + 2:                       # odd oh: the last pair's d3 row
                grid[:, y1 - y0:] = 0
            count = nn * jj * ow
            dd = d[:, :count].reshape(4, nn, jj, ow, width)
            r0, r1 = grid[:, 0:2 * jj:2], grid[:, 1:2 * jj + 1:2]
            r2, r3 = grid[:, 2:2 * jj + 2:2], grid[:, 3:2 * jj + 3:2]
            np.subtract(r0, r2, out=dd[0])
            np.add(r1, r2, out=dd[1])
            np.subtract(r2, r1, out=dd[2])
            np.subtract(r1, r3, out=dd[3])
            mm = m[:, :count]
            for i in range(4):
                np.matmul(d[i, :count], self.weights[i], out=mm[i])
            np.add(mm[1], self.bias2, out=mm[1])
            np.add(mm[0], mm[1], out=mm[0])
            np.add(mm[0], mm[2], out=mm[0])               # 2 * acc of the even rows
            np.subtract(mm[1], mm[3], out=mm[3])
            np.subtract(mm[3], mm[2], out=mm[3])          # 2 * acc of the odd rows
            even = mm[0].reshape(nn, jj, ow, mh)
            odd = mm[3].reshape(nn, jj, ow, mh)
            target = out[images]
            requant(even, target[:, 2 * j0:2 * j1:2], exponent=1)
            odd_rows = min(j1, oh // 2) - j0               # odd rows that exist
            requant(odd[:, :odd_rows], target[:, 2 * j0 + 1:2 * j0 + 1 + 2 * odd_rows:2],
                    exponent=1)
