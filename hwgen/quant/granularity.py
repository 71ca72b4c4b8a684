"""Quantization granularity: which elements share one scale.

Granularity strings (the compiler's config uses the same names):

``"tensor"``
    One scale for the whole tensor.
``"channel"``
    One scale per index of ``axis`` (e.g. ``axis=0``: one per output channel of ``W[out, in]``
    or of a conv weight ``W[out, in, kh, kw]``); the reduction runs over every other axis.
``"group:N"``
    Groups of ``N`` consecutive elements along ``axis``, which is the reduction axis here
    (e.g. ``axis=1`` for a dense ``W[out, in]``); one scale per (index of every other axis,
    group). ``N`` must divide ``x.shape[axis]``. A group never straddles two channels of any
    other axis, so groups refine per-channel scales of every axis other than ``axis``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import normalize_axis


@dataclass(frozen=True)
class Granularity:
    """Parsed granularity: ``kind`` in {"tensor", "channel", "group"} and the group size."""

    kind: str
    group_size: int | None = None

    def __str__(self) -> str:
        return f"group:{self.group_size}" if self.kind == "group" else self.kind


def parse_granularity(granularity) -> Granularity:
    """Parse ``"tensor"``, ``"channel"`` or ``"group:N"`` (N a positive integer)."""
    usage = "use 'tensor', 'channel' or 'group:N' with N a positive integer (e.g. 'group:16')"
    if not isinstance(granularity, str):
        raise QuantizationError(f"granularity must be a string, got {granularity!r}; {usage}")
    if granularity in ("tensor", "channel"):
        return Granularity(granularity)
    kind, sep, size = granularity.partition(":")
    if kind == "group" and sep and size.isdigit() and int(size) >= 1:
        return Granularity("group", int(size))
    raise QuantizationError(f"unknown granularity {granularity!r}; {usage}")


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def check_group(shape: tuple[int, ...], axis: int, group_size: int) -> None:
    """Raise unless ``group_size`` divides ``shape[axis]``."""
    length = shape[axis]
    if length % group_size:
        divisors = ", ".join(str(d) for d in _divisors(length))
        raise QuantizationError(
            f"group size {group_size} does not divide axis {axis} of length {length} "
            f"(shape {shape}); pick one of {divisors} or pad the axis"
        )


def reduce_minmax(x: np.ndarray, gran: Granularity, axis: int | None):
    """Per-scale (min, max) of ``x`` in *compact* form and the function expanding it to x's rank.

    Compact shapes: tensor -> 0-d; channel -> keepdims over every axis but ``axis``;
    group -> like ``x`` with ``shape[axis]`` replaced by the number of groups.
    ``expand(c)`` turns a compact array into one broadcastable against ``x``.
    """
    if gran.kind == "tensor":
        return x.min(), x.max(), (lambda c: c)
    ax = normalize_axis(axis, x.ndim)
    if gran.kind == "channel":
        others = tuple(i for i in range(x.ndim) if i != ax)
        return x.min(axis=others, keepdims=True), x.max(axis=others, keepdims=True), (lambda c: c)
    check_group(x.shape, ax, gran.group_size)
    n = gran.group_size
    grouped = x.reshape(x.shape[:ax] + (x.shape[ax] // n, n) + x.shape[ax + 1 :])
    lo = grouped.min(axis=ax + 1)
    hi = grouped.max(axis=ax + 1)
    return lo, hi, (lambda c: np.repeat(c, n, axis=ax))


def num_scales(shape: tuple[int, ...], gran: Granularity, axis: int | None) -> int:
    """How many distinct scales a tensor of ``shape`` carries at this granularity."""
    if gran.kind == "tensor":
        return 1
    ax = normalize_axis(axis, len(shape))
    if gran.kind == "channel":
        return int(shape[ax])
    return int(np.prod(shape, dtype=np.int64)) // gran.group_size
