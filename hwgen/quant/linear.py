"""Linear (affine) quantization r = S (q - Z) at tensor, channel or group granularity.

Codes are ``saturate(round(x / S) + Z)``: round with the named tie rule, add the zero point,
then clip to ``[qmin, qmax]`` (the ``"saturate"`` overflow rule, as ONNX QuantizeLinear).
Scales and zero points follow :func:`hwgen.quant.affine.scale_zero_point` (onnxruntime's rules).

Storage accounting: codes are packed densely at ``bits`` bits each; every scale costs
``scale_storage_bits`` (32 for float32, 16 for FP16); zero points cost ``bits`` each and are only
stored for asymmetric quantization (symmetric ones are the constant midpoint of the code range).
``effective_bits = storage_bits / x.size``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import (
    as_finite_array,
    check_choice,
    check_positive_int,
    normalize_axis,
    readonly,
)
from hwgen.quant.affine import code_range, scale_zero_point
from hwgen.quant.granularity import num_scales, parse_granularity, reduce_minmax
from hwgen.quant.rounding import ROUNDING_RULES, round_float

#: Overflow rules for codes outside [qmin, qmax]: clip to the nearest end, or refuse.
OVERFLOW_RULES = ("saturate", "error")


@dataclass(frozen=True, eq=False)
class LinearQuantized:
    """Integer codes with their scale(s) and zero point(s): ``x ~ scale * (codes - zero_point)``.

    Attributes
    ----------
    codes : numpy.ndarray of int64
        Same shape as the quantized tensor, inside ``[qmin, qmax]``.
    scale : numpy.ndarray of float64
        Broadcastable against ``codes`` (0-d per tensor; keepdims per channel; repeated along
        ``axis`` per group).
    zero_point : numpy.ndarray of int64
        Same shape as ``scale``.
    bits, signed, symmetric, narrow_range : code format.
    granularity : str
        ``"tensor"``, ``"channel"`` or ``"group:N"``.
    axis : int or None
        Channel axis or group axis (non-negative), None per tensor.
    rounding, overflow : str
        Named rules used for the codes.
    num_scales : int
        Distinct scales stored.
    scale_storage_bits : int
        Bits to store one scale.
    """

    codes: np.ndarray
    scale: np.ndarray
    zero_point: np.ndarray
    bits: int
    signed: bool
    symmetric: bool
    narrow_range: bool
    granularity: str
    axis: int | None
    rounding: str
    overflow: str
    num_scales: int
    scale_storage_bits: int = 32

    @property
    def qmin(self) -> int:
        return code_range(self.bits, signed=self.signed, narrow_range=self.narrow_range)[0]

    @property
    def qmax(self) -> int:
        return code_range(self.bits, signed=self.signed, narrow_range=self.narrow_range)[1]

    def dequantize(self) -> np.ndarray:
        """Reconstruction ``scale * (codes - zero_point)`` in float64."""
        return self.scale * (self.codes - self.zero_point).astype(np.float64)

    @property
    def storage_bits(self) -> int:
        """Total bits: packed codes + scales (+ zero points when asymmetric)."""
        zp_bits = 0 if self.symmetric else self.num_scales * self.bits
        return self.codes.size * self.bits + self.num_scales * self.scale_storage_bits + zp_bits

    @property
    def storage_bytes(self) -> int:
        """``ceil(storage_bits / 8)``."""
        return math.ceil(self.storage_bits / 8)

    @property
    def effective_bits(self) -> float:
        """Bits per element including the amortised scales and zero points."""
        return self.storage_bits / self.codes.size


def _override(value, compact: np.ndarray, gran_kind: str, axis: int | None,
              name: str) -> np.ndarray:
    """Broadcast a user range end onto the compact per-scale shape of ``compact``."""
    arr = as_finite_array(value, name=name)
    if gran_kind == "channel" and arr.ndim == 1 and arr.size == compact.size and compact.ndim > 1:
        # a plain list of per-channel values: put it on the channel axis
        arr = arr.reshape(compact.shape)
    try:
        return np.broadcast_to(arr, compact.shape).astype(np.float64)
    except ValueError:
        raise QuantizationError(
            f"{name} has shape {arr.shape}, which does not broadcast to the {gran_kind} range "
            f"shape {compact.shape}; pass a scalar or one value per scale"
        ) from None


def linear_quantize(
    x,
    bits: int,
    *,
    signed: bool = True,
    symmetric: bool = True,
    narrow_range: bool = False,
    granularity: str = "tensor",
    axis: int = 0,
    rounding: str = "half_even",
    rmin=None,
    rmax=None,
    overflow: str = "saturate",
    scale_storage_bits: int = 32,
) -> LinearQuantized:
    """Quantize ``x`` to ``bits``-bit integer codes, ``x ~ S (q - Z)``.

    Parameters
    ----------
    x : array_like
        Finite real tensor, not empty.
    bits : int
        Code width, 1..16.
    signed, symmetric, narrow_range : bool
        Code format and range rules (see :mod:`hwgen.quant.affine`). The lecture's
        ``S = |r|max / qmax`` is ``symmetric=True, narrow_range=True``.
    granularity : str
        ``"tensor"``, ``"channel"`` or ``"group:N"`` (see :mod:`hwgen.quant.granularity`).
    axis : int
        Channel axis (``"channel"``) or the axis the groups run along (``"group:N"``); ignored
        per tensor.
    rounding : {"half_even", "half_away"}
        Tie rule of round to nearest.
    rmin, rmax : array_like, optional
        Override the data range (e.g. calibrated activation ranges): a scalar or one value per
        scale (per-channel values may be a 1-D list). Values outside are clipped.
    overflow : {"saturate", "error"}
        Clip codes to ``[qmin, qmax]`` or raise if any falls outside. Note that with the full
        signed range, data-derived symmetric scales put ``|r|max`` at ``qmax + 1/2`` so the top
        value always saturates (as in onnxruntime).
    scale_storage_bits : int
        Bits to store one scale, for the storage accounting only (32 = float32).

    Returns
    -------
    LinearQuantized
    """
    qmin, qmax = code_range(bits, signed=signed, narrow_range=narrow_range)
    check_choice(rounding, ROUNDING_RULES, name="rounding")
    check_choice(overflow, OVERFLOW_RULES, name="overflow")
    scale_storage_bits = check_positive_int(scale_storage_bits, name="scale_storage_bits")
    gran = parse_granularity(granularity)
    src_dtype = np.asarray(x).dtype
    arr = as_finite_array(x, name="x")
    ax = None if gran.kind == "tensor" else normalize_axis(axis, arr.ndim)

    lo, hi, expand = reduce_minmax(arr, gran, ax)
    lo, hi = np.asarray(lo), np.asarray(hi)
    if np.issubdtype(src_dtype, np.floating) and src_dtype.itemsize < 8:
        # data min/max are exact in the input's float type; keeping it selects onnxruntime's
        # degenerate-scale threshold for that type (overrides below stay float64)
        lo, hi = lo.astype(src_dtype), hi.astype(src_dtype)
    if rmin is not None:
        lo = _override(rmin, lo, gran.kind, ax, "rmin")
    if rmax is not None:
        hi = _override(rmax, hi, gran.kind, ax, "rmax")
    scale, zp = scale_zero_point(lo, hi, bits=bits, signed=signed, symmetric=symmetric,
                                 narrow_range=narrow_range)
    scale, zp = expand(scale), expand(zp)

    q = round_float(arr / scale, rounding) + zp
    outside = (q < qmin) | (q > qmax)
    if overflow == "error" and outside.any():
        i = tuple(int(k) for k in np.argwhere(outside)[0])
        raise QuantizationError(
            f"{int(outside.sum())} value(s) fall outside the code range [{qmin}, {qmax}] "
            f"(first: x{list(i)} = {float(arr[i])}); widen rmin/rmax or use overflow='saturate'"
        )
    codes = np.clip(q, qmin, qmax).astype(np.int64)
    return LinearQuantized(
        codes=readonly(codes),
        scale=readonly(scale),
        zero_point=readonly(zp),
        bits=int(bits),
        signed=bool(signed),
        symmetric=bool(symmetric),
        narrow_range=bool(narrow_range),
        granularity=str(gran),
        axis=ax,
        rounding=rounding,
        overflow=overflow,
        num_scales=num_scales(arr.shape, gran, ax),
        scale_storage_bits=scale_storage_bits,
    )
