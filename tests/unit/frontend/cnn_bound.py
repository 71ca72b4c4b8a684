"""Golden execution of a quantized CNN graph and its worst-case error against the float model."""

from __future__ import annotations

import numpy as np

from hwgen.compiler import compile_graph
from hwgen.frontend.float_depthwise import FloatDepthwiseConv
from hwgen.frontend.float_layers import FloatConv, patches
from hwgen.golden import run_pipeline
from hwgen.ir.conv import QuantPool


def golden_codes(graph, x_stream: np.ndarray) -> np.ndarray:
    """Input floats in the stream layout -> codes -> every lowered block's golden model."""
    design = compile_graph(graph, max_macs=16)
    return run_pipeline(design.blocks, graph.input_quant.quantize(x_stream))


def error_bound(graph, float_layers, x_stream: np.ndarray) -> np.ndarray:
    """Elementwise worst case of |dequantized golden - float| for inputs inside the ranges.

    The MLP bound of tests/unit/frontend/helpers.py per matrix layer (an activation code is
    within one LSB of its value, weights within S_W / 2, biases within S_W S_X / 2,
    requantization and the output clamp add one output LSB), extended to the CNN layers:

    - a convolution is that dense layer on every im2col patch; padding is the zero point, an
      exact 0, so padded positions add no error;
    - max pooling: ``|max a - max b| <= max |a - b|`` over the window, the same quantization,
      nothing added;
    - average pooling: the mean of the input errors, plus one output LSB for the rounding;
    - ReLU and Clip never increase an error.
    """
    e = np.full(x_stream.shape, graph.input_quant.scale)
    h = np.asarray(x_stream, dtype=np.float64)
    for q, f in zip(graph.layers, float_layers):
        if isinstance(q, QuantPool):
            if q.op == "global_avg":
                e = e.mean(axis=(1, 2)) + q.output_quant.scale
            else:
                cols = patches(e, q.kernel, q.stride, q.pads, 0.0)
                e = cols.max(axis=(3, 4)) if q.op == "max" else \
                    cols.sum(axis=(3, 4)) / q.kernel ** 2 + q.output_quant.scale
            h = f.forward(h)
            continue
        s_w, s_x = q.weight_quant.scale, q.input_quant.scale
        w_hat = np.abs(q.weights.reshape(len(s_w), -1) * s_w[:, None])
        if isinstance(f, FloatDepthwiseConv):
            # Channel c's error: its own taps only (w_hat is (channels, k*k)).
            e_cols = patches(e, f.kernel, f.stride, f.pads, 0.0)        # (N, OH, OW, k, k, C)
            h_cols = patches(np.abs(h), f.kernel, f.stride, f.pads, 0.0)
            n, oh, ow = e_cols.shape[:3]
            e_cols = e_cols.reshape(n, oh, ow, -1, len(s_w))
            h_cols = h_cols.reshape(n, oh, ow, -1, len(s_w))
            e = ((e_cols * w_hat.T).sum(axis=3) + h_cols.sum(axis=3) * s_w / 2
                 + s_w * s_x / 2 + q.output_quant.scale)
            h = f.forward(h)
            continue
        if isinstance(f, FloatConv):
            e_cols = patches(e, f.kernel, f.stride, f.pads, 0.0)
            h_cols = patches(np.abs(h), f.kernel, f.stride, f.pads, 0.0)
            shape = e_cols.shape[:3]
            e_cols = e_cols.reshape(-1, w_hat.shape[1])
            h_sum = h_cols.reshape(-1, w_hat.shape[1]).sum(axis=1, keepdims=True)
        else:
            e_cols = e.reshape(len(e), -1)
            h_sum = np.abs(h).reshape(len(h), -1).sum(axis=1, keepdims=True)
            shape = (len(e),)
        e = (e_cols @ w_hat.T + h_sum * s_w / 2 + s_w * s_x / 2
             + q.output_quant.scale).reshape(shape + (len(s_w),))
        h = f.forward(h.reshape((len(h),) + tuple(f.input_shape)))
    return e

