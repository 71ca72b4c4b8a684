"""Graphs with branches: validation and edges."""

import numpy as np
import pytest

from hwgen.errors import IRError
from hwgen.ir import Graph, IntType, TensorQuant, WeightQuant
from hwgen.ir.layers.add import QuantAdd
from hwgen.ir.layers.dense import QuantDense
from tests.fixtures.cnn_factory import parallel_dense_graph, residual_cnn_graph

Q = TensorQuant(IntType(8, True), 0.1, 0)


def dense(name, mh=4, mw=4, in_q=Q, out_q=Q):
    return QuantDense(name=name, weights=np.ones((mh, mw), dtype=int),
                      weight_quant=WeightQuant(IntType(8, True), np.full(mh, 0.01), "tensor"),
                      bias=np.zeros(mh, dtype=int), input_quant=in_q, output_quant=out_q)


def add(name, a, b, a_q=Q, b_q=Q):
    return QuantAdd(name=name, inputs=(a, b), a_quant=a_q, b_quant=b_q, output_quant=Q,
                    shape=(4,))


def test_edges_of_branching_graphs():
    assert parallel_dense_graph().edges == ((-1,), (-1,), (0, 1))
    assert residual_cnn_graph().edges[3] == (2, 0)


def test_branch_errors():
    with pytest.raises(IRError, match="reads 'nope', which is neither the graph input nor an "
                                      "earlier layer"):
        Graph("g", [dense("a"), add("s", "a", "nope")])
    with pytest.raises(IRError, match="the output of 'b' is never used"):
        Graph("g", [dense("a"), dense("b"), dense("c")], connections={"c": ("a",)})
    other = TensorQuant(IntType(8, True), 0.2, 0)
    with pytest.raises(IRError, match="layer 's' expects input .* but 'b' produces"):
        Graph("g", [dense("a"), dense("b"), add("s", "a", "b", b_q=other)])
    with pytest.raises(IRError, match="connections name unknown layer"):
        Graph("g", [dense("a")], connections={"zz": ("input",)})
    with pytest.raises(IRError, match=r"layer 'b' has 1 input\(s\) but reads 2 \('a', 'input'\)"):
        Graph("g", [dense("a"), dense("b")], connections={"b": ("a", "input")})
    with pytest.raises(IRError, match="an add needs the names of its two input layers"):
        QuantAdd(name="s", inputs=("a",), a_quant=Q, b_quant=Q, output_quant=Q, shape=(4,))


def test_add_rule_approximates_the_real_sum():
    from hwgen.golden.add import eltwise_add
    from hwgen.ir.lowering import lower_layer
    qa = TensorQuant(IntType(8, True), 0.037, 5)
    qb = TensorQuant(IntType(8, False), 0.011, 128)
    qy = TensorQuant(IntType(8, True), 0.05, -3)
    layer = QuantAdd(name="s", inputs=("a", "b"), a_quant=qa, b_quant=qb, output_quant=qy,
                     shape=(8,))
    (p,) = lower_layer(layer, 8)
    rng = np.random.default_rng(0)
    a = rng.integers(-128, 128, (500, 8))
    b = rng.integers(0, 256, (500, 8))
    y = eltwise_add(a, b, p)
    real = qa.dequantize(a) + qb.dequantize(b)
    ideal = np.clip(np.rint(real / qy.scale) + qy.zero_point, -128, 127)
    # 14-bit factors and a 31-bit multiplier: at most one step from the correctly rounded sum.
    assert np.max(np.abs(y - ideal)) <= 1
    assert np.mean(y == ideal) > 0.95
