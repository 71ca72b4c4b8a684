"""examples/qat_digits.py runs (one model, one precision, few epochs and images) and writes its
design as `hwgen compile` / `hwgen sim` do: rtl/, manifest.json, sim/result.json."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .qat_support import require_qat

require_qat()

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.qat, pytest.mark.cosim]


def test_qat_example_mlp_w2a2(verilator, tmp_path):
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, str(ROOT / "examples/qat_digits.py"), "--models", "mlp",
                          "--precisions", "w2a2", "--limit", "12", "--epochs", "2",
                          "--float-epochs", "3", "--out", str(out)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    row = next(line for line in run.stdout.splitlines() if line.startswith("| mlp | w2a2 |"))
    assert "| 3600/3600 |" in row and "| yes (0 of 120 differ) |" in row
    design = out / "mlp" / "w2a2"
    result = json.loads((design / "sim" / "result.json").read_text())
    assert result["bit_exact"] and result["cycles_exact"] is True
    assert result["num_inferences"] == 12
    assert (design / "manifest.json").is_file() and (design / "rtl").is_dir()
    summary = json.loads((out / "summary.json").read_text())["rows"][0]
    assert summary["contract_mismatches"] == 0 and summary["blocks"] == ["ternary_mvau"]
