"""Binary and ternary layers from the frontends: config (float models) and QONNX models, whose
reference execution by qonnx equals hwgen's golden model."""

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.errors import ConfigError, ModelError, QuantizationError
from hwgen.frontend import check_onnx, load_config, load_onnx, quantize_mlp
from hwgen.golden import run_pipeline
from hwgen.ir.binary import BipolarQuant, RequantActivation, ThresholdActivation
from hwgen.ir.layers.binary_dense import BinaryDense
from tests.fixtures.qonnx_builders import qonnx_mlp, run_qonnx

LECTURE_W = np.array([[2.09, -0.98, 1.48, 0.09], [0.05, -0.14, -1.08, 2.12],
                      [-0.91, 1.92, 0.0, -1.03], [1.87, 0.0, 1.53, 1.49]])
LECTURE_SIGN = [[1, -1, 1, 1], [1, -1, -1, 1], [-1, 1, 1, -1], [1, 1, 1, 1]]
LECTURE_TERNARY = [[1, -1, 1, 0], [0, 0, -1, 1], [-1, 1, 0, -1], [1, 0, 1, 1]]


def lecture_layer(config):
    rng = np.random.default_rng(0)
    graph = quantize_mlp(weights=[LECTURE_W], calibration=rng.normal(0, 1, (64, 4)),
                         config={"default": {"granularity": "tensor", **config}})
    (layer,) = graph.layers
    return layer


def test_lecture_bwn_through_the_config():
    layer = lecture_layer({"weights": "binary"})
    assert isinstance(layer, BinaryDense) and layer.weights.tolist() == LECTURE_SIGN
    # alpha = ||W||_1 / 16 = 16.78 / 16 = 1.05
    assert layer.weight_scale[0] == pytest.approx(16.78 / 16, rel=1e-12)
    assert np.all(layer.weight_scale == layer.weight_scale[0])


def test_lecture_twn_through_the_config():
    layer = lecture_layer({"weights": "ternary"})
    assert layer.weights.tolist() == LECTURE_TERNARY
    assert np.count_nonzero(layer.weights) == 11
    # r_t = 16.5 / 11 = 1.5, the mean |W| above Delta = 0.7 * 16.78 / 16 = 0.73
    assert layer.weight_scale[0] == pytest.approx(1.5, rel=1e-12)


def test_ttq_levels_and_per_channel_bwn():
    rng = np.random.default_rng(1)
    w = rng.normal(0, 1, (6, 10)) + np.array([0.5, -0.5, 0, 0, 1, -1])[:, None]
    graph = quantize_mlp(weights=[w], calibration=rng.normal(0, 1, (64, 10)),
                         config={"default": {"weights": "ternary", "ternarize": "ttq"}})
    layer = graph.layers[0]
    # TTQ: Delta = 0.05 max |W| per channel, w_p the mean of the weights above it
    above = [w[i][w[i] > 0.05 * np.abs(w[i]).max()] for i in range(6)]
    rows = [i for i in range(6) if above[i].size]
    w_p = np.array([above[i].mean() for i in rows])
    got = (layer.level_pos * layer.weight_scale)[rows]
    assert np.all(np.abs(got - w_p) <= layer.weight_scale[rows] / 2 + 1e-12)
    assert layer.level_pos.max() == 127 or layer.level_neg.max() == 127
    per_channel = quantize_mlp(weights=[w], calibration=rng.normal(0, 1, (64, 10)),
                               config={"default": {"weights": "binary"}}).layers[0]
    np.testing.assert_allclose(per_channel.weight_scale, np.abs(w).mean(axis=1), rtol=1e-12)


def test_binary_layer_accumulator_is_the_float_binarized_layer():
    # real(acc) = weight_scale * S_x * (sum c (q - Z) + q_b): the float layer with alpha sign(W)
    # on the dequantized inputs, up to the bias rounding (half a unit).
    rng = np.random.default_rng(2)
    w, b = rng.normal(0, 1, (8, 12)), rng.normal(0, 0.5, 8)
    x = rng.normal(0, 1, (100, 12))
    layer = quantize_mlp(weights=[w], biases=[b], calibration=x,
                         config={"default": {"weights": "binary"}}).layers[0]
    q = layer.input_quant.quantize(x)
    unit = layer.weight_scale * layer.input_quant.scale
    real = ((q - layer.input_quant.zero_point) @ layer.coefficients.T + layer.bias) * unit
    alpha = np.abs(w).mean(axis=1)
    float_binarized = layer.input_quant.dequantize(q) @ (alpha[:, None] * np.sign(w)).T + b
    assert np.all(np.abs(real - float_binarized) <= unit / 2 + 1e-9)


