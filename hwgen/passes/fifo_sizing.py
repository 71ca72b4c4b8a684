"""Size the FIFOs of lowered blocks so the pipeline runs at its slowest block's rate."""

from __future__ import annotations

from dataclasses import replace

from ..errors import IRError
from ..ir.block import DESIGN_INPUT, chain_edges, check_edges, consumers_of
from ..perf.pipeline import pipeline_timing
from ..perf.registry import cycle_model

__all__ = ["size_fifos", "steady_state_inferences"]

_PORT_FIFO = ("in_fifo_depth", "in2_fifo_depth")
_MAX_BRANCH_DEPTH = 1 << 16


def steady_state_inferences(block_count: int) -> int:
    """Back-to-back inferences after which the model's last interval is the steady one."""
    return 2 * block_count + 6


def _interval(blocks, edges):
    """Steady-state interval and its bound; interval None if the model deadlocks."""
    try:
        timing = pipeline_timing(blocks, steady_state_inferences(len(blocks)), edges)
    except RuntimeError:            # the model found a deadlock
        return None, None
    return timing.ii, timing.ii_bound


def _timing_ok(blocks, edges) -> bool:
    ii, bound = _interval(blocks, edges)
    return ii is not None and ii == bound


def _set_port(blocks, b, port, depth):
    blocks = list(blocks)
    blocks[b] = replace(blocks[b], **{_PORT_FIFO[port]: depth})
    return tuple(blocks)


def _doubled(block):
    changes = {key: 2 * getattr(block, key)
               for key in ("out_fifo_depth",) + _PORT_FIFO if getattr(block, key, 0)}
    return replace(block, **changes)


def size_fifos(blocks, edges=None, *, verify: bool = True) -> tuple:
    """Blocks with their FIFO depths set.

    1. Each block kind's rule (``hwgen.perf.registry``) given the block feeding its first port.
    2. Ports that share a producer (a fork) each get a FIFO; a residual branch must hold
       everything the other branch has not consumed yet, so these depths are found with the
       exact cycle model: doubled until the model does not deadlock, doubled further while
       the interval improves, then each trimmed back by bisection to the smallest depth that
       keeps the best interval.
    3. With ``verify``, if the steady-state interval still exceeds the slowest block's, all
       depths double (up to 4 times) until it does not; if that does not help either, the
       sizes of step 2 stay (the report then shows the slower interval, still exact).
    """
    blocks = tuple(blocks)
    edges = chain_edges(len(blocks)) if edges is None else check_edges(blocks, edges)
    sized = []
    for block, producers in zip(blocks, edges, strict=True):
        upstream = sized[producers[0]] if producers[0] != DESIGN_INPUT else None
        sized.append(replace(block, **cycle_model(block).fifo_depths(block, upstream)))
    sized = tuple(sized)
    forked = [reader for readers in consumers_of(edges).values() if len(readers) > 1
              for reader in readers]
    for b, port in forked:
        sized = _set_port(sized, b, port, max(2, getattr(sized[b], _PORT_FIFO[port])))
    if forked:
        # Grow the branch FIFOs until nothing deadlocks, then while the interval improves.
        while _interval(sized, edges)[0] is None:
            if all(getattr(sized[b], _PORT_FIFO[p]) >= _MAX_BRANCH_DEPTH for b, p in forked):
                raise IRError("no FIFO depth up to 65536 lets the branches of this graph run "
                              "without deadlock; check the graph")
            for b, port in forked:
                sized = _set_port(sized, b, port, 2 * getattr(sized[b], _PORT_FIFO[port]))
        best = _interval(sized, edges)[0]
        for _ in range(4):
            bigger = sized
            for b, port in forked:
                bigger = _set_port(bigger, b, port, 2 * getattr(bigger[b], _PORT_FIFO[port]))
            ii = _interval(bigger, edges)[0]
            if ii >= best:
                break
            sized, best = bigger, ii
        # Trim each branch back to the smallest depth that keeps that interval.
        for b, port in forked:
            lo, hi = 1, getattr(sized[b], _PORT_FIFO[port])
            while lo < hi:
                mid = (lo + hi) // 2
                if _interval(_set_port(sized, b, port, mid), edges)[0] == best:
                    hi = mid
                else:
                    lo = mid + 1
            sized = _set_port(sized, b, port, hi)
    if not verify:
        return sized
    candidate = sized
    for _ in range(5):
        if _timing_ok(candidate, edges):
            return candidate
        candidate = tuple(_doubled(block) for block in candidate)
    return sized
