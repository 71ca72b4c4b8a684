"""The public face without hardware: hwgen.compile, Design's facts, golden model, cycle model,
and the errors raised before any simulator starts."""

import re
import subprocess
import sys

import numpy as np
import pytest

import hwgen
from hwgen.errors import HwgenError, ModelError
from hwgen.frontend import quantize_mlp
from hwgen.ir.graph import Graph
from tests.fixtures.cnn_builders import Chain
from tests.fixtures.onnx_builders import gemm_mlp, run_onnxruntime


@pytest.fixture(scope="module")
def mlp():
    rng = np.random.default_rng(7)
    proto, weights, biases = gemm_mlp(rng, [12, 16, 6])
    calib = rng.normal(0, 1, (200, 12)).astype(np.float32)
    return proto, weights, biases, calib


def test_import_hwgen_does_not_import_amaranth():
    code = ("import sys, hwgen; hwgen.compile, hwgen.load, hwgen.Design; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('amaranth', 'onnx')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_public_names_have_numpy_style_docstrings():
    for thing in (hwgen.compile, hwgen.load, hwgen.Design.golden_int, hwgen.Design.simulate):
        assert re.search(r"\n\s*Parameters\n\s*----------\n", thing.__doc__), thing.__qualname__
    for thing in (hwgen.Design, hwgen.SimulationResult, hwgen.Design.save, hwgen.Design.golden,
                  hwgen.Design.manifest, hwgen.Design.latency, hwgen.Design.ii):
        assert thing.__doc__ and len(thing.__doc__.split()) >= 8, thing


def test_compile_an_onnx_model_follows_the_float_model(mlp):
    proto, weights, biases, calib = mlp
    design = hwgen.compile(proto, calib, max_macs=16, top="mlp_top")
    assert isinstance(design, hwgen.Design) and design.out is None
    assert design.top == "mlp_top" and design.name == "mlp"
    assert design.input_shape == (12,) and design.output_shape == (6,)
    assert [b.name for b in design.blocks] == ["fc0", "fc1"]
    assert max(b.pe * b.simd for b in design.blocks) <= 16
    x = calib[:40]
    y = design.golden(x)
    assert y.dtype == np.float32 and y.shape == (40, 6)
    reference = run_onnxruntime(proto, x)
    # int8 all the way: a few output steps at most (a wrong layout or scale is far off)
    assert np.abs(y - reference).max() <= 4 * design.output_quant.scale
    codes = design.golden_int(x)
    assert codes.dtype == np.int64 and codes.shape == (40, 6)
    np.testing.assert_array_equal(
        y, ((codes - design.output_quant.zero_point) * design.output_quant.scale)
        .astype(np.float32))


def test_integer_inputs_are_codes(mlp):
    proto, _, _, calib = mlp
    design = hwgen.compile(proto, calib)
    codes = design.input_quant.quantize(calib[:10])
    assert codes.dtype.kind == "i"
    np.testing.assert_array_equal(design.golden_int(codes), design.golden_int(calib[:10]))
    with pytest.raises(HwgenError, match="input codes"):
        design.golden_int(codes + 1000)


def test_compile_a_graph(mlp):
    _, weights, biases, calib = mlp
    graph = quantize_mlp(weights=weights, biases=biases, calibration=calib, name="g")
    assert isinstance(graph, Graph)
    design = hwgen.compile(graph, config={"layer": {"dense0": {"pe": 4, "simd": 3}}})
    assert (design.blocks[0].pe, design.blocks[0].simd) == (4, 3)
    x = calib[:20]
    float_out = np.maximum(x @ weights[0].T + biases[0], 0) @ weights[1].T + biases[1]
    assert np.abs(design.golden(x) - float_out).max() <= 4 * design.output_quant.scale


def test_image_outputs_come_back_in_the_models_layout():
    """A model ending in a convolution outputs (N, C, H, W) as ONNX has it, not the stream's
    (N, H, W, C)."""
    chain = Chain((2, 5, 4), seed=3).conv("conv1", 2, 3, 3, pads=[1, 1, 1, 1]).relu("relu1")
    proto = chain.build(["N", 3, 5, 4])
    calib = np.random.default_rng(0).uniform(0, 1, (60, 2, 5, 4)).astype(np.float32)
    design = hwgen.compile(proto, calib)
    assert design.lowered.output_shape == (5, 4, 3)          # the NHWC stream
    assert design.input_shape == (2, 5, 4) and design.output_shape == (3, 5, 4)
    y = design.golden(calib[:6])
    assert y.shape == (6, 3, 5, 4)
    assert np.abs(y - run_onnxruntime(proto, calib[:6])).max() <= 2 * design.output_quant.scale


def test_predicted_cycles_are_the_manifests(mlp):
    proto, _, _, calib = mlp
    design = hwgen.compile(proto, calib, max_macs=16)
    predicted = design.manifest["predicted"]
    assert (design.latency, design.ii) == (predicted["latency"], predicted["ii"])
    assert design.manifest["files"] == {}            # nothing written yet
    # n back-to-back inferences: the first takes the latency, each later one the interval
    # (this MLP's folding is balanced: every block needs the same cycles per vector)
    cycles = {b.name: b.mh // b.pe * (b.mw // b.simd) for b in design.blocks}
    assert design.ii == max(cycles.values())
    assert design.timing(5).total_cycles == design.latency + 1 + 4 * design.ii


def test_calibration_with_a_graph_is_an_error(mlp):
    _, weights, biases, calib = mlp
    graph = quantize_mlp(weights=weights, biases=biases, calibration=calib, name="g")
    with pytest.raises(ModelError, match="graph 'g' is quantized already: pass "
                                         "calibration=None"):
        hwgen.compile(graph, calib)


def test_a_model_of_another_type_is_an_error():
    with pytest.raises(ModelError, match="model must be the path of a .onnx file, an "
                                         "onnx.ModelProto or a hwgen.ir.Graph, not list"):
        hwgen.compile([1, 2, 3])


def test_load_of_a_missing_directory_says_to_compile(tmp_path):
    with pytest.raises(HwgenError, match="does not exist; run `hwgen compile` first"):
        hwgen.load(tmp_path / "nothing")


@pytest.mark.parametrize("options,message", [
    ({"simulator": "modelsim"}, "unknown simulator 'modelsim'; use one of verilator, icarus"),
    ({"driver": "uvm"}, "unknown driver 'uvm'; use one of harness, cocotb"),
    ({"idle": 1.0}, "idle is a probability in [0, 1), not 1.0"),
    ({"backpressure": -0.1}, "backpressure is a probability in [0, 1), not -0.1"),
    ({"waves": True}, "waves=True needs a place to keep waves.vcd: save the design first"),
])
def test_bad_simulation_options_fail_before_any_build(mlp, options, message, monkeypatch):
    proto, _, _, calib = mlp
    design = hwgen.compile(proto, calib)

    def no_build(*args, **kwargs):
        raise AssertionError("simulate_design must not run")

    monkeypatch.setattr("hwgen.api.simulate_design", no_build)
    with pytest.raises(HwgenError) as info:
        design.simulate(calib[:2], **options)
    assert str(info.value).startswith(message)
