"""Block parameter class -> its cycle model.

Each entry gives the block's event rules (``processes(schedule, block, inp, out,
inferences)``), its ideal cycles per inference at full rate (what bounds the pipeline's
initiation interval), and its FIFO sizing rule given the block that feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..ir.blocks.binary_mvau import BinaryWeightMvauParams, TernaryMvauParams, XnorMvauParams
from ..ir.blocks.eltwise_add import AddParams
from ..ir.blocks.depthwise import DepthwiseParams
from ..ir.blocks.int_mvau import IntMvauParams
from ..ir.blocks.mx_mvau import MxMvauParams
from ..ir.blocks.window_reduce import WindowReduceParams
from ..ir.blocks.sliding_window import SlidingWindowParams
from .add import ADD_WRITE_DELAY, add_cycles, add_processes
from .depthwise import depthwise_cycles, depthwise_fifos, depthwise_processes
from .mvau import int_mvau_cycles_per_vector, int_mvau_processes, mvau_fifo_depths
from .mx_mvau import mx_mvau_cycles_per_vector, mx_mvau_fifos, mx_mvau_processes
from .sliding_window import READ_DELAY, sliding_window_cycles, sliding_window_processes
from .window_reduce import (reduce_credits_for_full_rate, window_reduce_cycles,
                            window_reduce_processes)
from .xnor_mvau import binary_mvau_cycles, binary_mvau_fifos, binary_mvau_processes

__all__ = ["CycleModel", "CYCLE_MODELS", "cycle_model"]


@dataclass(frozen=True)
class CycleModel:
    processes: Callable          # (schedule, block, inp, out, inferences) -> None
    ideal_cycles: Callable       # block -> cycles per inference at full rate
    fifo_depths: Callable        # (block, upstream block or None) -> dict of FIFO fields


def _window_fifos(block: SlidingWindowParams, upstream) -> dict:
    # Credits for one read per cycle (a result leaves READ_DELAY + 1 cycles after its read)
    # and room for a whole patch, so the next patch is ready while a consumer works through
    # its later folds.
    return {"out_fifo_depth": max(READ_DELAY + 2, block.kernel * block.kernel * block.groups),
            "in_fifo_depth": 0}


def _reduce_fifos(block: WindowReduceParams, upstream) -> dict:
    return {"out_fifo_depth": max(reduce_credits_for_full_rate(block), block.groups),
            "in_fifo_depth": 0}


def _add_fifos(block: AddParams, upstream) -> dict:
    # Credits for one sum per cycle; the input FIFOs are sized on the graph (a residual
    # branch must hold what the other branch has not consumed yet): see size_fifos.
    return {"out_fifo_depth": ADD_WRITE_DELAY + 2}


CYCLE_MODELS = {
    IntMvauParams: CycleModel(int_mvau_processes, int_mvau_cycles_per_vector, mvau_fifo_depths),
    SlidingWindowParams: CycleModel(sliding_window_processes, sliding_window_cycles,
                                    _window_fifos),
    WindowReduceParams: CycleModel(window_reduce_processes, window_reduce_cycles,
                                   _reduce_fifos),
    **{cls: CycleModel(binary_mvau_processes, binary_mvau_cycles, binary_mvau_fifos)
       for cls in (XnorMvauParams, BinaryWeightMvauParams, TernaryMvauParams)},
    MxMvauParams: CycleModel(mx_mvau_processes, mx_mvau_cycles_per_vector, mx_mvau_fifos),
    AddParams: CycleModel(add_processes, add_cycles, _add_fifos),
    DepthwiseParams: CycleModel(depthwise_processes, depthwise_cycles, depthwise_fifos),
}


def cycle_model(block) -> CycleModel:
    try:
        return CYCLE_MODELS[type(block)]
    except KeyError:
        raise TypeError(f"no cycle model for {type(block).__name__}") from None
