"""MX formats in the compile configuration and PTQ: accepted values, exact error messages, and
quantized models whose golden outputs track the float model."""

from itertools import pairwise

import numpy as np
import pytest

from hwgen.compiler import compile_graph
from hwgen.errors import ConfigError
from hwgen.frontend import float_forward, load_config, quantize_mlp
from hwgen.frontend.float.model import FloatDense
from hwgen.golden import run_pipeline
from hwgen.ir.layers.mx_dense import MxDense
from hwgen.ir.mx.types import MxQuant
from hwgen.quant.mx import MX_FORMAT_NAMES

MX_LIST = ", ".join(MX_FORMAT_NAMES)


def model(seed=0, sizes=(32, 32, 16, 8)):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 1 / np.sqrt(i), (o, i)) for i, o in pairwise(sizes)]
    biases = [rng.normal(0, 0.1, o) for o in sizes[1:]]
    return weights, biases, rng.normal(0, 1, (300, sizes[0]))


@pytest.mark.parametrize("name", MX_FORMAT_NAMES)
def test_config_accepts_every_mx_format(name):
    config = load_config({"default": {"weights": name, "activations": name, "block_size": 16}})
    assert config.default.weights == name and config.default.block_size == 16


@pytest.mark.parametrize("table,message", [
    ({"default": {"weights": "mxfp5"}},
     f"weights = 'mxfp5' is not a known format; valid: int2, int3, int4, int5, int6, int7, "
     f"int8, {MX_LIST}"),
    ({"default": {"activations": "fp8"}},
     f"activations = 'fp8' is not a known format; valid: int2, int3, int4, int5, int6, int7, "
     f"int8, uint2, uint3, uint4, uint5, uint6, uint7, uint8, {MX_LIST}"),
    ({"default": {"output": "mxfp4"}}, "output = 'mxfp4' is not a known format; valid: int2"),
    ({"default": {"block_size": 0}}, "block_size = 0 is not valid; valid: a positive integer "
                                     "or 'auto'"),
])
def test_config_errors_list_the_valid_values(table, message):
    with pytest.raises(ConfigError) as info:
        load_config(table)
    assert message in str(info.value)


@pytest.mark.parametrize("config,message", [
    ({"default": {"activations": "mxfp8_e4m3"}},
     "layer 'dense0': activations = 'mxfp8_e4m3': the model input must be an integer format "
     "(the host streams integer codes); set activations = 'int8' in [layer.dense0] (MX "
     "activations work from the second layer on)"),
    ({"default": {"weights": "mxfp4", "block_size": 12}},
     "layer 'dense0': block_size = 12 does not divide its 32 inputs; use one of 1, 2, 4, 8, "
     "16, 32"),
    ({"default": {"weights": "mx6", "block_size": 1}},
     "layer 'dense0': mx6 pairs elements under one micro-exponent, so block_size = 1 must be "
     "even; use e.g. 16"),
    ({"default": {"weights": "mxfp4", "block_size": 16},
      "layer": {"dense2": {"activations": "mx9", "block_size": 32}}},
     "2 config problems:\n  - layer 'dense1': its 16 outputs are the MX inputs of 'dense2' in "
     "blocks of 32, which do not divide them; set block_size of 'dense2' to one of 1, 2, 4, 8, "
     "16\n  - layer 'dense2': block_size = 32 does not divide its 16 inputs"),
    ({"default": {"weights": "mxfp4", "block_size": 16, "requant": "gemmlowp"}},
     "layer 'dense0': requant = 'gemmlowp': an MX layer requantizes its wide accumulator with "
     "'single' rounding; set requant = 'single' or leave it out"),
])
def test_model_dependent_errors(config, message):
    weights, biases, calib = model()
    with pytest.raises(ConfigError) as info:
        quantize_mlp(weights=weights, biases=biases, calibration=calib, config=config)
    assert message in str(info.value)


@pytest.mark.parametrize("weights_fmt,tolerance", [
    ("mxfp8_e4m3", 0.08), ("mxint8", 0.05), ("mx9", 0.05), ("mxfp6_e2m3", 0.15),
    ("mx6", 0.15), ("mxfp4", 0.4), ("mx4", 0.5)])
def test_golden_outputs_track_the_float_model(weights_fmt, tolerance):
    weights, biases, calib = model(1)
    config = {"default": {"weights": weights_fmt, "block_size": 16, "activations": "int8"}}
    graph = quantize_mlp(weights=weights, biases=biases, calibration=calib, config=config)
    assert all(isinstance(layer, MxDense) for layer in graph.layers)
    design = compile_graph(graph, config)
    x = calib[:100]
    got = design.output_quant.dequantize(run_pipeline(design.blocks, design.input_codes(x)))
    layers = [FloatDense(name=f"d{i}", weights=w, bias=b, relu=i < 2)
              for i, (w, b) in enumerate(zip(weights, biases, strict=True))]
    want = float_forward(layers, x)
    error = np.abs(got - want).mean() / np.abs(want).mean()
    assert error < tolerance, error


def test_mx_activation_chain_windows_match():
    weights, biases, calib = model(2)
    config = {"default": {"weights": "mxfp8_e4m3", "block_size": 16},
              "layer": {"dense1": {"activations": "mxfp6_e3m2"},
                        "dense2": {"weights": "int8", "activations": "mx9"}}}
    graph = quantize_mlp(weights=weights, biases=biases, calibration=calib, config=config)
    q0, q1 = graph.layers[0].output_quant, graph.layers[1].output_quant
    assert isinstance(q0, MxQuant) and q0.format == "mxfp6_e3m2" and q0.exp_lo <= q0.exp_hi
    assert isinstance(q1, MxQuant) and q1.format == "mx9" and q1.block_size == 16
    assert graph.layers[2].weight_format == "int8"
    design = compile_graph(graph, config)
    x = calib[:50]
    got = design.output_quant.dequantize(run_pipeline(design.blocks, design.input_codes(x)))
    layers = [FloatDense(name=f"d{i}", weights=w, bias=b, relu=i < 2)
              for i, (w, b) in enumerate(zip(weights, biases, strict=True))]
    want = float_forward(layers, x)
    assert np.abs(got - want).mean() / np.abs(want).mean() < 0.2
