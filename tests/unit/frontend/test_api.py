"""The two entry points agree, and the ONNX one reads files and TOML configs."""

import numpy as np
import onnx
import pytest

from hwgen.errors import ModelError
from hwgen.frontend import Problem, check_onnx, load_onnx, quantize_mlp
from tests.fixtures.frontend_helpers import golden_dequantized
from tests.fixtures.onnx_builders import gemm_mlp, run_onnxruntime


def test_load_onnx_equals_quantize_mlp_on_the_same_arrays(tmp_path):
    rng = np.random.default_rng(30)
    proto, weights, biases = gemm_mlp(rng, [16, 12, 8, 4])
    x = rng.normal(size=(100, 16))
    path = tmp_path / "digits_mlp.onnx"
    onnx.save(proto, path)
    config = tmp_path / "CONFIG.toml"
    config.write_text('[default]\nweights = "int4"\n[layer.fc1]\nactivations = "uint8"\n')
    from_onnx = load_onnx(path, x, config=config)
    # the reader's weights are float32 values, so quantize the same float32 values
    from_arrays = quantize_mlp(weights=weights, biases=biases, calibration=x,
                               names=["fc0", "fc1", "fc2"], config=config, name="mlp")
    assert from_onnx.name == "mlp"  # the ONNX graph name
    for a, b in zip(from_onnx.layers, from_arrays.layers, strict=True):
        assert a.name == b.name and a.relu == b.relu
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.bias, b.bias)
        np.testing.assert_array_equal(a.weight_quant.scale, b.weight_quant.scale)
        assert a.input_quant == b.input_quant and a.output_quant == b.output_quant
    assert from_onnx.layers[1].input_quant.dtype.name == "uint8"
    assert from_onnx.layers[0].weight_quant.dtype.name == "int4"


def test_golden_model_tracks_onnxruntime():
    """int8: the dequantized golden outputs pick the same class as onnxruntime's float model
    for nearly every input (ties between close scores may flip; 95 % is far below what int8
    reaches, far above chance, 25 %)."""
    rng = np.random.default_rng(31)
    proto, _, _ = gemm_mlp(rng, [16, 24, 4])
    x = rng.normal(size=(400, 16))
    graph = load_onnx(proto, x)
    agree = np.mean(golden_dequantized(graph, x).argmax(1) == run_onnxruntime(proto, x).argmax(1))
    assert agree >= 0.95


def test_graph_name_defaults_to_the_file_name(tmp_path):
    proto, _, _ = gemm_mlp(np.random.default_rng(32), [4, 3])
    proto.graph.name = ""
    onnx.save(proto, tmp_path / "tiny.onnx")
    x = np.random.default_rng(33).normal(size=(10, 4))
    assert load_onnx(tmp_path / "tiny.onnx", x).name == "tiny"
    assert load_onnx(proto, x, name="given").name == "given"


def test_check_onnx_returns_problems_without_raising():
    proto, _, _ = gemm_mlp(np.random.default_rng(34), [4, 3, 2])
    assert check_onnx(proto) == []
    proto.graph.node[1].op_type = "Gelu"
    problems = check_onnx(proto)
    assert problems == [Problem("relu0", "Gelu", problems[0].message)]
    assert str(problems[0]).startswith("node 'relu0' (Gelu): unsupported op Gelu")
    with pytest.raises(ModelError, match="node 'relu0' \\(Gelu\\): unsupported op Gelu"):
        load_onnx(proto, np.ones((2, 4)))
    assert "must be an onnx.ModelProto or the path" in str(check_onnx(42)[0])
