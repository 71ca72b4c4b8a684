"""VS-Quant: two-level per-vector scaled quantization (Dai et al., MLSys 2021; lecture 10).

``r = gamma * S_q * q`` with

* ``q``: signed ``bits``-bit codes, zero point 0;
* ``S_q``: an unsigned ``scale_bits``-bit integer scale per vector of ``vector_size`` consecutive
  elements along ``axis``, in ``[1, 2**scale_bits - 1]`` (0 would erase the vector);
* ``gamma``: a float scale per index of ``channel_axis`` (or per tensor when it is None).

Computation: the ideal per-vector scale is ``s_v = |r|max(vector) / qmax`` (the lecture's
symmetric rule); ``gamma = max(s_v over the channel) / (2**scale_bits - 1)`` so the largest vector
gets the largest integer scale; ``S_q = ceil(s_v / gamma)`` (rule ``"ceil"``, with a 1e-12
relative allowance for float noise: the scale covers the vector, so no element saturates) or
round half to even (rule ``"half_even"``, as a plain linear quantization of the scales; a
vector whose scale rounds down may saturate).

Effective bits: ``bits + scale_bits / vector_size + gamma_storage_bits * channels / size``,
e.g. 4 + 4/16 + 16/N = 4.25 + 16/N for the lecture's INT4 / UINT4-per-16 / FP16-per-channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import (
    as_finite_array,
    check_bits,
    check_choice,
    check_positive_int,
    normalize_axis,
    readonly,
)
from hwgen.quant.affine import code_range
from hwgen.quant.granularity import check_group
from hwgen.quant.linear import LinearQuantized
from hwgen.quant.rounding import ROUNDING_RULES, round_float

#: How the per-vector integer scale is rounded from its ideal float value.
SCALE_ROUNDING_RULES = ("ceil", "half_even")


@dataclass(frozen=True, eq=False, kw_only=True)
class VSQuantized(LinearQuantized):
    """:class:`LinearQuantized` with the two scale levels kept apart.

    ``scale == gamma * vector_scale`` (broadcastable against ``codes``), ``zero_point == 0``.

    Attributes
    ----------
    vector_scale : numpy.ndarray of int64
        Integer per-vector scales ``S_q``, repeated along ``axis`` to broadcast against codes.
    gamma : numpy.ndarray of float64
        Float per-channel (or per-tensor) scale, keepdims shape.
    vector_size, scale_bits, gamma_storage_bits : int
    channel_axis : int or None
    """

    vector_scale: np.ndarray
    gamma: np.ndarray
    vector_size: int
    scale_bits: int
    gamma_storage_bits: int
    channel_axis: int | None

    @property
    def storage_bits(self) -> int:
        """Packed codes + integer vector scales + float gammas."""
        return (
            self.codes.size * self.bits
            + self.num_scales * self.scale_bits
            + int(self.gamma.size) * self.gamma_storage_bits
        )


def vsquant(
    x,
    bits: int,
    *,
    vector_size: int = 16,
    scale_bits: int = 4,
    axis: int = -1,
    channel_axis: int | None = 0,
    narrow_range: bool = False,
    rounding: str = "half_even",
    scale_rounding: str = "ceil",
    gamma_storage_bits: int = 32,
) -> VSQuantized:
    """Two-level VS-Quant of ``x`` (see the module docstring for the rules).

    Parameters
    ----------
    x : array_like
        Finite real tensor.
    bits : int
        Signed code width, 2..16.
    vector_size : int
        Elements per vector along ``axis``; must divide ``x.shape[axis]``.
    scale_bits : int
        Width of the unsigned integer per-vector scale, 1..16.
    axis : int
        Axis the vectors run along (the reduction axis, e.g. -1 for ``W[out, in]``).
    channel_axis : int or None
        Axis with one float ``gamma`` per index (e.g. 0, output channels); None for one gamma
        per tensor. Must differ from ``axis``.
    narrow_range : bool
        Codes in ``[-qmax, qmax]`` instead of ``[-qmax - 1, qmax]``.
    rounding : {"half_even", "half_away"}
        Tie rule of the element codes.
    scale_rounding : {"ceil", "half_even"}
        Rounding of the integer per-vector scales.
    gamma_storage_bits : int
        Bits to store one gamma (32 = float32, 16 = FP16), storage accounting only.
    """
    bits = check_bits(bits, low=2)
    scale_bits = check_bits(scale_bits, name="scale_bits")
    vector_size = check_positive_int(vector_size, name="vector_size")
    gamma_storage_bits = check_positive_int(gamma_storage_bits, name="gamma_storage_bits")
    check_choice(rounding, ROUNDING_RULES, name="rounding")
    check_choice(scale_rounding, SCALE_ROUNDING_RULES, name="scale_rounding")
    qmin, qmax = code_range(bits, signed=True, narrow_range=narrow_range)
    arr = as_finite_array(x, name="x")
    ax = normalize_axis(axis, arr.ndim)
    ch = None if channel_axis is None else normalize_axis(channel_axis, arr.ndim,
                                                          name="channel_axis")
    if ch == ax:
        raise QuantizationError(
            f"channel_axis ({channel_axis}) and axis ({axis}) name the same axis {ax}; "
            "vectors run along axis and gamma is per channel of another axis "
            "(or pass channel_axis=None for one gamma)"
        )
    check_group(arr.shape, ax, vector_size)

    grouped = np.abs(arr).reshape(
        arr.shape[:ax] + (arr.shape[ax] // vector_size, vector_size) + arr.shape[ax + 1 :]
    )
    absmax = grouped.max(axis=ax + 1)  # one per vector, compact shape
    ideal = absmax / qmax
    smax = 2**scale_bits - 1
    others = tuple(i for i in range(ideal.ndim) if i != ch)
    top = ideal.max(axis=others, keepdims=True)
    # an all-zero channel has no scale to share: use gamma = 1 (its codes are all 0 anyway)
    gamma = np.where(top > 0, top / smax, 1.0)
    ratio = ideal / gamma
    if scale_rounding == "ceil":
        # float noise can push an exact integer ratio just above it (1.0000000000000002); a
        # 1e-12 relative allowance keeps it, and costs at most qmax * 1e-12 codes (never a clip)
        sq = np.ceil(ratio * (1.0 - 1e-12))
    else:
        sq = np.rint(ratio)
    sq = np.clip(sq, 1, smax).astype(np.int64)

    vector_scale = np.repeat(sq, vector_size, axis=ax)
    scale = gamma * vector_scale
    codes = np.clip(round_float(arr / scale, rounding), qmin, qmax).astype(np.int64)
    return VSQuantized(
        codes=readonly(codes),
        scale=readonly(scale),
        zero_point=readonly(np.zeros((1,) * arr.ndim, dtype=np.int64)),
        bits=bits,
        signed=True,
        symmetric=True,
        narrow_range=bool(narrow_range),
        granularity=f"group:{vector_size}",
        axis=ax,
        rounding=rounding,
        overflow="saturate",
        num_scales=int(sq.size),
        scale_storage_bits=scale_bits,
        vector_scale=readonly(vector_scale),
        gamma=readonly(gamma),
        vector_size=vector_size,
        scale_bits=scale_bits,
        gamma_storage_bits=gamma_storage_bits,
        channel_axis=ch,
    )
