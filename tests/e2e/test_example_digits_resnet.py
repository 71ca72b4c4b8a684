"""examples/digits_resnet.py runs end to end; its RTL equals the golden model, cycle for cycle.

What it runs, to keep CI modest: 6 training epochs instead of 40 and the first 6 test images on
Icarus (two small builds: the hwgen-PTQ and the onnxruntime-QDQ design). A residual CNN on
Verilator is covered by tests/test_resnet_cli.py; the full example,
``python examples/digits_resnet.py`` (all 360 images, Verilator), takes about three minutes.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.cosim


def test_digits_resnet_on_icarus(icarus, tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "examples/digits_resnet.py"),
                             "--limit", "6", "--epochs", "6", "--simulator", "icarus",
                             "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    for label in ("hwgen PTQ", "onnxruntime QDQ"):
        assert (f"{label}: RTL equals golden model: True (0 of 60 outputs differ); every "
                "transfer in the cycle the model predicts: True") in out
    assert "| initiation interval | 576 | 576 | 576 | 576 |" in out
    assert "| add | eltwise_add | 4x4x16 <- 4x4x16 |" in out
    # the golden model of the QDQ design against onnxruntime's own execution (QLinearAdd)
    line = next(l for l in out.splitlines() if l.startswith("onnxruntime QDQ: golden model vs"))
    assert "largest difference 0 LSB" in line or "largest difference 1 LSB" in line
    per_layer = next(l for l in out.splitlines() if l.startswith("per layer"))
    assert "add " in per_layer and "unexplained" not in per_layer
    accuracies = [float(l.split("|")[2].strip(" %")) for l in out.splitlines()
                  if len(l.split("|")) == 4 and l.rstrip().endswith("% |")]
    assert len(accuracies) == 6 and min(accuracies) >= 50.0   # 6 images, 6 epochs
