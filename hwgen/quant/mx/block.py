"""Block quantization of real tensors to MX formats, and back.

Blocks run along the last axis: ``block_size`` consecutive elements share one E8M0 exponent
(a last block may be shorter when the axis length is not a multiple). Per block:

1. ``amax = max |x|``; the shared exponent ``E`` follows the named scale rule
   (:mod:`hwgen.quant.mx.scale`); NaN / Inf anywhere in the block makes ``E = 255`` and every
   element code 0; an all-zero block gets ``E = 0``.
2. Each element is divided by ``2**(E - 127)`` (exact) and rounded to its element format with
   the named tie rule, saturating to the largest finite value (:func:`encode_elements`).

MX4 / MX6 / MX9 (two-level, the "micro-exponent" rule chosen here and documented in
docs/mx.md): let ``e_b = floor(log2(amax))``. A pair of elements ``(2i, 2i+1)`` gets the
micro-exponent ``mu = 1`` when *both* magnitudes are below ``2**e_b`` (both exponents are
strictly below the block's largest, AMD Quark's rule; zeros count as below), else ``mu = 0``.
The elements of the pair are then ``round(|x| / 2**(X - mu))`` with the tie rule, clamped to
``2**m - 1`` (saturation), where ``2**X`` is the block scale. All-zero and NaN blocks have
``mu = 0`` everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import check_choice, check_positive_int
from hwgen.quant.rounding import ROUNDING_RULES

from .elements import decode_elements, encode_elements
from .formats import E8M0_BIAS, E8M0_NAN, MxFormat, mx_format
from .scale import SCALE_RULES, shared_exponent

__all__ = ["MxTensor", "mx_quantize", "mx_dequantize", "check_block_size"]


def check_block_size(fmt: MxFormat, block_size) -> int:
    """``block_size`` (or the format's default for None) after checking it."""
    if block_size is None:
        return fmt.default_block
    k = check_positive_int(block_size, name="block_size")
    if fmt.micro and k % 2:
        raise QuantizationError(
            f"{fmt.name} pairs elements under one micro-exponent, so its block size must be "
            f"even, not {k}; use e.g. {fmt.default_block}")
    return k


@dataclass(frozen=True, eq=False)
class MxTensor:
    """An MX-quantized tensor, blocked along its last axis.

    Attributes
    ----------
    fmt : MxFormat
    block_size : int
    codes : numpy.ndarray
        int64 element codes (unsigned bit patterns), shape ``(..., n)``.
    scales : numpy.ndarray
        int64 E8M0 codes, shape ``(..., ceil(n / block_size))``.
    micro : numpy.ndarray or None
        Micro formats: each element's micro-exponent bit (equal within a pair), shape of
        ``codes``; None otherwise.
    """

    fmt: MxFormat
    block_size: int
    codes: np.ndarray
    scales: np.ndarray
    micro: np.ndarray | None = None

    @property
    def shape(self) -> tuple:
        return self.codes.shape

    @property
    def block_index(self) -> np.ndarray:
        """Block of each position along the last axis."""
        return np.arange(self.codes.shape[-1]) // self.block_size

    def element_scales(self) -> np.ndarray:
        """The E8M0 code that applies to each element (shape of ``codes``)."""
        return self.scales[..., self.block_index]

    def dequantize(self) -> np.ndarray:
        """float64 values (NaN for elements of NaN blocks and NaN codes)."""
        values = decode_elements(self.codes, self.fmt.element, self.micro)
        e = self.element_scales()
        scaled = np.ldexp(values, np.where(e == E8M0_NAN, 0, e - E8M0_BIAS))
        return np.where(e == E8M0_NAN, np.nan, scaled)

    def bits_per_element(self) -> float:
        return self.fmt.bits_per_element(self.block_size)


def mx_quantize(x, fmt, block_size=None, *, scale_rule: str = "floor",
                rounding: str = "half_even") -> MxTensor:
    """Quantize ``x`` to the MX format ``fmt`` in blocks along its last axis.

    Parameters
    ----------
    x : array_like of float
        Real values; NaN / Inf make their block NaN.
    fmt : MxFormat or str
        E.g. ``"mxfp4"``, ``"mxfp8_e4m3"``, ``"mx6"``.
    block_size : int, optional
        Elements per shared exponent; default 32 (OCP) or 16 (MX4 / MX6 / MX9).
    scale_rule : {"floor", "ceil", "rceil"}
    rounding : {"half_even", "half_away"}

    Returns
    -------
    MxTensor
    """
    fmt = mx_format(fmt)
    k = check_block_size(fmt, block_size)
    check_choice(scale_rule, SCALE_RULES, name="scale_rule")
    check_choice(rounding, ROUNDING_RULES, name="rounding")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0:
        raise QuantizationError("mx_quantize needs at least one axis to block along")
    n = x.shape[-1]
    if n == 0:
        raise QuantizationError("cannot quantize an empty axis")
    nb = -(-n // k)
    padded = np.zeros(x.shape[:-1] + (nb * k,))
    padded[..., :n] = x
    blocks = padded.reshape(x.shape[:-1] + (nb, k))
    finite = np.isfinite(blocks)
    bad = ~np.all(finite, axis=-1)
    magnitude = np.where(finite, np.abs(blocks), 0.0)
    amax = np.where(bad, np.nan, magnitude.max(axis=-1))
    e = shared_exponent(amax, fmt.element, scale_rule)
    nan_block = e == E8M0_NAN
    x_exp = np.where(nan_block, 0, e - E8M0_BIAS)[..., None]
    clean = np.where(nan_block[..., None], 0.0, np.where(finite, blocks, 0.0))
    micro = None
    if fmt.micro:
        mu = _micro_exponents(magnitude, amax, nan_block)
        micro = mu
        codes = encode_elements(np.ldexp(clean, -x_exp), fmt.element, rounding=rounding,
                                micro=mu)
    else:
        codes = encode_elements(np.ldexp(clean, -x_exp), fmt.element, rounding=rounding)
    codes = np.where(nan_block[..., None], 0, codes)
    codes = codes.reshape(x.shape[:-1] + (nb * k,))[..., :n]
    if micro is not None:
        micro = micro.reshape(codes.shape[:-1] + (nb * k,))[..., :n].astype(np.int64)
    return MxTensor(fmt=fmt, block_size=k, codes=codes.astype(np.int64), scales=e,
                    micro=micro)


def _micro_exponents(magnitude, amax, nan_block) -> np.ndarray:
    """Micro-exponent bit of every element (equal within a pair), blocks ``(..., nb, k)``."""
    safe = np.where(np.isfinite(amax) & (amax > 0), amax, 1.0)
    e_b = np.frexp(safe)[1] - 1                       # floor(log2(amax))
    below = magnitude < np.ldexp(1.0, e_b)[..., None]
    pairs = below.reshape(below.shape[:-1] + (below.shape[-1] // 2, 2)).all(axis=-1)
    mu = np.repeat(pairs, 2, axis=-1)
    empty = (amax == 0) | nan_block
    return np.where(empty[..., None], 0, mu).astype(np.int64)


def mx_dequantize(t: MxTensor) -> np.ndarray:
    """float64 values of an :class:`MxTensor` (see :meth:`MxTensor.dequantize`)."""
    return t.dequantize()
