"""`hwgen compile` / `hwgen sim` (Icarus) on a float CNN with MX weights on its Conv and Gemm nodes:
the manifest shows sliding windows feeding MX MVAUs, the RTL equals the golden model and
every transfer the cycle model; a config the CNN cannot use gives one clear error."""

import json

import numpy as np
import onnx
import pytest

from tests.fixtures.cli_helpers import run_cli
from tests.fixtures.cnn_builders import digits_like_cnn

CONFIG = """\
[default]
weights = "mxfp4"

[layer.conv1]
block_size = 9

[layer.conv2]
weights = "mx6"
block_size = 12

[layer.fc]
weights = "mxfp8_e4m3"
block_size = 18
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("mx_cnn")
    onnx.save(digits_like_cnn(seed=7, image=(3, 6, 6), channels=(4, 6), classes=5),
              d / "cnn.onnx")
    rng = np.random.default_rng(8)
    calib = rng.uniform(0, 1, (200, 3, 6, 6)).astype(np.float32)
    np.save(d / "calib.npy", calib)
    np.save(d / "x.npy", calib[:4])
    (d / "config.toml").write_text(CONFIG)
    return d


@pytest.mark.cosim
def test_mx_cnn_compile_and_sim_on_icarus(files, icarus):
    # Icarus: a cold Verilator build of a CNN takes about a minute; examples/digits_mx_cnn.py
    # runs MX CNNs on Verilator.
    d = files
    compiled = run_cli("compile", d / "cnn.onnx", "--calib", d / "calib.npy", "--config",
                       d / "config.toml", "-o", d / "out", "--max-macs", 8)
    assert compiled.returncode == 0, compiled.stderr
    layers = json.loads((d / "out/manifest.json").read_text())["layers"]
    assert [layer["kind"] for layer in layers] == [
        "sliding_window", "mx_mvau", "sliding_window", "window_reduce", "sliding_window",
        "mx_mvau", "mx_mvau"]
    mx = [layer for layer in layers if layer["kind"] == "mx_mvau"]
    assert [layer["weight_type"] for layer in mx] == ["mxfp4", "mx6", "mxfp8_e4m3"]
    assert [layer["weight_block"] for layer in mx] == [9, 12, 18]
    assert mx[0]["bits_per_weight"] == 4 + 8 / 9 and mx[1]["bits_per_weight"] == 5 + 1 / 2 + 8 / 12
    assert [layer["vectors"] for layer in mx] == [36, 9, 1]
    simulated = run_cli("sim", d / "out", "--inputs", d / "x.npy", "--simulator", "icarus")
    assert simulated.returncode == 0, simulated.stderr
    result = json.loads((d / "out/sim/result.json").read_text())
    assert result["bit_exact"] is True and result["mismatches"] == 0
    assert result["cycles_exact"] is True and result["num_inferences"] == 4
    c = result["cycles"]
    assert c["latency_rtl"] == c["latency_model"] and c["ii_rtl"] == c["ii_model"]
    assert c["total_rtl"] == c["total_model"]


def test_block_size_that_does_not_divide_a_kernel_is_one_clear_error(files, tmp_path):
    (tmp_path / "bad.toml").write_text('[default]\nweights = "mx6"\n')
    compiled = run_cli("compile", files / "cnn.onnx", "--calib", files / "calib.npy",
                       "--config", tmp_path / "bad.toml", "-o", tmp_path / "o")
    assert compiled.returncode == 2 and "Traceback" not in compiled.stderr
    assert "layer 'conv1': weights = 'mx6' in blocks of 16" in compiled.stderr
    assert "27 has no even divisor; use another weight format for this layer" \
        in compiled.stderr
    assert "set block_size in [layer.conv2] to one of 2, 4, 6, 12, 18, 36" in compiled.stderr
    assert not (tmp_path / "o").exists()


def test_mx_activations_in_a_cnn_are_rejected_with_the_fix(files, tmp_path):
    (tmp_path / "bad.toml").write_text('[layer.conv2]\nactivations = "mxfp8_e4m3"\n')
    compiled = run_cli("compile", files / "cnn.onnx", "--calib", files / "calib.npy",
                       "--config", tmp_path / "bad.toml", "-o", tmp_path / "o")
    assert compiled.returncode == 2 and "Traceback" not in compiled.stderr
    assert ("layer 'conv2': activations = 'mxfp8_e4m3': MX activations are not supported in a "
            "convolutional network") in compiled.stderr
    assert "set activations = 'int8' in [layer.conv2]" in compiled.stderr
