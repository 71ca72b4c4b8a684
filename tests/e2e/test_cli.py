"""The hwgen command end to end on a small ONNX model, and its error messages."""

import json

import numpy as np
import onnx
import pytest
from onnx import helper

from hwgen.cli import main
from tests.fixtures.cli_helpers import run_cli
from tests.fixtures.onnx_builders import gemm_mlp, init, model


@pytest.fixture
def mlp_files(tmp_path):
    rng = np.random.default_rng(4)
    proto, _, _ = gemm_mlp(rng, [12, 16, 6])
    onnx.save(proto, tmp_path / "mlp.onnx")
    np.save(tmp_path / "calib.npy", rng.normal(0, 1, (200, 12)).astype(np.float32))
    np.save(tmp_path / "x.npy", rng.normal(0, 1, (25, 12)).astype(np.float32))
    return tmp_path


@pytest.mark.cosim
def test_compile_sim_report(mlp_files, verilator, capsys):
    d = mlp_files
    (d / "config.toml").write_text('[default]\nweights = "int4"\n\n[layer.fc1]\npe = 3\nsimd = 4\n')
    assert main(["compile", str(d / "mlp.onnx"), "--calib", str(d / "calib.npy"),
                 "-o", str(d / "out"), "--config", str(d / "config.toml")]) == 0
    manifest = json.loads((d / "out/manifest.json").read_text())
    assert [(layer["name"], layer["pe"], layer["simd"])
            for layer in manifest["layers"]][1] == ("fc1", 3, 4)
    assert manifest["layers"][0]["weight_type"] == "int4"
    verilog = (d / "out/rtl/hwgen_top.v").read_text()
    assert "module hwgen_top" in verilog

    assert main(["sim", str(d / "out"), "--inputs", str(d / "x.npy")]) == 0
    result = json.loads((d / "out/sim/result.json").read_text())
    for key in ("bit_exact", "mismatches", "num_inferences", "simulator", "cycles_per_second"):
        assert key in result
    assert result["bit_exact"] and result["num_inferences"] == 25
    # Verilator's C++ main times its loop in CPU seconds too (one thread: at most the wall).
    loop_wall = result["simulated_cycles"] / result["cycles_per_second"]
    assert result["cycles_per_cpu_second"] > 0
    assert result["simulated_cycles"] / result["cycles_per_cpu_second"] <= loop_wall + 0.01
    c = result["cycles"]
    assert c["latency_rtl"] == c["latency_model"] and c["ii_rtl"] == c["ii_model"]
    assert len(result["layers"]) == 2
    outputs = np.load(d / "out/sim/outputs.npy")
    codes = np.load(d / "out/sim/outputs_int.npy")
    assert outputs.shape == codes.shape == (25, 6) and outputs.dtype == np.float32

    capsys.readouterr()
    assert main(["report", str(d / "out")]) == 0
    markdown = capsys.readouterr().out
    assert "| fc0 | int_mvau | 16 <- 12 |" in markdown
    assert "| fc1 | int_mvau | 6 <- 16 |" in markdown
    assert (d / "out/report.json").exists()
    assert main(["report", str(d / "out"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["simulation"]["bit_exact"] is True


def test_verilog_is_byte_identical_across_compiles(mlp_files):
    d = mlp_files
    for name in ("a", "b"):
        assert main(["compile", str(d / "mlp.onnx"), "--calib", str(d / "calib.npy"),
                     "-o", str(d / name)]) == 0
    assert (d / "a/rtl/hwgen_top.v").read_bytes() == (d / "b/rtl/hwgen_top.v").read_bytes()
    assert (d / "a/manifest.json").read_bytes() == (d / "b/manifest.json").read_bytes()


def test_bad_config_is_one_clear_error_without_traceback(mlp_files):
    d = mlp_files
    (d / "bad.toml").write_text('[default]\nweights = "int9"\ncolour = "red"\n\n'
                                '[layer.nope]\npe = 2\n')
    result = run_cli("compile", d / "mlp.onnx", "--calib", d / "calib.npy", "-o", d / "o",
                     "--config", d / "bad.toml")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "colour" in result.stderr and "int9" in result.stderr
    assert not (d / "o").exists()


def test_pe_that_does_not_divide_is_rejected_before_work(mlp_files):
    d = mlp_files
    (d / "pe.toml").write_text("[layer.fc0]\npe = 5\n")
    result = run_cli("compile", d / "mlp.onnx", "--calib", d / "calib.npy", "-o", d / "o",
                     "--config", d / "pe.toml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "fc0" in result.stderr and "16" in result.stderr


def test_unsupported_ops_are_listed_together(tmp_path):
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["h"], name="fc", transB=1),
             helper.make_node("Sigmoid", ["h"], ["s"], name="act"),
             helper.make_node("Softmax", ["s"], ["y"], name="prob")]
    proto = model(nodes, [init("W", np.ones((4, 3))), init("b", np.zeros(4))],
                  in_shape=["N", 3], out_shape=["N", 4])
    onnx.save(proto, tmp_path / "m.onnx")
    np.save(tmp_path / "c.npy", np.ones((5, 3), dtype=np.float32))
    result = run_cli("compile", tmp_path / "m.onnx", "--calib", tmp_path / "c.npy",
                     "-o", tmp_path / "o")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "act" in result.stderr and "Sigmoid" in result.stderr
    assert "prob" in result.stderr and "Softmax" in result.stderr
    check = run_cli("check", tmp_path / "m.onnx")
    assert check.returncode == 1 and "Sigmoid" in check.stdout and "Softmax" in check.stdout


def test_missing_files_and_bad_inputs(mlp_files):
    d = mlp_files
    result = run_cli("compile", d / "mlp.onnx", "--calib", d / "missing.npy", "-o", d / "o")
    assert result.returncode == 2 and "missing.npy" in result.stderr
    result = run_cli("sim", d / "nowhere", "--inputs", d / "x.npy")
    assert result.returncode == 2 and "hwgen compile" in result.stderr
    assert main(["compile", str(d / "mlp.onnx"), "--calib", str(d / "calib.npy"),
                 "-o", str(d / "out")]) == 0
    np.save(d / "wide.npy", np.zeros((3, 13), dtype=np.float32))
    result = run_cli("sim", d / "out", "--inputs", d / "wide.npy")
    assert result.returncode == 2
    assert "(N, 12)" in result.stderr and "Traceback" not in result.stderr


def test_constant_calibration_is_rejected(mlp_files):
    d = mlp_files
    np.save(d / "const.npy", np.full((10, 12), 0.5, dtype=np.float32))
    result = run_cli("compile", d / "mlp.onnx", "--calib", d / "const.npy", "-o", d / "o")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "fc0" in result.stderr and "every calibration value is 0.5" in result.stderr


@pytest.mark.cosim
def test_sim_writes_a_waveform(mlp_files, icarus):
    d = mlp_files
    assert main(["compile", str(d / "mlp.onnx"), "--calib", str(d / "calib.npy"),
                 "-o", str(d / "out")]) == 0
    np.save(d / "few.npy", np.load(d / "x.npy")[:3])
    assert main(["sim", str(d / "out"), "--inputs", str(d / "few.npy"), "--simulator",
                 "icarus", "--waves"]) == 0
    vcd = (d / "out/sim/waves.vcd").read_text(errors="replace")
    assert "$enddefinitions" in vcd and "o_stream__valid" in vcd
