"""Bad flags, files and directories give one clear message and exit 2, without a traceback and
before any long work (findings 5 and 6)."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import onnx
import pytest

import hwgen
from hwgen.cli import main
from hwgen.errors import HwgenError
from tests.fixtures.cli_helpers import run_cli
from tests.fixtures.onnx_builders import gemm_mlp, init, model
from tests.fixtures.read_only import read_only


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("validation")
    rng = np.random.default_rng(4)
    proto, _, _ = gemm_mlp(rng, [12, 16, 6])
    onnx.save(proto, d / "mlp.onnx")
    np.save(d / "calib.npy", rng.normal(0, 1, (100, 12)).astype(np.float32))
    np.save(d / "x.npy", rng.normal(0, 1, (4, 12)).astype(np.float32))
    assert main(["compile", str(d / "mlp.onnx"), "--calib", str(d / "calib.npy"), "-o",
                 str(d / "out")]) == 0
    return d


def refused(result, *needles):
    """Exit 2, one message naming every needle, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    return result.stderr


@pytest.mark.parametrize("flag", ["--idle", "--backpressure"])
@pytest.mark.parametrize("value", ["nan", "-1", "1.0", "1", "inf", "x"])
def test_probabilities_are_in_0_1(files, flag, value):
    refused(run_cli("sim", files / "out", "--inputs", files / "x.npy", flag, value),
            f"argument {flag}:")


@pytest.mark.parametrize("value", ["0", "-3", "2.5", "x"])
def test_max_macs_is_a_positive_integer(files, value):
    refused(run_cli("compile", files / "mlp.onnx", "--calib", files / "calib.npy", "-o",
                    files / "o", "--max-macs", value), "argument --max-macs:")
    assert not (files / "o").exists()


@pytest.mark.parametrize("value", ["x", "-1", "2147483648", "1.5"])
def test_seed_is_an_integer_in_range(files, value):
    refused(run_cli("sim", files / "out", "--inputs", files / "x.npy", "--seed", value),
            "argument --seed:")


@pytest.mark.parametrize("value", ["top\nmodule x", "module", "wire", "9top", "a-b", ""])
def test_top_must_be_a_plain_non_keyword_identifier(files, value):
    refused(run_cli("compile", files / "mlp.onnx", "--calib", files / "calib.npy", "-o",
                    files / "o", "--top", value), "argument --top:")
    assert not (files / "o").exists()


