"""IR -> IR passes. Each takes a graph and returns a new one; they run in an explicit order."""

from __future__ import annotations

from functools import partial

from .fifo_sizing import size_fifos, steady_state_inferences
from .folding import DEFAULT_MAX_MACS, choose_folding, divisors

__all__ = ["run_passes", "prepare_for_hardware", "choose_folding", "size_fifos",
           "steady_state_inferences", "divisors", "DEFAULT_MAX_MACS"]


def run_passes(graph, passes):
    """Apply ``passes`` (callables graph -> graph) in order."""
    for step in passes:
        graph = step(graph)
    return graph


def prepare_for_hardware(graph, *, folding_requests=None, max_macs=DEFAULT_MAX_MACS,
                         target_cycles=None):
    """The passes every graph goes through before lowering: folding, then FIFO sizing."""
    return run_passes(graph, [
        partial(choose_folding, requests=folding_requests, max_macs=max_macs,
                target_cycles=target_cycles),
        size_fifos,
    ])
