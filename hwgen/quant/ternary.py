"""Ternary quantization: codes in {-1, 0, +1} with separate positive and negative scales.

Methods (:data:`TERNARIZE_METHODS`):

``"twn"``
    Ternary Weight Networks (Li et al. 2016; lecture): ``Delta = threshold_ratio * mean |W|``
    (``threshold_ratio`` 0.7), codes ``+1 / 0 / -1`` for ``W > Delta / |W| <= Delta / W < -Delta``,
    one scale ``r_t = mean |W|`` over ``|W| > Delta`` for both signs.
``"ttq"``
    Trained Ternary Quantization (Zhu et al. 2017): ``Delta = threshold_ratio * max |W|``
    (``threshold_ratio`` 0.05, the paper's ``t``), separate scales ``w_p`` for +1 and ``w_n`` for
    -1 (``W ~ w_p`` / ``0`` / ``-w_n``). Given ``w_p`` and ``w_n`` (e.g. trained values) they are
    used as is; otherwise they are fitted by least squares for the fixed codes:
    ``w_p = mean(W[codes = +1])``, ``w_n = mean(-W[codes = -1])``.

Scales and thresholds are per tensor (``axis=None``) or per index of ``axis``. A group with no
code of one sign gets the scale 0 for that sign (there is nothing to reconstruct).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import (
    as_finite_array,
    check_choice,
    check_real,
    normalize_axis,
    readonly,
)

#: Method names accepted by :func:`ternarize`.
TERNARIZE_METHODS = ("twn", "ttq")
_DEFAULT_RATIO = {"twn": 0.7, "ttq": 0.05}


@dataclass(frozen=True, eq=False)
class TernaryQuantized:
    """Ternary codes with positive and negative scales: ``x ~ w_p [q = 1] - w_n [q = -1]``.

    Attributes
    ----------
    codes : numpy.ndarray of int64 in {-1, 0, +1}
    scale_pos, scale_neg : numpy.ndarray of float64
        Magnitudes (>= 0) for +1 and -1 codes, broadcastable against codes (equal for TWN).
    threshold : numpy.ndarray of float64
        ``Delta``, broadcastable against codes.
    method : str
    axis : int or None
    """

    codes: np.ndarray
    scale_pos: np.ndarray
    scale_neg: np.ndarray
    threshold: np.ndarray
    method: str
    axis: int | None

    def dequantize(self) -> np.ndarray:
        """``w_p`` where codes are +1, ``-w_n`` where -1, 0 elsewhere (float64)."""
        return (np.where(self.codes > 0, self.scale_pos, 0.0)
                - np.where(self.codes < 0, self.scale_neg, 0.0))

    @property
    def nonzeros(self) -> int:
        """Number of non-zero codes."""
        return int(np.count_nonzero(self.codes))


def _reduce(values: np.ndarray, mask: np.ndarray, axis: int | None, op: str) -> np.ndarray:
    """Mean (over ``mask``) or max of ``values`` per tensor or per index of ``axis`` (keepdims)."""
    others = None if axis is None else tuple(i for i in range(values.ndim) if i != axis)
    if op == "max":
        return np.asarray(np.max(values, axis=others, keepdims=axis is not None))
    total = np.sum(np.where(mask, values, 0.0), axis=others, keepdims=axis is not None)
    count = np.sum(mask, axis=others, keepdims=axis is not None)
    return np.asarray(np.where(count > 0, total / np.maximum(count, 1), 0.0))


def _given_scale(value, name: str) -> np.ndarray:
    arr = as_finite_array(value, name=name)
    if (arr < 0).any():
        raise QuantizationError(
            f"{name} must be >= 0 (a magnitude; the sign comes from the code), got {value!r}"
        )
    return arr


def ternarize(w, method: str = "twn", *, axis: int | None = None,
              threshold_ratio: float | None = None, w_p=None, w_n=None) -> TernaryQuantized:
    """Ternarize ``w`` to codes in {-1, 0, +1} (see the module docstring for the methods).

    Parameters
    ----------
    w : array_like
        Finite real tensor, not empty.
    method : {"twn", "ttq"}
    axis : int, optional
        None for per-tensor thresholds and scales, else one per index of ``axis``.
    threshold_ratio : float, optional
        ``Delta`` as a fraction of ``mean |W|`` (TWN, default 0.7) or ``max |W|`` (TTQ,
        default 0.05).
    w_p, w_n : float or array_like, optional
        TTQ only: positive and negative scale magnitudes (both or neither), broadcastable against
        ``w``; fitted when omitted.
    """
    check_choice(method, TERNARIZE_METHODS, name="method")
    arr = as_finite_array(w, name="w")
    ax = None if axis is None else normalize_axis(axis, arr.ndim)
    ratio = _DEFAULT_RATIO[method] if threshold_ratio is None else check_real(
        threshold_ratio, name="threshold_ratio", low=0.0
    )
    if method == "twn" and (w_p is not None or w_n is not None):
        raise QuantizationError(
            "w_p and w_n are TTQ's trained scales; method 'twn' computes r_t itself"
        )
    if (w_p is None) != (w_n is None):
        raise QuantizationError("pass both w_p and w_n (trained TTQ scales) or neither (fitted)")

    mag = np.abs(arr)
    everything = np.ones(arr.shape, dtype=bool)
    base = _reduce(mag, everything, ax, "mean" if method == "twn" else "max")
    delta = ratio * base
    codes = np.where(arr > delta, 1, np.where(arr < -delta, -1, 0)).astype(np.int64)

    if method == "twn":
        scale_pos = scale_neg = _reduce(mag, codes != 0, ax, "mean")
    elif w_p is None:
        scale_pos = _reduce(mag, codes > 0, ax, "mean")
        scale_neg = _reduce(mag, codes < 0, ax, "mean")
    else:
        scale_pos, scale_neg = _given_scale(w_p, "w_p"), _given_scale(w_n, "w_n")
        try:
            np.broadcast_shapes(scale_pos.shape, arr.shape)
            np.broadcast_shapes(scale_neg.shape, arr.shape)
        except ValueError:
            raise QuantizationError(
                f"w_p {scale_pos.shape} / w_n {scale_neg.shape} do not broadcast against "
                f"w {arr.shape}"
            ) from None
    return TernaryQuantized(
        codes=readonly(codes),
        scale_pos=readonly(np.asarray(scale_pos, dtype=np.float64)),
        scale_neg=readonly(np.asarray(scale_neg, dtype=np.float64)),
        threshold=readonly(np.asarray(delta, dtype=np.float64)),
        method=method,
        axis=ax,
    )
