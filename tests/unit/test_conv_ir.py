"""Convolution and pooling layers: validation, lowering, golden against direct loops."""

import numpy as np
import pytest

from hwgen.errors import IRError
from hwgen.golden import run_pipeline
from hwgen.ir import Folding, IntType, TensorQuant, WeightQuant
from hwgen.ir.blocks.int_mvau import IntMvauParams
from hwgen.ir.blocks.sliding_window import SlidingWindowParams
from hwgen.ir.blocks.window_reduce import WindowReduceParams
from hwgen.ir.layers.conv import QuantConv, QuantPool
from hwgen.ir.lowering import lower_layer
from tests.fixtures.requant_reference import ref_requant

Q_IN = TensorQuant(IntType(8, False), 0.02, 7)
Q_OUT = TensorQuant(IntType(8, True), 0.1, -3)


def conv(**kw):
    rng = np.random.default_rng(0)
    fields = dict(name="conv", weights=rng.integers(-127, 128, (4, 3, 3, 2)),
                  weight_quant=WeightQuant(IntType(8, True), rng.uniform(0.01, 0.03, 4), "channel"),
                  bias=rng.integers(-300, 300, 4), input_quant=Q_IN, output_quant=Q_OUT,
                  input_shape=(5, 6, 2), stride=2, pads=(1, 1, 0, 1), relu=True)
    fields.update(kw)
    return QuantConv(**fields)


def test_conv_geometry_and_errors():
    c = conv()
    assert c.output_shape == (2, 3, 4) and c.in_features == 18 and c.out_features == 4
    with pytest.raises(IRError, match="pads must be"):
        conv(pads=(3, 0, 0, 0))
    with pytest.raises(IRError, match="weights take 2 input channels but the input has 3"):
        conv(input_shape=(5, 6, 3))
    with pytest.raises(IRError, match="square kernel"):
        conv(weights=np.zeros((4, 3, 2, 2), dtype=int))
    with pytest.raises(IRError, match="does not fit"):
        conv(input_shape=(1, 1, 2), pads=(0, 0, 0, 0))
    with pytest.raises(IRError, match="PE=3 does not divide the 4 output channels"):
        conv(folding=Folding(3, 1))


def test_conv_lowering_and_golden_against_direct_loops():
    c = conv(folding=Folding(2, 6))
    window, mvau = lower_layer(c, 1)
    assert isinstance(window, SlidingWindowParams) and isinstance(mvau, IntMvauParams)
    # SIMD 6 = a kernel row of 3 taps x 2 channels: the window sends one per beat.
    assert window.pad_value == Q_IN.zero_point and window.lanes == 6 and window.tap_cols == 3
    assert mvau.spatial == (2, 3) and mvau.mw == 18
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (3, 5, 6, 2))
    got = run_pipeline([window, mvau], x)
    # Direct evaluation of the lecture's formula per output pixel, padding with Z_X.
    from hwgen.quant.multiplier import quantize_multiplier
    qm, shift = quantize_multiplier(c.weight_quant.scale * Q_IN.scale / Q_OUT.scale)
    want = np.zeros(got.shape, dtype=np.int64)
    for n in range(3):
        for oy in range(2):
            for ox in range(3):
                for o in range(4):
                    acc = int(c.bias[o])
                    for ky in range(3):
                        for kx in range(3):
                            iy, ix = oy * 2 - 1 + ky, ox * 2 - 1 + kx
                            inside = 0 <= iy < 5 and 0 <= ix < 6
                            for ch in range(2):
                                xv = x[n, iy, ix, ch] if inside else Q_IN.zero_point
                                acc += int(c.weights[o, ky, kx, ch]) * (int(xv) - Q_IN.zero_point)
                    y = Q_OUT.zero_point + ref_requant(acc, int(qm[o]), int(shift[o]), "gemmlowp")
                    want[n, oy, ox, o] = min(max(y, Q_OUT.zero_point), 127)
    np.testing.assert_array_equal(got, want)


def test_pools_lower_and_match_numpy():
    x = np.random.default_rng(2).integers(-128, 128, (2, 6, 6, 3))
    q = TensorQuant(IntType(8, True), 0.1, 0)
    maxpool = QuantPool(name="mp", op="max", input_shape=(6, 6, 3), input_quant=q,
                        output_quant=q, kernel=2, stride=2)
    blocks = lower_layer(maxpool, 3)
    assert [b.kind for b in blocks] == ["sliding_window", "window_reduce"]
    assert blocks[0].pad_value == -128 and blocks[1].lanes == 3
    want = x.reshape(2, 3, 2, 3, 2, 3).max(axis=(2, 4))
    np.testing.assert_array_equal(run_pipeline(blocks, x), want)

    gap = QuantPool(name="gap", op="global_avg", input_shape=(6, 6, 3), input_quant=q,
                    output_quant=q)
    (block,) = lower_layer(gap, 1)
    assert isinstance(block, WindowReduceParams) and block.positions == 36
    got = run_pipeline([block], x)
    mean = x.reshape(2, 36, 3).mean(axis=1)
    assert np.all(np.abs(got - mean) <= 0.5 + 1e-9)
    with pytest.raises(IRError, match="max pooling keeps the input quantization"):
        QuantPool(name="mp", op="max", input_shape=(6, 6, 3), input_quant=q,
                  output_quant=TensorQuant(IntType(8, True), 0.2, 0), kernel=2, stride=2)
    with pytest.raises(IRError, match="pooling op 'min' is not one of max, avg, global_avg"):
        QuantPool(name="p", op="min", input_shape=(6, 6, 3), input_quant=q, output_quant=q)
