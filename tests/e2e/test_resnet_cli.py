"""The hwgen command on residual CNNs: check, compile and simulate a float ResNet-style CNN and
its onnxruntime QDQ version; a model with branches the hardware cannot build gets one report.

Simulation cost: one Verilator build (the float model, 20 images) and one Icarus run (the QDQ
model, 3 images).
"""

import json

import numpy as np
import onnx
import pytest

from hwgen.cli import main
from hwgen.reference.onnxruntime import onnxruntime_output_codes
from tests.fixtures.cli_helpers import check_result, run_cli
from tests.fixtures.cnn_builders import bad_residuals, residual_cnn
from tests.fixtures.onnx_builders import run_onnxruntime
from tests.fixtures.qdq_builders import ort_quantize


@pytest.fixture(scope="module")
def resnet_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("resnet")
    proto = residual_cnn(seed=21, image=(3, 6, 6), channels=4, classes=5)
    calib = np.random.default_rng(22).uniform(0, 1, (200, 3, 6, 6)).astype(np.float32)
    onnx.save(proto, d / "resnet.onnx")
    onnx.save(ort_quantize(proto, calib, per_channel=True, reduce_range=True), d / "qdq.onnx")
    np.save(d / "calib.npy", calib)
    np.save(d / "x.npy", calib[:20])
    return d


@pytest.mark.cosim
def test_float_resnet_check_compile_sim_on_verilator(resnet_files, verilator, capsys):
    d = resnet_files
    assert main(["check", str(d / "resnet.onnx")]) == 0
    assert "no problems found" in capsys.readouterr().out
    assert main(["compile", str(d / "resnet.onnx"), "--calib", str(d / "calib.npy"),
                 "-o", str(d / "out")]) == 0
    manifest = json.loads((d / "out/manifest.json").read_text())
    kinds = [layer["kind"] for layer in manifest["layers"]]
    assert kinds.count("eltwise_add") == 1 and kinds.count("int_mvau") == 4
    assert main(["sim", str(d / "out"), "--inputs", str(d / "x.npy")]) == 0
    check_result(d / "out", 20)
    # the simulated scores follow onnxruntime's float model: int8 within a few output LSB
    # (a skip read from the wrong layer, or the add's inputs swapped, would be far off)
    scores = np.load(d / "out/sim/outputs.npy")
    reference = run_onnxruntime(onnx.load(d / "resnet.onnx"), np.load(d / "x.npy"))
    assert np.abs(scores - reference).max() <= 6 * manifest["output"]["scale"]


@pytest.mark.cosim
def test_qdq_resnet_compiles_and_simulates_on_icarus(resnet_files, icarus):
    d = resnet_files
    x = np.load(d / "x.npy")[:3]
    np.save(d / "x3.npy", x)
    result = run_cli("compile", d / "qdq.onnx", "-o", d / "qdq_out")
    assert result.returncode == 0, result.stderr
    assert run_cli("sim", d / "qdq_out", "--inputs", d / "x3.npy",
                   "--simulator", "icarus").returncode == 0
    check_result(d / "qdq_out", 3)
    # the RTL's codes against onnxruntime's own execution of the QDQ model (QLinearAdd)
    rtl = np.load(d / "qdq_out/sim/outputs_int.npy").reshape(3, -1)
    ort = onnxruntime_output_codes(onnx.load(d / "qdq.onnx"), x).reshape(3, -1)
    assert np.abs(rtl - ort).max() <= 1


def test_check_and_compile_report_every_branch_problem_at_once(tmp_path):
    onnx.save(bad_residuals(), tmp_path / "bad.onnx")
    check = run_cli("check", tmp_path / "bad.onnx")
    assert check.returncode == 1
    names = ["half_relu", "late_bn", "bias_after", "mixed_order"]
    assert f"{len(names)} problem(s)" in check.stdout
    for name in names:
        assert f"node '{name}'" in check.stdout, check.stdout
    np.save(tmp_path / "c.npy", np.ones((4, 2, 6, 6), np.float32))
    compiled = run_cli("compile", tmp_path / "bad.onnx", "--calib", tmp_path / "c.npy",
                       "-o", tmp_path / "o")
    assert compiled.returncode == 2 and "Traceback" not in compiled.stderr
    assert f"has {len(names)} problems" in compiled.stderr
    for name in names:
        assert f"node '{name}'" in compiled.stderr
    assert not (tmp_path / "o").exists()
