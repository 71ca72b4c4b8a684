"""MX convolutions built directly in the IR (seeded float weights quantized to MX), for tests."""

from __future__ import annotations

import numpy as np

from hwgen.ir import Folding, Graph, IntType, TensorQuant
from hwgen.ir.conv import QuantPool
from hwgen.ir.mx_conv import MxConv
from hwgen.ir.mx_layers import MxDense
from hwgen.quant.mx import mx_quantize

I8 = IntType(8, True)


def mx_conv_layer(rng, *, h, w, c, k, stride, pads, out, fmt, block, pe=None, simd=None,
                  relu=True, name="conv", zero_bias=False):
    """One MxConv with random float weights, bias and int8 quantizations."""
    weights = rng.normal(0, 0.4, (out, k, k, c)) * rng.uniform(0.2, 4, (out, 1, 1, 1))
    bias = np.zeros(out) if zero_bias else rng.normal(0, 0.5, out)
    q_in = TensorQuant(I8, float(rng.uniform(0.01, 0.05)), int(rng.integers(-20, 20)))
    q_out = TensorQuant(I8, float(rng.uniform(0.05, 0.3)), int(rng.integers(-60, 0)))
    folding = Folding(pe=pe, simd=simd) if pe else None
    return MxConv.quantize(name=name, weights=weights, fmt=fmt, block_size=block, bias=bias,
                           input_quant=q_in, output_quant=q_out, input_shape=(h, w, c),
                           stride=stride, pads=pads, relu=relu, folding=folding)


def small_mx_cnn_graph(seed: int = 0) -> Graph:
    """MXFP4 conv3x3(4, pad 1) - relu - maxpool2 - MX6 conv3x3(6) - relu - global avg -
    MXFP8 E4M3 dense(5), on 6x6x2 int8 images."""
    rng = np.random.default_rng(seed)
    q_in = TensorQuant(I8, 1 / 64, -10)
    q1, q2 = TensorQuant(I8, 0.05, -128), TensorQuant(I8, 0.08, -128)
    q3, q4 = TensorQuant(I8, 0.06, -100), TensorQuant(I8, 0.02, 0)

    def conv(name, shape, cin, cout, fmt, block, q_a, q_b, pads):
        w = rng.normal(0, 0.3, (cout, 3, 3, cin))
        return MxConv.quantize(name=name, weights=w, fmt=fmt, block_size=block,
                               bias=rng.normal(0, 0.3, cout), input_quant=q_a, output_quant=q_b,
                               input_shape=shape, pads=pads, relu=True)

    conv1 = conv("conv1", (6, 6, 2), 2, 4, "mxfp4", 6, q_in, q1, (1, 1, 1, 1))
    pool = QuantPool(name="pool", op="max", input_shape=(6, 6, 4), input_quant=q1,
                     output_quant=q1, kernel=2, stride=2)
    conv2 = conv("conv2", (3, 3, 4), 4, 6, "mx6", 12, q1, q2, (1, 1, 1, 1))
    gap = QuantPool(name="gap", op="global_avg", input_shape=(3, 3, 6), input_quant=q2,
                    output_quant=q3)
    fc = MxDense(name="fc", weights=mx_quantize(rng.normal(0, 0.5, (5, 6)), "mxfp8_e4m3", 6),
                 weight_quant=None, bias=rng.normal(0, 0.2, 5), input_quant=q3,
                 output_quant=q4)
    return Graph("mx_cnn", [conv1, pool, conv2, gap, fc])
