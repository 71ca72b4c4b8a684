"""`hwgen compile` / `hwgen sim` / `hwgen report` on a mixed binary pipeline (a QONNX model):
int8 input layer with binary weights, an XNOR hidden layer, an int8 output layer."""

import json

import numpy as np
import onnx
import pytest

from hwgen.cli import main
from tests.fixtures.qonnx_builders import qonnx_mlp


@pytest.fixture
def bnn_files(tmp_path):
    rng = np.random.default_rng(14)
    model = qonnx_mlp(rng, [16, 24, 12, 10], [
        dict(weights="bipolar", bn=True, act="bipolar"),                 # int8 x binary
        dict(weights="quant1", bn=True, act="bipolar"),                  # XNOR
        dict(weights="bipolar", alpha="channel", gemm=True, act=None),   # XNOR, int8 out
    ], input_quant=(8, 1, 1 / 64))
    onnx.save(model, tmp_path / "bnn.onnx")
    np.save(tmp_path / "calib.npy", rng.uniform(-1, 1, (300, 16)).astype(np.float32))
    np.save(tmp_path / "x.npy", rng.uniform(-1, 1, (24, 16)).astype(np.float32))
    return tmp_path


@pytest.mark.cosim
def test_compile_sim_report_binary_pipeline(bnn_files, icarus, capsys):
    d = bnn_files
    (d / "config.toml").write_text('[default]\noutput = "int8"\n\n[layer.fc1]\npe = 4\nsimd = 6\n')
    assert main(["check", str(d / "bnn.onnx")]) == 0
    assert main(["compile", str(d / "bnn.onnx"), "--calib", str(d / "calib.npy"),
                 "-o", str(d / "out"), "--config", str(d / "config.toml")]) == 0
    manifest = json.loads((d / "out/manifest.json").read_text())
    assert [(layer["name"], layer["kind"]) for layer in manifest["layers"]] == [
        ("fc0", "bwn_mvau"), ("fc1", "xnor_mvau"), ("fc2", "xnor_mvau")]
    assert (manifest["layers"][1]["pe"], manifest["layers"][1]["simd"]) == (4, 6)
    assert manifest["input"]["type"] == "int8" and manifest["output"]["type"] == "int8"
    assert manifest["layers"][0]["input_format"]["element"] == "int8"
    assert manifest["layers"][1]["input_format"]["element"] == "uint1"     # bipolar bits
    images = manifest["files"]["memory_images"]
    assert "layer0.thresholds" in images and "layer2.thresholds" not in images

    assert main(["sim", str(d / "out"), "--inputs", str(d / "x.npy"), "--simulator",
                 "icarus"]) == 0
    result = json.loads((d / "out/sim/result.json").read_text())
    assert result["bit_exact"] is True and result["mismatches"] == 0
    assert result["cycles_exact"] is True and result["num_inferences"] == 24
    c = result["cycles"]
    assert c["latency_rtl"] == c["latency_model"] and c["ii_rtl"] == c["ii_model"]
    assert len(np.unique(np.load(d / "out/sim/outputs_int.npy"))) > 10

    capsys.readouterr()
    assert main(["report", str(d / "out")]) == 0
    markdown = capsys.readouterr().out
    assert "| fc1 | xnor_mvau | 12 <- 24 | bipolar / uint1 / uint1 |" in markdown


def test_binary_config_errors_through_the_cli(bnn_files, capsys):
    d = bnn_files
    (d / "bad.toml").write_text('[default]\nweights = "ternary"\n')
    assert main(["compile", str(d / "bnn.onnx"), "--calib", str(d / "calib.npy"),
                 "-o", str(d / "o"), "--config", str(d / "bad.toml")]) == 2
    err = capsys.readouterr().err
    assert "weights cannot be set for bnn.onnx: a QONNX model carries its own weight" in err
    assert not (d / "o").exists()
