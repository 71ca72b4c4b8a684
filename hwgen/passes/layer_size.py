"""The largest layer hwgen compiles by default: weights per layer, checked before any work.

A layer's compile time grows with its weights (Verilog export, FIFO sizing, memory images);
benchmarks/bench_layer_size.py measures it. Beyond :data:`MAX_LAYER_WEIGHTS` a compile takes
minutes and gigabytes, so such a layer is refused up front, naming its size and the fix,
unless the limit is raised (``--max-layer-weights``, ``max_layer_weights=``).
"""

from __future__ import annotations

import math

from ..errors import ModelError
from ..ir.graph import Graph

__all__ = ["MAX_LAYER_WEIGHTS", "check_layer_sizes"]

#: Weights per layer that compile within issue 11's time target (about 30 s for one layer on a
#: 2-core machine); larger layers are refused up front unless the limit is raised
#: (``--max-layer-weights``). benchmarks/bench_layer_size.py measured a 2048 x 2048 Gemm
#: (4,194,304 weights) at 5 s and 0.4 GB, 4096 x 4096 (this limit) at 20 s and 1.4 GB
#: (docs/guarantees.md).
MAX_LAYER_WEIGHTS = 4096 * 4096


def check_layer_sizes(graph: Graph, limit: int | None = MAX_LAYER_WEIGHTS) -> None:
    """Refuse, before any long work, a layer with more than ``limit`` weights (None: no limit).

    Raises
    ------
    ModelError
        Naming the layer, its weight count and shape, the limit and how to raise it.
    """
    if limit is None:
        return
    for layer in graph.layers:
        weights = getattr(layer, "weights", None)
        if weights is None:
            continue
        count = math.prod(weights.shape)
        if count > limit:
            raise ModelError(
                f"layer {layer.name!r} has {count:,} weights (shape "
                f"{'x'.join(map(str, weights.shape))}), more than the {limit:,} that compile "
                "in about 30 s (benchmarks/bench_layer_size.py); split or shrink the layer, or "
                f"raise the limit with --max-layer-weights {count} (max_layer_weights={count}) "
                "and expect minutes and gigabytes")
