"""Golden model of window reduction (max and average pooling)."""

from __future__ import annotations

import numpy as np

from ..ir.blocks.window_reduce import WindowReduceParams
from .kernels import block_plan, code_dtype
from .requant import Requantizer
from .window import WindowPatches

__all__ = ["window_reduce", "window_reduce_codes"]


def _requantizer(p: WindowReduceParams) -> Requantizer:
    return Requantizer(acc_range=p.acc_range, multiplier=p.multiplier, shift=p.shift,
                       rounding=p.rounding, zero_point=p.out_zero_point, out_min=p.out_min,
                       out_max=p.out_max)


def _positions(x, p: WindowReduceParams) -> list:
    """The ``positions`` slices ``(..., channels)`` of each window (views, no copies)."""
    if isinstance(x, WindowPatches) and x.params.channels == p.channels:
        k = x.params.kernel
        return [x.tap(ky, kx) for ky in range(k) for kx in range(k)]
    x = x.materialize() if isinstance(x, WindowPatches) else np.asarray(x)
    windows = x.reshape(x.shape[:-1] + (p.positions, p.channels))
    return [windows[..., i, :] for i in range(p.positions)]


def _separable_max(patches: WindowPatches) -> np.ndarray:
    """The largest code of each window, ``(N, oh, ow, C)``: the maximum over ``ky`` of whole
    input rows first, then over ``kx``. Maxima of the same codes in another order, so the
    same result as tap by tap, with ``(k - 1) * (oh*Wp + oh*ow)`` element operations instead
    of ``k*k * oh*ow``."""
    w = patches.params
    src = patches.source                                 # (N, Hp, Wp, C), padded
    k, s, oh, ow = w.kernel, w.stride, w.out_height, w.out_width
    if oh == 0 or ow == 0:                               # slices below assume a window
        return np.empty((len(src), oh, ow, w.channels), dtype=src.dtype)
    rows = src[:, 0:s * (oh - 1) + 1:s].copy()           # (N, oh, Wp, C)
    for ky in range(1, k):
        np.maximum(rows, src[:, ky:ky + s * (oh - 1) + 1:s], out=rows)
    out = rows[:, :, 0:s * (ow - 1) + 1:s].copy()        # (N, oh, ow, C)
    for kx in range(1, k):
        np.maximum(out, rows[:, :, kx:kx + s * (ow - 1) + 1:s], out=out)
    return out


def window_reduce_codes(x, p: WindowReduceParams) -> np.ndarray:
    """:func:`window_reduce` in narrow dtypes; ``x`` may be
    :class:`~hwgen.golden.window.WindowPatches` (read tap by tap, never copied whole)."""
    if p.op == "max" and isinstance(x, WindowPatches) and x.params.channels == p.channels:
        return _separable_max(x)
    taps = _positions(x, p)
    if p.op == "max":
        out = taps[0].copy()
        for tap in taps[1:]:
            np.maximum(out, tap, out=out)
        return out
    # The sum of `positions` codes: int32 holds it when positions * max|code| < 2**31.
    top = p.positions * max(abs(p.input_type.qmin), abs(p.input_type.qmax))
    acc = taps[0].astype(np.int32 if top < 1 << 31 else np.int64)
    for tap in taps[1:]:
        np.add(acc, tap, out=acc, casting="unsafe")
    acc -= p.positions * p.in_zero_point   # inside int32: acc_range is checked at build time
    out = np.empty(acc.shape, dtype=code_dtype(p.output_type.qmin, p.output_type.qmax))
    return block_plan(p, "window_reduce", _requantizer)(acc, out)


def window_reduce(x: np.ndarray, p: WindowReduceParams) -> np.ndarray:
    """``(N, *spatial, positions * channels)`` -> ``(N, *spatial, channels)``, int64.

    ``max`` keeps the largest code; ``avg`` requantizes ``sum - positions * in_zero_point``.
    """
    return window_reduce_codes(np.asarray(x), p).astype(np.int64)
