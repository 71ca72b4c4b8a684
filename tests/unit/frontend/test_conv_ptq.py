"""PTQ of float CNNs: the golden model stays within the worst-case quantization error of the
float model, pools keep or requantize their quantization, config and calibration rules."""

import numpy as np
import pytest

from hwgen.errors import ConfigError, QuantizationError
from hwgen.frontend import (
    FloatConv,
    FloatDense,
    FloatPool,
    float_forward,
    load_onnx,
    quantize_layers,
    quantize_network,
    read_onnx,
)
from hwgen.ir import RequantRounding
from hwgen.ir.layers.conv import QuantConv, QuantPool
from tests.fixtures.cnn_bound import check_within_bound, stream
from tests.fixtures.cnn_builders import Chain, digits_like_cnn


@pytest.mark.parametrize("seed", range(3))
def test_cnn_golden_is_within_the_worst_case_error_of_the_float_model(seed):
    """Three input channels, so a wrong NCHW / NHWC order or flatten permutation breaks it."""
    proto = digits_like_cnn(seed=seed, image=(3, 8, 6), channels=(5, 6), classes=4)
    x = np.random.default_rng(seed + 10).uniform(0, 1, (64, 3, 8, 6))
    graph, golden, ref, bound = check_within_bound(proto, x)
    assert [type(layer).__name__ for layer in graph.layers] == ["QuantConv", "QuantPool",
                                                                "QuantConv", "QuantDense"]
    # The worst case adds up every rounding with the same sign; in practice int8 stays within
    # a few output LSB (measured: at most 3 over these seeds), about 1 % of the output range.
    assert np.abs(golden - ref).max() <= 5 * graph.output_quant.scale
    assert np.mean(golden.argmax(1) == ref.argmax(1)) >= 0.9


def test_pools_batch_norm_and_clip_stay_within_the_bound():
    proto = (Chain((2, 9, 9), seed=5).conv("c1", 2, 4, 3, pads=[1, 1, 1, 1]).bn("bn", 4)
             .clip("relu6", 0.0, 6.0).maxpool("mp", 3, strides=[2, 2], pads=[1, 1, 1, 1])
             .conv("c2", 4, 6, 3, strides=[2, 2], pads=[0, 1, 1, 0]).relu("r2")
             .avgpool("ap", 2, count_include_pad=1, pads=[1, 1, 0, 0]).gap("gap")
             .flatten("f").gemm("fc", 6, 3).build())
    x = np.random.default_rng(6).normal(0.5, 1, (50, 2, 9, 9))
    graph, *_ = check_within_bound(proto, x, config={"layer": {"c2": {"weights": "int6"}}})
    assert graph.layer("c2").weight_quant.dtype.bits == 6


def test_max_pool_shares_its_input_quantization_and_avg_pool_requantizes():
    proto = (Chain((1, 8, 8), seed=7).conv("c", 1, 3, 3, pads=[1, 1, 1, 1]).relu("r")
             .maxpool("mp", 2, strides=[2, 2]).maxpool("mp2", 2, strides=[2, 2])
             .avgpool("ap", 2).flatten("f").gemm("fc", 3, 2).build())
    x = np.random.default_rng(8).uniform(0, 1, (40, 1, 8, 8))
    config = {"layer": {"ap": {"activations": "uint8"}, "fc": {"activations": "int8"}}}
    graph = load_onnx(proto, x, config=config)
    c, mp, mp2, ap, fc = graph.layers
    # the tensors around both max pools share one quantization: the avg pool's input format
    assert c.output_quant == mp.input_quant == mp.output_quant == mp2.output_quant
    assert c.output_quant.dtype.name == "uint8"
    # calibrated on the conv's ReLU output (>= 0): zero point at the bottom of the range
    assert c.output_quant.zero_point == 0
    values = float_forward(read_onnx(proto)[:1], stream(x, read_onnx(proto)))
    assert c.output_quant.scale == pytest.approx(values.max() / 255, rel=1e-12)
    assert ap.output_quant.dtype.name == "int8" and ap.rounding is RequantRounding.SINGLE
    graph = load_onnx(proto, x, config={"layer": {"ap": {"requant": "gemmlowp"}}})
    assert graph.layer("ap").rounding is RequantRounding.GEMMLOWP


