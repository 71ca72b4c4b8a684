"""Binary quantization: codes in {-1, +1} with an optional real scale.

Methods (:data:`BINARIZE_METHODS`):

``"sign"``
    Deterministic ``q = +1 if r >= 0 else -1`` (sign(0) = +1, as in the lecture); scale 1.
``"stochastic"``
    BinaryConnect: ``q = +1`` with probability ``hard_sigmoid(r) = clip((r + 1) / 2, 0, 1)``;
    scale 1; needs ``seed``.
``"bwn"``
    Binary Weight Network: ``W ~ alpha sign(W)`` with ``alpha = mean |W|`` (the L2-optimal scale
    for fixed signs), per tensor (``axis=None``) or per index of ``axis``.
``"xnor"``
    XNOR-Net: the same ``mean |.|`` scale, per index of ``axis`` (required): per output filter for
    weights (``axis=0``), per sample for dense activations ``x[N, features]`` (``axis=0``,
    XNOR-Net's ``beta``). For convolution inputs the spatial scale map ``K`` is
    :func:`xnor_activation_scales`.

Hardware view: a bipolar code ``c`` is stored as the bit ``(c + 1) / 2`` and a dot product of
``n`` codes is ``2 * popcount(XNOR(bits_w, bits_x)) - n`` (:func:`bipolar_dot`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import as_finite_array, check_choice, make_rng, normalize_axis, readonly
from hwgen.quant.im2col import conv_output_shape, im2col

#: Method names accepted by :func:`binarize`.
BINARIZE_METHODS = ("sign", "stochastic", "bwn", "xnor")


@dataclass(frozen=True, eq=False)
class BinaryQuantized:
    """Bipolar codes and their scale: ``x ~ scale * codes``.

    Attributes
    ----------
    codes : numpy.ndarray of int64 in {-1, +1}
    scale : numpy.ndarray of float64, broadcastable against codes (1.0 for sign / stochastic)
    method : str
    axis : int or None
        Axis with one scale per index, None for one scale (or none).
    """

    codes: np.ndarray
    scale: np.ndarray
    method: str
    axis: int | None

    def dequantize(self) -> np.ndarray:
        """``scale * codes`` in float64."""
        return self.scale * self.codes.astype(np.float64)

    def to_bits(self) -> np.ndarray:
        """Stored bits ``(codes + 1) / 2`` as uint8 (+1 -> 1, -1 -> 0)."""
        return ((self.codes + 1) // 2).astype(np.uint8)

    @property
    def num_scales(self) -> int:
        """Scales stored: 0 for sign / stochastic (implicit 1), else one per tensor or index."""
        return 0 if self.method in ("sign", "stochastic") else int(np.size(self.scale))

    def storage_bits(self, scale_storage_bits: int = 32) -> int:
        """One bit per code plus the scales."""
        return self.codes.size + self.num_scales * scale_storage_bits


def sign(w) -> np.ndarray:
    """``+1`` where ``w >= 0`` (including 0), ``-1`` elsewhere, as int64."""
    arr = as_finite_array(w, name="w", allow_empty=True)
    return np.where(arr >= 0, 1, -1).astype(np.int64)


def hard_sigmoid(x) -> np.ndarray:
    """``clip((x + 1) / 2, 0, 1)`` (BinaryConnect's probability of +1)."""
    arr = as_finite_array(x, name="x", allow_empty=True)
    return np.clip((arr + 1.0) / 2.0, 0.0, 1.0)


def _mean_abs(arr: np.ndarray, axis: int | None) -> np.ndarray:
    if axis is None:
        return np.asarray(np.mean(np.abs(arr)))
    others = tuple(i for i in range(arr.ndim) if i != axis)
    return np.mean(np.abs(arr), axis=others, keepdims=True)


def binarize(w, method: str = "sign", *, axis: int | None = None, seed=None) -> BinaryQuantized:
    """Binarize ``w`` to codes in {-1, +1} (see the module docstring for the methods).

    Parameters
    ----------
    w : array_like
        Finite real tensor, not empty.
    method : {"sign", "stochastic", "bwn", "xnor"}
    axis : int, optional
        ``"bwn"``: None (per tensor) or the axis with one scale per index. ``"xnor"``: required.
        Not used by ``"sign"`` and ``"stochastic"``.
    seed : int or numpy.random.Generator, optional
        Required by ``"stochastic"``; refused by the deterministic methods.
    """
    check_choice(method, BINARIZE_METHODS, name="method")
    arr = as_finite_array(w, name="w")
    if method != "stochastic" and seed is not None:
        raise QuantizationError(
            f"seed is only used by method='stochastic', not by {method!r}; drop it"
        )
    if method in ("sign", "stochastic") and axis is not None:
        raise QuantizationError(
            f"method {method!r} has no scale, so axis must be None (got {axis!r})"
        )
    if method == "xnor" and axis is None:
        raise QuantizationError(
            "method 'xnor' needs axis: 0 for one scale per output filter (weights) or per sample "
            "(dense activations x[N, features])"
        )
    ax = None if axis is None else normalize_axis(axis, arr.ndim)

    if method == "stochastic":
        rng = make_rng(seed)
        codes = np.where(rng.random(arr.shape) < hard_sigmoid(arr), 1, -1).astype(np.int64)
    else:
        codes = np.where(arr >= 0, 1, -1).astype(np.int64)
    scale = np.asarray(1.0) if method in ("sign", "stochastic") else _mean_abs(arr, ax)
    return BinaryQuantized(codes=readonly(codes), scale=readonly(scale), method=method, axis=ax)


def xnor_activation_scales(x, kernel_shape, *, stride=1, padding=0) -> np.ndarray:
    """XNOR-Net's scale map ``K`` for binarizing a convolution input ``x[N, C, H, W]``.

    ``A = mean_c |x[:, c]|`` (``N x H x W``), then ``K = A * k`` with the box filter
    ``k = 1 / (kh * kw)`` over each receptive field (same stride and zero padding as the
    convolution). ``conv(x, W) ~ (conv(sign(x), sign(W)) * K) * alpha``. Returns ``K`` of shape
    ``(N, 1, OH, OW)``.
    """
    arr = as_finite_array(x, name="x")
    if arr.ndim != 4:
        raise QuantizationError(f"x must have shape (N, C, H, W), got shape {arr.shape}")
    a = np.mean(np.abs(arr), axis=1, keepdims=True)  # (N, 1, H, W)
    cols = im2col(a, kernel_shape, stride=stride, padding=padding)  # (N*OH*OW, kh*kw)
    n = arr.shape[0]
    oh, ow = conv_output_shape(arr.shape[2:], kernel_shape, stride=stride, padding=padding)
    return cols.mean(axis=1).reshape(n, 1, oh, ow)


def bipolar_dot(w_codes, x_codes) -> np.ndarray:
    """Dot products of bipolar codes along the last axis the hardware way.

    ``2 * popcount(XNOR(b_w, b_x)) - n`` with ``b = (c + 1) / 2``; equals ``sum(w * x)``.
    """
    w = np.asarray(w_codes)
    x = np.asarray(x_codes)
    for name, c in (("w_codes", w), ("x_codes", x)):
        if c.size and not np.isin(c, (-1, 1)).all():
            raise QuantizationError(f"{name} must hold only -1 and +1 codes")
    if w.shape[-1:] != x.shape[-1:]:
        raise QuantizationError(f"last axes differ: w_codes {w.shape} vs x_codes {x.shape}")
    agree = (w > 0) == (x > 0)  # XNOR of the stored bits
    return 2 * agree.sum(axis=-1).astype(np.int64) - w.shape[-1]
