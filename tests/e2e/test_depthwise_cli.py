"""The hwgen command on a CNN with a depthwise-separable block (depthwise 3x3 + pointwise 1x1)
and a strided depthwise layer: a float model with a CONFIG.toml, and its onnxruntime QDQ
version. Outputs bit exact and cycles exact against the golden and cycle models.

Simulation cost: one Verilator build (the float model, 12 images). The QDQ version compiles
through the command; its golden model is compared with onnxruntime in
tests/unit/frontend/test_qdq_depthwise.py (the hardware after the reader is the same).
"""

import json

import numpy as np
import onnx
import pytest

from hwgen.cli import main
from hwgen.compiler import compile_onnx
from hwgen.golden import run_pipeline
from hwgen.reference.onnxruntime import onnxruntime_output_codes
from tests.fixtures.cli_helpers import check_result, run_cli
from tests.fixtures.cnn_builders import separable_cnn
from tests.fixtures.onnx_builders import run_onnxruntime
from tests.fixtures.qdq_builders import ort_quantize


@pytest.fixture(scope="module")
def separable_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("separable")
    proto = separable_cnn(seed=31, image=(3, 8, 8), channels=(6, 8), classes=5, bn=True)
    calib = np.random.default_rng(32).uniform(0, 1, (200, 3, 8, 8)).astype(np.float32)
    onnx.save(proto, d / "sep.onnx")
    onnx.save(ort_quantize(proto, calib, per_channel=True, reduce_range=True), d / "qdq.onnx")
    np.save(d / "calib.npy", calib)
    np.save(d / "x.npy", calib[:12])
    (d / "CONFIG.toml").write_text("[layer.dw1]\npe = 3\n\n[layer.dw2]\n"
                                   "granularity = 'tensor'\n")
    return d


@pytest.mark.cosim
def test_float_separable_cnn_compile_sim_on_verilator(separable_files, verilator, capsys):
    d = separable_files
    assert main(["check", str(d / "sep.onnx")]) == 0
    assert main(["compile", str(d / "sep.onnx"), "--calib", str(d / "calib.npy"),
                 "--config", str(d / "CONFIG.toml"), "-o", str(d / "out")]) == 0
    manifest = json.loads((d / "out/manifest.json").read_text())
    kinds = [layer["kind"] for layer in manifest["layers"]]
    assert kinds == ["sliding_window", "int_mvau", "sliding_window", "depthwise",
                     "sliding_window", "int_mvau", "sliding_window", "depthwise",
                     "window_reduce", "int_mvau"], kinds
    assert main(["sim", str(d / "out"), "--inputs", str(d / "x.npy")]) == 0
    check_result(d / "out", 12)
    # the simulated scores follow onnxruntime's float model (batch norm folded into dw1)
    scores = np.load(d / "out/sim/outputs.npy")
    reference = run_onnxruntime(onnx.load(d / "sep.onnx"), np.load(d / "x.npy"))
    assert np.abs(scores - reference).max() <= 6 * manifest["output"]["scale"]
    capsys.readouterr()
    assert main(["report", str(d / "out")]) == 0
    assert "| dw1 | depthwise | 8x8x6 <- 8x8x54 |" in capsys.readouterr().out


def test_qdq_separable_cnn_compiles(separable_files):
    d = separable_files
    result = run_cli("compile", d / "qdq.onnx", "-o", d / "qdq_out")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((d / "qdq_out/manifest.json").read_text())
    assert [layer["kind"] for layer in manifest["layers"]].count("depthwise") == 2
    x = np.load(d / "calib.npy")
    design = compile_onnx(onnx.load(d / "qdq.onnx"), None)
    ours = run_pipeline(design.blocks, design.input_codes(x)).reshape(len(x), -1)
    ort = onnxruntime_output_codes(onnx.load(d / "qdq.onnx"), x).reshape(len(x), -1)
    assert np.abs(ours - ort).max() <= 1
