"""examples/digits_resnet.py runs end to end; its RTL equals the golden model, cycle for cycle.

What it runs, to keep CI modest: 6 training epochs instead of 40 and the first 6 test images on
Icarus (two small builds: the hwgen-PTQ and the onnxruntime-QDQ design). A residual CNN on
Verilator is covered by tests/e2e/test_resnet_cli.py; the full example,
``python examples/digits_resnet.py`` (all 360 images, Verilator), takes about three minutes.
"""

import pytest

from tests.fixtures.example_helpers import check_two_ways, read_json, run_example

pytestmark = pytest.mark.cosim


def test_digits_resnet_on_icarus(icarus, tmp_path):
    out = tmp_path / "out"
    result = run_example("digits_resnet", "--limit", "6", "--epochs", "6", "--simulator",
                         "icarus", "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = check_two_ways(out, "digits_resnet", 6)
    for tag in ("ptq", "qdq"):
        add = next(layer for layer in read_json(out / tag / "manifest.json")["layers"]
                   if layer["name"] == "add")
        assert add["kind"] == "eltwise_add"
        assert add["input_shape"] == add["output_shape"] == [4, 4, 16]
    # every layer of the QDQ model, the add included, against onnxruntime (QLinearAdd): each
    # difference has a known mechanism (docs/models.md)
    assert "add" in [layer["name"] for layer in summary["qdq_layers_vs_onnxruntime"]]
    assert summary["mechanisms"].get("unexplained", 0) == 0
