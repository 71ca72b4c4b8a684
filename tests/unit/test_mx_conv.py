"""MxConv: validation, lowering, folding and the golden model against the float convolution
of the decoded MX weights."""

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.errors import IRError
from hwgen.golden import run_pipeline
from hwgen.golden.mx_mvau import mx_accumulators
from hwgen.golden.window import sliding_window
from hwgen.ir import Folding, Graph, IntType, MxQuant, TensorQuant
from hwgen.ir.blocks.mx_mvau import MxMvauParams
from hwgen.ir.blocks.sliding_window import SlidingWindowParams
from hwgen.ir.layers.mx_conv import MxConv
from hwgen.ir.lowering import lower_layer
from hwgen.passes import choose_folding
from hwgen.quant.mx import mx_format, mx_quantize
from tests.fixtures.mx_cnn_factory import mx_conv_layer

I8 = IntType(8, True)
Q = TensorQuant(I8, 0.02, 3)


def conv_kwargs(**changes):
    rng = np.random.default_rng(0)
    kwargs = dict(name="c1", weights=mx_quantize(rng.normal(size=(4, 18)), "mxfp4", 6),
                  kernel=3, bias=np.zeros(4), input_quant=Q, output_quant=Q,
                  input_shape=(5, 5, 2), pads=(1, 1, 1, 1))
    kwargs.update(changes)
    return kwargs


def test_shapes_and_lowering():
    layer = MxConv(**conv_kwargs(stride=2, folding=Folding(pe=2, simd=6)))
    assert layer.output_shape == (3, 3, 4)
    assert (layer.out_features, layer.in_features) == (4, 18)
    window, mvau = lower_layer(layer)
    assert isinstance(window, SlidingWindowParams) and isinstance(mvau, MxMvauParams)
    assert mvau.spatial == (3, 3) and mvau.vectors == 9 and (mvau.mh, mvau.mw) == (4, 18)
    assert window.pad_value == 3 and window.lanes == 6          # a kernel row = SIMD
    assert mvau.macs == 9 * 4 * 18
    assert mvau.describe()["bits_per_weight"] == pytest.approx(4 + 8 / 6)


@pytest.mark.parametrize("changes,message", [
    (dict(weights=mx_quantize(np.ones((4, 18)), "mxfp4", 4)),
     "block_size = 4 does not divide its 3x3x2 = 18 weights per output channel; use one of "
     "1, 2, 3, 6, 9, 18"),
    (dict(weights=mx_quantize(np.ones((4, 18)), "mx6", 4)),
     "use one of 2, 6, 18"),
    (dict(input_quant=MxQuant("mxfp8_e4m3", 6)),
     "MX activations (mxfp8_e4m3) cannot enter a convolution"),
    (dict(output_quant=MxQuant("mxfp4", 4)), "an MX convolution outputs int activations"),
    (dict(weights=np.ones((4, 18), dtype=np.int64)), "int weights go to QuantConv"),
    (dict(kernel=2), "MX conv weights must be the im2col matrix (out, 2*2*2 = 8)"),
    (dict(pads=(3, 0, 0, 0)), "pads must be (top, left, bottom, right)"),
    (dict(folding=Folding(pe=2, simd=9)), "SIMD=9 neither divides nor is a multiple"),
])
def test_bad_layers_name_the_layer_and_the_fix(changes, message):
    with pytest.raises(IRError, match="layer 'c1'") as info:
        MxConv(**conv_kwargs(**changes))
    assert message in str(info.value)


def test_quantize_rejects_a_block_that_does_not_divide_the_kernel_vector():
    with pytest.raises(IRError, match=r"layer 'c': block_size = 32 does not divide its 3x3x1 = "
                                      r"9 weights per output channel; use one of 1, 3, 9"):
        MxConv.quantize(name="c", weights=np.ones((2, 3, 3, 1)), fmt="mxfp4", block_size=32,
                        bias=np.zeros(2), input_quant=Q, output_quant=Q, input_shape=(4, 4, 1))


def test_choose_folding_respects_blocks():
    layer = MxConv(**conv_kwargs())
    folded = choose_folding(Graph("g", [layer]), max_macs=8).layers[0]
    assert layer.allows_folding(folded.folding.pe, folded.folding.simd)
    assert folded.folding.simd in (1, 2, 3, 6, 12, 18)         # divides or spans blocks of 6
    assert not layer.allows_folding(1, 9)


