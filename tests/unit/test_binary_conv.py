"""BinaryConv: validation, lowering, threshold folding, and the golden model against an
independent float reference (im2col of bipolar / ternary values)."""

import itertools

import numpy as np
import pytest

from hwgen.errors import IRError
from hwgen.golden import run_pipeline
from hwgen.golden.xnor import binary_mvau
from hwgen.ir import Folding, Graph
from hwgen.ir.binary import ThresholdActivation
from hwgen.ir.blocks.binary_mvau import BinaryWeightMvauParams, TernaryMvauParams, XnorMvauParams
from hwgen.ir.blocks.sliding_window import SlidingWindowParams
from hwgen.ir.layers.float_activation import BatchNorm, FloatActivation, SignQuantizer
from hwgen.ir.lowering import lower_graph, lower_layer
from hwgen.passes import choose_folding
from hwgen.passes.threshold_folding import fold_thresholds
from tests.fixtures.binary_conv_factory import (
    KINDS,
    random_binary_conv,
    random_codes,
    reference_acc,
)

GRID = list(itertools.product(sorted(KINDS), (1, 3), (1, 2), (0, 1)))


def _threshold_reference(layer, acc):
    act = layer.activation
    t = act.thresholds[None, None, None]                              # (1, 1, 1, C, T)
    a = acc[..., None]
    hits = np.where(act.descending[:, None] == 1, a <= t, a >= t)
    return act.out_offset + hits.sum(axis=-1)


@pytest.mark.parametrize("kind,kernel,stride,pad", GRID)
def test_golden_equals_float_reference(kind, kernel, stride, pad):
    rng = np.random.default_rng(sum(map(ord, kind)) + 10 * kernel + 100 * stride + pad)
    layer = random_binary_conv(rng, kind, image=(7, 6, 3), out_channels=5, kernel=kernel,
                               stride=stride, pads=pad if kernel > 1 else 0,
                               out_bits=2 if kernel == 3 else 1, levels=kind == "ternary",
                               folding=Folding(pe=5, simd=3))
    x = random_codes(rng, layer, 6)
    blocks = lower_layer(layer, 3)
    got = run_pipeline(blocks, x)
    want = _threshold_reference(layer, reference_acc(layer, x))
    assert got.shape == (6,) + layer.output_shape
    assert len(np.unique(want)) > 1
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", ["bwn", "ternary"])
def test_requant_golden_is_the_dense_layer_per_pixel(kind):
    rng = np.random.default_rng(5)
    layer = random_binary_conv(rng, kind, image=(5, 5, 2), out_channels=4, kernel=3, pads=1,
                               activation="requant", folding=Folding(pe=2, simd=6))
    x = random_codes(rng, layer, 3)
    got = run_pipeline(lower_layer(layer, 2), x)
    # im2col written here (pad with the zero point), then the dense layer's block
    z = layer.input_quant.zero_point
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=z)
    patches = np.stack([padded[:, y:y + 3, xx:xx + 3, :].reshape(3, -1)
                        for y in range(5) for xx in range(5)], axis=1)
    dense = lower_layer(layer.as_dense(), 1)[0]
    want = binary_mvau(patches, dense).reshape(3, 5, 5, 4)
    assert len(np.unique(want)) > 10
    np.testing.assert_array_equal(got, want)


def test_lowering_picks_the_datapath_and_the_pad_code():
    rng = np.random.default_rng(0)
    expected = {"xnor": (XnorMvauParams, 0), "bwn": (BinaryWeightMvauParams, None),
                "ternary": (TernaryMvauParams, None),
                "ternary-bipolar": (TernaryMvauParams, 0)}
    for kind, (cls, pad) in expected.items():
        layer = random_binary_conv(rng, kind, image=(5, 5, 4), out_channels=6, kernel=3,
                                   pads=1, folding=Folding(pe=3, simd=6))
        window, mvau = lower_layer(layer, 1)
        assert isinstance(window, SlidingWindowParams) and isinstance(mvau, cls)
        want_pad = layer.input_quant.zero_point if pad is None else pad
        assert window.pad_value == want_pad
        # SIMD 6 over 4 channels: the window sends whole kernel rows (3 taps x 4 channels),
        # split into SIMD-wide beats by a width converter.
        assert window.lanes == 12 and window.taps_per_beat == 3
        assert window.element == layer.input_quant.dtype
        assert mvau.spatial == (5, 5) and mvau.mw == 36 and mvau.mh == 6


def test_validation_messages():
    rng = np.random.default_rng(1)
    layer = random_binary_conv(rng, "xnor", image=(4, 4, 2), out_channels=3, kernel=3)
    with pytest.raises(IRError, match=r"layer 'conv': pads must be .* in \[0, 2\]"):
        layer.replace(pads=(3, 0, 0, 0))
    with pytest.raises(IRError, match="weights take 2 input channels but the input has 5"):
        layer.replace(input_shape=(4, 4, 5))
    with pytest.raises(IRError, match="square kernel"):
        layer.replace(weights=np.ones((3, 3, 2, 2), np.int64))
    with pytest.raises(IRError, match=r"bipolar weights must be codes in \{-1, 1\}"):
        layer.replace(weights=np.zeros((3, 3, 3, 2), np.int64))
    with pytest.raises(IRError, match="a 3x3 window does not fit the padded 2x2 input"):
        layer.replace(stride=1, input_shape=(2, 2, 2))
    with pytest.raises(IRError, match="run hwgen.passes.choose_folding first"):
        lower_layer(layer, 1)
    with pytest.raises(IRError, match="PE=2 does not divide the 3 output channels"):
        layer.replace(folding=Folding(pe=2, simd=1))


def test_float_activation_folds_and_folding_is_chosen():
    """Batch norm + sign on a bipolar conv: fold_thresholds equals the float activation on
    every output, choose_folding folds the layer, lowering chains window and MVAU."""
    rng = np.random.default_rng(3)
    base = random_binary_conv(rng, "xnor", image=(6, 6, 4), out_channels=8, kernel=3, pads=1)
    bn = BatchNorm(rng.uniform(-1.5, 1.5, 8), rng.normal(0, 1, 8), rng.normal(0, 3, 8),
                   rng.uniform(0.5, 2, 8))
    act = FloatActivation(acc_scale=np.full(8, 0.5), acc_bias=np.zeros(8),
                          quantizer=SignQuantizer(), batch_norm=bn)
    layer = base.replace(activation=act)
    graph = choose_folding(fold_thresholds(Graph(name="g", layers=(layer,))), max_macs=16)
    folded = graph.layers[0]
    assert isinstance(folded.activation, ThresholdActivation)
    assert folded.folding is not None
    blocks, _ = lower_graph(graph)
    x = random_codes(rng, layer, 4)
    got = run_pipeline(blocks, x)
    acc = reference_acc(layer, x)
    want = act.evaluate(acc)
    assert len(np.unique(want)) == 2
    np.testing.assert_array_equal(got, want)
