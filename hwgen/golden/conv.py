"""The integer MVAU over a sliding window's patches (a convolution), without copying them all.

Four ways to form the same exact accumulators, chosen per block in this order of preference:

- **int8 im2col** (codes of at most 8 bits, where :mod:`hwgen.golden.int8_gemm` proves
  onnxruntime's integer kernels exact): the input shifted to uint8 once, chunks of patch rows
  gathered as uint8 and multiplied by ``MatMulInteger`` with int32 accumulation.

The other three run on float BLAS (:mod:`hwgen.golden.matmul` for why its products are exact):

- **Winograd rows** (3x3, stride 1, many outputs, within their own float32 bound): pairs of
  output rows from four products instead of six, :mod:`hwgen.golden.winograd`.
- **kernel rows** (stride 1, a single exact float32 product): a patch row of one ``ky`` is a
  contiguous run of ``k*C`` input codes, so rows ``(y, ox)`` of ``k*C`` codes (plus the ones
  column) are multiplied once by weights ``(k*C + 1, k*MH)`` that hold all ``k`` kernel rows
  side by side: ``Z[y, ox, ky] = sum_{kx, c} x[y, ox + kx, c] * w[ky, kx, c]`` (+ bias in
  the ``ky = 0`` block). Then ``acc[oy, ox] = sum_ky Z[oy + ky, ox, ky]``. Every ``Z`` and
  every partial sum over ``ky`` is a sum of a subset of the accumulator's terms, so the
  same bound (``|bias| + X * sum |w| <= 2**24``) keeps all of them exact in float32. The
  product has three times the columns and a third of the inner length of im2col's, which
  BLAS runs faster when the layer has few output channels, and the gather copies each
  input code ``k`` rather than ``k*k`` times. With SciPy, ``k`` products of ``(k*C, MH)``
  weights add into one bias-initialised accumulator instead (``sgemm``'s ``beta = 1``):
  the partial sums are the same subsets, and neither ``Z`` nor the additions exist.
- **im2col** (any window and any exact product: the fallback): chunks of patch rows
  ``(R, k*k*C)`` are gathered (in cache-sized pieces) into the product's dtype, with a
  column of ones for the bias, and multiplied by the ``(k*k*C + 1, MH)`` weights.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..ir.blocks.int_mvau import IntMvauParams
from .int8_gemm import integer_chunk
from .kernels import block_plan, even_band, rows_per_chunk
from .matmul import ExactProduct
from .window import WindowPatches
from .winograd import WinogradRows

__all__ = ["conv_codes", "kernel_rows_weights"]

#: The kernel-row way computes ``Z`` for every input row a band of output rows reads: at
#: most this many input rows per output row, or im2col is used.
MAX_ROW_OVERHEAD = 1.25


def kernel_rows_weights(weights: np.ndarray, bias: np.ndarray, k: int) -> np.ndarray:
    """``(k*C + 1, k*MH)`` weights of the kernel-row product from MVAU weights ``(MH, k*k*C)``
    in ``(ky, kx, c)`` order: block ``ky`` of the columns holds kernel row ``ky``; the last
    row holds the bias in block 0 and zeros elsewhere."""
    mh = weights.shape[0]
    rows = weights.reshape(mh, k, -1)                   # (MH, ky, kx*C)
    w = np.zeros((rows.shape[2] + 1, k * mh), dtype=np.int64)
    w[:-1] = rows.transpose(2, 1, 0).reshape(rows.shape[2], k * mh)
    w[-1, :mh] = bias
    return w


class KernelRows:
    """The kernel-row product of one convolution block (module docstring).

    With SciPy's BLAS (a dependency of scikit-learn, so normally present) the ``k`` products
    accumulate into one output buffer (``sgemm`` with ``beta = 1``, see :meth:`_accumulate`);
    without it, numpy's matmul forms ``Z`` and ``k - 1`` additions sum it.
    """

    def __init__(self, p: IntMvauParams, k: int):
        self.k = k
        self.mh = p.mh
        self.sgemm = _sgemm()
        if self.sgemm is not None:
            rows = np.asarray(p.weights).reshape(p.mh, k, -1)     # (MH, ky, kx*C)
            # (MH, k*C) per kernel row, Fortran order: BLAS reads it without a copy
            self.row_weights = [np.asfortranarray(rows[:, ky], dtype=np.float32)
                                for ky in range(k)]
            self.bias = np.asarray(p.acc_bias, dtype=np.float32)   # |bias| <= 2**24: exact
            for w in (*self.row_weights, self.bias):
                w.setflags(write=False)
        else:
            weights = kernel_rows_weights(p.weights, p.acc_bias, k)
            self.weights = np.ascontiguousarray(weights, dtype=np.float32)
            self.weights.setflags(write=False)

    @staticmethod
    def applies(p: IntMvauParams, patches: WindowPatches, product: ExactProduct) -> bool:
        """Stride 1, at least 16 channels, little recomputation, one exact float32 part."""
        w = patches.params
        oh = w.out_height
        return (w.stride == 1 and w.kernel > 1 and w.channels >= 16
                and (oh + w.kernel - 1) <= MAX_ROW_OVERHEAD * oh
                and product.dtype == np.float32 and len(product.parts) == 1)

    def run(self, patches: WindowPatches, requant, out: np.ndarray) -> None:
        """Requantized outputs of every patch into ``out`` ``(N, oh, ow, MH)``."""
        k, mh = self.k, self.mh
        src = patches.source                              # (N, Hp, Wp, C), C-contiguous
        n, hp, _, c = src.shape
        oh, ow = out.shape[1:3]
        s0, s1, s2, s3 = src.strides
        rows_view = as_strided(src, (n, hp, ow, k * c), (s0, s1, s2, s3), writeable=False)
        accumulate = self.sgemm is not None
        width = k * c + (0 if accumulate else 1)
        budget = rows_per_chunk(max(width, mh if accumulate else k * mh))
        per_image = hp * ow
        if per_image <= budget:
            step = max(1, budget // per_image)
            bands = [(slice(n0, min(n0 + step, n)), 0, oh) for n0 in range(0, n, step)]
        else:
            band = even_band(oh, max(1, budget // ow - (k - 1)))
            bands = [(slice(n0, n0 + 1), y0, min(y0 + band, oh))
                     for n0 in range(n) for y0 in range(0, oh, band)]
        most = max((b[0].stop - b[0].start) * (b[2] - b[1] + k - 1) * ow for b in bands)
        buffer = np.ones((most, width), dtype=np.float32)   # the last column stays 1
        acc = np.empty(most * mh, dtype=np.float32)
        for images, y0, y1 in bands:
            block = rows_view[images, y0:y1 + k - 1]        # (nn, rows, ow, k*C)
            nn, rows = block.shape[:2]
            count = nn * rows * ow
            target = buffer[:count, :k * c].reshape(block.shape)
            if not np.may_share_memory(target, buffer):     # never write into a copy
                raise AssertionError("kernel-row gather target is not a view")
            np.copyto(target, block, casting="unsafe")
            if accumulate:
                y = self._accumulate(buffer[:count], acc[:count * mh].reshape(count, mh), ow)
                y = y.reshape(nn, rows, ow, mh)[:, :y1 - y0]
            else:
                z = (buffer[:count] @ self.weights).reshape(nn, rows, ow, k, mh)
                y = acc[:nn * (y1 - y0) * ow * mh].reshape(nn, y1 - y0, ow, mh)
                np.add(z[:, 0:y1 - y0, :, 0], z[:, 1:y1 - y0 + 1, :, 1], out=y)
                for ky in range(2, k):
                    np.add(y, z[:, ky:y1 - y0 + ky, :, ky], out=y)
            requant(y, out[images, y0:y1])

    def _accumulate(self, rows: np.ndarray, acc: np.ndarray, ow: int) -> np.ndarray:
        """``acc[r] = bias + sum_ky rows[r + ky*ow] @ w[ky].T`` for every ``r`` that has all
        ``k`` rows; returns ``acc`` (its last ``(k - 1) * ow`` rows are left as the bias).

        Row ``r`` of a band is position ``(y, ox)`` and ``r + ky*ow`` is ``(y + ky, ox)``, so
        each ``acc[r]`` of an output position is its accumulator; rows whose ``y + ky`` runs
        into the next image are never requantized. Each ``sgemm`` adds a product to ``acc``
        in place (``beta = 1``): every value BLAS forms is the bias plus a subset of the
        accumulator's terms, within the float32 bound like ``Z`` above.
        """
        k = self.k
        valid = len(rows) - (k - 1) * ow
        acc[:] = self.bias
        target = acc[:valid].T                              # (MH, valid), Fortran order
        for ky in range(k):
            got = self.sgemm(1.0, self.row_weights[ky], rows[ky * ow:ky * ow + valid].T,
                             beta=1.0, c=target, overwrite_c=1)
            if not np.may_share_memory(got, acc):           # a copy would lose the sum
                raise AssertionError("sgemm did not accumulate in place")
        return acc


def _sgemm():
    """SciPy's single-precision GEMM, or None without SciPy."""
    try:
        from scipy.linalg.blas import sgemm
    except ImportError:
        return None
    return sgemm


