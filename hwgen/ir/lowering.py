"""From IR layers to hardware block parameters: the bridge, one place.

Each layer class is lowered by the function its block kind's catalog entry names
(:attr:`hwgen.catalog.BlockKind.lowers`), all with one signature,
``lower(layer, upstream_lanes) -> tuple of blocks``. A layer may lower to several blocks (a
convolution is a sliding window feeding an MVAU); ``upstream_lanes`` is the lane count of the
stream arriving from the previous block, so blocks that are not folded by PE x SIMD (windows,
pools, adds) take lanes that need no width converter.
"""

from __future__ import annotations

from ..catalog import lowering_of
from ..errors import IRError
from .block import DESIGN_INPUT
from .graph import Graph

__all__ = ["lower_layer", "lower_graph"]


def lower_layer(layer, upstream_lanes: int = 1) -> tuple:
    """The blocks that implement ``layer``, given the lanes of the stream that feeds it."""
    lower = lowering_of(type(layer))
    if lower is None:
        raise IRError(f"layer {getattr(layer, 'name', layer)!r}: no hardware block implements "
                      f"{type(layer).__name__}")
    return tuple(lower(layer, upstream_lanes))


def lower_graph(graph: Graph, *, input_lanes: int | None = None) -> tuple:
    """Blocks of every layer in topological order, and their edges (FIFOs not yet sized).

    Returns ``(blocks, edges)``; ``edges[i]`` is the producer block of each input port of
    block ``i`` (``-1``: the accelerator input; see :func:`hwgen.ir.block.check_edges`).
    A layer that becomes several blocks chains them. ``input_lanes``: lanes of the
    accelerator's input stream; by default what the first block wants.
    """
    blocks, edges = [], []
    last_block = {}                                # layer index -> its last block's index
    for position, (layer, ports) in enumerate(zip(graph.layers, graph.edges, strict=True)):
        producers = tuple(last_block[p] if p >= 0 else DESIGN_INPUT for p in ports)
        first = producers[0]
        if first == DESIGN_INPUT:
            lanes = input_lanes or lower_layer(layer, 1)[0].input_format.lanes
        else:
            lanes = blocks[first].output_format.lanes
        new = lower_layer(layer, lanes)
        start = len(blocks)
        blocks.extend(new)
        edges.append(producers)
        edges.extend((start + i,) for i in range(len(new) - 1))
        last_block[position] = len(blocks) - 1
    return tuple(blocks), tuple(edges)
