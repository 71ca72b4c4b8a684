"""examples/digits_mx.py runs: golden accuracy of every weight format, and the RTL of a subset
(MXFP4 and the two-level MX6, on Icarus over 30 test images: the Verilator builds of every
format take minutes) equal to the golden model with every transfer as modelled."""

import numpy as np
import pytest

from tests.fixtures.cli_helpers import check_result
from tests.fixtures.example_helpers import read_json, rtl_accuracy, run_example
from tests.fixtures.lint import assert_lint_clean

pytestmark = pytest.mark.cosim


def test_digits_mx_example(icarus, tmp_path):
    out = tmp_path / "out"
    result = run_example("digits_mx", "--simulator", "icarus", "--rtl", "mxfp4,mx6",
                         "--limit", "30", "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = read_json(out / "summary.json")
    rows = {row["row"]: row for row in summary["rows"]}
    assert list(rows) == ["int8", "mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e2m3", "mxfp6_e3m2",
                          "mxfp4", "mxint8", "mx9", "mx6", "mx4", "mx6+mxfp8_e4m3"]
    # bits per weight: 4-bit codes + one 8-bit exponent per 32 (MXFP4); MX6 / MX4 per 16:
    # sign + 4 / 2 magnitude bits, 8/16 shared exponent, 1/2 micro-exponent
    expected_bits = {"mxfp4": 4.25, "mx6": 6, "mx4": 4, "int8": 8}
    for row, bits in expected_bits.items():
        assert rows[row]["bits_per_weight"] == pytest.approx(bits), row
    labels = np.load(out / "test_labels.npy")
    for row in ("mxfp4", "mx6"):
        assert rows[row]["dir"] == row
        check_result(out / row, 30)
        assert_lint_clean(out / row)
        assert rows[row]["rtl_accuracy"] == rtl_accuracy(out / row, labels)
        assert rows[row]["rtl_accuracy"] == rows[row]["golden_accuracy"]
    assert [r for r in rows if rows[r]["dir"]] == ["mxfp4", "mx6"]
    assert summary["ok"] is True
