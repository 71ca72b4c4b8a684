"""QDQ models written by onnxruntime's quantize_static (tests compare them with
hwgen.frontend.onnxruntime_compare)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import onnx

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
