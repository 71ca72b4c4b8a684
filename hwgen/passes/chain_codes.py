"""The output codes the hardware computes for a chain of quantized layers.

The chain goes through the steps that make IR layers lowerable (threshold folding, a folding
chosen), is lowered and runs in the golden model. The QONNX reader calibrates a model output
that has no quantizer on the codes its quantized layers produce
(:mod:`hwgen.frontend.qonnx.build`); :mod:`hwgen.reference.qonnx` runs single layers on
qonnx's own codes.
"""

from __future__ import annotations

import numpy as np

from ..golden import run_pipeline
from ..ir.graph import Graph
from ..ir.lowering import lower_graph
from .folding import choose_folding
from .threshold_folding import fold_thresholds

__all__ = ["chain_codes"]


def chain_codes(layers, codes) -> np.ndarray:
    """The golden model's output codes of ``layers`` (a chain of IR layers) on input ``codes``.

    Parameters
    ----------
    layers : sequence of IR layers
        Each reads the one before; binary layers may still carry a float activation.
    codes : numpy.ndarray
        Input codes, ``(N, *input_shape)`` of the first layer (stream layout).

    Returns
    -------
    numpy.ndarray
        ``codes`` itself when ``layers`` is empty.
    """
    if not layers:
        return codes
    graph = choose_folding(fold_thresholds(Graph(name="prefix", layers=tuple(layers))))
    blocks, edges = lower_graph(graph)
    return run_pipeline(blocks, codes, edges=edges)
