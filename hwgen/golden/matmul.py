"""Exact integer matrix products through float BLAS where exactness is proven.

Why float BLAS gives the exact integer result
---------------------------------------------
Take ``acc_i = sum_j x_j * w_ij`` with integer codes, ``|x_j| <= X``, and a part ``P`` of the
inner index. Whatever order, blocking or fused multiply-adds the BLAS uses, each value it forms
is a product ``x_j * w_ij`` or a sum of such products over a subset of ``P``, so its magnitude
is at most ``B_i(P) = X * sum_{j in P} |w_ij|``. A binary floating point format with a
``p``-bit significand represents every integer of magnitude at most ``2**p`` exactly (float32:
``p = 24``; float64: ``p = 53``), and IEEE 754 multiplication, addition and fused
multiply-add return the exact result whenever it is representable. So if
``X <= 2**p`` and ``max_i B_i(P) <= 2**p`` -- the bound is computed per block from the weight
codes and the input codes' range -- every operand, product and partial sum of part ``P`` is an
exact integer and the float result is exactly the integer one. Parts are then summed in int64
or in float64 (exact while the total stays below ``2**53``).

This holds for any BLAS that computes each output as a sum of the products (the classical
algorithm: OpenBLAS, MKL, BLIS, Accelerate, numpy's own loops), not for Strassen-like schemes,
which no float GEMM in numpy's reach uses.

:class:`ExactProduct` plans a fixed weight matrix once: float32 (the fastest) when the inner
dimension splits into at most ``MAX_FLOAT32_PARTS`` parts that each satisfy the bound, else
float64 the same way, else numpy's int64 matmul (exact while ``|acc| < 2**63``; not BLAS, so
slow, and only chosen for layers with very wide codes).

Blocks whose codes have at most 8 bits go through onnxruntime's integer kernels instead where
:mod:`hwgen.golden.int8_gemm` proves them exact (an int32 bound and a self-check); these
products remain their fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FLOAT32_EXACT", "FLOAT64_EXACT", "MAX_FLOAT32_PARTS", "ExactProduct",
           "exact_int_matmul"]

FLOAT32_EXACT = 1 << 24
FLOAT64_EXACT = 1 << 53
INT64_EXACT = (1 << 63) - 1
#: More float32 parts than this cost more in conversions than float64 costs in speed.
MAX_FLOAT32_PARTS = 4


def _split(bounds: np.ndarray, limit: int):
    """Contiguous parts of the inner axis with ``max_i sum_{j in part} bounds[i, j] <= limit``.

    ``bounds[i, j] = |w_ij| * X_j`` (int64, or Python ints in an object array when they could
    overflow). Returns a tuple of ``(start, stop)`` pairs, or None when one inner index alone
    exceeds ``limit``. Bounds are compared as Python integers.
    """
    n, k = bounds.shape
    if int(bounds.max(initial=0)) > limit:
        return None
    prefix = np.zeros((n, k + 1), dtype=bounds.dtype)
    np.cumsum(bounds, axis=1, out=prefix[:, 1:])

    def fits(start, stop):
        return int((prefix[:, stop] - prefix[:, start]).max(initial=0)) <= limit

    parts, start = [], 0
    while start < k:
        lo, hi = start + 1, k          # start + 1 always fits (checked above)
        while lo < hi:                 # the largest stop that fits
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if fits(start, mid) else (lo, mid - 1)
        parts.append((start, lo))
        start = lo
    return tuple(parts)


def _bounds(weights: np.ndarray, x_max: list) -> np.ndarray:
    """``|w_ij| * x_max[j]``, exact: int64 when no row sum can overflow, else Python ints."""
    w = np.abs(weights.astype(object) if weights.dtype == object else weights.astype(np.int64))
    top = max(x_max, default=0)
    if int(w.max(initial=0)) * top * max(w.shape[1], 1) < 1 << 62:
        return w.astype(np.int64) * np.asarray(x_max, dtype=np.int64)
    return w.astype(object) * np.asarray(x_max, dtype=object)


@dataclass(frozen=True, eq=False)
class ExactProduct:
    """``x @ weights.T (+ bias)`` for integer rows ``x`` with ``|x| <= x_max``, exact (see the
    module docstring).

    With a bias the product has one more inner column, whose input is the constant 1 and whose
    weights are the bias: rows must then end with a column of ones (``inner = MW + 1``) and
    the bias enters the bound like any other term, ``|bias_i| * 1``.

    Attributes
    ----------
    dtype : numpy.dtype
        float32, float64 or int64: the type the rows must be given in.
    parts : tuple of (int, int)
        Inner-axis ranges multiplied separately.
    weights_t : numpy.ndarray
        ``weights.T`` (then the bias row) in ``dtype``, C-contiguous ``(inner, outputs)``.
    """

    dtype: np.dtype
    parts: tuple
    weights_t: np.ndarray

    @classmethod
    def plan(cls, weights: np.ndarray, x_max: int, bias=None,
             float32_parts: int = MAX_FLOAT32_PARTS) -> "ExactProduct":
        """Plan for integer ``weights`` ``(outputs, MW)``, inputs of magnitude <= ``x_max``
        and an optional integer ``bias`` ``(outputs,)``; at most ``float32_parts`` float32
        parts (else float64, else int64)."""
        weights = np.asarray(weights)
        x_max = int(x_max)
        inputs = [x_max] * weights.shape[1]
        if bias is not None:
            weights = np.concatenate([weights, np.asarray(bias).reshape(-1, 1)], axis=1)
            inputs.append(1)
        bounds = _bounds(weights, inputs)
        parts = _split(bounds, FLOAT32_EXACT) if x_max <= FLOAT32_EXACT else None
        if parts is not None and len(parts) <= float32_parts:
            dtype = np.dtype(np.float32)
        else:
            parts = _split(bounds, FLOAT64_EXACT) if x_max <= FLOAT64_EXACT else None
            dtype = np.dtype(np.float64)
            if parts is None:
                dtype, parts = np.dtype(np.int64), ((0, weights.shape[1]),)
        weights_t = np.ascontiguousarray(weights.T, dtype=dtype)
        weights_t.setflags(write=False)
        return cls(dtype=dtype, parts=parts, weights_t=weights_t)

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        """Accumulators ``(R, outputs)`` of rows ``(R, inner)`` given in :attr:`dtype`.

        One part gives values in :attr:`dtype`. Several float32 parts are summed in float64
        (at most ``MAX_FLOAT32_PARTS * 2**24 < 2**53``: exact), several float64 parts in int64
        (each part an exact integer of at most ``2**53``; exact while the sum stays below
        ``2**63``). Exact integers in every case.
        """
        if len(self.parts) == 1:
            return rows @ self.weights_t
        total = np.float64 if self.dtype == np.float32 else np.int64
        acc = None
        for start, stop in self.parts:
            part = (rows[:, start:stop] @ self.weights_t[start:stop]).astype(total)
            acc = part if acc is None else np.add(acc, part, out=acc)
        return acc


def exact_int_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for integer arrays, exact, as int64.

    The bound of the module docstring is taken from the data: ``X = max |a|`` and the columns
    of ``b``; :class:`ExactProduct` then picks float32, float64 or int64. int64 results are
    exact while ``|a @ b| < 2**63`` (what the callers' accumulator checks guarantee).
    """
    a = np.asarray(a)
    b = np.asarray(b)
    a = a if a.dtype.kind in "iu" else a.astype(np.int64)  # as before: any integer values
    b = b if b.dtype.kind in "iu" else b.astype(np.int64)
    if b.ndim > 2:
        return a.astype(np.int64) @ b.astype(np.int64)
    x_max = int(np.abs(a.astype(np.int64, copy=False)).max(initial=0))
    rows = a.reshape(-1, a.shape[-1]) if a.ndim != 2 else a
    columns = b[:, None] if b.ndim == 1 else b
    product = ExactProduct.plan(columns.T, x_max)
    acc = product(rows.astype(product.dtype)).astype(np.int64)
    lead = a.shape[:-1] if a.ndim != 2 else (a.shape[0],)
    return acc.reshape(lead + b.shape[1:])
