"""Design.save writes what ``hwgen compile -o`` writes, byte for byte, and hwgen.load reads it
back to the same design."""

import numpy as np
import onnx
import pytest

import hwgen
from hwgen.cli import main
from tests.fixtures.onnx_builders import gemm_mlp


def tree(root):
    """Every file under ``root``: relative path -> bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("api")
    rng = np.random.default_rng(11)
    proto, _, _ = gemm_mlp(rng, [10, 8, 4])
    onnx.save(proto, d / "mlp.onnx")
    np.save(d / "calib.npy", rng.normal(0, 1, (100, 10)).astype(np.float32))
    (d / "config.toml").write_text('[layer.fc0]\npe = 2\nsimd = 5\n')
    return d


def test_save_writes_what_the_cli_writes(model_files, capsys):
    d = model_files
    assert main(["compile", str(d / "mlp.onnx"), "--calib", str(d / "calib.npy"), "-o",
                 str(d / "cli"), "--config", str(d / "config.toml"), "--max-macs", "8",
                 "--top", "acc"]) == 0
    capsys.readouterr()
    design = hwgen.compile(d / "mlp.onnx", np.load(d / "calib.npy"), d / "config.toml",
                           max_macs=8, top="acc")
    assert design.save(d / "api") == d / "api" and design.out == d / "api"
    cli, api = tree(d / "cli"), tree(d / "api")
    assert sorted(cli) == sorted(api)
    assert {"rtl/acc.v", "rtl/files.f", "rtl/lint_waivers.vlt", "design.npz",
            "manifest.json"} <= set(cli)
    for name in cli:
        assert cli[name] == api[name], name
    assert design.verilog.encode() == cli["rtl/acc.v"]
    # once saved, the manifest is the written one, files table included
    assert design.manifest["files"]["verilog"] == "rtl/acc.v"


def test_load_gives_back_the_same_design(model_files):
    d = model_files
    design = hwgen.load(d / "cli")
    assert design.out == d / "cli" and design.top == "acc"
    assert "saved in" in repr(design)
    compiled = hwgen.compile(d / "mlp.onnx", np.load(d / "calib.npy"), d / "config.toml",
                             max_macs=8, top="acc")
    x = np.random.default_rng(3).normal(0, 1, (30, 10)).astype(np.float32)
    np.testing.assert_array_equal(design.golden_int(x), compiled.golden_int(x))
    assert (design.blocks[0].pe, design.blocks[0].simd) == (2, 5)
    assert (design.latency, design.ii) == (compiled.latency, compiled.ii)
    assert design.verilog == compiled.verilog
    # the design file itself is accepted too
    assert hwgen.load(d / "cli" / "design.npz").out == d / "cli"
