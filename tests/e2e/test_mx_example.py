"""examples/digits_mx.py runs: golden accuracy of every weight format, and the RTL of a subset
(MXFP4 and the two-level MX6, on Icarus over 30 test images: the Verilator builds of every
format take minutes) equal to the golden model with every transfer as modelled."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.cosim


def test_digits_mx_example(icarus, tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples/digits_mx.py"), "--simulator", "icarus",
         "--rtl", "mxfp4,mx6", "--limit", "30", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split("|")[1].strip(): line for line in result.stdout.splitlines()
             if line.startswith("| ") and not line.startswith("| weights")}
    assert set(lines) == {"int8", "mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e2m3", "mxfp6_e3m2",
                          "mxfp4", "mxint8", "mx9", "mx6", "mx4", "mx6+mxfp8_e4m3"}
    assert "| mxfp4 | 4.25 |" in lines["mxfp4"] and "True (0 differ)" in lines["mxfp4"]
    assert "| mx6 | 6 |" in lines["mx6"] and "True (0 differ)" in lines["mx6"]
    assert "| mx4 | 4 |" in lines["mx4"] and "| int8 | 8 |" in lines["int8"]
    assert "every simulated RTL equals its golden model, every transfer as modelled: True" \
        in result.stdout
