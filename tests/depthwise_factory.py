"""Seeded depthwise layers and a small depthwise-separable CNN built in the IR."""

from __future__ import annotations

import numpy as np

from hwgen.ir import Folding, Graph, IntType, RequantRounding, TensorQuant, WeightQuant
from hwgen.ir.conv import QuantConv, QuantPool
from hwgen.ir.depthwise import QuantDepthwiseConv
from hwgen.ir.layers import QuantDense


def depthwise_layer(seed: int, *, image=(5, 5, 3), kernel=3, stride=1, pads=(1, 1, 1, 1),
                    pe=None, per_channel=True, relu=False, rounding=RequantRounding.SINGLE,
                    input_type=IntType(8, True), in_zero_point=-3, name="dw"):
    rng = np.random.default_rng(seed)
    c = image[2]
    scales = rng.uniform(0.004, 0.03, c) if per_channel else np.full(c, 0.011)
    return QuantDepthwiseConv(
        name=name, weights=rng.integers(-127, 128, (c, kernel, kernel)),
        weight_quant=WeightQuant(IntType(8, True), scales,
                                 "channel" if per_channel else "tensor"),
        bias=rng.integers(-2000, 2000, c),
        input_quant=TensorQuant(input_type, 0.04, in_zero_point),
        output_quant=TensorQuant(IntType(8, True), 0.05 * kernel, 5),
        input_shape=image, stride=stride, pads=pads, relu=relu, rounding=rounding,
        folding=None if pe is None else Folding(pe=pe, simd=1))


def separable_cnn_graph(seed: int = 0, *, image=(7, 7, 2)) -> Graph:
    """conv3x3(6)-relu, dw3x3(6, pad 1)-relu, conv1x1(5)-relu, dw3x3 stride 2, gap, dense(4)."""
    rng = np.random.default_rng(seed)
    h, w, c = image

    def wq(n):
        return WeightQuant(IntType(8, True), rng.uniform(0.005, 0.02, n), "channel")

    q_in = TensorQuant(IntType(8, False), 1 / 255, 0)
    q1 = TensorQuant(IntType(8, True), 0.05, -128)
    q2 = TensorQuant(IntType(8, True), 0.06, -128)
    q3 = TensorQuant(IntType(8, True), 0.07, -128)
    q4 = TensorQuant(IntType(8, True), 0.08, -20)
    q5 = TensorQuant(IntType(8, True), 0.05, -10)
    q6 = TensorQuant(IntType(8, True), 0.03, 0)
    conv1 = QuantConv(name="conv1", weights=rng.integers(-127, 128, (6, 3, 3, c)),
                      weight_quant=wq(6), bias=rng.integers(-500, 500, 6), input_quant=q_in,
                      output_quant=q1, input_shape=image, pads=(1, 1, 1, 1), relu=True)
    dw1 = QuantDepthwiseConv(name="dw1", weights=rng.integers(-127, 128, (6, 3, 3)),
                             weight_quant=wq(6), bias=rng.integers(-500, 500, 6),
                             input_quant=q1, output_quant=q2, input_shape=(h, w, 6),
                             pads=(1, 1, 1, 1), relu=True)
    pw = QuantConv(name="pw", weights=rng.integers(-127, 128, (5, 1, 1, 6)), weight_quant=wq(5),
                   bias=rng.integers(-500, 500, 5), input_quant=q2, output_quant=q3,
                   input_shape=(h, w, 6), relu=True)
    dw2 = QuantDepthwiseConv(name="dw2", weights=rng.integers(-127, 128, (5, 3, 3)),
                             weight_quant=wq(5), bias=rng.integers(-500, 500, 5),
                             input_quant=q3, output_quant=q4, input_shape=(h, w, 5), stride=2)
    gap = QuantPool(name="gap", op="global_avg", input_shape=dw2.output_shape,
                    input_quant=q4, output_quant=q5)
    fc = QuantDense(name="fc", weights=rng.integers(-127, 128, (4, 5)), weight_quant=wq(4),
                    bias=rng.integers(-100, 100, 4), input_quant=q5, output_quant=q6)
    return Graph("separable", [conv1, dw1, pw, dw2, gap, fc])
