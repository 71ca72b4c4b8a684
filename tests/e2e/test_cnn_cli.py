"""The hwgen command on CNNs: check, compile and simulate a float CNN (NCHW inputs, three
channels) and an onnxruntime QDQ CNN; bad models give one report, without a traceback.

Simulation cost: one Verilator build (the float CNN, 20 images) and one Icarus run (the QDQ
CNN, 3 images).
"""

import json

import numpy as np
import onnx
import pytest
from onnx import helper

from hwgen.cli import main
from tests.fixtures.cli_helpers import check_result, run_cli
from tests.fixtures.cnn_builders import Chain, digits_like_cnn
from tests.fixtures.onnx_builders import run_onnxruntime
from tests.fixtures.qdq_builders import ort_quantize


@pytest.fixture(scope="module")
def cnn_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cnn")
    proto = digits_like_cnn(seed=7, image=(3, 6, 6), channels=(4, 6), classes=5)
    rng = np.random.default_rng(8)
    calib = rng.uniform(0, 1, (200, 3, 6, 6)).astype(np.float32)
    onnx.save(proto, d / "cnn.onnx")
    onnx.save(ort_quantize(proto, calib, per_channel=True, reduce_range=True), d / "qdq.onnx")
    np.save(d / "calib.npy", calib)
    np.save(d / "x.npy", calib[:20])            # inside the calibrated ranges
    return d


@pytest.mark.cosim
def test_float_cnn_check_compile_sim_on_verilator(cnn_files, verilator, capsys):
    d = cnn_files
    assert main(["check", str(d / "cnn.onnx")]) == 0
    assert "no problems found" in capsys.readouterr().out
    assert main(["compile", str(d / "cnn.onnx"), "--calib", str(d / "calib.npy"),
                 "-o", str(d / "out")]) == 0
    manifest = json.loads((d / "out/manifest.json").read_text())
    assert manifest["input"]["shape"] == [6, 6, 3]                   # the NHWC stream
    assert manifest["input"]["model_shape"] == [3, 6, 6]             # the model's NCHW row
    assert manifest["input"]["axes"] == [1, 2, 0]
    assert [layer["kind"] for layer in manifest["layers"]] == [
        "sliding_window", "int_mvau", "sliding_window", "window_reduce", "sliding_window",
        "int_mvau", "int_mvau"]
    assert main(["sim", str(d / "out"), "--inputs", str(d / "x.npy")]) == 0
    check_result(d / "out", 20)
    # the simulated scores follow onnxruntime's float model on the NCHW inputs: int8 within a
    # few output LSB (a wrong input transposition or flatten order would be far off)
    x = np.load(d / "x.npy")
    scores = np.load(d / "out/sim/outputs.npy")
    reference = run_onnxruntime(onnx.load(d / "cnn.onnx"), x)
    scale = manifest["output"]["scale"]
    assert np.abs(scores - reference).max() <= 5 * scale
    capsys.readouterr()
    assert main(["report", str(d / "out")]) == 0
    report = capsys.readouterr().out
    assert "| conv1.window | sliding_window | 6x6x27 <- 6x6x3 |" in report
    assert "| pool1 | window_reduce | 3x3x4 <- 3x3x16 |" in report


@pytest.mark.cosim
def test_qdq_cnn_compiles_without_calibration_and_simulates_on_icarus(cnn_files, icarus):
    d = cnn_files
    np.save(d / "x3.npy", np.load(d / "x.npy")[:3])
    result = run_cli("compile", d / "qdq.onnx", "-o", d / "qdq_out")
    assert result.returncode == 0, result.stderr
    assert run_cli("sim", d / "qdq_out", "--inputs", d / "x3.npy",
                   "--simulator", "icarus").returncode == 0
    check_result(d / "qdq_out", 3)


def bad_cnn():
    chain = Chain((2, 6, 6), seed=9)
    chain.conv("grouped", 2, 2, 3, group=2)
    chain.avgpool("exclusive", 2, pads=[1, 1, 1, 1])
    chain.op("Sigmoid", "act")
    chain.conv("dilated", 2, 3, 3, dilations=[2, 2])
    chain.conv("ok", 3, 3, 1).relu("relu").bn("late_bn", 3)
    return chain.build()


def test_check_and_compile_list_every_problem_of_a_bad_cnn(tmp_path):
    onnx.save(bad_cnn(), tmp_path / "bad.onnx")
    check = run_cli("check", tmp_path / "bad.onnx")
    assert check.returncode == 1
    names = ["grouped", "exclusive", "act", "dilated", "late_bn"]
    assert f"{len(names)} problem(s)" in check.stdout
    for name in names:
        assert f"node '{name}'" in check.stdout
    np.save(tmp_path / "c.npy", np.ones((4, 2, 6, 6), np.float32))
    compiled = run_cli("compile", tmp_path / "bad.onnx", "--calib", tmp_path / "c.npy",
                       "-o", tmp_path / "o")
    assert compiled.returncode == 2 and "Traceback" not in compiled.stderr
    assert f"has {len(names)} problems" in compiled.stderr
    for name in names:
        assert f"node '{name}'" in compiled.stderr
    assert not (tmp_path / "o").exists()


def test_bad_qdq_model_and_float_model_without_calibration(cnn_files, tmp_path):
    qdq = onnx.load(cnn_files / "qdq.onnx")
    conv = next(n for n in qdq.graph.node if n.name == "conv2")
    conv.attribute.append(helper.make_attribute("group", 2))
    onnx.save(qdq, tmp_path / "bad_qdq.onnx")
    check = run_cli("check", tmp_path / "bad_qdq.onnx")
    assert check.returncode == 1 and "node 'conv2' (Conv): group=2 is not supported" \
        in check.stdout
    compiled = run_cli("compile", cnn_files / "cnn.onnx", "-o", tmp_path / "o")
    assert compiled.returncode == 2 and "Traceback" not in compiled.stderr
    assert "calibration data is required" in compiled.stderr
