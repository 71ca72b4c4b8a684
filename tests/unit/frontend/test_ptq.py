"""Post-training quantization: scales, zero points, biases, the lecture's formula, accuracy."""

from itertools import pairwise

import numpy as np
import pytest

from hwgen.errors import ModelError, QuantizationError
from hwgen.frontend import FloatDense, float_forward, quantize_layers, quantize_mlp
from hwgen.golden import requantize_and_clamp, run_pipeline
from hwgen.ir import IntType, RequantRounding
from tests.fixtures.frontend_helpers import error_bound, golden_dequantized, lower


def mlp(seed=0, sizes=(12, 10, 8, 5), n=200):
    """Random float MLP (ReLU between layers) and calibration inputs with a non-zero mean."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 1 / np.sqrt(a), size=(b, a)) for a, b in pairwise(sizes)]
    biases = [rng.normal(0, 0.2, size=b) for b in sizes[1:]]
    x = rng.normal(0.3, 1.0, size=(n, sizes[0]))
    return weights, biases, x


def expected_activation(values, dtype: IntType):
    """Asymmetric (scale, zero point) by the lecture's formula, range widened to hold 0."""
    rmin, rmax = min(values.min(), 0.0), max(values.max(), 0.0)
    scale = (rmax - rmin) / (dtype.qmax - dtype.qmin)
    return scale, int(np.rint(dtype.qmin - rmin / scale))


# -- weights, activations, biases -------------------------------------------------------------

@pytest.mark.parametrize("bits", [2, 4, 8])
@pytest.mark.parametrize("granularity", ["channel", "tensor"])
def test_weights_are_symmetric_narrow_range(bits, granularity):
    weights, biases, x = mlp(1)
    graph = quantize_mlp(weights=weights, biases=biases, calibration=x,
                         config={"default": {"weights": f"int{bits}",
                                             "granularity": granularity}})
    qmax = 2 ** (bits - 1) - 1
    for layer, w in zip(graph.layers, weights, strict=True):
        absmax = np.abs(w).max(axis=1) if granularity == "channel" else \
            np.full(w.shape[0], np.abs(w).max())
        scale = absmax / qmax
        np.testing.assert_array_equal(layer.weight_quant.scale, scale)
        np.testing.assert_array_equal(layer.weights, np.rint(w / scale[:, None]))
        assert layer.weights.min() >= -qmax  # narrow range: -2**(bits-1) never appears
        peak = np.abs(layer.weights).max(axis=1)
        assert np.all(peak == qmax) if granularity == "channel" else peak.max() == qmax
        assert layer.weight_quant.granularity == granularity


def test_activation_ranges_chain_through_relu():
    weights, biases, x = mlp(2)
    graph = quantize_mlp(weights=weights, biases=biases, calibration=x)
    _, tensors = float_forward(
        [FloatDense(f"d{i}", w, b, relu=i < 2)
         for i, (w, b) in enumerate(zip(weights, biases, strict=True))],
        x, keep_intermediate=True)
    int8 = IntType(8, True)
    quants = [graph.layers[0].input_quant] + [layer.output_quant for layer in graph.layers]
    for q, values in zip(quants, tensors, strict=True):
        scale, zero_point = expected_activation(values, int8)
        assert q.dtype == int8
        assert q.scale == pytest.approx(scale, rel=1e-15) and q.zero_point == zero_point
    # after a fused ReLU the range starts at 0: the zero point is the lowest int8 code
    assert [layer.output_quant.zero_point for layer in graph.layers[:2]] == [-128, -128]
    for prev, layer in pairwise(graph.layers):
        assert prev.output_quant == layer.input_quant


def test_bias_is_int32_at_scale_sw_sx():
    weights, biases, x = mlp(3)
    graph = quantize_mlp(weights=weights, biases=biases, calibration=x)
    for layer, b in zip(graph.layers, biases, strict=True):
        s_b = layer.weight_quant.scale * layer.input_quant.scale
        np.testing.assert_array_equal(layer.bias, np.rint(b / s_b))


