"""Size the FIFOs of lowered blocks so the pipeline runs at its slowest block's rate."""

from __future__ import annotations

from dataclasses import replace

from ..perf.pipeline import pipeline_timing
from ..perf.registry import cycle_model

__all__ = ["size_fifos", "steady_state_inferences"]


def steady_state_inferences(block_count: int) -> int:
    """Back-to-back inferences after which the model's last interval is the steady one."""
    return 2 * block_count + 6


def _doubled(block):
    changes = {key: 2 * getattr(block, key) for key in ("out_fifo_depth", "in_fifo_depth")
               if getattr(block, key, 0)}
    return replace(block, **changes)


def size_fifos(blocks, *, verify: bool = True) -> tuple:
    """Blocks with their FIFO depths set by each block kind's rule (``hwgen.perf.registry``).

    With ``verify`` the exact cycle model checks that the steady-state interval equals the
    slowest block's ideal cycles per inference; if not, FIFO depths double (up to 4 times)
    until it does. If doubling does not help, the rule's sizes stay (the report then shows
    the slower interval, still exact).
    """
    sized, upstream = [], None
    for block in blocks:
        block = replace(block, **cycle_model(block).fifo_depths(block, upstream))
        sized.append(block)
        upstream = block
    sized = tuple(sized)
    if not verify:
        return sized
    candidate = sized
    for _ in range(5):
        timing = pipeline_timing(candidate, steady_state_inferences(len(candidate)))
        if timing.ii == timing.ii_bound:
            return candidate
        candidate = tuple(_doubled(block) for block in candidate)
    return sized
