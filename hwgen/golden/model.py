"""Golden model of a whole accelerator: every block's golden function, in graph order."""

from __future__ import annotations

import numpy as np

from ..ir.block import DESIGN_INPUT, chain_edges, check_edges
from .registry import golden_block

__all__ = ["run_pipeline"]


def run_pipeline(blocks, x: np.ndarray, *, edges=None, keep_intermediate: bool = False):
    """Run input codes through the blocks.

    Parameters
    ----------
    blocks : sequence of block parameters, in topological order
    x : numpy.ndarray
        Input codes, shape ``(N, *input_shape)`` of the first block.
    edges : sequence of tuples, optional
        Producer of each input port of each block (default: a chain).
    keep_intermediate : bool
        Also return every block's output.
    """
    blocks = tuple(blocks)
    edges = chain_edges(len(blocks)) if edges is None else check_edges(blocks, edges)
    values = {DESIGN_INPUT: np.asarray(x, dtype=np.int64)}
    outputs = []
    for index, (block, producers) in enumerate(zip(blocks, edges)):
        # Tensors travel in row-major order: a block may read its input with another shape.
        inputs = [values[p].reshape((len(values[p]),) + tuple(block.input_shape))
                  for p in producers]
        values[index] = golden_block(block, *inputs)
        outputs.append(values[index])
    y = outputs[-1]
    return (y, outputs) if keep_intermediate else y
