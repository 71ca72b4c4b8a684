"""Block parameter class -> the Amaranth component that implements it."""

from __future__ import annotations

from ..ir.blocks.binary_mvau import BinaryWeightMvauParams, TernaryMvauParams, XnorMvauParams
from ..ir.blocks.eltwise_add import AddParams
from ..ir.blocks.depthwise import DepthwiseParams
from ..ir.blocks.int_mvau import IntMvauParams
from ..ir.blocks.mx_mvau import MxMvauParams
from ..ir.blocks.window_reduce import WindowReduceParams
from ..ir.blocks.sliding_window import SlidingWindowParams
from .binary.bwn_mvau import BinaryWeightMvau
from .arith.depthwise_unit import DepthwiseUnit
from .arith.eltwise_add import EltwiseAdd
from .arith.int_mvau import IntMvau
from .mx.mvau import MxMvau
from .stream.sliding_window import SlidingWindow
from .binary.ternary_mvau import TernaryMvau
from .arith.window_reduce import WindowReduce
from .binary.xnor_mvau import XnorMvau

__all__ = ["COMPONENTS", "block_component"]

#: parameter class -> function(params) -> wiring.Component with i_stream / o_stream
COMPONENTS = {
    IntMvauParams: lambda params: IntMvau(params=params),
    SlidingWindowParams: lambda params: SlidingWindow(params=params),
    WindowReduceParams: lambda params: WindowReduce(params=params),
    XnorMvauParams: lambda params: XnorMvau(params=params),
    BinaryWeightMvauParams: lambda params: BinaryWeightMvau(params=params),
    TernaryMvauParams: lambda params: TernaryMvau(params=params),
    MxMvauParams: lambda params: MxMvau(params=params),
    AddParams: lambda params: EltwiseAdd(params=params),
    DepthwiseParams: lambda params: DepthwiseUnit(params=params),
}


def block_component(block):
    try:
        make = COMPONENTS[type(block)]
    except KeyError:
        raise TypeError(f"no hardware block implements {type(block).__name__}") from None
    return make(block)
