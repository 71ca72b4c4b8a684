"""Golden model of a whole accelerator: every block's golden function, in graph order."""

from __future__ import annotations

import numpy as np

from ..ir.block import DESIGN_INPUT, chain_edges, check_edges
from .kernels import narrow_codes
from .registry import golden_block, golden_codes_function
from .window import WindowPatches

__all__ = ["run_pipeline"]

def _as_int64(value) -> np.ndarray:
    if isinstance(value, WindowPatches):
        return value.materialize(np.int64)
    return value.astype(np.int64, copy=False)


def _port(value, shape: tuple, narrow: bool):
    """A producer's value as a consumer's input ``(N, *shape)`` (row-major, as tensors
    travel); patches stay a view for a narrow consumer whose shape they already have."""
    if isinstance(value, WindowPatches):
        if narrow and value.shape[1:] == shape:
            return value
        value = value.materialize()
    value = value.reshape((len(value),) + shape)
    return value if narrow else value.astype(np.int64, copy=False)


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

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, list of numpy.ndarray)
        int64 codes of the last block (and of every block).
    """
    blocks = tuple(blocks)
    edges = chain_edges(len(blocks)) if edges is None else check_edges(blocks, edges)
    x = np.asarray(x)
    values = {DESIGN_INPUT: narrow_codes(x if x.dtype.kind in "iu" else x.astype(np.int64))}
    last_use = {}
    for index, producers in enumerate(edges):
        for p in producers:
            last_use[p] = index
    outputs = []
    for index, (block, producers) in enumerate(zip(blocks, edges, strict=True)):
        # A kind's golden_codes variant keeps codes narrow and window patches a view; every
        # other golden function is called as it is, on int64 inputs.
        function = golden_codes_function(block)
        shape = tuple(block.input_shape)
        inputs = [_port(values[p], shape, function is not None) for p in producers]
        values[index] = (function(*inputs, block) if function is not None
                         else golden_block(block, *inputs))
        if keep_intermediate:
            outputs.append(_as_int64(values[index]))
        for p in set(producers):   # free what no later block reads
            if last_use[p] == index and p != len(blocks) - 1:
                del values[p]
    y = outputs[-1] if keep_intermediate else _as_int64(values[len(blocks) - 1])
    return (y, outputs) if keep_intermediate else y
