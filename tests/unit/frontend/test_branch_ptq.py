"""Post-training quantization of float models with branches: one quantization per tensor,
the add's output calibrated on the float model, config conflicts, and the compiled golden
model against onnxruntime's float model."""

import numpy as np
import onnx
import pytest
from onnx import helper

from hwgen.compiler import compile_onnx
from hwgen.errors import ConfigError
from hwgen.frontend import load_onnx
from hwgen.frontend.layout import stream_input_axes, to_stream_layout
from hwgen.golden import run_pipeline
from hwgen.ir import RequantRounding
from hwgen.ir.layers.add import QuantAdd
from hwgen.ir.lowering import lower_graph
from hwgen.passes import choose_folding
from tests.fixtures.cnn_builders import residual_cnn, residual_mlp, two_blocks
from tests.fixtures.onnx_builders import run_onnxruntime


def calibration(shape, n=200, seed=1):
    return np.random.default_rng(seed).uniform(0, 1, (n, *shape))


def onnxruntime_tensor(proto, tensor: str, x) -> np.ndarray:
    """An intermediate tensor of the float model, computed by onnxruntime."""
    extra = onnx.ModelProto()
    extra.CopyFrom(proto)
    extra.graph.output.insert(0, helper.make_tensor_value_info(tensor, onnx.TensorProto.FLOAT,
                                                               None))
    return run_onnxruntime(extra, x)


def test_the_add_reads_its_producers_quantizations_and_calibrates_its_output():
    proto = residual_cnn(seed=2)
    x = calibration((2, 6, 6))
    graph = load_onnx(proto, x)
    layers = {layer.name: layer for layer in graph.layers}
    add = layers["add"]
    assert isinstance(add, QuantAdd) and add.inputs == ("conv3", "conv1") and add.relu
    # conv1's output is one tensor read by conv2 and the add: one quantization
    assert add.b_quant == layers["conv1"].output_quant == layers["conv2"].input_quant
    assert add.a_quant == layers["conv3"].output_quant
    # int8 min/max over relu3's output (the Relu after the add): [0, max] on 255 steps
    relu3 = next(n for n in proto.graph.node if n.name == "relu3").output[0]
    top = float(onnxruntime_tensor(proto, relu3, x).max())
    assert add.output_quant.zero_point == -128
    assert add.output_quant.scale == pytest.approx(top / 255, rel=1e-5)
    assert add.rounding is RequantRounding.SINGLE
    assert graph.connections == {}          # every other layer reads the one before it


def golden_scores(graph, x) -> np.ndarray:
    """Dequantized outputs of the golden model of ``graph`` (lowered, FIFOs not sized) for
    float inputs ``x`` in the model's own layout."""
    blocks, edges = lower_graph(choose_folding(graph))
    stream = to_stream_layout(x.reshape(len(x), -1), graph.input_shape,
                              stream_input_axes(graph.input_shape))
    codes = run_pipeline(blocks, graph.input_quant.quantize(stream), edges=edges)
    return graph.output_quant.dequantize(codes)


def test_golden_model_of_the_residual_cnn_follows_onnxruntimes_float_model():
    """int8 end to end: every dequantized score within a few output LSB of the float model
    (a wrong skip, order or scale would be far off), and the same class almost always."""
    proto = residual_cnn(seed=3, image=(3, 8, 8), channels=6, classes=5)
    x = calibration((3, 8, 8), n=400)
    graph = load_onnx(proto, x[:200])
    scores, reference = golden_scores(graph, x), run_onnxruntime(proto, x)
    assert np.abs(scores - reference).max() <= 6 * graph.output_quant.scale
    assert np.mean(scores.argmax(1) == reference.argmax(1)) >= 0.9


def test_projection_skip_and_two_blocks_compile_with_connections():
    proto = residual_cnn(seed=4, projection=True)
    graph = load_onnx(proto, calibration((2, 6, 6)))
    names = [layer.name for layer in graph.layers]
    reader = [n for n in ("proj", "conv2") if n in graph.connections]
    assert len(reader) == 1 and graph.connections[reader[0]] == ("conv1",)
    assert names.index(reader[0]) != names.index("conv1") + 1
    graph = load_onnx(two_blocks(), calibration((3, 8, 8)))
    layers = {layer.name: layer for layer in graph.layers}
    # the max pool after add2 keeps add2's quantization; the Relu moved into add2
    assert layers["pool"].input_quant == layers["pool"].output_quant == \
        layers["add2"].output_quant
    assert layers["add2"].relu and layers["add2"].output_quant.zero_point == -128
    assert layers["add2"].a_quant == layers["add1"].output_quant == layers["b1"].input_quant


def test_residual_mlp_is_quantized_as_a_network_and_compiles():
    proto = residual_mlp(seed=5)
    x = np.random.default_rng(6).normal(0, 1, (300, 10))
    design = compile_onnx(proto, x, max_macs=16)
    scores = design.output_quant.dequantize(
        run_pipeline(design.blocks, design.input_codes(x), edges=design.edges))
    assert np.abs(scores - run_onnxruntime(proto, x)).max() <= 6 * design.output_quant.scale


def test_readers_of_one_tensor_must_agree_on_its_format():
    proto, x = residual_cnn(seed=7), calibration((2, 6, 6))
    with pytest.raises(ConfigError) as info:
        load_onnx(proto, x, config={"layer": {"add": {"activations": "uint8"}}})
    text = str(info.value)
    assert "the output of layer 'conv1' is read by layers that ask for different formats" \
        in text and "'conv2': int8, minmax" in text and "'add': uint8, minmax" in text
    graph = load_onnx(proto, x, config={"layer": {"add": {"activations": "uint8"},
                                                  "conv2": {"activations": "uint8"}}})
    add = next(layer for layer in graph.layers if layer.name == "add")
    assert add.a_quant.dtype.name == add.b_quant.dtype.name == "uint8"


def test_an_adds_config_keys_and_requantization_rule():
    proto, x = residual_cnn(seed=8), calibration((2, 6, 6))
    with pytest.raises(ConfigError, match=r"\[layer.add\]: pe, weights cannot be set for add "
                                          r"'add' \(an add has no weights or folding; it takes "
                                          r"activations, calibration, requant\)"):
        load_onnx(proto, x, config={"layer": {"add": {"pe": 2, "weights": "int4"}}})
    graph = load_onnx(proto, x, config={"layer": {"add": {"requant": "gemmlowp"}}})
    assert next(layer for layer in graph.layers if layer.name == "add").rounding is \
        RequantRounding.GEMMLOWP