def test_bias_that_would_clip_is_an_error():
    rng = np.random.default_rng(4)
    w = rng.normal(size=(3, 4))
    w[1] = 1e-9  # a dead channel with a large bias: b / (S_W S_X) is far beyond int32
    with pytest.raises(QuantizationError) as info:
        quantize_mlp(weights=[w], biases=[[0.0, 5.0, 0.0]], calibration=rng.normal(size=(8, 4)))
    text = str(info.value)
    assert "layer 'dense0': bias[1] = 5 is" in text and "beyond int32" in text
    assert "granularity = 'tensor'" in text
    # per tensor, the same channel's bias fits
    quantize_mlp(weights=[w], biases=[[0.0, 5.0, 0.0]], calibration=rng.normal(size=(8, 4)),
                 config={"default": {"granularity": "tensor"}})


@pytest.mark.parametrize("rule,expected", [("half_even", 2), ("half_away", 3)])
def test_weight_rounding_rule(rule, expected):
    # S_W = 127 * 2**-7 / 127 = 2**-7 exactly, and 2.5 * 2**-7 / S_W = 2.5 exactly: a tie
    w = np.array([[127 * 2.0**-7, 2.5 * 2.0**-7, -2.5 * 2.0**-7]])
    graph = quantize_mlp(weights=[w], calibration=np.random.default_rng(5).normal(size=(4, 3)),
                         config={"default": {"rounding": rule}})
    assert graph.layers[0].weights.tolist() == [[127, expected, -expected]]


def test_requant_key_sets_the_layer_rounding():
    weights, biases, x = mlp(6)
    graph = quantize_mlp(weights=weights, biases=biases, calibration=x,
                         names=["a", "b", "c"], config={"layer": {"b": {"requant": "single"}}})
    assert [layer.rounding for layer in graph.layers] == [
        RequantRounding.GEMMLOWP, RequantRounding.SINGLE, RequantRounding.GEMMLOWP]


def test_activations_key_is_the_layer_input_and_output_key_the_model_output():
    weights, biases, x = mlp(7)
    graph = quantize_mlp(weights=weights, biases=biases, calibration=x, names=["a", "b", "c"],
                         config={"default": {"output": "int4"},
                                 "layer": {"a": {"activations": "uint8"},
                                           "c": {"activations": "uint4"}}})
    a, b, c = graph.layers
    assert a.input_quant.dtype == IntType(8, False)
    assert a.output_quant.dtype == b.input_quant.dtype == IntType(8, True)  # b: the default
    assert b.output_quant.dtype == c.input_quant.dtype == IntType(4, False)
    assert c.output_quant.dtype == IntType(4, True)
    # uint8 input: the zero point comes from the (negative) minimum of the data
    scale, zero_point = expected_activation(x, IntType(8, False))
    assert (a.input_quant.scale, a.input_quant.zero_point) == (pytest.approx(scale), zero_point)
    # uint4 after a ReLU: zero point 0, 15 steps up to the calibrated maximum
    hidden = float_forward([FloatDense("a", weights[0], biases[0], True),
                            FloatDense("b", weights[1], biases[1], True)], x)
    assert c.input_quant.zero_point == 0
    assert c.input_quant.scale == pytest.approx(hidden.max() / 15)


def test_calibration_key_selects_the_method_for_the_layer_input():
    weights, biases, x = mlp(8, n=2000)
    graph = quantize_mlp(weights=weights, biases=biases, calibration=x, names=["a", "b", "c"],
                         config={"layer": {"a": {"calibration": "percentile"}}})
    # percentile 99.999 keeps the central 99.999 % of values (numpy's linear interpolation)
    lo, hi = np.percentile(x, [0.0005, 99.9995])
    assert graph.layers[0].input_quant.scale == pytest.approx((hi - lo) / 255, rel=1e-12)
    assert graph.layers[0].input_quant.scale < (x.max() - x.min()) / 255


# -- the lecture's zero-point folding, exactly --------------------------------------------------