@pytest.mark.parametrize("config,message", [
    ({"default": {"weights": "quaternary"}},
     "weights = 'quaternary' is not a known format; valid: int2, int3, int4, int5, int6, int7, "
     "int8, mxfp4"),
    ({"default": {"binarize": "xnor"}}, "binarize = 'xnor' is not valid; valid: bwn, sign"),
    ({"default": {"ternarize": "tw"}}, "ternarize = 'tw' is not valid; valid: twn, ttq"),
])
def test_config_lists_valid_values(config, message):
    with pytest.raises(ConfigError) as info:
        load_config(config)
    assert message in str(info.value)
    assert "binary, ternary" in str(info.value) or "weights" not in str(config)


def test_binary_choices_checked_against_the_model_before_work():
    w = [np.ones((4, 6)), np.ones((2, 4))]
    x = np.random.default_rng(0).normal(0, 1, (10, 6))
    with pytest.raises(ConfigError) as info:
        quantize_mlp(weights=w, calibration=x, config={
            "default": {"weights": "binary"},
            "layer": {"dense0": {"ternarize": "ttq"},
                      "dense1": {"weights": "int8", "binarize": "sign"}}})
    assert str(info.value) == (
        "2 config problems:\n  - layer 'dense0': ternarize = 'ttq' applies to ternary weights; "
        "this layer's weights are 'binary'\n  - layer 'dense1': binarize = 'sign' applies to "
        "binary weights; this layer's weights are 'int8'")
    wide = [np.ones((32, 64)), np.ones((2, 32))]
    with pytest.raises(ConfigError, match="layer 'dense0': binary weights need integer "
                                          "activations around them, not 'mxfp8_e4m3'"):
        quantize_mlp(weights=wide, calibration=np.ones((4, 64)) * np.arange(64), config={
            "layer": {"dense0": {"weights": "binary"},
                      "dense1": {"activations": "mxfp8_e4m3"}}})


# -- QONNX -------------------------------------------------------------------------------

QONNX_CASES = {
    # BNN as Brevitas writes it: int8 pixels, binary weights with per-channel alpha, batch norm
    # (some gammas negative), bipolar activations, an 8-bit quantized output.
    "brevitas-bnn": ([16, 12, 10, 6], [
        dict(weights="bipolar", alpha="channel", bn=True, act="bipolar"),
        dict(weights="quant1", bn=True, act="bipolar"),
        dict(weights="bipolar", alpha="channel", act="quant8")]),
    # Ternary weights, 2-bit activations (signed narrow, unsigned after a ReLU), Gemm with bias,
    # negative per-channel Mul.
    "ternary-2bit": ([12, 10, 8, 4], [
        dict(weights="ternary", gemm=True, mul="negative", act="quant2s"),
        dict(weights="ternary", alpha="channel", bn=True, relu=True, act="quant2u"),
        dict(weights="bipolar", gemm=True, act="quant8")]),
    # FINN style: weights as codes, MultiThreshold activations.
    "finn-thresholds": ([16, 8, 8, 4], [
        dict(weights="codes", act="mt_bipolar"),
        dict(weights="codes", mul="channel", act="mt_uint2"),
        dict(weights="bipolar", act="quant8")]),
}


@pytest.mark.parametrize("case", sorted(QONNX_CASES))
def test_qonnx_reference_execution_equals_golden(case):
    pytest.importorskip("qonnx")
    sizes, layers = QONNX_CASES[case]
    rng = np.random.default_rng(sum(map(ord, case)))
    model = qonnx_mlp(rng, sizes, layers)
    x = rng.uniform(-0.5, 1.0, (64, sizes[0])).astype(np.float32)
    assert check_onnx(model) == []
    design = compile_graph(load_onnx(model, None))
    golden = run_pipeline(design.blocks, design.input_codes(x))
    reference = run_qonnx(model, x)
    np.testing.assert_array_equal(design.output_quant.dequantize(golden).astype(np.float32),
                                  reference)
    assert len(np.unique(reference)) > 4
    kinds = [b.kind for b in design.blocks]
    assert kinds[0] in ("bwn_mvau", "ternary_mvau") and "xnor_mvau" in kinds or \
        "ternary_mvau" in kinds


