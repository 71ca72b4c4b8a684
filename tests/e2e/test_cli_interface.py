"""``hwgen compile --interface``: a bad value is refused naming the flag; an axis OUT compiles
with AXI4-Stream ports and ``hwgen sim`` on it says which flag to drop."""

import json

import numpy as np
import onnx

from tests.fixtures.cli_helpers import run_cli
from tests.fixtures.onnx_builders import gemm_mlp


def test_cli_refuses_an_unknown_interface_naming_the_flag(tmp_path):
    done = run_cli("compile", tmp_path / "missing.onnx", "-o", tmp_path / "out",
                   "--interface", "AXIS")
    assert done.returncode == 2
    assert "--interface: invalid choice: 'AXIS'" in done.stderr
    assert "stream" in done.stderr and "axis" in done.stderr
    assert not (tmp_path / "out").exists()


def test_compile_axis_then_sim_is_refused_clearly(tmp_path):
    rng = np.random.default_rng(4)
    proto, _, _ = gemm_mlp(rng, [12, 16, 6])
    onnx.save(proto, tmp_path / "mlp.onnx")
    np.save(tmp_path / "calib.npy", rng.normal(0, 1, (200, 12)).astype(np.float32))
    np.save(tmp_path / "x.npy", rng.normal(0, 1, (3, 12)).astype(np.float32))
    done = run_cli("compile", tmp_path / "mlp.onnx", "--calib", tmp_path / "calib.npy",
                   "-o", tmp_path / "out", "--interface", "axis")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    assert manifest["interface"]["kind"] == "axis"
    assert "module hwgen_top(" in (tmp_path / "out/rtl/hwgen_top.v").read_text()
    done = run_cli("sim", tmp_path / "out", "--inputs", tmp_path / "x.npy")
    assert done.returncode == 2
    assert "compiled with --interface axis" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out/sim/result.json").exists()
