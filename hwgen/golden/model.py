"""Golden model of a whole pipeline: the integer layers in order."""

from __future__ import annotations

import numpy as np

from .mvau import int_mvau

__all__ = ["run_pipeline"]


def run_pipeline(layers, x: np.ndarray, *, keep_intermediate: bool = False):
    """Run input codes through every layer's golden function.

    Parameters
    ----------
    layers : sequence of IntMvauParams
        The lowered layers in order.
    x : numpy.ndarray
        Input codes, shape ``(N, in_features)``.
    keep_intermediate : bool
        Also return every layer's output.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, list of numpy.ndarray)
    """
    outputs = []
    y = np.asarray(x, dtype=np.int64)
    for p in layers:
        y = int_mvau(y, p)
        outputs.append(y)
    return (y, outputs) if keep_intermediate else y