def _fifo(path):
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["directory", "fifo", "device"])
@pytest.mark.parametrize("flag", ["--calib", "--config", "model", "--inputs"])
def test_non_regular_files_are_refused_without_reading(files, tmp_path, kind, flag):
    special = {"directory": tmp_path, "fifo": _fifo(tmp_path / "fifo"),
               "device": "/dev/zero"}[kind]
    base = ["compile", files / "mlp.onnx", "--calib", files / "calib.npy", "-o", tmp_path / "o"]
    if flag == "--inputs":
        args = ["sim", files / "out", "--inputs", special]
    elif flag == "model":
        args = ["compile", special, "--calib", files / "calib.npy", "-o", tmp_path / "o"]
    else:
        args = base + [flag, special]
    try:
        result = subprocess.run([sys.executable, "-m", "hwgen.cli", *map(str, args)],
                                capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hwgen blocked on a {kind} given as {flag}")
    what = {"directory": "is a directory", "fifo": "is a FIFO",
            "device": "is a character device"}[kind]
    refused(result, what, "not a regular file")


def test_binary_and_non_utf8_config_files(files, tmp_path):
    latin1 = "[default]\n# caf\xe9\n".encode("latin-1")
    for name, data in (("binary.toml", bytes(range(256))), ("latin1.toml", latin1)):
        (tmp_path / name).write_bytes(data)
        refused(run_cli("compile", files / "mlp.onnx", "--calib", files / "calib.npy", "-o",
                        tmp_path / "o", "--config", tmp_path / name), name, "not UTF-8 text")


def test_corrupt_npy_and_npz_inputs(files, tmp_path):
    (tmp_path / "text.npy").write_text("not numpy")
    (tmp_path / "empty.npy").write_bytes(b"")
    np.savez(tmp_path / "archive.npy", a=np.zeros(3))
    with open(tmp_path / "archive.npy.npz", "rb") as source:
        (tmp_path / "archive.npy").write_bytes(source.read())
    for name, needle in (("text.npy", "not a numpy .npy array"),
                         ("empty.npy", "empty or truncated"),
                         ("archive.npy", "is an .npz archive")):
        refused(run_cli("sim", files / "out", "--inputs", tmp_path / name), "--inputs", needle)


@pytest.mark.parametrize("flag", ["--calib", "--inputs"])
def test_complex_arrays_are_refused(files, tmp_path, flag):
    np.save(tmp_path / "c.npy", np.ones((4, 12), dtype=np.complex128) * (1 + 2j))
    if flag == "--calib":
        args = ["compile", files / "mlp.onnx", "--calib", tmp_path / "c.npy", "-o",
                tmp_path / "o"]
    else:
        args = ["sim", files / "out", "--inputs", tmp_path / "c.npy"]
    refused(run_cli(*args), flag, "complex numbers")


def test_complex_inputs_are_refused_by_the_python_face(files):
    design = hwgen.load(files / "out")
    with pytest.raises(HwgenError, match="complex"):
        design.golden(np.ones((2, 12), dtype=np.complex64))


def _copy_out(files, tmp_path):
    shutil.copytree(files / "out", tmp_path / "out")
    return tmp_path / "out"


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "no_meta"])
def test_corrupt_design_file(files, tmp_path, damage):
    out = _copy_out(files, tmp_path)
    path = out / "design.npz"
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[:len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("other.npy", b"")
    refused(run_cli("sim", out, "--inputs", files / "x.npy"), "design.npz",
            "compile again")


@pytest.mark.parametrize("damage", ["truncated", "binary", "list", "missing_key"])
@pytest.mark.parametrize("which", ["manifest.json", "sim/result.json"])
def test_corrupt_manifest_and_result(files, tmp_path, damage, which):
    out = _copy_out(files, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "sim").mkdir(exist_ok=True)
    path = out / which
    if which == "sim/result.json" and not path.exists():
        path.write_text(json.dumps({"design_sha256": hashlib.sha256(
            (out / "manifest.json").read_bytes()).hexdigest(), "layers": []}))
    text = path.read_text()
    if damage == "truncated":
        path.write_text(text[:len(text) // 2])
    elif damage == "binary":
        path.write_bytes(b"\xff\xfe\x00binary")
    elif damage == "list":
        path.write_text("[1, 2]")
    else:
        manifest.pop("layers")
        if which == "manifest.json":
            path.write_text(json.dumps(manifest))
        else:
            data = json.loads(text)
            data.pop("layers")
            path.write_text(json.dumps(data))
    refused(run_cli("report", out), which)


def test_read_only_out_and_cache(files, tmp_path):
    out = _copy_out(files, tmp_path)
    parent = tmp_path / "locked"
    parent.mkdir()
    with read_only(parent):
        refused(run_cli("compile", files / "mlp.onnx", "--calib", files / "calib.npy", "-o",
                        parent / "o"), "cannot write output directory")
    with read_only(out):
        refused(run_cli("report", out), "cannot write the report")
        refused(run_cli("sim", out, "--inputs", files / "x.npy"), "sim")
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {**os.environ, "HWGEN_CACHE": str(cache / "sub")}
    with read_only(cache):
        result = subprocess.run([sys.executable, "-m", "hwgen.cli", "sim", str(out),
                                 "--inputs", str(files / "x.npy")],
                                capture_output=True, text=True, env=env)
    refused(result, "cannot use the build cache", "HWGEN_CACHE")


def test_cache_that_is_a_file(files, tmp_path):
    (tmp_path / "file").write_text("x")
    env = {**os.environ, "HWGEN_CACHE": str(tmp_path / "file")}
    for args in (["cache", "info"], ["sim", str(files / "out"), "--inputs",
                                     str(files / "x.npy")]):
        result = subprocess.run([sys.executable, "-m", "hwgen.cli", *args],
                                capture_output=True, text=True, env=env)
        refused(result, "is a file, not a directory")


def test_a_layer_too_large_is_refused_up_front_with_its_size_and_the_fix(tmp_path, capsys):
    rng = np.random.default_rng(0)
    w = rng.normal(0, 0.1, (40, 30))
    proto = model([onnx.helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="big",
                                         transB=1)],
                  [init("W", w), init("b", np.zeros(40))], in_shape=["N", 30],
                  out_shape=["N", 40])
    onnx.save(proto, tmp_path / "m.onnx")
    np.save(tmp_path / "c.npy", rng.normal(0, 1, (50, 30)).astype(np.float32))
    args = ["compile", str(tmp_path / "m.onnx"), "--calib", str(tmp_path / "c.npy"), "-o",
            str(tmp_path / "o")]
    assert main(args + ["--max-layer-weights", "1000"]) == 2
    err = capsys.readouterr().err
    assert "layer 'big' has 1,200 weights (shape 40x30), more than the 1,000" in err
    assert "--max-layer-weights 1200" in err and not (tmp_path / "o").exists()
    assert main(args + ["--max-layer-weights", "1200"]) == 0


def test_default_layer_limit_refuses_a_gemm_over_4096_squared_before_long_work(tmp_path):
    rng = np.random.default_rng(0)
    rows, cols = 4097, 4096                     # one row over the default limit
    proto = model([onnx.helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="huge",
                                         transB=1)],
                  [init("W", np.full((rows, cols), 0.01, np.float32)),
                   init("b", np.zeros(rows))], in_shape=["N", cols], out_shape=["N", rows])
    onnx.save(proto, tmp_path / "m.onnx")
    np.save(tmp_path / "c.npy", rng.normal(0, 1, (16, cols)).astype(np.float32))
    result = subprocess.run([sys.executable, "-m", "hwgen.cli", "compile",
                             str(tmp_path / "m.onnx"), "--calib", str(tmp_path / "c.npy"),
                             "-o", str(tmp_path / "o")], capture_output=True, text=True,
                            timeout=120)
    refused(result, "layer 'huge' has 16,781,312 weights", "--max-layer-weights")


def test_compile_shows_its_steps_on_stderr(files, tmp_path):
    result = run_cli("compile", files / "mlp.onnx", "--calib", files / "calib.npy", "-o",
                     tmp_path / "o")
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stderr.splitlines() if line.startswith("hwgen compile: [")]
    assert [line.split("] ", 1)[1] for line in steps] == [
        "reading and quantizing the model", "choosing the folding",
        "lowering to hardware blocks", "sizing the FIFOs (cycle model)",
        "generating the Verilog (Amaranth export)",
        "writing the Verilog, memory images, design file and manifest", "done"]
