"""examples/cnv_training.py with torch: two seeded training steps are reproducible, and the
ONNX model built from the trained weights computes what the torch network computes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from .qat_support import require_qat

require_qat()

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from cifar_cnv import CONVS, DENSE, IMAGE, cnv_onnx  # noqa: E402
from cnv_training import Settings, cnv_digits, torch_cnv, train_cnv  # noqa: E402

pytestmark = pytest.mark.qat


def test_two_steps_are_deterministic_and_the_onnx_model_is_the_torch_network():
    import onnxruntime as ort
    import torch
    x_train, x_val, y_train, y_val = cnv_digits()
    data = (x_train[:64], x_val[:8], y_train[:64], y_val[:8])
    settings = Settings(seed=2, epochs=1, batch=32)
    first, info = train_cnv(CONVS, DENSE, IMAGE, settings, log=lambda m: None, data=data)
    again, _ = train_cnv(CONVS, DENSE, IMAGE, settings, log=lambda m: None, data=data)
    assert first.keys() == again.keys()
    assert all(np.array_equal(first[k], again[k]) for k in first)
    other, _ = train_cnv(CONVS, DENSE, IMAGE, Settings(seed=3, epochs=1, batch=32),
                         log=lambda m: None, data=data)
    assert not np.array_equal(first["conv1.weight"], other["conv1.weight"])
    assert 0.0 <= info["val_accuracy"] <= 1.0 and info["settings"]["seed"] == 2

    # the parameters are the ONNX model's initializers, name for name and shape for shape
    random = cnv_onnx(seed=0)
    assert {i.name: tuple(i.dims) for i in random.graph.initializer} == \
        {k: v.shape for k, v in first.items()}
    model = cnv_onnx(seed=0, weights=first)
    net = torch_cnv(CONVS, DENSE, IMAGE)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in first.items()})
    net.eval()
    with torch.no_grad():
        expected = net(torch.from_numpy(x_val[:8])).numpy()
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    out = session.run(None, {"input": x_val[:8]})[0]
    assert out.shape == (8, 10)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
