"""Block parameter class -> the Amaranth component that implements it."""

from __future__ import annotations

from ..ir.mvau_params import IntMvauParams
from ..ir.reduce_params import WindowReduceParams
from ..ir.window_params import SlidingWindowParams
from .int_mvau import IntMvau
from .sliding_window import SlidingWindow
from .window_reduce import WindowReduce

__all__ = ["COMPONENTS", "block_component"]

#: parameter class -> function(params) -> wiring.Component with i_stream / o_stream
COMPONENTS = {
    IntMvauParams: lambda params: IntMvau(params=params),
    SlidingWindowParams: lambda params: SlidingWindow(params=params),
    WindowReduceParams: lambda params: WindowReduce(params=params),
}


def block_component(block):
    try:
        make = COMPONENTS[type(block)]
    except KeyError:
        raise TypeError(f"no hardware block implements {type(block).__name__}") from None
    return make(block)
