"""The hwgen command on a QONNX integer CNN as Brevitas exports it: check, compile (no
calibration data: the model carries its scales), simulate on Verilator; the RTL's output codes
equal qonnx's own execution of the model.

Simulation cost: one Icarus run of 8 images (the Verilator flow is covered by the float CNN).
"""

import json

import numpy as np
import onnx
import pytest

from hwgen.cli import main
from tests.fixtures.qonnx_builders import run_qonnx
from tests.fixtures.qonnx_int_builders import QChain

pytest.importorskip("qonnx")


def brevitas_like_cnn():
    """int8 pixels - conv3x3 (4-bit weights, per channel, Int32Bias) - relu - uint4 - maxpool -
    conv3x3 (4-bit, stride 2) - relu - uint4 - avgpool + Trunc FLOOR - gemm (4-bit) - int8."""
    c = QChain((3, 9, 9), seed=21)
    c.quant("inp", 8, False, scale=1 / 256)
    c.conv("conv1", 6, 3, bits=4, pads=1, bias="quant").relu("relu1").quant("act1", 4, False)
    c.maxpool("pool1", 2)
    c.conv("conv2", 5, 3, bits=4, pads=1, stride=2).relu("relu2").quant("act2", 4, False)
    c.avgpool("avg", 2).trunc("trunc", 4, "FLOOR")
    c.flatten("flat").gemm("fc", 7, bits=4, bias="quant").quant("out", 8, True)
    return c


@pytest.mark.cosim
def test_qonnx_cnn_check_compile_sim_equals_qonnx(tmp_path, icarus, capsys):
    chain = brevitas_like_cnn()
    model = chain.build("qcnn")
    onnx.save(model, tmp_path / "qcnn.onnx")
    x = chain.inputs(8)
    np.save(tmp_path / "x.npy", x)

    assert main(["check", str(tmp_path / "qcnn.onnx")]) == 0
    assert "no problems found" in capsys.readouterr().out
    out = tmp_path / "out"
    assert main(["compile", str(tmp_path / "qcnn.onnx"), "-o", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    kinds = [layer["kind"] for layer in manifest["layers"]]
    # the FLOOR Trunc of the average pool is an identity convolution (qonnx_int.py)
    assert kinds.count("sliding_window") == 4 and kinds.count("window_reduce") == 1
    assert main(["sim", str(out), "--inputs", str(tmp_path / "x.npy"),
                 "--simulator", "icarus"]) == 0

    result = json.loads((out / "sim/result.json").read_text())
    assert result["bit_exact"] is True and result["cycles_exact"] is True
    c = result["cycles"]
    assert c["latency_rtl"] == c["latency_model"] and c["ii_rtl"] == c["ii_model"]
    rtl = np.load(out / "sim/outputs_int.npy")
    reference = run_qonnx(model, x).astype(np.float64)        # (8, 7), dequantized int8
    scale = float(manifest["output"]["scale"])
    np.testing.assert_array_equal(rtl, np.rint(reference / scale).astype(np.int64))
    assert len(np.unique(rtl)) > 5
