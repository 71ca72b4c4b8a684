"""Block parameter class -> golden function (inputs ``(N, *input_shape)`` -> outputs)."""

from __future__ import annotations

from ..ir.binary_params import BinaryWeightMvauParams, TernaryMvauParams, XnorMvauParams
from ..ir.mvau_params import IntMvauParams
from ..ir.mx_params import MxMvauParams
from ..ir.reduce_params import WindowReduceParams
from ..ir.window_params import SlidingWindowParams
from .mvau import int_mvau
from .mx_mvau import mx_mvau
from .reduce import window_reduce
from .window import sliding_window
from .xnor import binary_mvau

__all__ = ["GOLDEN", "golden_block"]

GOLDEN = {
    IntMvauParams: int_mvau,
    SlidingWindowParams: sliding_window,
    WindowReduceParams: window_reduce,
    XnorMvauParams: binary_mvau,
    BinaryWeightMvauParams: binary_mvau,
    TernaryMvauParams: binary_mvau,
    MxMvauParams: mx_mvau,
}


def golden_block(block, x):
    try:
        function = GOLDEN[type(block)]
    except KeyError:
        raise TypeError(f"no golden model for {type(block).__name__}") from None
    return function(x, block)
