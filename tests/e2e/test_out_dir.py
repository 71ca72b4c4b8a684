"""Compile's output directory (finding 3): written beside OUT and renamed into place, a foreign
non-empty OUT refused without --force, nothing stale survives a recompile, and ``hwgen report``
shows a simulation only with the design it describes."""

import hashlib
import json

import numpy as np
import onnx
import pytest

import hwgen
from hwgen.backend import writer
from hwgen.cli import main
from hwgen.errors import HwgenError
from tests.fixtures.cli_helpers import run_cli
from tests.fixtures.onnx_builders import gemm_mlp


@pytest.fixture
def models(tmp_path):
    rng = np.random.default_rng(3)
    for name, sizes in (("big", [12, 16, 6]), ("small", [12, 4])):
        proto, _, _ = gemm_mlp(rng, sizes)
        onnx.save(proto, tmp_path / f"{name}.onnx")
    np.save(tmp_path / "calib.npy", rng.normal(0, 1, (100, 12)).astype(np.float32))
    np.save(tmp_path / "x.npy", rng.normal(0, 1, (4, 12)).astype(np.float32))
    return tmp_path


def compile_cli(d, model, out, *extra):
    return main(["compile", str(d / f"{model}.onnx"), "--calib", str(d / "calib.npy"), "-o",
                 str(out), *map(str, extra)])


def tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def fake_result(out, design_sha256):
    """A result.json as a simulation of ``out`` writes it (design_sha256 recorded)."""
    result = {"simulator": "verilator", "driver": "harness", "num_inferences": 4,
              "bit_exact": True, "mismatches": 0, "cycles_exact": True,
              "cycles_per_second": 1e6, "layers": [],
              "cycles": {"latency_rtl": 1, "latency_model": 1, "ii_rtl": 1, "ii_model": 1}}
    if design_sha256 is not None:
        result["design_sha256"] = design_sha256
    (out / "sim").mkdir(exist_ok=True)
    (out / "sim/result.json").write_text(json.dumps(result))


def test_a_foreign_non_empty_directory_is_refused_unless_forced(models, capsys):
    d, out = models, models / "mine"
    (out / "rtl").mkdir(parents=True)
    (out / "rtl/hwgen_top.v").write_text("// my own Verilog\n")
    (out / "manifest.json").write_text('{"my": "manifest"}\n')
    before = tree(out)
    assert compile_cli(d, "big", out) == 2
    err = capsys.readouterr().err
    assert "is not empty (manifest.json, rtl) and was not written by hwgen" in err
    assert "--force" in err and tree(out) == before
    assert compile_cli(d, "big", out, "--force") == 0
    assert (out / "rtl/hwgen_top.v").read_text() != "// my own Verilog\n"
    assert (out / writer.MARKER_FILE).exists()


def test_an_empty_or_new_directory_and_an_hwgen_directory_are_accepted(models):
    d = models
    (d / "empty").mkdir()
    assert compile_cli(d, "big", d / "empty") == 0
    assert compile_cli(d, "big", d / "new/deep") == 0
    assert compile_cli(d, "small", d / "empty") == 0            # hwgen wrote it: replaced


def test_recompile_leaves_nothing_stale(models):
    d, out = models, models / "out"
    assert compile_cli(d, "big", out) == 0
    big_images = {p.name for p in (out / "mem").iterdir()}
    fake_result(out, writer.design_sha256(out))
    (out / "synth").mkdir()
    (out / "synth/resources.json").write_text("{}")
    (out / "report.md").write_text("old report\n")
    assert compile_cli(d, "small", out) == 0
    assert not (out / "sim").exists() and not (out / "synth").exists()
    assert not (out / "report.md").exists()
    small_images = {p.name for p in (out / "mem").iterdir()}
    assert small_images < big_images, "memory images of the larger design survived"
    assert {p.name for p in d.iterdir() if ".hwgen-" in p.name} == set(), "temporaries left"


def test_empty_output_path_is_refused(models):
    result = run_cli("compile", models / "big.onnx", "--calib", models / "calib.npy", "-o", "")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "argument -o/--output: the output directory is empty" in result.stderr
    with pytest.raises(HwgenError, match="output directory is empty"):
        hwgen.compile(models / "big.onnx", np.load(models / "calib.npy")).save("")


def test_output_holding_the_working_directory_is_refused(models, monkeypatch, capsys):
    d = models
    (d / "work").mkdir()
    monkeypatch.chdir(d / "work")
    assert compile_cli(d, "big", ".") == 2
    assert "holds the current directory" in capsys.readouterr().err
    assert compile_cli(d, "big", d) == 2


def test_an_interrupted_write_leaves_the_previous_output(models, monkeypatch):
    d, out = models, models / "out"
    assert compile_cli(d, "big", out) == 0
    before = tree(out)

    def crash(design, new, *_):
        (new / "half-written").write_text("x")
        raise KeyboardInterrupt

    monkeypatch.setattr(writer, "_write_tree", crash)
    assert compile_cli(d, "small", out) == 130
    assert tree(out) == before
    assert [p.name for p in d.iterdir() if ".hwgen-" in p.name] == []


def test_report_shows_only_a_simulation_of_this_design(models, capsys):
    d, out = models, models / "out"
    assert compile_cli(d, "big", out) == 0
    current = writer.design_sha256(out)
    assert current == hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    capsys.readouterr()
    for recorded, shown in ((current, True), ("0" * 64, False), (None, False)):
        fake_result(out, recorded)
        assert main(["report", str(out)]) == 0
        markdown = capsys.readouterr().out
        assert ("Simulation (verilator" in markdown) is shown, recorded
        assert ("no simulation of this design yet" in markdown) is not shown, recorded
        assert main(["report", str(out), "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert (data["simulation"] is not None) is shown


@pytest.mark.cosim
def test_report_after_recompiling_a_simulated_out(models, verilator, capsys):
    """The issue's case: simulate one model, recompile another into the same OUT."""
    d, out = models, models / "out"
    assert compile_cli(d, "big", out) == 0
    assert main(["sim", str(out), "--inputs", str(d / "x.npy")]) == 0
    result = json.loads((out / "sim/result.json").read_text())
    assert result["design_sha256"] == writer.design_sha256(out)
    saved = (out / "sim/result.json").read_text()
    assert compile_cli(d, "small", out) == 0
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    assert "no simulation of this design yet" in capsys.readouterr().out
    fake = out / "sim"
    fake.mkdir()
    (fake / "result.json").write_text(saved)           # an old result put back by hand
    assert main(["report", str(out)]) == 0
    markdown = capsys.readouterr().out
    assert "no simulation of this design yet" in markdown and "another compile" in markdown
