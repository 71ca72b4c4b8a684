"""`hwgen compile` / `hwgen sim` / `hwgen report` end to end on a model with MX layers, and a bad
MX configuration on the command line."""

import json

import numpy as np
import onnx
import pytest

from hwgen.cli import main
from tests.fixtures.cli_helpers import run_cli
from tests.fixtures.onnx_builders import gemm_mlp

# fc0: MXFP4 weights, int8 in, MXFP8 E4M3 out; fc1: MX6 weights on MXFP8 inputs, int8 out.
CONFIG = """\
[default]
weights = "mxfp4"
block_size = 8

[layer.fc1]
weights = "mx6"
activations = "mxfp8_e4m3"
"""


@pytest.mark.cosim
def test_compile_sim_report_with_mx_layers(tmp_path, verilator, capsys):
    rng = np.random.default_rng(4)
    proto, _, _ = gemm_mlp(rng, [16, 16, 8])
    onnx.save(proto, tmp_path / "mlp.onnx")
    np.save(tmp_path / "calib.npy", rng.normal(0, 1, (200, 16)).astype(np.float32))
    np.save(tmp_path / "x.npy", rng.normal(0, 1, (25, 16)).astype(np.float32))
    (tmp_path / "config.toml").write_text(CONFIG)
    out = tmp_path / "out"
    assert main(["compile", str(tmp_path / "mlp.onnx"), "--calib", str(tmp_path / "calib.npy"),
                 "-o", str(out), "--config", str(tmp_path / "config.toml")]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    layers = manifest["layers"]
    assert [layer["kind"] for layer in layers] == ["mx_mvau", "mx_mvau"]
    assert [layer["weight_type"] for layer in layers] == ["mxfp4", "mx6"]
    assert layers[0]["output_format"]["element"] == "mxfp8_e4m3/8"
    assert layers[0]["bits_per_weight"] == 4 + 8 / 8
    assert (out / "mem/layer0_scales.memh").exists()

    assert main(["sim", str(out), "--inputs", str(tmp_path / "x.npy")]) == 0
    result = json.loads((out / "sim/result.json").read_text())
    assert result["bit_exact"] is True and result["mismatches"] == 0
    assert result["cycles_exact"] is True
    c = result["cycles"]
    assert c["latency_rtl"] == c["latency_model"] and c["ii_rtl"] == c["ii_model"]
    assert c["total_rtl"] == c["total_model"]

    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    markdown = capsys.readouterr().out
    assert "| fc0 | mx_mvau | 16 <- 16 | mxfp4 / int8 / mxfp8_e4m3/8 |" in markdown
    assert "bit exact: yes" in markdown


def test_bad_mx_config_on_the_command_line_is_one_error_without_traceback(tmp_path):
    rng = np.random.default_rng(4)
    proto, _, _ = gemm_mlp(rng, [12, 16, 6])
    onnx.save(proto, tmp_path / "mlp.onnx")
    np.save(tmp_path / "calib.npy", rng.normal(0, 1, (50, 12)).astype(np.float32))
    (tmp_path / "c.toml").write_text('[default]\nweights = "mxfp4"\n')
    result = run_cli("compile", tmp_path / "mlp.onnx", "--calib", tmp_path / "calib.npy",
                     "-o", tmp_path / "o", "--config", tmp_path / "c.toml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "block_size = 32 does not divide its 12 inputs" in result.stderr