def im2col_reference(x, k, stride, pads, pad_value):
    """Patches in (ky, kx, c) order by explicit loops (independent of hwgen's window)."""
    n, h, w, c = x.shape
    top, left, bottom, right = pads
    oh, ow = (h + top + bottom - k) // stride + 1, (w + left + right - k) // stride + 1
    out = np.empty((n, oh, ow, k * k * c), dtype=np.int64)
    for oy in range(oh):
        for ox in range(ow):
            patch = []
            for ky in range(k):
                for kx in range(k):
                    iy, ix = oy * stride - top + ky, ox * stride - left + kx
                    inside = 0 <= iy < h and 0 <= ix < w
                    patch.append(x[:, iy, ix] if inside else np.full((n, c), pad_value))
            out[:, oy, ox] = np.concatenate(patch, axis=1)
    return out


@pytest.mark.parametrize("fmt,block,k,stride,pads,c", [
    ("mxfp4", 6, 3, 1, (1, 1, 1, 1), 2),
    ("mxfp8_e4m3", 9, 3, 2, (1, 0, 1, 1), 3),
    ("mxfp8_e5m2", 4, 1, 1, (0, 0, 0, 0), 4),
    ("mxfp6_e2m3", 27, 3, 2, (0, 0, 0, 0), 3),
    ("mxfp6_e3m2", 12, 3, 1, (1, 1, 1, 1), 4),
    ("mxint8", 5, 1, 2, (0, 0, 0, 0), 5),
    ("mx9", 12, 3, 1, (0, 1, 0, 1), 4),
    ("mx6", 6, 3, 1, (1, 1, 1, 1), 2),
    ("mx4", 2, 1, 1, (0, 0, 0, 0), 6),
])
def test_golden_equals_float_conv_of_decoded_weights(fmt, block, k, stride, pads, c):
    """The accumulator equals sum_j w_j (x_j - Z) of the decoded MX weights (exact in float64:
    every product is a multiple of the row's smallest weight unit 2**(base + Elo - 127) and
    every partial sum is below 2**53 of those units, checked via acc_bits), and the outputs
    are that accumulator requantized by the layer's single-rounding rule."""
    rng = np.random.default_rng(block * 7 + k)
    layer = mx_conv_layer(rng, h=7, w=6, c=c, k=k, stride=stride, pads=pads, out=5, fmt=fmt,
                          block=block, zero_bias=True, relu=False)
    design = compile_graph(Graph("g", [layer]))
    window, mvau = design.blocks
    assert mvau.acc_bits <= 53
    zp = layer.input_quant.zero_point
    x = rng.integers(-128, 128, (3, 7, 6, c))
    patches = im2col_reference(x, k, stride, pads, zp)
    np.testing.assert_array_equal(sliding_window(x, window).reshape(patches.shape), patches)
    decoded = layer.decoded_weights().reshape(5, -1)
    assert np.all(np.isfinite(decoded))
    ref = (patches - zp).astype(np.float64) @ decoded.T            # exact, see docstring
    acc, nan = mx_accumulators(patches.reshape(-1, mvau.mw), mvau)
    assert not nan.any()
    unit = np.ldexp(1.0, mx_format(fmt).element.base + mvau.weight_exp_lo - 127)
    np.testing.assert_array_equal(acc.astype(np.float64) * unit, ref.reshape(-1, 5))
    # Outputs: the accumulator requantized (single rounding) and saturated.
    acc_ref = (ref.reshape(-1, 5) / unit).astype(np.int64).astype(object)   # Python ints:
    qm, t = mvau.multiplier.astype(object), mvau.shift.astype(object)      # no int64 wrap
    y = layer.output_quant.zero_point + ((acc_ref * qm + (1 << (t - 1))) >> t)
    y = np.clip(y, -128, 127).astype(np.int64).reshape((3,) + layer.output_shape)
    np.testing.assert_array_equal(run_pipeline(design.blocks, x), y)


def test_golden_equals_float_conv_within_half_an_output_step():
    # With bias and a fine output scale, outputs are the real convolution rounded.
    rng = np.random.default_rng(4)
    layer = mx_conv_layer(rng, h=6, w=6, c=3, k=3, stride=1, pads=(1, 1, 1, 1), out=4,
                          fmt="mxfp8_e4m3", block=9, relu=False)
    layer = layer.replace(output_quant=TensorQuant(I8, 0.5, 0))
    design = compile_graph(Graph("g", [layer]))
    x = rng.integers(-128, 128, (2, 6, 6, 3))
    q_in = layer.input_quant
    patches = im2col_reference(x, 3, 1, (1, 1, 1, 1), q_in.zero_point)
    real = q_in.scale * (patches - q_in.zero_point) @ layer.decoded_weights().reshape(4, -1).T \
        + layer.bias
    got = run_pipeline(design.blocks, x)
    assert np.abs(got * 0.5 - np.clip(real, -64, 63.5)).max() <= 0.25 + 1e-9
