"""The timing checks every placed-and-routed target shares (ECP5, iCE40)."""

from __future__ import annotations

import json

import pytest

#: the tiny MLP's glue instances and the pin harness, where a critical path may also sit
TINY_MLP_GLUE = {"dwc_1_0", "in_fifo_1_0", "hwgen_top", "harness"}


def check_timing(out, data: dict) -> dict:
    """Fmax, throughput and critical path of ``resources.json`` (``data``) against the
    design in ``out``: Fmax is 1 / the path's delay, throughput Fmax / II, and the path runs
    through named blocks. Returns the path."""
    manifest = json.loads((out / "manifest.json").read_text())
    assert 1 < data["fmax_mhz"] < 1000
    assert data["target_mhz"] == 150 and data["seed"] == 1
    assert data["throughput_inferences_per_s"] == pytest.approx(
        data["fmax_mhz"] * 1e6 / manifest["predicted"]["ii"], rel=1e-6)
    path = data["critical_path"]
    # the period is the path's delay (nextpnr: Fmax = 1 / critical path delay)
    assert 1000 / path["delay_ns"] == pytest.approx(data["fmax_mhz"], rel=0.02)
    names = {layer["name"] for layer in manifest["layers"]} | TINY_MLP_GLUE
    assert path["blocks"] and set(path["blocks"]) <= names
    return path
