"""examples/cifar_cnv.py: the CNV model it builds, and its compile run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from cifar_cnv import VARIANTS, cnv_calibration, cnv_config, cnv_macs, cnv_onnx  # noqa: E402


def test_the_model_is_finns_cnv_shape_seeded_and_runs():
    import onnxruntime as ort
    model = cnv_onnx(seed=3)
    assert model.SerializeToString() == cnv_onnx(seed=3).SerializeToString()
    assert model.SerializeToString() != cnv_onnx(seed=4).SerializeToString()
    weights = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    shapes = [weights[f"conv{i}.weight"].shape for i in range(1, 7)]
    assert shapes == [(64, 3, 3, 3), (64, 64, 3, 3), (128, 64, 3, 3), (128, 128, 3, 3),
                      (256, 128, 3, 3), (256, 256, 3, 3)]
    assert [weights[f"fc{i}.weight"].shape for i in (1, 2, 3)] == \
        [(512, 256), (512, 512), (10, 512)]
    # He initialisation: standard deviation sqrt(2 / fan_in).
    w = weights["conv4.weight"]
    assert abs(w.std() / np.sqrt(2 / (128 * 9)) - 1) < 0.02
    assert [n.op_type for n in model.graph.node].count("MaxPool") == 2
    x = cnv_calibration(seed=3, count=4)
    assert x.shape == (4, 3, 32, 32) and x.min() >= 0 and x.max() <= 1
    out = ort.InferenceSession(model.SerializeToString(),
                               providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    assert out.shape == (4, 10) and np.isfinite(out).all()
    # MACs: 30x30x64x27 + 28x28x64x576 + 12x12x128x576 + 10x10x128x1152 + 3x3x256x1152
    # + 1x1x256x2304 + 256x512 + 512x512 + 512x10.
    assert cnv_macs() == (30 * 30 * 64 * 27 + 28 * 28 * 64 * 576 + 12 * 12 * 128 * 576
                          + 10 * 10 * 128 * 1152 + 9 * 256 * 1152 + 256 * 2304
                          + 256 * 512 + 512 * 512 + 512 * 10)
    with pytest.raises(ValueError, match="unknown CNV variant 'w3a3'"):
        cnv_config("w3a3")
    assert set(VARIANTS) == {"int8", "w1a8", "w2a2"}


def test_compiles_and_prints_phases_and_predictions():
    done = subprocess.run([sys.executable, str(ROOT / "examples/cifar_cnv.py"),
                           "--max-macs", "1024"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for phase in ("frontend and quantization", "folding", "lowering",
                  "FIFO sizing and cycle model", "total"):
        assert re.search(rf"\| {phase} \| \d+\.\d\d \|", out), phase
    ii = int(re.search(r"initiation interval \| ([\d,]+) cycles", out)[1].replace(",", ""))
    bound = int(re.search(r"slowest block's cycles per image \| ([\d,]+)", out)[1]
                .replace(",", ""))
    assert ii == bound                      # the FIFOs let the slowest block set the pace
    efficiency = float(re.search(r"efficiency.* \| ([\d.]+)% \|", out)[1])
    assert efficiency >= 90.0
    assert re.search(r"FIFO storage \| [\d,]+ bits", out)
