"""examples/digits_mx_cnn.py runs and prints its table (golden model and cycle model only, to
keep CI modest: 2 epochs, 40 test images; MX CNNs on the RTL are covered by
tests/test_mx_cnn_cli.py and tests/cosim/test_mx_cnn.py; ``--rtl all`` on Verilator takes
about five minutes)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_digits_mx_cnn_table(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "examples/digits_mx_cnn.py"),
                             "--epochs", "2", "--limit", "40", "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in result.stdout.splitlines() if line.startswith("| ")}
    assert rows["int8"][0] == "int8 (8x1) + int8 (4x8)" and rows["int8"][1] == "8"
    assert rows["mxfp4"][0].startswith("mxfp4/9 (") and "mxfp4/24 (" in rows["mxfp4"][0]
    # 9 codes of 4 bits + one 8-bit exponent (conv1); 72 = 3 blocks of 24 + 3 exponents (conv2)
    assert rows["mxfp4"][1] == f"{(8 * (9 * 4 + 8) + 16 * (72 * 4 + 24)) / (8 * 9 + 16 * 72):.3g}"
    assert rows["mx6"][0].startswith("int8 (") and "mx6/12 (" in rows["mx6"][0]
    assert rows["mxfp8_e4m3"][1] == f"{8 + 8 / 9 * 72 / 1224 + 8 / 24 * 1152 / 1224:.3g}"
    for row in ("int8", "mxfp8_e4m3", "mxfp4", "mx6"):
        assert float(rows[row][2].rstrip("%")) >= 50.0
        assert rows[row][3] == "576"             # conv1's window: 8x8 pixels x 3x3 positions
