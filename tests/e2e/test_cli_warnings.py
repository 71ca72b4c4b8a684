"""``hwgen compile`` prints the frontend's warnings as one line each (finding 7)."""

import numpy as np
import onnx

from tests.fixtures.cli_helpers import run_cli
from tests.fixtures.onnx_builders import gemm_mlp
from tests.fixtures.qdq_builders import ort_quantize


def test_outlier_and_ignored_calibration_warnings(tmp_path):
    rng = np.random.default_rng(2)
    proto, _, _ = gemm_mlp(rng, [12, 16, 6])
    onnx.save(proto, tmp_path / "mlp.onnx")
    calibration = rng.normal(0, 1, (200, 12)).astype(np.float32)
    onnx.save(ort_quantize(proto, calibration), tmp_path / "qdq.onnx")
    calibration[5, 5] = 1e30
    np.save(tmp_path / "calib.npy", calibration)

    result = run_cli("compile", tmp_path / "mlp.onnx", "--calib", tmp_path / "calib.npy",
                     "-o", tmp_path / "a")
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warned) == 1 and warned[0].startswith(
        "hwgen compile: warning: model input (input of layer 'fc0'): the calibration range")
    assert 'calibration = "percentile" or "mse"' in warned[0]

    result = run_cli("compile", tmp_path / "qdq.onnx", "--calib", tmp_path / "calib.npy",
                     "-o", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert "hwgen compile: warning: qdq.onnx: calibration data (--calib) is ignored" \
        in result.stderr
