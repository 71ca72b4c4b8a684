"""Shared data for the quantization tests: the lecture's 4x4 matrix and onnxruntime runners."""

from __future__ import annotations

import os

import numpy as np
import pytest

# Lecture 10 (Xu, "Neural Network Quantization (Cont'd)"), the 4x4 weight matrix used for the
# per-tensor / per-channel, BWN, TWN and k-means examples (same matrix as Han et al.'s Fig. 3).
LECTURE_W = np.array(
    [
        [2.09, -0.98, 1.48, 0.09],
        [0.05, -0.14, -1.08, 2.12],
        [-0.91, 1.92, 0.0, -1.03],
        [1.87, 0.0, 1.53, 1.49],
    ]
)


@pytest.fixture
def lecture_w() -> np.ndarray:
    return LECTURE_W.copy()


@pytest.fixture
def ort_calibrate(tmp_path):
    """Run one of onnxruntime's calibrators on float32 batches of tensor "x" (one-node model).

    ``passes`` is a list of lists of batches: each inner list goes to one ``collect_data`` call
    (onnxruntime's moving average runs across calls). Returns (min, max) as floats.
    """
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    from onnxruntime.quantization.calibrate import (
        CalibrationDataReader,
        CalibrationMethod,
        create_calibrator,
    )

    class Reader(CalibrationDataReader):
        def __init__(self, batches):
            self._it = iter(batches)

        def get_next(self):
            b = next(self._it, None)
            return None if b is None else {"x": b}

    def run(passes, method: str, **extra):
        shape = list(passes[0][0].shape)
        vi_x = helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)
        vi_y = helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)
        graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [vi_x], [vi_y])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        path = os.path.join(tmp_path, f"{method}.onnx")
        onnx.save(model, path)
        cal = create_calibrator(
            path, ["Relu"], os.path.join(tmp_path, f"{method}_aug.onnx"),
            calibrate_method=getattr(CalibrationMethod, method), extra_options=extra,
        )
        for batches in passes:
            cal.collect_data(Reader([np.asarray(b, dtype=np.float32) for b in batches]))
        r = cal.compute_data()["x"]
        lo, hi = r.range_value if hasattr(r, "range_value") else r[:2]
        return float(np.asarray(lo).ravel()[0]), float(np.asarray(hi).ravel()[0])

    return run


@pytest.fixture
def ort_quantize_linear():
    """Run ONNX QuantizeLinear in onnxruntime: saturate(round_half_even(x / scale) + zero_point)."""
    pytest.importorskip("onnx")
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    def run(x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray,
            axis: int | None) -> np.ndarray:
        zp_type = TensorProto.INT8 if zero_point.dtype == np.int8 else TensorProto.UINT8
        attrs = {} if axis is None else {"axis": axis}
        node = helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], **attrs)
        graph = helper.make_graph(
            [node], "g",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
            [helper.make_tensor_value_info("q", zp_type, None)],
            initializer=[numpy_helper.from_array(scale.astype(np.float32), "s"),
                         numpy_helper.from_array(zero_point, "z")],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return sess.run(None, {"x": x.astype(np.float32)})[0].astype(np.int64)

    return run
