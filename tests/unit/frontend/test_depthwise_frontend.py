"""Depthwise Conv (group = C_in = C_out) in float ONNX models: read against onnxruntime,
quantized within the worst-case error bound, other groupings rejected by name."""

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.frontend import check_onnx, read_onnx
from hwgen.frontend.float.depthwise import FloatDepthwiseConv
from hwgen.ir.layers.depthwise import QuantDepthwiseConv
from tests.fixtures.cnn_bound import check_within_bound
from tests.fixtures.cnn_builders import Chain, separable_cnn
from tests.fixtures.reader_checks import assert_matches_onnxruntime, images


@pytest.mark.parametrize("k,stride,pads", [(1, 1, [0, 0, 0, 0]), (3, 1, [1, 1, 1, 1]),
                                           (3, 2, [0, 1, 2, 0]), (5, 2, [2, 2, 2, 2])])
def test_depthwise_conv_matches_onnxruntime(k, stride, pads):
    proto = Chain((5, 9, 7), seed=k).dwconv("dw", 5, k, strides=[stride, stride],
                                              pads=pads).build()
    layers = read_onnx(proto)
    assert isinstance(layers[0], FloatDepthwiseConv) and layers[0].weights.shape == (5, k, k, 1)
    assert_matches_onnxruntime(proto, images((5, 9, 7)))


def test_separable_cnn_with_batch_norm_matches_onnxruntime():
    proto = separable_cnn(1, bn=True)
    layers = read_onnx(proto)
    assert [type(layer).__name__ for layer in layers] == [
        "FloatConv", "FloatDepthwiseConv", "FloatConv", "FloatDepthwiseConv", "FloatPool",
        "FloatDense"]
    assert_matches_onnxruntime(proto, images((2, 8, 8)))


@pytest.mark.parametrize("seed", range(2))
def test_separable_cnn_golden_is_within_the_worst_case_error(seed):
    proto = separable_cnn(seed, image=(3, 8, 6))
    x = np.random.default_rng(seed + 20).uniform(0, 1, (64, 3, 8, 6))
    graph, golden, ref, _ = check_within_bound(
        proto, x, config={"layer": {"dw2": {"granularity": "tensor"}}})
    dw1, dw2 = graph.layer("dw1"), graph.layer("dw2")
    assert isinstance(dw1, QuantDepthwiseConv)
    design = compile_graph(graph, {"layer": {"dw1": {"pe": 3}}}, max_macs=16)
    unit = next(b for b in design.blocks if b.name == "dw1")
    assert unit.pe == 3 and unit.input_format.lanes == 3
    assert dw1.weight_quant.granularity == "channel"
    assert dw2.weight_quant.granularity == "tensor" and dw2.stride == 2
    # One weight scale per channel over its own 9 taps: the largest code is 127 per channel.
    assert np.all(np.abs(dw1.weights).reshape(6, -1).max(axis=1) == 127)
    assert np.abs(golden - ref).max() <= 5 * graph.output_quant.scale


def test_other_groupings_are_rejected_by_name():
    chain = Chain((4, 6, 6), seed=2)
    # group 2 of 4 channels (grouped), and group = C_in with 2 kernels per channel
    # (depth multiplier 2)
    chain.conv("grouped", 2, 4, 3, group=2, pads=[1, 1, 1, 1])
    w = chain.const("mult2.W", chain.rng.normal(0, 1, (8, 1, 3, 3)))
    chain.op("Conv", "mult2", w, group=4)
    problems = {p.node: p.message for p in check_onnx(chain.build())}
    for name, group in (("grouped", 2), ("mult2", 4)):
        assert problems[name] == (
            f"group={group} is not supported: hwgen reads group=1 and depthwise convolutions "
            "(group = input channels = output channels, weights (C, 1, k, k): depth "
            "multiplier 1); split other grouped convolutions into one Conv per group")


def test_float_depthwise_layer_errors():
    from hwgen.errors import ModelError
    with pytest.raises(ModelError, match=r"3 depthwise kernels for an input of 4 channels"):
        FloatDepthwiseConv(name="dw", weights=np.zeros((3, 3, 3, 1)), bias=np.zeros(3),
                           input_shape=(5, 5, 4))
    with pytest.raises(ModelError, match=r"depthwise weights must be \(channels, k, k, 1\)"):
        FloatDepthwiseConv(name="dw", weights=np.zeros((3, 3, 3, 2)), bias=np.zeros(3),
                           input_shape=(5, 5, 3))


@pytest.mark.parametrize("weights,extra", [("binary", {}), ("mxfp4", {"block_size": 9})])
def test_binary_or_mx_weights_on_a_depthwise_layer_are_an_error(weights, extra):
    from hwgen.errors import ConfigError
    from hwgen.frontend import load_onnx
    calib = np.random.default_rng(0).uniform(0, 1, (20, 2, 8, 8))
    with pytest.raises(ConfigError, match=rf"\[layer.dw1\]: weights = '{weights}': a depthwise "
                                          r"convolution takes integer weights"):
        load_onnx(separable_cnn(3), calib, config={"layer": {"dw1": {"weights": weights, **extra}}})


def test_config_simd_other_than_one_is_an_error_naming_the_layer():
    from hwgen.compiler import compile_onnx
    from hwgen.errors import HwgenError
    proto = separable_cnn(3)
    calib = np.random.default_rng(0).uniform(0, 1, (20, 2, 8, 8))
    for table in ({"pe": 2, "simd": 3}, {"simd": 3}):
        with pytest.raises(HwgenError, match=r"layer 'dw1': SIMD=3: the depthwise unit takes "
                                             r"one kernel tap per cycle; use simd = 1"):
            compile_onnx(proto, calib, {"layer": {"dw1": table}})
