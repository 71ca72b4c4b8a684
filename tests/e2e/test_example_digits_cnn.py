"""examples/digits_cnn.py runs end to end; its RTL equals the golden model, cycle for cycle.

What it runs, to keep CI modest: 6 training epochs instead of 20 and the first 6 test images
on Icarus (two small builds: the hwgen-PTQ and the onnxruntime-QDQ design; ~10^4 cycles).
A CNN on Verilator is covered by tests/e2e/test_cnn_cli.py; the full example,
``python examples/digits_cnn.py`` (all 360 images, Verilator), takes about two minutes.
"""

import pytest

from tests.fixtures.example_helpers import check_two_ways, run_example

pytestmark = pytest.mark.cosim


def test_digits_cnn_on_icarus(icarus, tmp_path):
    result = run_example("digits_cnn", "--limit", "6", "--epochs", "6", "--simulator", "icarus",
                         "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = check_two_ways(tmp_path / "out", "digits_cnn", 6)
    assert [layer["name"] for layer in summary["qdq_layers_vs_onnxruntime"]] == [
        "conv1", "pool1", "conv2", "fc"]
