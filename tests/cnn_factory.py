"""A small quantized CNN built directly in the IR (seeded), for hardware tests."""

from __future__ import annotations

import numpy as np

from hwgen.compiler import compile_graph
from hwgen.ir import Graph, IntType, TensorQuant, WeightQuant
from hwgen.ir.conv import QuantConv, QuantPool
from hwgen.ir.layers import QuantDense


def small_cnn_graph(seed: int = 0, *, image=(8, 8, 1)) -> Graph:
    """conv3x3(4, pad 1) - relu - maxpool2 - conv3x3(6, pad 1) - relu - global avg - dense(5)."""
    rng = np.random.default_rng(seed)
    h, w, c = image

    def wq(n):
        return WeightQuant(IntType(8, True), rng.uniform(0.005, 0.02, n), "channel")

    q_in = TensorQuant(IntType(8, False), 1 / 255, 0)
    q1 = TensorQuant(IntType(8, True), 0.05, -128)
    q2 = TensorQuant(IntType(8, True), 0.08, -128)
    q3 = TensorQuant(IntType(8, True), 0.06, -100)
    q4 = TensorQuant(IntType(8, True), 0.02, 0)
    conv1 = QuantConv(name="conv1", weights=rng.integers(-127, 128, (4, 3, 3, c)),
                      weight_quant=wq(4), bias=rng.integers(-500, 500, 4), input_quant=q_in,
                      output_quant=q1, input_shape=image, pads=(1, 1, 1, 1), relu=True)
    pool = QuantPool(name="pool", op="max", input_shape=(h, w, 4), input_quant=q1,
                     output_quant=q1, kernel=2, stride=2)
    conv2 = QuantConv(name="conv2", weights=rng.integers(-127, 128, (6, 3, 3, 4)),
                      weight_quant=wq(6), bias=rng.integers(-500, 500, 6), input_quant=q1,
                      output_quant=q2, input_shape=(h // 2, w // 2, 4), pads=(1, 1, 1, 1),
                      relu=True)
    gap = QuantPool(name="gap", op="global_avg", input_shape=(h // 2, w // 2, 6),
                    input_quant=q2, output_quant=q3)
    fc = QuantDense(name="fc", weights=rng.integers(-127, 128, (5, 6)), weight_quant=wq(5),
                    bias=rng.integers(-100, 100, 5), input_quant=q3, output_quant=q4)
    return Graph("cnn", [conv1, pool, conv2, gap, fc])


def small_cnn(seed: int = 0, *, max_macs: int = 16):
    return compile_graph(small_cnn_graph(seed), max_macs=max_macs)