def conv_codes(patches: WindowPatches, p: IntMvauParams, product: ExactProduct, requant,
               out: np.ndarray, integer=None) -> np.ndarray:
    """Outputs ``(N, oh, ow, MH)`` of the MVAU ``p`` over ``patches``, into ``out``.

    ``product`` is the block's :class:`ExactProduct` with its bias column and ``requant`` its
    :class:`~hwgen.golden.requant.Requantizer`; ``integer`` its
    :class:`~hwgen.golden.int8_gemm.IntegerProduct` if it has one (then im2col in uint8
    through it, the fastest way).
    """
    if out.size == 0:
        return out
    if integer is not None:
        # the input codes minus the type's qmin, once (pads included), so that the gathers
        # copy uint8 runs as they are
        src = patches.source
        if integer.lo or src.dtype != np.uint8:
            patches = patches.recoded(integer.shift(src, np.empty(src.shape, np.uint8)))
        flat = out.reshape(-1, p.mh)
        chunk = integer_chunk(p.mw, p.mh)
        buffer = np.empty((patches.max_chunk(chunk), p.mw), dtype=np.uint8)
        for images, out_rows, start, stop in patches.chunks(chunk):
            block = patches.rows_view[images, out_rows]     # (nn, yy, ow, k, k*C)
            rows = buffer[:stop - start]
            np.copyto(rows.reshape(block.shape), block)     # a view: rows are k*k*C wide
            requant(integer(rows), flat[start:stop])
        return out
    if WinogradRows.applies(p, patches):
        block_plan(p, "winograd_rows", WinogradRows).run(patches, requant, out)
        return out
    if KernelRows.applies(p, patches, product):
        block_plan(p, ("kernel_rows", patches.params.kernel),
                   lambda p: KernelRows(p, patches.params.kernel)).run(patches, requant, out)
        return out
    flat = out.reshape(-1, p.mh)
    chunk = rows_per_chunk(max(p.mw + 1, p.mh))
    buffer = np.ones((patches.max_chunk(chunk), p.mw + 1), dtype=product.dtype)
    for images, out_rows, start, stop in patches.chunks(chunk):
        requant(product(patches.gather(images, out_rows, buffer)), flat[start:stop])
    return out
