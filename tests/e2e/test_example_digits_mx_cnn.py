"""examples/digits_mx_cnn.py runs and writes its table (golden model and cycle model only, to
keep CI modest: 2 epochs, 40 test images; MX CNNs on the RTL are covered by
tests/e2e/test_mx_cnn_cli.py and tests/cosim/test_mx_cnn.py; ``--rtl all`` on Verilator takes
about five minutes)."""

import pytest

from tests.fixtures.example_helpers import read_json, run_example


def test_digits_mx_cnn_table(tmp_path):
    out = tmp_path / "out"
    result = run_example("digits_mx_cnn", "--epochs", "2", "--limit", "40", "--out", out,
                         cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {row["row"]: row for row in read_json(out / "summary.json")["rows"]}
    assert list(rows) == ["int8", "mxfp8_e4m3", "mxfp4", "mx6"]
    # max-macs 64: conv2 (16 pixels x 16 x 72) gets 8x8 multipliers, 288 cycles; conv1
    # (64 pixels x 8 x 9) the fewest within them, 2x9 (the window sends whole 3x3 patches)
    assert rows["int8"]["conv_formats"] == "int8 (2x9) + int8 (8x8)"
    assert rows["int8"]["conv_bits_per_weight"] == 8
    assert rows["mxfp4"]["conv_formats"].startswith("mxfp4/9 (")
    assert "mxfp4/24 (" in rows["mxfp4"]["conv_formats"]
    # 9 codes of 4 bits + one 8-bit exponent (conv1); 72 = 3 blocks of 24 + 3 exponents (conv2)
    assert rows["mxfp4"]["conv_bits_per_weight"] == pytest.approx(
        (8 * (9 * 4 + 8) + 16 * (72 * 4 + 24)) / (8 * 9 + 16 * 72))
    assert rows["mx6"]["conv_formats"].startswith("int8 (")
    assert "mx6/12 (" in rows["mx6"]["conv_formats"]
    assert rows["mxfp8_e4m3"]["conv_bits_per_weight"] == pytest.approx(
        8 + 8 / 9 * 72 / 1224 + 8 / 24 * 1152 / 1224)
    for row in rows.values():
        assert row["golden_accuracy"] >= 0.5
        assert row["ii"] == 288              # 16 * 16 * 72 / 64: conv2 at the budget
        assert row["dir"] is None and row["rtl_accuracy"] is None    # --rtl none
