"""Block parameter class -> golden function (inputs ``(N, *input_shape)`` -> outputs)."""

from __future__ import annotations

from ..ir.mvau_params import IntMvauParams
from .mvau import int_mvau

__all__ = ["GOLDEN", "golden_block"]

GOLDEN = {IntMvauParams: int_mvau}


def golden_block(block, x):
    try:
        function = GOLDEN[type(block)]
    except KeyError:
        raise TypeError(f"no golden model for {type(block).__name__}") from None
    return function(x, block)
