"""The resource estimate where users see it: manifest.json, ``hwgen compile --cost-target``
and ``hwgen report``."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

import hwgen
from hwgen.cli import main
from hwgen.perf.cost import RESOURCE_NAMES, design_cost
from hwgen.perf.cost.coefficients import FITTED
from tests.fixtures.cli_helpers import run_cli
from tests.fixtures.onnx_builders import gemm_mlp


@pytest.fixture(scope="module")
def mlp_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("mlp")
    rng = np.random.default_rng(4)
    proto, _, _ = gemm_mlp(rng, [12, 16, 6])
    onnx.save(proto, d / "mlp.onnx")
    np.save(d / "calib.npy", rng.normal(0, 1, (200, 12)).astype(np.float32))
    return d


def test_save_writes_the_estimate_of_the_chosen_target(mlp_files, tmp_path):
    design = hwgen.compile(mlp_files / "mlp.onnx", np.load(mlp_files / "calib.npy"),
                           max_macs=16)
    design.save(tmp_path / "out", cost_target="xcup")
    estimate = json.loads((tmp_path / "out/manifest.json").read_text())["estimate"]
    assert estimate["model"] == "analytic" and estimate["target"] == "xcup"
    assert estimate["coefficients"] == FITTED
    assert [layer["name"] for layer in estimate["layers"]] == [b.name for b in design.blocks]
    assert [layer["instance"] for layer in estimate["layers"]] == ["layer_0", "layer_1"]
    # the total is the sum of the layers and the glue, and what design_cost gives
    for key in RESOURCE_NAMES:
        parts = estimate["layers"] + estimate["glue"]
        assert estimate["total"][key] == sum(p["resources"][key] for p in parts), key
    expected = design_cost(design.blocks, design.lowered.edges, "xcup").total.as_dict()
    assert estimate["total"] == expected


def test_compile_defaults_to_the_synthesis_default_target(mlp_files, tmp_path, capsys):
    assert main(["compile", str(mlp_files / "mlp.onnx"), "--calib",
                 str(mlp_files / "calib.npy"), "-o", str(tmp_path / "out")]) == 0
    estimate = json.loads((tmp_path / "out/manifest.json").read_text())["estimate"]
    assert estimate["target"] == "ecp5"
    shown = capsys.readouterr().out
    assert "## Estimated resources (analytic model, ecp5)" in shown
    assert "Run `hwgen synth --target ecp5` to compare with Yosys." in shown


def test_report_shows_the_estimate_per_layer(mlp_files, tmp_path, capsys):
    assert main(["compile", str(mlp_files / "mlp.onnx"), "--calib",
                 str(mlp_files / "calib.npy"), "-o", str(tmp_path / "out"),
                 "--cost-target", "ice40"]) == 0
    capsys.readouterr()
    assert main(["report", str(tmp_path / "out"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["estimate"]["target"] == "ice40"
    assert main(["report", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.splitlines()
    head = lines.index("## Estimated resources (analytic model, ice40)")
    table = lines[head + 2:]
    assert table[0] == "| block | LUT | FF | CARRY | DSP | BRAM | LUTRAM |"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table[2:6]}
    assert set(rows) == {"fc0", "fc1", "glue (FIFOs, width converters, top)", "**total**"}
    # iCE40 without -dsp: the multiplications are in logic
    assert rows["**total**"].split(" | ")[4] == "0"


def test_unknown_cost_target_is_an_argument_error(mlp_files, tmp_path):
    result = run_cli("compile", mlp_files / "mlp.onnx", "--calib", mlp_files / "calib.npy",
                     "-o", tmp_path / "out", "--cost-target", "virtex")
    assert result.returncode == 2
    assert "--cost-target: invalid choice: 'virtex'" in result.stderr
    assert not (tmp_path / "out").exists()
