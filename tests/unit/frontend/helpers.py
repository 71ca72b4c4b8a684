"""Golden execution of a quantized graph and a worst-case error bound against the float model."""

from __future__ import annotations

import numpy as np

from hwgen.golden import run_pipeline
from hwgen.ir import Folding, IntMvauParams


def lower(graph):
    """IntMvauParams of every layer with the test folding (PE = SIMD = 1)."""
    return [IntMvauParams.from_layer(layer.replace(folding=Folding(pe=1, simd=1)))
            for layer in graph.layers]


def golden_dequantized(graph, x: np.ndarray) -> np.ndarray:
    """Float inputs -> input codes -> golden integer pipeline -> dequantized float64 outputs."""
    codes = run_pipeline(lower(graph), graph.input_quant.quantize(x))
    return graph.output_quant.dequantize(codes)


def error_bound(graph, float_layers, x: np.ndarray) -> np.ndarray:
    """Elementwise worst-case |golden - float| for inputs ``x`` inside the calibrated ranges.

    Every rounding to a code is at most half an LSB off; rounding the zero point can move the
    representable range by another half LSB, so an activation code is within one LSB ``S`` of
    the value it stands for (clamping to a range that holds the true value never adds to
    this). Weights are within ``S_W[i] / 2`` and biases within ``S_W[i] S_X / 2``. For one layer,
    with ``e`` the input error per element and ``x`` the true float input::

        |W^ x^ + b^ - (W x + b)| <= |W^| e + (S_W / 2) sum|x| + S_W S_X / 2

    Requantization (gemmlowp or single rounding, multiplier exact to 2**-30 relative) and the
    output clamp add at most one output LSB; ReLU does not increase an error.
    """
    e = np.full(x.shape, graph.input_quant.scale)
    h = np.asarray(x, dtype=np.float64)
    for q, f in zip(graph.layers, float_layers):
        s_w = q.weight_quant.scale
        s_x = q.input_quant.scale
        w_hat = q.weights * s_w[:, None]
        e = (e @ np.abs(w_hat).T + np.abs(h).sum(axis=1, keepdims=True) * s_w / 2
             + s_w * s_x / 2 + q.output_quant.scale)
        h = f.forward(h)
    return e
