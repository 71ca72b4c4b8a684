"""Golden MVAU against a direct evaluation of the lecture's formula with Python ints."""

import numpy as np
import pytest

from hwgen.golden import int_mvau, run_pipeline
from hwgen.golden.matmul import exact_int_matmul
from hwgen.ir import Folding, IntMvauParams, IntType, QuantDense, TensorQuant, WeightQuant
from tests.fixtures.requant_reference import ref_requant


def direct(layer: QuantDense, x_codes, rounding: str):
    """q_Y = clamp(Z_Y + requant(sum_j q_W (q_X - Z_X) + q_b)), M = S_W S_X / S_Y."""
    from hwgen.quant.multiplier import quantize_multiplier
    zx, zy = layer.input_quant.zero_point, layer.output_quant.zero_point
    out = np.zeros((len(x_codes), layer.out_features), dtype=np.int64)
    qm, shift = quantize_multiplier(layer.weight_quant.scale * layer.input_quant.scale
                                    / layer.output_quant.scale)
    lo = max(layer.output_quant.dtype.qmin, zy) if layer.relu else layer.output_quant.dtype.qmin
    for n, row in enumerate(x_codes.tolist()):
        for i in range(layer.out_features):
            acc = sum(int(w) * (x - zx)
                      for w, x in zip(layer.weights[i].tolist(), row, strict=True))
            acc += int(layer.bias[i])
            y = zy + ref_requant(acc, int(qm[i]), int(shift[i]), rounding)
            out[n, i] = min(max(y, lo), layer.output_quant.dtype.qmax)
    return out


@pytest.mark.parametrize("rounding", ["gemmlowp", "single"])
@pytest.mark.parametrize("in_signed,relu", [(False, True), (True, False)])
def test_int_mvau_equals_lecture_formula(rounding, in_signed, relu):
    rng = np.random.default_rng(3)
    mh, mw = 6, 10
    in_type = IntType(8, in_signed)
    layer = QuantDense(
        name="fc", weights=rng.integers(-127, 128, (mh, mw)),
        weight_quant=WeightQuant(IntType(8, True), rng.uniform(0.001, 0.02, mh), "channel"),
        bias=rng.integers(-3000, 3000, mh),
        input_quant=TensorQuant(in_type, 0.05, int(rng.integers(in_type.qmin, in_type.qmax))),
        output_quant=TensorQuant(IntType(8, True), 0.4, 9), relu=relu, rounding=rounding,
        folding=Folding(2, 5))
    x = rng.integers(in_type.qmin, in_type.qmax + 1, (40, mw))
    np.testing.assert_array_equal(int_mvau(x, IntMvauParams.from_layer(layer)),
                                  direct(layer, x, rounding))


def test_exact_matmul_paths_agree():
    rng = np.random.default_rng(0)
    a = rng.integers(-(1 << 20), 1 << 20, (7, 300))
    b = rng.integers(-(1 << 20), 1 << 20, (300, 5))   # too big for the float64 path
    want = np.array([[sum(int(p) * int(q) for p, q in zip(r, c, strict=True)) for c in b.T]
                     for r in a])
    np.testing.assert_array_equal(exact_int_matmul(a, b), want)
    small = rng.integers(-128, 128, (7, 300))
    np.testing.assert_array_equal(exact_int_matmul(small, b[:, :1] % 128),
                                  small @ (b[:, :1] % 128))


def test_run_pipeline_chains_layers():
    from tests.fixtures.factories import random_inputs, random_mvau_params
    rng = np.random.default_rng(1)
    a = random_mvau_params(rng, mh=5, mw=4, pe=1, simd=1, name="a")
    b = random_mvau_params(rng, mh=3, mw=5, pe=1, simd=1, in_bits=8, in_signed=True, name="b")
    x = random_inputs(rng, a, 9)
    y, intermediate = run_pipeline([a, b], x, keep_intermediate=True)
    np.testing.assert_array_equal(intermediate[0], int_mvau(x, a))
    np.testing.assert_array_equal(y, int_mvau(int_mvau(x, a), b))
