"""The binarized digits example runs, and its RTL results equal the golden model."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.cosim


def test_binary_mlp_on_icarus(icarus, tmp_path):
    # A shorter training and a smaller folding keep this quick; `make`-free users run the
    # example as it is (Verilator, the whole test split).
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples/binary_mlp.py"), "--simulator", "icarus",
         "--limit", "24", "--epochs", "15", "--max-macs", "64", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "RTL equals golden model: True (0 of 240 outputs differ)" in out
    assert "every transfer in the cycle the model predicts: True" in out
    accuracy = dict(re.findall(r"^\| (float|golden model|RTL)[^|]*\| ([\d.]+)% \|$", out, re.M))
    assert float(accuracy["RTL"]) == float(accuracy["golden model"])
    assert float(accuracy["float"]) >= 80 and float(accuracy["golden model"]) >= 80
    kinds = re.findall(r"^\| fc\d \| (\w+) \|", out, re.M)
    assert kinds == ["bwn_mvau", "xnor_mvau", "xnor_mvau"]
