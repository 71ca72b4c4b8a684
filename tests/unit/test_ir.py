"""IR types, layers and graphs: validation with clear messages."""

import numpy as np
import pytest

from hwgen.errors import IRError
from hwgen.ir import (
    Folding,
    Graph,
    IntMvauParams,
    IntType,
    QuantDense,
    TensorQuant,
    WeightQuant,
    signed_bits_for_range,
)


def test_int_type_ranges_and_parse():
    assert (IntType(8, True).qmin, IntType(8, True).qmax) == (-128, 127)
    assert (IntType(4, False).qmin, IntType(4, False).qmax) == (0, 15)
    assert IntType.parse("uint2") == IntType(2, False)
    assert IntType.parse("int8").name == "int8"
    with pytest.raises(IRError, match="'float8' is not an integer format"):
        IntType.parse("float8")
    with pytest.raises(IRError, match="between 1 and 32, not 0"):
        IntType(0, True)
    with pytest.raises(IRError, match=r"codes span \[-9, 3\], outside int4 \[-8, 7\]"):
        IntType(4, True).check_codes(np.array([-9, 3]), "w")


def test_tensor_quant_validation_and_round_trip():
    q = TensorQuant(IntType(8, False), 0.5, 10)
    np.testing.assert_array_equal(q.quantize([0.0, 0.25, 0.75, 1000.0, -1000.0]),
                                  [10, 10, 12, 255, 0])
    np.testing.assert_allclose(q.dequantize([10, 12]), [0.0, 1.0])
    with pytest.raises(IRError, match="zero_point 300 is outside uint8"):
        TensorQuant(IntType(8, False), 0.5, 300)
    with pytest.raises(IRError, match="scale must be a finite float > 0"):
        TensorQuant(IntType(8, False), float("nan"), 0)
    with pytest.raises(IRError, match="NaN or Inf"):
        q.quantize([float("inf")])


def test_weight_quant_rules():
    with pytest.raises(IRError, match="weights must use a signed type"):
        WeightQuant(IntType(8, False), np.ones(2), "channel")
    with pytest.raises(IRError, match="granularity 'group:4' is not supported by the INT"):
        WeightQuant(IntType(8, True), np.ones(2), "group:4")
    with pytest.raises(IRError, match="one scale for every channel"):
        WeightQuant(IntType(8, True), np.array([1.0, 2.0]), "tensor")


def dense(name="fc", mh=4, mw=6, w_bits=4, in_q=None, out_q=None, **kw):
    rng = np.random.default_rng(0)
    in_q = in_q or TensorQuant(IntType(8, False), 0.1, 0)
    out_q = out_q or TensorQuant(IntType(8, True), 0.2, -5)
    return QuantDense(name=name, weights=rng.integers(-8, 8, (mh, mw)),
                      weight_quant=WeightQuant(IntType(w_bits, True), np.full(mh, 0.01), "tensor"),
                      bias=rng.integers(-50, 50, mh), input_quant=in_q, output_quant=out_q, **kw)


def test_dense_validation_messages():
    with pytest.raises(IRError, match="PE=3 does not divide the 4 output channels"):
        dense(folding=Folding(pe=3, simd=1))
    with pytest.raises(IRError, match="SIMD=4 does not divide the 6 inputs"):
        dense(folding=Folding(pe=1, simd=4))
    with pytest.raises(IRError, match="weights of 9 bits are out of range for the INT datapath"):
        dense(w_bits=9)
    with pytest.raises(IRError, match="codes span"):
        QuantDense(name="fc", weights=np.full((2, 2), 100), weight_quant=WeightQuant(
            IntType(4, True), np.ones(2), "channel"), bias=np.zeros(2, int),
            input_quant=TensorQuant(IntType(8, False), 1.0, 0),
            output_quant=TensorQuant(IntType(8, False), 1.0, 0))
    with pytest.raises(IRError, match="must hold integer codes"):
        dense().replace(weights=np.ones((4, 6)))
    layer = dense()
    assert layer.weights.flags.writeable is False


def test_graph_checks_chaining():
    a = dense("a", mh=4, mw=6)
    b = dense("b", mh=3, mw=4, in_q=a.output_quant)
    assert Graph("g", (a, b)).out_features == 3
    with pytest.raises(IRError, match="layer 'b' takes 5 inputs but 'a' produces 4"):
        Graph("g", (a, dense("b", mh=3, mw=5, in_q=a.output_quant)))
    with pytest.raises(IRError, match="layer 'b' expects input"):
        Graph("g", (a, dense("b", mh=3, mw=4)))
    with pytest.raises(IRError, match="name 'a' is used twice"):
        Graph("g", (a, dense("a", mh=3, mw=4, in_q=a.output_quant)))
    with pytest.raises(IRError, match="has no layers"):
        Graph("g", ())


def test_signed_bits_for_range():
    assert signed_bits_for_range(-128, 127) == 8
    assert signed_bits_for_range(-129, 0) == 9
    assert signed_bits_for_range(0, 128) == 9
    assert signed_bits_for_range(0, 0) == 1


def test_lowering_folds_zero_point_and_bounds_accumulator():
    layer = dense(in_q=TensorQuant(IntType(8, False), 0.1, 7), folding=Folding(2, 3),
                  relu=True)
    p = IntMvauParams.from_layer(layer)
    np.testing.assert_array_equal(p.acc_bias, layer.bias - 7 * layer.weights.sum(axis=1))
    assert p.out_min == layer.output_quant.zero_point == -5 and p.out_max == 127
    # The accumulator bound is reached by the extreme inputs, and its width holds it exactly.
    lo, hi = p.acc_range
    w = p.weights
    extreme_hi = (np.where(w > 0, 255, 0) * w).sum(axis=1) + p.acc_bias
    extreme_lo = (np.where(w < 0, 255, 0) * w).sum(axis=1) + p.acc_bias
    assert hi == extreme_hi.max() and lo == extreme_lo.min()
    assert signed_bits_for_range(lo, hi) == p.acc_bits
    with pytest.raises(IRError, match="run hwgen.passes.choose_folding first"):
        IntMvauParams.from_layer(dense())


def test_accumulator_beyond_int32_is_rejected():
    big = QuantDense(name="wide", weights=np.full((1, 1 << 17), 127),
                     weight_quant=WeightQuant(IntType(8, True), np.ones(1), "channel"),
                     bias=np.zeros(1, int), input_quant=TensorQuant(IntType(8, False), 1.0, 0),
                     output_quant=TensorQuant(IntType(8, False), 1.0, 0),
                     folding=Folding(1, 1 << 10))
    with pytest.raises(IRError, match="layer 'wide': the accumulator may reach .* beyond int32"):
        IntMvauParams.from_layer(big)
