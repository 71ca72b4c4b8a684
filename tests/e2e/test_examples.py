"""Every example runs, and its RTL results equal the golden model."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.cosim


def run_example(*args, cwd):
    return subprocess.run([sys.executable, str(ROOT / "examples/digits_mlp.py"), *args],
                          capture_output=True, text=True, cwd=cwd)


def test_digits_mlp_on_verilator(verilator, tmp_path):
    result = run_example("--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RTL equals golden model: True (0 of 3600 outputs differ)" in result.stdout
    assert "every transfer in the cycle the model predicts: True" in result.stdout


def test_digits_mlp_on_icarus(icarus, tmp_path):
    result = run_example("--simulator", "icarus", "--limit", "12", "--out",
                         str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RTL equals golden model: True (0 of 120 outputs differ)" in result.stdout
