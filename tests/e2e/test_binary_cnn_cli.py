"""`hwgen compile` / `hwgen sim` on a float CNN whose convolutions have binary (BWN) and
ternary (TTQ) weights (CONFIG.toml): the simulated design is bit exact and cycle exact."""

import json

import numpy as np
import onnx
import pytest

from hwgen.cli import main
from tests.fixtures.cnn_builders import digits_like_cnn


@pytest.mark.cosim
def test_binary_cnn_compile_and_sim(tmp_path, icarus):
    d = tmp_path
    proto = digits_like_cnn(seed=3, image=(3, 6, 6), channels=(4, 6), classes=5)
    calib = np.random.default_rng(4).uniform(0, 1, (200, 3, 6, 6)).astype(np.float32)
    onnx.save(proto, d / "bcnn.onnx")
    np.save(d / "calib.npy", calib)
    np.save(d / "x.npy", calib[:6])
    (d / "config.toml").write_text(
        '[layer.conv1]\nweights = "binary"\n\n'
        '[layer.conv2]\nweights = "ternary"\nternarize = "ttq"\npe = 3\nsimd = 12\n')
    assert main(["compile", str(d / "bcnn.onnx"), "--calib", str(d / "calib.npy"),
                 "-o", str(d / "out"), "--config", str(d / "config.toml")]) == 0
    manifest = json.loads((d / "out/manifest.json").read_text())
    assert [(layer["name"], layer["kind"]) for layer in manifest["layers"]] == [
        ("conv1.window", "sliding_window"), ("conv1", "bwn_mvau"),
        ("pool1.window", "sliding_window"), ("pool1", "window_reduce"),
        ("conv2.window", "sliding_window"), ("conv2", "ternary_mvau"), ("fc", "int_mvau")]
    conv2 = manifest["layers"][5]
    assert (conv2["pe"], conv2["simd"]) == (3, 12) and conv2["weight_type"] == "ternary"
    assert main(["sim", str(d / "out"), "--inputs", str(d / "x.npy"), "--simulator",
                 "icarus"]) == 0
    result = json.loads((d / "out/sim/result.json").read_text())
    assert result["bit_exact"] is True and result["mismatches"] == 0
    assert result["cycles_exact"] is True and result["num_inferences"] == 6
    c = result["cycles"]
    assert c["latency_rtl"] == c["latency_model"] and c["ii_rtl"] == c["ii_model"]
    assert len(np.unique(np.load(d / "out/sim/outputs_int.npy"))) > 5
