"""examples/digits_mlp.py runs; its RTL equals the golden model, cycle for cycle, and its OUT
is what the command line writes (``hwgen report`` reads it)."""

import json

import numpy as np
import pytest

from tests.fixtures.cli_helpers import check_result, run_cli
from tests.fixtures.example_helpers import read_json, rtl_accuracy, run_example
from tests.fixtures.lint import assert_lint_clean

pytestmark = pytest.mark.cosim


def check_digits_mlp(out, n):
    """OUT of a digits_mlp run over ``n`` test images; returns its summary.json."""
    check_result(out / "design", n)
    assert_lint_clean(out / "design")
    labels = np.load(out / "test_labels.npy")
    assert len(labels) == n
    assert np.load(out / "design/sim/outputs_int.npy").shape == (n, 10)   # n x 10 outputs
    summary = read_json(out / "summary.json")
    assert summary["rtl_accuracy"] == rtl_accuracy(out / "design", labels)
    assert summary["golden_accuracy"] == summary["rtl_accuracy"]
    manifest = read_json(out / "design/manifest.json")
    assert [layer["name"] for layer in manifest["layers"]] == ["fc1", "fc2", "fc3"]
    return summary


def test_digits_mlp_on_verilator(verilator, tmp_path):
    result = run_example("digits_mlp", "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = check_digits_mlp(tmp_path / "out", 360)
    # the README's figures: 96.94% float, 96.67% int8 on the 360 test images
    assert summary["float_accuracy"] >= 0.95 and summary["rtl_accuracy"] >= 0.95


def test_digits_mlp_on_icarus_and_hwgen_report_reads_its_out(icarus, tmp_path):
    result = run_example("digits_mlp", "--simulator", "icarus", "--limit", "12", "--out",
                         tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    check_digits_mlp(tmp_path / "out", 12)
    sim = read_json(tmp_path / "out/design/sim/result.json")
    report = run_cli("report", tmp_path / "out/design", "--json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["simulation"]["simulator"] == "icarus"
    assert data["simulation"]["num_inferences"] == 12 and data["simulation"]["bit_exact"] is True
    assert [(layer["name"], layer["latency_rtl"]) for layer in data["layers"]] == [
        (layer["name"], layer["latency_rtl"]) for layer in sim["layers"]]
    assert (tmp_path / "out/design/report.md").exists()
