"""From IR layers to hardware block parameters: one table, one place."""

from __future__ import annotations

from ..errors import IRError
from .graph import Graph
from .layers import QuantDense
from .mvau_params import IntMvauParams

__all__ = ["LOWERINGS", "lower_layer", "lower_graph"]

#: IR layer class -> function(layer) -> block parameters
LOWERINGS = {QuantDense: IntMvauParams.from_layer}


def lower_layer(layer):
    try:
        lower = LOWERINGS[type(layer)]
    except KeyError:
        raise IRError(f"layer {getattr(layer, 'name', layer)!r}: no hardware block implements "
                      f"{type(layer).__name__}") from None
    return lower(layer)


def lower_graph(graph: Graph) -> tuple:
    """Block parameters of every layer, in pipeline order (FIFOs not yet sized)."""
    return tuple(lower_layer(layer) for layer in graph.layers)
