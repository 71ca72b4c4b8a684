"""Golden model of the depthwise unit."""

from __future__ import annotations

import numpy as np

from ..errors import IRError
from ..ir.blocks.depthwise import DepthwiseParams
from .kernels import block_plan, code_dtype
from .requant import Requantizer
from .window import WindowPatches

__all__ = ["depthwise", "depthwise_codes"]


class _Plan:
    """Accumulator dtype, per-tap weights and requantizer of one block.

    Every partial sum ``acc_bias[c] + sum_{t in T} w[c, t] * x[t, c]`` is at most
    ``|acc_bias[c]| + X * sum_t |w[c, t]|`` in magnitude (``X`` the largest input code
    magnitude); int32 accumulates exactly when that bound is below ``2**31``, else int64.
    """

    def __init__(self, p: DepthwiseParams):
        x_max = max(abs(p.input_type.qmin), abs(p.input_type.qmax))
        bound = max(abs(int(b)) + x_max * int(s)
                    for b, s in zip(p.acc_bias.tolist(), np.abs(p.weights).sum(axis=1).tolist(),
                                    strict=True))
        self.acc_dtype = np.dtype(np.int32 if bound < 1 << 31 else np.int64)
        self.taps = np.ascontiguousarray(p.weights.T, dtype=self.acc_dtype)  # (positions, C)
        self.bias = p.acc_bias.astype(self.acc_dtype)
        self.out_dtype = code_dtype(p.output_type.qmin, p.output_type.qmax)
        self.requant = Requantizer(acc_range=p.acc_range, multiplier=p.multiplier,
                                   shift=p.shift, rounding=p.rounding,
                                   zero_point=p.out_zero_point, out_min=p.out_min,
                                   out_max=p.out_max)


def _taps(x, p: DepthwiseParams) -> list:
    if isinstance(x, WindowPatches) and x.params.channels == p.channels:
        k = x.params.kernel
        return [x.tap(ky, kx) for ky in range(k) for kx in range(k)]
    x = x.materialize() if isinstance(x, WindowPatches) else x
    windows = x.reshape(x.shape[:-1] + (p.positions, p.channels))
    return [windows[..., t, :] for t in range(p.positions)]


def depthwise_codes(x, p: DepthwiseParams) -> np.ndarray:
    """:func:`depthwise` in narrow dtypes; ``x`` may be
    :class:`~hwgen.golden.window.WindowPatches` (read tap by tap, never copied whole)."""
    if not isinstance(x, WindowPatches):
        x = np.asarray(x)
    if x.shape[-1] != p.positions * p.channels:
        raise IRError(f"layer {p.name!r} takes windows of {p.positions * p.channels} codes, "
                      f"not {x.shape[-1]}")
    if isinstance(x, WindowPatches):
        x.check_codes(p.input_type, f"layer {p.name!r}: input")
    else:
        p.input_type.check_codes(x, f"layer {p.name!r}: input")
    plan = block_plan(p, "depthwise", _Plan)
    taps = _taps(x, p)
    acc = np.empty(taps[0].shape, dtype=plan.acc_dtype)
    acc[...] = plan.bias
    product = np.empty_like(acc)
    for tap, w in zip(taps, plan.taps, strict=True):
        np.multiply(tap, w, out=product, casting="unsafe")
        acc += product
    out = np.empty(acc.shape, dtype=plan.out_dtype)
    return plan.requant(acc, out)


def depthwise(x: np.ndarray, p: DepthwiseParams) -> np.ndarray:
    """``(N, *spatial, positions * channels)`` windows -> ``(N, *spatial, channels)`` codes.

    Each channel's window taps (``(ky, kx)`` order, channels fastest) dotted with that
    channel's kernel, exactly (int32 or int64, see ``_Plan``), then requantized like the
    dense layer. int64 outputs.
    """
    return depthwise_codes(x, p).astype(np.int64)
