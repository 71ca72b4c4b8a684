"""Float CNN + config: ``weights = "binary"`` / ``"ternary"`` on a Conv makes a BinaryConv
(BWN / sign, TWN / TTQ, integer activations around it, zero-point padding); the compiled
golden model follows the float model with those weights in place."""

import numpy as np
import pytest

from hwgen.compiler import compile_onnx
from hwgen.errors import ConfigError
from hwgen.frontend import load_onnx, read_onnx
from hwgen.frontend.config import load_config
from hwgen.frontend.float.binary_conv_ptq import binary_network_indices, with_binary_network_weights
from hwgen.frontend.float.network import float_forward
from hwgen.golden import run_pipeline
from hwgen.ir import QuantDense
from hwgen.ir.layers.binary_conv import BinaryConv
from hwgen.ir.layers.binary_dense import BinaryDense
from hwgen.ir.layers.conv import QuantPool
from tests.fixtures.cnn_builders import digits_like_cnn

MIXED = {"layer": {"conv1": {"weights": "binary"},
                   "conv2": {"weights": "ternary", "ternarize": "ttq"}}}
CONFIGS = {
    "bwn-ttq": (MIXED, [BinaryConv, QuantPool, BinaryConv, QuantDense],
                ["bwn_mvau", "ternary_mvau", "int_mvau"]),
    "twn-all": ({"default": {"weights": "ternary"}}, [BinaryConv, QuantPool, BinaryConv,
                                                      BinaryDense],
                ["ternary_mvau", "ternary_mvau", "ternary_mvau"]),
    "sign-tensor": ({"default": {"weights": "binary", "binarize": "sign",
                                 "granularity": "tensor"}},
                    [BinaryConv, QuantPool, BinaryConv, BinaryDense],
                    ["bwn_mvau", "bwn_mvau", "bwn_mvau"]),
}


@pytest.fixture(scope="module")
def cnn():
    proto = digits_like_cnn(seed=7, image=(3, 6, 6), channels=(4, 6), classes=5)
    calib = np.random.default_rng(8).uniform(0, 1, (200, 3, 6, 6)).astype(np.float32)
    return proto, calib


def test_conv_weights_are_bwn_codes_and_scales(cnn):
    proto, calib = cnn
    graph = load_onnx(proto, calib, config=MIXED)
    conv1 = graph.layers[0]
    # (out, k, k, in)
    w = next(layer for layer in read_onnx(proto) if layer.name == "conv1").weights
    np.testing.assert_array_equal(conv1.weights, np.where(w >= 0, 1, -1))
    np.testing.assert_allclose(conv1.weight_scale, np.abs(w).reshape(4, -1).mean(axis=1))
    assert conv1.pads == (1, 1, 1, 1) and conv1.kernel == 3
    assert conv1.input_quant.dtype.name == "int8"                        # int8 pixels
    conv2 = graph.layers[2]
    assert conv2.weight_format.value == "ternary" and (conv2.weights == 0).any()
    assert (conv2.level_pos != conv2.level_neg).any()                    # TTQ's two scales


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_golden_follows_the_float_model_with_binary_weights(cnn, case):
    proto, calib = cnn
    config, layer_kinds, mvau_kinds = CONFIGS[case]
    assert [type(layer) for layer in load_onnx(proto, calib, config=config).layers] == layer_kinds
    design = compile_onnx(proto, calib, config)
    assert [b.kind for b in design.blocks if b.kind.endswith("mvau")] == mvau_kinds
    x = calib[:50]
    got = design.output_quant.dequantize(
        run_pipeline(design.blocks, design.input_codes(x), edges=design.edges))
    layers = read_onnx(proto)
    cfg = load_config(config)
    options = [cfg.layer(layer.name) for layer in layers]
    floats = with_binary_network_weights(layers, options,
                                         binary_network_indices(layers, options))
    want = float_forward(floats, x.transpose(0, 2, 3, 1))
    step = design.output_quant.scale
    assert np.abs(want).max() > 50 * step                     # the outputs use the range
    assert np.abs(got - want).max() <= 3 * step               # activation rounding only


def test_binary_conv_config_errors(cnn):
    proto, calib = cnn
    with pytest.raises(ConfigError, match="layer 'conv1': ternarize = 'ttq' applies to ternary "
                                          "weights; this layer's weights are 'binary'"):
        load_onnx(proto, calib, config={"layer": {"conv1": {"weights": "binary",
                                                            "ternarize": "ttq"}}})
    with pytest.raises(ConfigError, match="layer 'conv2': granularity = 'group:4'.*takes "
                                          "'tensor' or 'channel'"):
        load_onnx(proto, calib, config={"layer": {"conv2": {"weights": "binary",
                                                            "granularity": "group:4"}}})
