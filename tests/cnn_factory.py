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


def residual_cnn_graph(seed: int = 0, *, image=(6, 6, 2)) -> Graph:
    """conv(4) - relu - [conv(4) - relu - conv(4)] + skip - relu - global avg - dense(3)."""
    rng = np.random.default_rng(seed)
    h, w, c = image

    def wq(n):
        return WeightQuant(IntType(8, True), rng.uniform(0.005, 0.02, n), "channel")

    q_in = TensorQuant(IntType(8, False), 1 / 255, 0)
    q1 = TensorQuant(IntType(8, True), 0.05, -128)
    q2 = TensorQuant(IntType(8, True), 0.07, -128)
    q3 = TensorQuant(IntType(8, True), 0.09, 4)
    q4 = TensorQuant(IntType(8, True), 0.1, -128)
    q5 = TensorQuant(IntType(8, True), 0.05, -100)
    q6 = TensorQuant(IntType(8, True), 0.03, 0)

    def conv(name, cin, cout, q_a, q_b, relu, inputs=None):
        layer = QuantConv(name=name, weights=rng.integers(-127, 128, (cout, 3, 3, cin)),
                          weight_quant=wq(cout), bias=rng.integers(-300, 300, cout),
                          input_quant=q_a, output_quant=q_b, input_shape=(h, w, cin),
                          pads=(1, 1, 1, 1), relu=relu)
        return layer

    from hwgen.ir.add import QuantAdd
    conv1 = conv("conv1", c, 4, q_in, q1, True)
    conv2 = conv("conv2", 4, 4, q1, q2, True)
    conv3 = conv("conv3", 4, 4, q2, q3, False)
    add = QuantAdd(name="add", inputs=("conv3", "conv1"), a_quant=q3, b_quant=q1,
                   output_quant=q4, shape=(h, w, 4), relu=True)
    gap = QuantPool(name="gap", op="global_avg", input_shape=(h, w, 4), input_quant=q4,
                    output_quant=q5)
    fc = QuantDense(name="fc", weights=rng.integers(-127, 128, (3, 4)), weight_quant=wq(3),
                    bias=rng.integers(-100, 100, 3), input_quant=q5, output_quant=q6)
    return Graph("resnet", [conv1, conv2, conv3, add, gap, fc])


def parallel_dense_graph(seed: int = 0) -> Graph:
    """Two dense layers read the input; their outputs are added: a fork at the input."""
    from hwgen.ir.add import QuantAdd
    rng = np.random.default_rng(seed)
    q_in = TensorQuant(IntType(8, False), 1 / 255, 0)
    qa = TensorQuant(IntType(8, True), 0.04, 3)
    qb = TensorQuant(IntType(4, True), 0.3, -1)
    qy = TensorQuant(IntType(8, True), 0.05, -2)

    def dense(name, out_q):
        return QuantDense(name=name, weights=rng.integers(-7, 8, (6, 10)),
                          weight_quant=WeightQuant(IntType(4, True),
                                                   rng.uniform(0.005, 0.02, 6), "channel"),
                          bias=rng.integers(-50, 50, 6), input_quant=q_in, output_quant=out_q)

    add = QuantAdd(name="add", inputs=("a", "b"), a_quant=qa, b_quant=qb, output_quant=qy,
                   shape=(6,))
    return Graph("parallel", [dense("a", qa), dense("b", qb), add],
                 connections={"b": ("input",)})
