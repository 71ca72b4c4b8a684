"""QDQ models written by onnxruntime's quantize_static, and onnxruntime runs of them."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import helper

TYPES = {"int8": "QInt8", "uint8": "QUInt8"}


def ort_quantize(proto: onnx.ModelProto, calibration: np.ndarray, *, per_channel=False,
                 activations="int8", weights="int8", reduce_range=False, extra=None,
                 pre_process=True) -> onnx.ModelProto:
    """``quantize_static`` in QDQ format with min/max calibration over ``calibration``."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    name = proto.graph.input[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{name: calibration[i:i + 16].astype(np.float32)}
                                 for i in range(0, len(calibration), 16)])

        def get_next(self):
            return next(self.batches, None)

    logging.disable(logging.WARNING)  # quantize_static's advice to pre-process, every call
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src, pre, out = (Path(tmp) / n for n in ("f.onnx", "p.onnx", "q.onnx"))
            onnx.save(proto, src)
            if pre_process:
                quant_pre_process(str(src), str(pre))
                src = pre
            quantize_static(str(src), str(out), Reader(), quant_format=QuantFormat.QDQ,
                            per_channel=per_channel, reduce_range=reduce_range,
                            activation_type=getattr(QuantType, TYPES[activations]),
                            weight_type=getattr(QuantType, TYPES[weights]),
                            extra_options=extra or {})
            return onnx.load(out)
    finally:
        logging.disable(logging.NOTSET)


def quantized_tensors(proto: onnx.ModelProto) -> list[str]:
    """Outputs of the QuantizeLinear nodes on the activation path, in graph order."""
    weights = {t.name for t in proto.graph.initializer}
    return [n.output[0] for n in proto.graph.node
            if n.op_type == "QuantizeLinear" and n.input[0] not in weights]


def ort_codes(proto: onnx.ModelProto, x: np.ndarray, *, optimize=True) -> dict:
    """onnxruntime's integer code of every quantized activation, by QuantizeLinear output.

    ``optimize=True`` is onnxruntime's default session: it fuses DQ -> op -> Q into its
    integer kernels (QLinearConv, QGemm, ...); False runs the QDQ graph as written, in float.
    """
    import onnxruntime as ort

    model = onnx.ModelProto()
    model.CopyFrom(proto)
    names = quantized_tensors(model)
    for name in names:
        model.graph.output.append(helper.make_empty_tensor_value_info(name))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if not optimize:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    results = session.run(names, {model.graph.input[0].name: x.astype(np.float32)})
    return {n: r.astype(np.int64) for n, r in zip(names, results)}
