"""Block parameter class -> the Amaranth component that implements it."""

from __future__ import annotations

from ..ir.binary_params import BinaryWeightMvauParams, TernaryMvauParams, XnorMvauParams
from ..ir.add_params import AddParams
from ..ir.depthwise_params import DepthwiseParams
from ..ir.mvau_params import IntMvauParams
from ..ir.mx_params import MxMvauParams
from ..ir.reduce_params import WindowReduceParams
from ..ir.window_params import SlidingWindowParams
from .bwn_mvau import BinaryWeightMvau
from .depthwise_unit import DepthwiseUnit
from .eltwise_add import EltwiseAdd
from .int_mvau import IntMvau
from .mx_mvau import MxMvau
from .sliding_window import SlidingWindow
from .ternary_mvau import TernaryMvau
from .window_reduce import WindowReduce
from .xnor_mvau import XnorMvau

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
