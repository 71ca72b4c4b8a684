"""Helpers shared by the fast golden kernels: code dtypes, chunk sizes, per-block plans.

The golden functions' results never depend on anything here: these choose how much memory a
step touches (the narrowest integer dtype that holds a code type, rows per chunk so a
chunk's operands stay in cache) and remember per-block constants (float copies of weights,
requantization constants) so a block's plan is built once, not on every call.
"""

from __future__ import annotations

import weakref

import numpy as np

__all__ = ["CHUNK_ELEMENTS", "code_dtype", "narrow_codes", "rows_per_chunk", "even_band",
           "block_plan"]

#: Elements of the widest per-chunk operand (patches or accumulators): 128 Ki float32 values,
#: 512 KiB, about a quarter of a core's L2 cache, so operand, product and requantized output
#: of one chunk stay cached between the steps that touch them.
CHUNK_ELEMENTS = 1 << 17

_SIGNED = (np.int8, np.int16, np.int32, np.int64)
_UNSIGNED = (np.uint8, np.uint16, np.uint32)


def code_dtype(lo: int, hi: int) -> np.dtype:
    """The narrowest numpy integer dtype holding every integer in ``[lo, hi]`` (int64 at most).

    Unsigned dtypes are used only for ranges that start at 0 or above.
    """
    lo, hi = int(lo), int(hi)
    candidates = _UNSIGNED + _SIGNED[-1:] if lo >= 0 else _SIGNED
    for dtype in candidates:
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return np.dtype(dtype)
    raise OverflowError(f"codes in [{lo}, {hi}] do not fit int64")


def narrow_codes(codes: np.ndarray) -> np.ndarray:
    """``codes`` (an integer array) in the narrowest dtype that holds its values."""
    if codes.size == 0:
        return codes
    dtype = code_dtype(codes.min(), codes.max())
    return codes if dtype == codes.dtype else codes.astype(dtype)


def rows_per_chunk(row_elements: int, limit: int = CHUNK_ELEMENTS) -> int:
    """Rows of ``row_elements`` elements that fit a chunk (at least one)."""
    return max(1, limit // max(row_elements, 1))


def even_band(total: int, most: int) -> int:
    """The band length that splits ``total`` rows into as few bands of at most ``most`` rows
    as possible, all but the last of that length and the last not much shorter (a short band
    costs as many numpy calls as a full one for less work)."""
    count = -(-total // max(most, 1))
    return max(1, -(-total // max(count, 1)))


_PLANS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def block_plan(params, name: str, build):
    """``build(params)``, computed once per block and kept while the block lives.

    Block parameters are frozen dataclasses compared by identity, so a plan can never
    outlive or mix up the block it was made for.
    """
    try:
        plans = _PLANS.setdefault(params, {})
    except TypeError:              # a block kind that cannot be weakly referenced: no cache
        return build(params)
    if name not in plans:
        plans[name] = build(params)
    return plans[name]