def test_qonnx_layers_and_their_quantizations():
    sizes, layers = QONNX_CASES["brevitas-bnn"]
    model = qonnx_mlp(np.random.default_rng(3), sizes, layers)
    graph = load_onnx(model, None)
    assert [layer.name for layer in graph.layers] == ["fc0", "fc1", "fc2"]
    assert all(isinstance(layer.activation, ThresholdActivation) for layer in graph.layers)
    assert graph.layers[0].output_quant == BipolarQuant(1.0)
    assert graph.layers[0].activation.descending.any()      # negative gammas flip
    assert graph.input_quant.dtype.name == "uint8" and graph.input_quant.scale == 1 / 16


def test_qonnx_unquantized_ends_are_calibrated():
    pytest.importorskip("qonnx")
    sizes = [16, 12, 6]
    rng = np.random.default_rng(4)
    model = qonnx_mlp(rng, sizes, [dict(weights="bipolar", bn=True, act="bipolar"),
                                   dict(weights="bipolar", alpha="channel", gemm=True,
                                        mul="channel", act=None)],
                      input_quant=None)
    x = rng.uniform(0, 1, (200, 16)).astype(np.float32)
    with pytest.raises(QuantizationError, match="is not quantized in the model; pass "
                                                "calibration data"):
        load_onnx(model, None)
    graph = load_onnx(model, x, config={"default": {"output": "int8", "requant": "single"}})
    assert isinstance(graph.layers[-1].activation, RequantActivation)
    assert graph.input_quant.dtype.name == "int8"
    design = compile_graph(graph)
    golden = design.output_quant.dequantize(run_pipeline(design.blocks, design.input_codes(x)))
    reference = run_qonnx(model, design.input_quant.dequantize(design.input_codes(x)))
    # The output is the float output requantized to int8 (single rounding: half a step) with
    # the bias kept to 2**-(acc_shift + 1) of a dot-product unit.
    last = graph.layers[-1]
    assert last.acc_shift == 8
    bound = design.output_quant.scale / 2 + (last.weight_scale.max() * 2.0 ** -9)
    assert np.abs(golden - reference).max() <= bound


def test_qonnx_problems_are_listed_with_their_nodes():
    rng = np.random.default_rng(5)
    model = qonnx_mlp(rng, [8, 4, 2], [dict(weights="bipolar", act="bipolar"),
                                       dict(weights="bipolar", act="quant8")])
    model.graph.node[2].op_type = "Softsign"          # the first MatMul
    problems = [str(p) for p in check_onnx(model)]
    assert any("unsupported op Softsign" in p and "fc0" in p for p in problems)
    ints = qonnx_mlp(rng, [8, 4], [dict(weights="quant8", act="quant8")])
    assert check_onnx(ints) == []          # 8-bit weights: an integer layer (test_qonnx_int)


def test_qonnx_rejects_a_bipolar_input_and_foreign_config_keys():
    rng = np.random.default_rng(6)
    bipolar_in = qonnx_mlp(rng, [8, 4], [dict(weights="bipolar", act="quant8")],
                           input_quant=(1, 1, 1.0))
    with pytest.raises(ModelError, match="a bipolar model input is not supported"):
        load_onnx(bipolar_in, None)
    bipolar_out = qonnx_mlp(rng, [8, 4], [dict(weights="bipolar", act="bipolar")])
    with pytest.raises(ModelError, match="node 'fc0' \\(MatMul\\): a bipolar model output is "
                                         "not supported"):
        load_onnx(bipolar_out, None)
    ok = qonnx_mlp(rng, [8, 4], [dict(weights="bipolar", act="quant8")])
    with pytest.raises(ConfigError, match="weights cannot be set .* a QONNX model carries its "
                                          "own weight and activation quantization"):
        load_onnx(ok, None, config={"default": {"weights": "binary"}})
