"""The binarized digits example runs, and its RTL results equal the golden model."""

import numpy as np
import pytest

from tests.fixtures.cli_helpers import check_result
from tests.fixtures.example_helpers import read_json, rtl_accuracy, run_example
from tests.fixtures.lint import assert_lint_clean

pytestmark = pytest.mark.cosim


def test_binary_mlp_on_icarus(icarus, tmp_path):
    # A shorter training and a smaller folding keep this quick; `make`-free users run the
    # example as it is (Verilator, the whole test split).
    out = tmp_path / "out"
    result = run_example("binary_mlp", "--simulator", "icarus", "--limit", "24", "--epochs",
                         "15", "--max-macs", "64", "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    check_result(out / "design", 24)
    assert_lint_clean(out / "design")
    assert np.load(out / "design/sim/outputs_int.npy").size == 240
    summary = read_json(out / "summary.json")
    labels = np.load(out / "test_labels.npy")
    assert summary["rtl_accuracy"] == rtl_accuracy(out / "design", labels)
    assert summary["rtl_accuracy"] == summary["golden_accuracy"]
    assert summary["float_accuracy"] >= 0.8 and summary["golden_accuracy"] >= 0.8
    manifest = read_json(out / "design/manifest.json")
    assert [(layer["name"], layer["kind"]) for layer in manifest["layers"]] == [
        ("fc1", "bwn_mvau"), ("fc2", "xnor_mvau"), ("fc3", "xnor_mvau")]
