"""Size the FIFOs so the pipeline runs at its slowest layer's rate."""

from __future__ import annotations

from ..errors import IRError
from ..ir.graph import Graph
from ..ir.mvau_params import IntMvauParams
from ..perf.mvau import credits_for_full_rate
from ..perf.pipeline import pipeline_timing

__all__ = ["size_fifos", "steady_state_inferences"]


def steady_state_inferences(layer_count: int) -> int:
    """Back-to-back inferences after which the model's last interval is the steady one."""
    return 2 * layer_count + 6


def size_fifos(graph: Graph, *, verify: bool = True) -> Graph:
    """Set each layer's output FIFO depth and input FIFO depth.

    Output FIFO: room for a whole output vector (``NF`` beats), so a layer can run ahead by a
    vector while its consumer works through later folds, and at least
    :func:`~hwgen.perf.mvau.credits_for_full_rate` so credits never slow it down on its own.
    Input FIFO: only after a width converter that widens the stream (``PE`` of the producer
    below ``SIMD`` of the consumer). Such a converter delivers less than a beat per cycle,
    while fold 0 of the consumer takes one beat per cycle; a FIFO of a whole input vector
    (``SF`` beats) gathers it beforehand.

    With ``verify`` the exact cycle model checks that the steady-state interval equals the
    slowest layer's ``NF * SF``; if not, FIFO depths double (up to 4 times) until it does.
    If doubling does not help, the rule's sizes stay (the report then shows the slower
    interval, still exact).
    """
    if any(layer.folding is None for layer in graph.layers):
        raise IRError("size_fifos needs every layer's folding; run choose_folding first")
    layers = []
    for index, layer in enumerate(graph.layers):
        nf = layer.out_features // layer.folding.pe
        sf = layer.in_features // layer.folding.simd
        widening = index > 0 and graph.layers[index - 1].folding.pe < layer.folding.simd
        layers.append(layer.replace(
            out_fifo_depth=layer.out_fifo_depth or max(nf, credits_for_full_rate(sf)),
            in_fifo_depth=layer.in_fifo_depth if layer.in_fifo_depth is not None
            else (sf if widening else 0)))
    sized = graph.replace_layers(layers)
    if not verify:
        return sized
    candidate = sized
    for _ in range(5):
        params = [IntMvauParams.from_layer(layer) for layer in candidate.layers]
        timing = pipeline_timing(params, steady_state_inferences(len(params)))
        if timing.ii == timing.ii_bound:
            return candidate
        candidate = candidate.replace_layers([
            layer.replace(out_fifo_depth=2 * layer.out_fifo_depth,
                          in_fifo_depth=2 * layer.in_fifo_depth if layer.in_fifo_depth else 0)
            for layer in candidate.layers])
    return sized
