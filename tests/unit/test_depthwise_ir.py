"""Depthwise convolution: validation, lowering, folding, golden against independent models."""

import numpy as np
import pytest

from hwgen.errors import IRError
from hwgen.golden import run_pipeline
from hwgen.ir import Folding, Graph, IntType, RequantRounding, WeightQuant
from hwgen.ir.blocks.depthwise import DepthwiseParams
from hwgen.ir.blocks.sliding_window import SlidingWindowParams
from hwgen.ir.layers.conv import QuantConv
from hwgen.ir.lowering import lower_layer
from hwgen.passes import choose_folding
from hwgen.quant.multiplier import quantize_multiplier
from tests.fixtures.depthwise_factory import depthwise_layer
from tests.fixtures.requant_reference import ref_requant


def test_depthwise_geometry_and_errors():
    dw = depthwise_layer(0, image=(5, 6, 3), stride=2, pads=(1, 1, 0, 1))
    assert dw.output_shape == (2, 3, 3) and dw.out_features == 3 and dw.in_features == 9
    with pytest.raises(IRError, match=r"layer 'dw': 3 depthwise kernels for an input of 4 "
                                      r"channels; a depthwise convolution has one kernel per "
                                      r"channel \(multiplier 1\)"):
        dw.replace(input_shape=(5, 6, 4))
    with pytest.raises(IRError, match=r"depthwise weights must be \(channels, k, k\) with a "
                                      r"square kernel, not \(3, 3, 2\)"):
        dw.replace(weights=np.zeros((3, 3, 2), dtype=int))
    with pytest.raises(IRError, match="pads must be"):
        dw.replace(pads=(3, 0, 0, 0))
    with pytest.raises(IRError, match="PE=2 does not divide the 3 output channels"):
        dw.replace(folding=Folding(2, 1))
    with pytest.raises(IRError, match="SIMD=3: the depthwise unit takes one kernel tap per "
                                      "cycle; use simd = 1"):
        dw.replace(folding=Folding(1, 3))
    with pytest.raises(IRError, match="3 weight scales for 3 output channels|weight scales"):
        dw.replace(weight_quant=WeightQuant(IntType(8, True), [0.1, 0.2], "channel"))
    with pytest.raises(IRError, match="bias has shape"):
        dw.replace(bias=np.zeros(2, dtype=int))
    with pytest.raises(IRError, match="no folding yet"):
        lower_layer(dw)


def _direct(dw, x):
    """The layer's formula by loops: padding with Z_X, per-channel M, the layer's rounding."""
    h, w, c = dw.input_shape
    k, s, (top, left, _, _) = dw.kernel, dw.stride, dw.pads
    zx, q_out = dw.input_quant.zero_point, dw.output_quant
    qm, shift = quantize_multiplier(dw.weight_quant.scale * dw.input_quant.scale / q_out.scale)
    oh, ow, _ = dw.output_shape
    want = np.zeros((len(x), oh, ow, c), dtype=np.int64)
    low = q_out.zero_point if dw.relu else q_out.dtype.qmin
    for n in range(len(x)):
        for oy in range(oh):
            for ox in range(ow):
                for ch in range(c):
                    acc = int(dw.bias[ch])
                    for ky in range(k):
                        for kx in range(k):
                            iy, ix = oy * s - top + ky, ox * s - left + kx
                            xv = x[n, iy, ix, ch] if (0 <= iy < h and 0 <= ix < w) else zx
                            acc += int(dw.weights[ch, ky, kx]) * (int(xv) - zx)
                    y = q_out.zero_point + ref_requant(acc, int(qm[ch]), int(shift[ch]),
                                                       dw.rounding.value)
                    want[n, oy, ox, ch] = min(max(y, low), q_out.dtype.qmax)
    return want


@pytest.mark.parametrize("rounding", list(RequantRounding))
def test_golden_against_direct_loops(rounding):
    dw = depthwise_layer(1, image=(5, 4, 3), stride=2, pads=(1, 0, 1, 1), pe=3, relu=True,
                         rounding=rounding, input_type=IntType(8, False), in_zero_point=9)
    window, unit = lower_layer(dw)
    assert isinstance(window, SlidingWindowParams) and isinstance(unit, DepthwiseParams)
    assert window.pad_value == 9 and window.lanes == 3 and unit.spatial == (3, 2)
    x = np.random.default_rng(2).integers(0, 256, (2, 5, 4, 3))
    np.testing.assert_array_equal(run_pipeline([window, unit], x), _direct(dw, x))


def test_golden_equals_dense_conv_with_diagonal_weights():
    # A depthwise convolution is a dense one whose kernel (o, ky, kx, i) is zero for o != i:
    # the existing sliding window + MVAU path is an independent model of the same numbers.
    dw = depthwise_layer(3, image=(6, 5, 4), kernel=3, stride=1, pads=(1, 1, 1, 1), pe=2,
                         per_channel=False, rounding=RequantRounding.GEMMLOWP)
    dense = np.zeros((4, 3, 3, 4), dtype=np.int64)
    for ch in range(4):
        dense[ch, :, :, ch] = dw.weights[ch]
    conv = QuantConv(name="dense", weights=dense, weight_quant=dw.weight_quant, bias=dw.bias,
                     input_quant=dw.input_quant, output_quant=dw.output_quant,
                     input_shape=dw.input_shape, pads=dw.pads, rounding=dw.rounding,
                     folding=Folding(1, 4))
    x = np.random.default_rng(4).integers(-128, 128, (3, 6, 5, 4))
    np.testing.assert_array_equal(run_pipeline(lower_layer(dw), x),
                                  run_pipeline(lower_layer(conv), x))


def test_golden_against_float_reference():
    # Real-valued depthwise convolution of the dequantized codes, quantized once: the integer
    # result differs only where the 31-bit multiplier moves a value across a rounding step.
    dw = depthwise_layer(5, image=(7, 7, 5), kernel=3, stride=1, pads=(1, 1, 1, 1), pe=5,
                         rounding=RequantRounding.SINGLE_EVEN)
    x = np.random.default_rng(6).integers(-128, 128, (4, 7, 7, 5))
    got = run_pipeline(lower_layer(dw), x)
    real_x = np.pad(dw.input_quant.dequantize(x), ((0, 0), (1, 1), (1, 1), (0, 0)))
    real_w = dw.weights * dw.weight_quant.scale[:, None, None]
    real_b = dw.bias * dw.weight_quant.scale * dw.input_quant.scale
    real = np.zeros(got.shape)
    for ky in range(3):
        for kx in range(3):
            real += real_x[:, ky:ky + 7, kx:kx + 7, :] * real_w[:, ky, kx]
    want = dw.output_quant.quantize(real + real_b)
    assert np.abs(got - want).max() <= 1
    assert np.mean(got == want) > 0.999


def test_choose_folding_folds_channels_only():
    dw = depthwise_layer(0, image=(8, 8, 6))
    graph = choose_folding(Graph("g", [dw]), max_macs=2)
    assert graph.layers[0].folding == Folding(pe=2, simd=1)   # 64 px * 9 taps * 6 ch / 2
    graph = choose_folding(Graph("g", [dw]), requests={"dw": (3, None)})
    assert graph.layers[0].folding == Folding(pe=3, simd=1)
    with pytest.raises(IRError, match="SIMD=9: the depthwise unit takes one kernel tap"):
        choose_folding(Graph("g", [dw]), requests={"dw": (None, 9)})
