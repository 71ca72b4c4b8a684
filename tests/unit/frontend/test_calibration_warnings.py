"""Warnings that save users (finding 7): a calibration range set by a few outliers, and
calibration data a pre-quantized model ignores."""

import warnings

import numpy as np
import pytest

from hwgen.errors import HwgenWarning
from hwgen.frontend import load_onnx
from hwgen.frontend.calibration_data import OUTLIER_STRETCH, outlier_stretch, warn_if_outliers
from tests.fixtures.onnx_builders import gemm_mlp
from tests.fixtures.qdq_builders import ort_quantize
from tests.fixtures.qonnx_builders import qonnx_mlp


def hwgen_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, HwgenWarning)]


@pytest.fixture
def mlp():
    rng = np.random.default_rng(2)
    proto, _, _ = gemm_mlp(rng, [12, 16, 6])
    return proto, rng.normal(0, 1, (200, 12))


def test_one_1e30_outlier_warns_naming_the_tensor_and_the_fix(mlp):
    proto, calibration = mlp
    calibration[17, 3] = 1e30
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        graph = load_onnx(proto, calibration)
    messages = hwgen_warnings(record)
    assert len(messages) == 1, messages
    message = messages[0]
    assert message.startswith("model input (input of layer 'fc0'): the calibration range")
    assert "1e+30" in message and 'calibration = "percentile" or "mse"' in message
    assert graph.input_quant.scale > 1e26        # what the user would have got silently


def test_ordinary_calibration_data_does_not_warn(mlp):
    proto, calibration = mlp
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        load_onnx(proto, calibration)
    assert hwgen_warnings(record) == []


def test_a_robust_method_does_not_warn(mlp):
    proto, calibration = mlp
    calibration[17, 3] = 1e30
    config = {"default": {"calibration": "percentile"}}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        load_onnx(proto, calibration, config=config)
    assert hwgen_warnings(record) == []


@pytest.mark.parametrize("data, dominated", [
    (np.r_[np.linspace(-1, 1, 9999), 1e30], True),
    (np.r_[np.linspace(-1, 1, 9999), 16.5], False),      # 9x wider: below the threshold
    (np.r_[np.linspace(0, 1, 9990), [40.0] * 10], True),  # ten outliers, 0.1% of the values
    (np.r_[np.linspace(0, 1, 9900), [40.0] * 100], False),  # 1%: a real tail, not outliers
    (np.random.default_rng(0).laplace(0, 1, 20000), False),   # heavy tail, no outliers
    (np.zeros(1000), False),                                  # constant: its own error
])
def test_outlier_criterion(data, dominated):
    stretch = outlier_stretch(data)[0]
    assert (stretch > OUTLIER_STRETCH) is dominated, stretch
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert warn_if_outliers(data, "minmax", "tensor t") is dominated
    assert len(hwgen_warnings(record)) == int(dominated)


def test_calibration_given_to_a_qdq_model_is_reported_ignored(mlp):
    proto, calibration = mlp
    qdq = ort_quantize(proto, calibration.astype(np.float32))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        load_onnx(qdq, calibration)
    assert any("calibration data (--calib) is ignored: a QDQ model is compiled with its own "
               "scales" in m for m in hwgen_warnings(record))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        load_onnx(qdq, None)
    assert hwgen_warnings(record) == []


def test_calibration_given_to_a_self_quantized_qonnx_model_is_reported_ignored():
    model = qonnx_mlp(np.random.default_rng(3), [8, 16, 4],
                      [dict(weights="bipolar", act="bipolar"),
                       dict(weights="bipolar", act="quant8")])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        load_onnx(model, np.random.default_rng(1).uniform(0, 1, (20, 8)))
    assert any("calibration data (--calib) is ignored" in m for m in hwgen_warnings(record))
