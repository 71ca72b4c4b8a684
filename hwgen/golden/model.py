"""Golden model of a whole pipeline: every block's golden function in order."""

from __future__ import annotations

import numpy as np

from .registry import golden_block

__all__ = ["run_pipeline"]


def run_pipeline(blocks, x: np.ndarray, *, keep_intermediate: bool = False):
    """Run input codes through every block's golden function.

    Parameters
    ----------
    blocks : sequence of block parameters
        The lowered blocks in order.
    x : numpy.ndarray
        Input codes, shape ``(N, *input_shape)`` of the first block.
    keep_intermediate : bool
        Also return every block's output.
    """
    outputs = []
    y = np.asarray(x, dtype=np.int64)
    for block in blocks:
        # Tensors travel in row-major order: a block may read its input with another shape.
        y = golden_block(block, y.reshape((len(y),) + tuple(block.input_shape)))
        outputs.append(y)
    return (y, outputs) if keep_intermediate else y
