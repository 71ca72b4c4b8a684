"""The shared exponent of a block: named rules, exact (frexp, no log2 of floats).

For a block whose largest magnitude is ``amax`` and an element format whose largest value is
``max_normal = 2**emax * (1 + ...)``, the block scale is ``2**X`` with

``"floor"`` (OCP MX v1.0, microxcaling; the default)
    ``X = floor(log2(amax)) - emax``. The largest element lands in ``[2**emax, 2**(emax+1))``
    and may round above ``max_normal``: it then saturates.
``"ceil"`` (torchao's CEIL)
    ``X = ceil(log2(amax)) - emax``.
``"rceil"`` (cuBLAS / torchao's RCEIL)
    The smallest ``X`` with ``amax <= max_normal * 2**X``: nothing saturates.

Then ``E = X + 127`` is stored as an E8M0 code: ``X > 127`` gives the NaN scale ``E = 255``
(the block overflows), ``X < -127`` is clamped to ``E = 0`` (tiny elements may then round to
subnormals or zero). Special blocks, under every rule: a block with a NaN or Inf value gets
the NaN scale (every element decodes to NaN), and an all-zero block gets ``E = 0``
(microxcaling's result).

For MX4 / MX6 / MX9, ``emax = m - 1`` and ``max_normal = 2**m - 1`` (an ``m``-bit magnitude
whose least significant bit weighs ``2**X``).
"""

from __future__ import annotations

import numpy as np

from hwgen.quant._validate import check_choice

from .formats import E8M0_BIAS, E8M0_NAN, element_format

__all__ = ["SCALE_RULES", "shared_exponent", "scale_values"]

SCALE_RULES = ("floor", "ceil", "rceil")


def shared_exponent(amax, fmt, rule: str = "floor") -> np.ndarray:
    """E8M0 codes of blocks whose largest magnitudes are ``amax``.

    Parameters
    ----------
    amax : array_like of float
        Largest ``|x|`` of each block (NaN or Inf for a block holding one).
    fmt : ElementFormat or str
    rule : {"floor", "ceil", "rceil"}

    Returns
    -------
    numpy.ndarray of int64, codes in [0, 255].
    """
    fmt = element_format(fmt)
    check_choice(rule, SCALE_RULES, name="scale rule")
    amax = np.asarray(amax, dtype=np.float64)
    special = ~np.isfinite(amax)
    zero = amax == 0
    safe = np.where(special | zero, 1.0, amax)
    fa, ea = np.frexp(safe)               # safe = fa * 2**ea, fa in [0.5, 1)
    floor_log2 = ea - 1
    if rule == "floor":
        x = floor_log2 - fmt.emax
    elif rule == "ceil":
        x = floor_log2 + (fa != 0.5) - fmt.emax
    else:
        fm, em = np.frexp(fmt.max_normal)
        x = ea - em + (fa > fm)
    e = x.astype(np.int64) + E8M0_BIAS
    e = np.where(e > 2 * E8M0_BIAS, E8M0_NAN, np.maximum(e, 0))
    e = np.where(zero, 0, e)
    return np.where(special, E8M0_NAN, e)


def scale_values(e) -> np.ndarray:
    """float64 values ``2**(E - 127)`` of E8M0 codes (NaN for 255)."""
    e = np.asarray(e, dtype=np.int64)
    return np.where(e == E8M0_NAN, np.nan, np.ldexp(1.0, e - E8M0_BIAS))

