"""A QDQ model whose output is not quantized: the last layer's requantization, calibrated.

Brevitas' QCDQ export of a network whose last layer has no output quantizer ends in a float
``Gemm`` / ``MatMul`` / ``Conv`` of DequantizeLinear'd inputs; so does a QDQ model whose final
QuantizeLinear was left out. hwgen's layers all end in integer codes, so that output gets a
quantization as a QONNX model's float output does (:mod:`hwgen.frontend.qonnx.build`): the
config's ``output`` format (int8 by default), ``calibration`` method, fitted to the exact real
outputs ``S_X S_W acc`` (+ ReLU, clip bounds) that the layers before it produce on the
calibration data (``--calib``): their codes come from the golden model, the accumulators of
this layer from integers. The requantization rounds half to even (:data:`QDQ_REQUANT`) unless
the config sets ``requant``.

``--calib`` is used exactly when the model's output is unquantized
(:func:`hwgen.frontend.uses_calibration`).
"""

from __future__ import annotations

import numpy as np

from ...errors import QuantizationError
from ...ir.graph import GRAPH_INPUT
from ...passes.chain_codes import chain_codes
from ..calibrated_quant import calibrated_quant, stream_rows
from ..im2col import patches
from ..onnx.graph import node_name
from ..problems import raise_problems

__all__ = ["close_open_output"]


def _input_shape(reader, p) -> tuple:
    """Stream shape of the model input (the first layer's input)."""
    if reader.layers:
        return tuple(reader.layers[0].input_shape)
    if "input_shape" in p.fields:
        return tuple(p.fields["input_shape"])
    return (p.fields["weights"].shape[1],)


def _real_outputs(p, codes) -> np.ndarray:
    """Exact real outputs of the open layer ``p`` on its input ``codes`` (stream layout)."""
    f = p.fields
    q = p.input_quant
    w = np.asarray(f["weights"], dtype=np.int64)
    scale = q.scale * f["weight_quant"].scale
    codes = np.asarray(codes, dtype=np.int64)
    if p.kind == "dense":
        acc = (codes.reshape(len(codes), -1) - q.zero_point) @ w.T + f["bias"]
    else:
        h, wd, c = f["input_shape"]
        k = w.shape[1]
        windows = patches(codes.reshape(-1, h, wd, c), k, f["stride"], f["pads"],
                          q.zero_point, dtype=np.int64) - q.zero_point
        if p.kind == "depthwise":       # weights (C, k, k): one kernel per channel
            acc = np.einsum("nyxabc,cab->nyxc", windows, w) + f["bias"]
        else:                            # weights (out, k, k, in)
            acc = windows.reshape(windows.shape[:3] + (-1,)) @ w.reshape(len(w), -1).T \
                + f["bias"]
    real = acc * scale
    if p.relu:
        real = np.maximum(real, 0.0)
    if p.clip is not None:
        real = np.clip(real, p.clip[0], p.clip[1])
    return real


def close_open_output(reader, calibration, config, source: str) -> None:
    """Calibrate the output quantization of ``reader.open_output`` and build that layer.

    Raises
    ------
    QuantizationError
        Without calibration data, or when it cannot be used (shape, NaN, constant outputs).
    """
    p = reader.open_output
    name = node_name(p.node)
    if calibration is None:
        raise QuantizationError(
            f"{source}: its output (layer {name!r}) is not quantized in the model; pass "
            "calibration data (--calib) to calibrate the output's requantization")
    if reader.open_source not in (GRAPH_INPUT, reader.layers[-1].name if reader.layers
                                  else GRAPH_INPUT):
        raise QuantizationError(
            f"{source}: layer {name!r}, whose output is the model's and not quantized, reads "
            f"{reader.open_source!r}, not the last layer; quantize the model output "
            "(a QuantizeLinear / DequantizeLinear after it)")
    if reader.graph_connections():
        raise QuantizationError(
            f"{source}: layer {name!r}, whose output is the model's, is not quantized, and the "
            "model has branches; hwgen calibrates an unquantized output of a chain only: "
            "quantize the model output (a QuantizeLinear / DequantizeLinear after it)")
    x = stream_rows(calibration, _input_shape(reader, p), name)
    codes = chain_codes(reader.layers, reader.input_quant.quantize(x))
    real = _real_outputs(p, codes)
    out_q = calibrated_quant(real, config.output, config.default.calibration,
                             f"output of layer {name!r} (the model output)")
    reader.source = reader.open_source
    reader.pending, reader.open_output = p, None
    built = reader._close(out_q)
    raise_problems(reader.g.problems, source)
    reader.tensors[built] = reader.g.output_name   # a float tensor, not a Q's codes
    reader.float_output = built