@pytest.mark.parametrize("activations", ["int8", "uint8", "int4", "uint2"])
def test_zero_point_folding_is_the_lecture_formula(activations):
    weights, biases, x = mlp(9)
    graph = quantize_mlp(weights=weights, biases=biases, calibration=x,
                         config={"default": {"activations": activations}})
    rng = np.random.default_rng(10)
    for layer, p in zip(graph.layers, lower(graph), strict=True):
        in_t = layer.input_quant.dtype
        q_x = rng.integers(in_t.qmin, in_t.qmax + 1, size=(50, layer.in_features))
        q_x[0], q_x[1] = in_t.qmin, in_t.qmax  # extreme codes too
        z_x = layer.input_quant.zero_point
        # acc_i = sum_j q_W[i,j] (q_X[j] - Z_X) + q_b[i], with Python ints: no overflow possible
        direct = np.array([[sum(int(w) * (int(v) - z_x)
                                for w, v in zip(row, xs, strict=True)) + int(b)
                            for row, b in zip(layer.weights, layer.bias, strict=True)]
                           for xs in q_x], dtype=np.int64)
        folded = q_x @ p.weights.T + p.acc_bias  # sum_j q_W q_X + (q_b - Z_X sum_j q_W)
        np.testing.assert_array_equal(folded, direct)
        expected = requantize_and_clamp(direct, p.multiplier, p.shift, p.rounding,
                                        p.out_zero_point, p.out_min, p.out_max)
        np.testing.assert_array_equal(run_pipeline([p], q_x), expected)
        # and the accumulator stands for the real pre-activation: S_W S_X acc = W^ x^ + b^
        real = (layer.weights * layer.weight_quant.scale[:, None]) @ \
            layer.input_quant.dequantize(q_x).T
        real += (layer.bias * layer.weight_quant.scale * layer.input_quant.scale)[:, None]
        np.testing.assert_allclose(direct.T * (layer.weight_quant.scale[:, None]
                                               * layer.input_quant.scale), real, rtol=1e-9,
                                   atol=1e-12)


# -- the quantized graph against the float model ------------------------------------------------

@pytest.mark.parametrize("config", [
    {},
    {"default": {"granularity": "tensor", "requant": "single"}},
    {"default": {"weights": "int4", "activations": "uint8", "output": "int4"}},
    {"default": {"weights": "int2", "activations": "int4", "rounding": "half_away"}},
    {"layer": {"l1": {"activations": "uint4", "weights": "int4"}}},
])
def test_golden_output_is_within_the_worst_case_bound(config):
    """|golden - float| stays inside the analytic rounding-error bound of helpers.error_bound.

    The bound is worst case (every rounding half an LSB the wrong way), so the test holds for
    every seed; it still fails on a wrong scale, bias, zero point or requantization, which
    produce errors of many LSBs. The mean error must also be well below the bound.
    """
    weights, biases, x = mlp(11)
    names = ["l0", "l1", "l2"]
    graph = quantize_mlp(weights=weights, biases=biases, calibration=x, names=names,
                         config=config)
    layers = [FloatDense(n, w, b, relu=i < 2)
              for i, (n, w, b) in enumerate(zip(names, weights, biases, strict=True))]
    y_float = float_forward(layers, x)
    y_golden = golden_dequantized(graph, x)
    bound = error_bound(graph, layers, x)
    err = np.abs(y_golden - y_float)
    assert np.all(err <= bound)
    assert err.mean() < 0.5 * bound.mean()


def test_int8_golden_output_is_close_in_output_lsbs():
    """int8 everywhere: the dequantized golden output is within a few output LSBs of float.

    Per output the int8 bound is about 3-4 output LSBs (two hidden layers' rounding plus the
    last requantization); the mean error is a fraction of one LSB.
    """
    weights, biases, x = mlp(12)
    graph = quantize_mlp(weights=weights, biases=biases, calibration=x)
    s_y = graph.output_quant.scale
    y_float = float_forward(
        [FloatDense(f"d{i}", w, b, relu=i < 2)
         for i, (w, b) in enumerate(zip(weights, biases, strict=True))],
        x)
    err = np.abs(golden_dequantized(graph, x) - y_float) / s_y
    assert err.max() <= 4.0
    assert err.mean() <= 1.0


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("calibration,message", [
    (None, "calibration data is required: pass an array of shape (N, 12)"),
    (np.zeros((0, 12)), "calibration data is empty (shape (0, 12)); pass at least one sample"),
    (np.ones(12), "calibration data has shape (12,); pass (N, 12) with one sample per row"),
    (np.ones((5, 11)), "calibration samples have shape (11,) (11 values) but layer 'dense0' "
                       "takes 12 inputs; pass an array of shape (N, 12)"),
    (np.array([["a"] * 12]), "calibration data must be a numeric array"),
])
def test_bad_calibration_arrays(calibration, message):
    weights, biases, _ = mlp(13)
    with pytest.raises(QuantizationError) as info:
        quantize_mlp(weights=weights, biases=biases, calibration=calibration)
    assert message in str(info.value)