def test_pool_tables_take_only_what_a_pool_uses():
    proto = (Chain((1, 4, 4), seed=9).conv("c", 1, 2, 1).maxpool("mp", 2)
             .avgpool("ap", 2).flatten("f").gemm("fc", 8, 2).build())
    x = np.random.default_rng(10).uniform(0, 1, (10, 1, 4, 4))
    with pytest.raises(ConfigError) as info:
        load_onnx(proto, x, config={"layer": {"mp": {"activations": "uint8"},
                                              "ap": {"weights": "int4", "pe": 2}}})
    text = str(info.value)
    assert "2 config problems" in text
    assert "[layer.mp]: activations cannot be set for pool 'mp' (a max pool keeps" in text
    assert "[layer.ap]: pe, weights cannot be set for pool 'ap'" in text


def test_calibration_is_taken_in_the_model_layout():
    proto = digits_like_cnn(seed=11, image=(3, 4, 4), classes=2)
    x = np.random.default_rng(12).uniform(0, 1, (30, 3, 4, 4))
    a = load_onnx(proto, x)
    b = load_onnx(proto, x.reshape(30, -1))           # flattened in NCHW order: the same
    assert [layer.input_quant for layer in a.layers] == [layer.input_quant for layer in b.layers]
    with pytest.raises(QuantizationError, match=r"calibration samples have shape \(4, 4, 3\); "
                                                r"the model takes \(3, 4, 4\)"):
        load_onnx(proto, x.transpose(0, 2, 3, 1))
    with pytest.raises(QuantizationError, match="calibration data is required"):
        load_onnx(proto, None)


def test_a_dense_chain_through_quantize_network_equals_quantize_layers():
    rng = np.random.default_rng(13)
    layers = [FloatDense("a", rng.normal(size=(6, 5)), rng.normal(size=6), relu=True),
              FloatDense("b", rng.normal(size=(3, 6)), rng.normal(size=3))]
    x = rng.normal(size=(50, 5))
    config = {"default": {"granularity": "tensor"}, "layer": {"b": {"activations": "uint8"}}}
    for p, q in zip(quantize_network(layers, x, config).layers,
                    quantize_layers(layers, x, config).layers, strict=True):
        np.testing.assert_array_equal(p.weights, q.weights)
        np.testing.assert_array_equal(p.bias, q.bias)
        assert p.input_quant == q.input_quant and p.output_quant == q.output_quant


def test_conv_layers_get_folding_and_bias_from_the_config_and_bias_overflow_is_named():
    rng = np.random.default_rng(14)
    conv = FloatConv("c", rng.normal(size=(4, 3, 3, 2)), np.zeros(4), (5, 5, 2))
    pool = FloatPool("p", "global_avg", (3, 3, 4))
    x = rng.normal(size=(20, 2, 5, 5))
    graph = quantize_network([conv, pool], x, {"layer": {"c": {"pe": 2, "simd": 6}}})
    q = graph.layer("c")
    assert isinstance(q, QuantConv) and (q.folding.pe, q.folding.simd) == (2, 6)
    assert isinstance(graph.layer("p"), QuantPool)
    with pytest.raises(ConfigError, match=r"layer 'c': simd = 7 does not divide its 18 inputs"):
        quantize_network([conv, pool], x, {"layer": {"c": {"simd": 7}}})
    tiny = FloatConv("c", 1e-9 * np.ones((1, 1, 1, 2)), [1e6], (5, 5, 2))
    with pytest.raises(QuantizationError, match=r"layer 'c': bias\[0\] = 1e\+06 .* beyond int32"):
        quantize_network([tiny], x)
