"""hwgen synth --target xcup (Yosys synth_xilinx, UltraScale+ cells) on a tiny MLP."""

from __future__ import annotations

import json

import pytest

from hwgen.synth import RESOURCES_FILE
from hwgen.synth.tools import YOSYS
from tests.fixtures.cli_helpers import run_cli

from .conftest import require_yowasp
from .estimate import check_estimate
from .expected import expected_dsps

pytestmark = pytest.mark.synth


@pytest.fixture(scope="module")
def synthesized(tiny_design):
    require_yowasp(YOSYS)
    result = run_cli("synth", tiny_design, "--target", "xcup")
    assert result.returncode == 0, result.stderr
    return tiny_design, json.loads((tiny_design / RESOURCES_FILE).read_text())


def test_xcup_per_layer_dsp48e2(synthesized):
    out, data = synthesized
    assert data["target"] == "xcup" and data["device"] is None
    expected = expected_dsps(out, "xcup")
    assert {layer["name"]: layer["resources"]["dsp"] for layer in data["layers"]} == expected
    for layer in data["layers"]:
        assert layer["cells"].get("DSP48E2", 0) == expected[layer["name"]]
        assert layer["resources"]["lut"] > 0 and layer["resources"]["ff"] > 0


def test_xcup_has_no_timing(synthesized):
    _, data = synthesized
    assert data["fmax_mhz"] is None and data["critical_path"] is None
    assert data["harness"] is None


def test_xcup_every_cell_is_counted_or_known(synthesized):
    _, data = synthesized
    assert data["unclassified_cells"] == []
    # Yosys maps the adders onto carry cells: the accumulators need them
    for layer in data["layers"]:
        assert layer["resources"]["carry"] > 0, layer["name"]


def test_xcup_estimate_within_the_cost_models_targets(synthesized):
    out, data = synthesized
    problems = check_estimate(out, data, "xcup")
    assert not problems, "\n".join(problems)