def test_nan_and_constant_calibration():
    weights, biases, x = mlp(14)
    bad = x.copy()
    bad[3, 4] = np.nan
    with pytest.raises(QuantizationError, match=r"1 NaN and 0 Inf values \(first at row 3, "
                                                r"column 4\); remove or repair"):
        quantize_mlp(weights=weights, biases=biases, calibration=bad)
    with pytest.raises(QuantizationError, match=r"model input \(input of layer 'dense0'\): "
                                                "every calibration value is 0.5"):
        quantize_mlp(weights=weights, biases=biases, calibration=np.full((10, 12), 0.5))


def test_layer_whose_relu_kills_every_sample_is_named():
    weights, biases, x = mlp(15)
    dead = [b.copy() for b in biases]
    dead[1] = dead[1] - 1e3  # layer 1's ReLU outputs 0 for every sample
    with pytest.raises(QuantizationError) as info:
        quantize_mlp(weights=weights, biases=dead, calibration=x, names=["a", "b", "c"])
    assert str(info.value).startswith(
        "output of layer 'b': every calibration value is 0.0, so there is no range to quantize; "
        "its ReLU outputs 0 for every sample")


def test_bad_weights_and_arguments():
    weights, biases, x = mlp(16)
    nan = [w.copy() for w in weights]
    nan[2][0, 0] = np.nan
    with pytest.raises(ModelError, match="layer 'dense2': weights holds 1 NaN"):
        quantize_mlp(weights=nan, biases=biases, calibration=x)
    with pytest.raises(ModelError, match="biases has 2 entries for 3 weight matrices"):
        quantize_mlp(weights=weights, biases=biases[:2], calibration=x)
    with pytest.raises(ModelError, match="layer 'dense1' takes 12 inputs but 'dense0' produces 10"):
        quantize_mlp(weights=[weights[0], weights[0]], calibration=x)
    with pytest.raises(ModelError, match="layer name 'a' is used twice"):
        quantize_mlp(weights=weights, calibration=x, names=["a", "b", "a"])


def test_multi_dimensional_calibration_is_flattened_like_onnx_flatten():
    weights, biases, x = mlp(17)
    flat = quantize_mlp(weights=weights, biases=biases, calibration=x)
    shaped = quantize_mlp(weights=weights, biases=biases, calibration=x.reshape(-1, 3, 2, 2))
    for a, b in zip(flat.layers, shaped.layers, strict=True):
        assert a.input_quant == b.input_quant
        np.testing.assert_array_equal(a.bias, b.bias)


def test_defaults_of_quantize_mlp():
    weights, _, x = mlp(18)
    graph = quantize_mlp(weights=weights, calibration=x)
    assert graph.name == "mlp"
    assert [layer.name for layer in graph.layers] == ["dense0", "dense1", "dense2"]
    assert [layer.relu for layer in graph.layers] == [True, True, False]
    assert all(not layer.bias.any() for layer in graph.layers)
    assert all(layer.folding is None for layer in graph.layers)


def test_quantize_layers_takes_float_layers_directly():
    weights, biases, x = mlp(19)
    layers = [FloatDense(f"d{i}", w, b, relu=i < 2)
              for i, (w, b) in enumerate(zip(weights, biases, strict=True))]
    graph = quantize_layers(layers, x, name="g")
    same = quantize_mlp(weights=weights, biases=biases, calibration=x, names=["d0", "d1", "d2"])
    assert graph.name == "g"
    for a, b in zip(graph.layers, same.layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        assert a.input_quant == b.input_quant and a.output_quant == b.output_quant


def test_a_row_of_zero_weights_gets_scale_one_and_code_zero():
    rng = np.random.default_rng(20)
    w = rng.normal(size=(3, 4))
    w[2] = 0.0
    graph = quantize_mlp(weights=[w], biases=[[0.1, 0.2, 0.3]],
                         calibration=rng.normal(size=(16, 4)))
    layer = graph.layers[0]
    assert layer.weight_quant.scale[2] == 1.0 and not layer.weights[2].any()
    assert layer.bias[2] == np.rint(0.3 / layer.input_quant.scale)
    y = golden_dequantized(graph, rng.normal(size=(16, 4)))
    # the constant channel outputs 0.3 to within an output LSB
    assert np.abs(y[:, 2] - 0.3).max() <= graph.output_quant.scale
