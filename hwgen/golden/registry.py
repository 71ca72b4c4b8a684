"""Block parameter class -> golden function ``f(*inputs, params)``.

Each input has shape ``(N, *input_shape)``; a block with two input ports gets two arrays.
"""

from __future__ import annotations

from ..ir.blocks.eltwise_add import AddParams
from ..ir.blocks.depthwise import DepthwiseParams
from ..ir.blocks.binary_mvau import BinaryWeightMvauParams, TernaryMvauParams, XnorMvauParams
from ..ir.blocks.int_mvau import IntMvauParams
from ..ir.blocks.mx_mvau import MxMvauParams
from ..ir.blocks.window_reduce import WindowReduceParams
from ..ir.blocks.sliding_window import SlidingWindowParams
from .add import eltwise_add
from .depthwise import depthwise
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
    AddParams: eltwise_add,
    DepthwiseParams: depthwise,
}


def golden_block(block, *inputs):
    try:
        function = GOLDEN[type(block)]
    except KeyError:
        raise TypeError(f"no golden model for {type(block).__name__}") from None
    return function(*inputs, block)
