"""Weights and biases of a QDQ model: DequantizeLinear'd integer constants, checked.

Weights must be symmetric (zero point 0, or ``2**(bits-1)`` for unsigned codes, re-centred
exactly) with one scale per tensor or per output channel; a bias is int32 codes at
``S_X * S_W`` (onnxruntime rounds that product to float32: more than 1e-6 relative is an
error) or a float constant, quantized here half to even. Problems are recorded on the
:class:`~hwgen.frontend.onnx.graph.OnnxGraph` so that one report lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx

from ...ir import WeightQuant
from ...ir.types import IntType
from ..onnx.graph import node_name
from .params import INT_TYPES, read_params

__all__ = ["DqWeights", "read_weights", "read_bias", "bias_codes"]


def _short(values) -> str:
    """Distinct values for a message (the first four)."""
    values = np.unique(np.asarray(values))
    return str(values.tolist() if values.size <= 4 else values[:4].tolist() + ["..."])


@dataclass
class DqWeights:
    """DQ'd weights: signed codes (zero point removed) in the ONNX layout, scale per output."""

    codes: np.ndarray
    dtype: IntType
    scale: np.ndarray
    granularity: str

    @property
    def shape(self) -> tuple:
        return self.codes.shape

    def quant(self) -> WeightQuant:
        return WeightQuant(self.dtype, self.scale.copy(), self.granularity)


def read_weights(g, c, node, name: str, out_axis: int, what: str = "weights"):
    """The DequantizeLinear'd integer weights of ``node``'s input ``name`` (their output
    channels along ``out_axis``), zero point removed, or None with a problem recorded."""
    producer = c.producers.get(name)
    if producer is None or producer.op_type != "DequantizeLinear":
        if name in c.protos:
            g.problem(f"{what} {name!r} are a float constant; a QDQ model stores integer "
                      f"{what} behind a DequantizeLinear (quantize_static does this)", node)
        else:
            g.problem(f"{what} {name!r} are not a DequantizeLinear of a constant", node)
        return None
    raw = c.get(producer.input[0])
    if raw is None:
        g.problem(f"{what} {producer.input[0]!r} (input of {node_name(producer)!r}): "
                  "missing initializer or not a constant", node)
        return None
    codes, elem = raw
    if elem not in INT_TYPES:
        g.problem(f"{what} {producer.input[0]!r} have type "
                  f"{onnx.TensorProto.DataType.Name(elem)}; expected an integer type", node)
        return None
    params = read_params(g, c, producer, data_type=elem)
    if params is None:
        return None
    codes = codes.astype(np.int64)
    out = codes.shape[out_axis] if codes.ndim > out_axis else 0
    if not params.per_tensor:
        axis = params.axis + codes.ndim if params.axis < 0 else params.axis
        if axis != out_axis or params.scale.size != out:
            g.problem(f"{what} {producer.input[0]!r}: per-channel scales run along axis "
                      f"{params.axis} ({params.scale.size} scales); hwgen needs one scale "
                      f"per output channel (axis {out_axis}, {out} scales)", node)
            return None
    zero = params.zero_point
    dtype = params.dtype
    if not dtype.signed:
        centre = 1 << (dtype.bits - 1)
        if not np.all(zero == centre):
            g.problem(f"{what} {producer.input[0]!r} are {dtype.name} with zero point "
                      f"{_short(zero)}; weights must be symmetric (zero point 0 for "
                      f"signed, {centre} for {dtype.name}): quantize with weight_type="
                      "QuantType.QInt8 or extra_options={'WeightSymmetric': True}", node)
            return None
        codes = codes - centre  # exact: the same reals at zero point 0
        dtype = IntType(dtype.bits, True)
    elif np.any(zero != 0):
        g.problem(f"{what} {producer.input[0]!r} have zero point {_short(zero)}; weights "
                  "must be symmetric (zero point 0): quantize with extra_options="
                  "{'WeightSymmetric': True}", node)
        return None
    scale = np.broadcast_to(params.scale, (out,)).astype(np.float64) if out else None
    if scale is None:
        return None
    return DqWeights(codes, dtype, scale, "tensor" if params.per_tensor else "channel")

def read_bias(g, c, node, name: str, out: int):
    """Bias input ``name`` of ``node``: ``("codes", int64 codes, scales)`` of a
    DequantizeLinear, ``("float", values)`` of a float constant, or None with a problem."""
    producer = c.producers.get(name)
    if producer is not None and producer.op_type == "DequantizeLinear":
        raw = c.get(producer.input[0])
        if raw is None or raw[1] not in INT_TYPES:
            g.problem(f"bias {name!r}: DequantizeLinear of a non-constant or non-integer "
                      "tensor", node)
            return None
        params = read_params(g, c, producer, data_type=raw[1])
        if params is None:
            return None
        codes = raw[0].astype(np.int64).reshape(-1)
        if codes.size != out or np.any(params.zero_point != 0) \
                or params.scale.size not in (1, out):
            g.problem(f"bias {producer.input[0]!r} has {codes.size} codes, zero point "
                      f"{_short(params.zero_point)} and {params.scale.size} scales; "
                      f"expected {out} codes, zero point 0 and 1 or {out} scales", node)
            return None
        return ("codes", codes, np.broadcast_to(params.scale, (out,)).astype(np.float64))
    value = g.constant(name, node, "bias")
    if value is None:
        return None
    if value.size != out:
        g.problem(f"bias {name!r} has shape {value.shape}; expected ({out},)", node)
        return None
    return ("float", value.reshape(-1))

def bias_codes(g, node, bias, w: DqWeights, in_q):
    """int32 bias codes at scale ``S_X * S_W``, or None with a problem."""
    expected = in_q.scale * w.scale
    if bias is None:
        return None
    if bias[0] == "zeros":
        return np.zeros(len(w.scale), dtype=np.int64)
    if bias[0] == "codes":
        _, codes, scale = bias
        # onnxruntime writes S_X * S_W rounded to float32: allow that, nothing more.
        worst = float(np.max(np.abs(scale - expected) / expected))
        if worst > 1e-6:
            i = int(np.argmax(np.abs(scale - expected) / expected))
            g.problem(
                f"inconsistent quantization parameters: bias scale {scale[i]:.9g} (channel "
                f"{i}) is not input scale x weight scale = {expected[i]:.9g}; the int32 "
                "bias must be at S_X * S_W", node)
            return None
        return codes
    real = bias[1] / expected
    if np.any(np.abs(real) > (1 << 31) - 1):
        g.problem("the float bias does not fit int32 at scale S_X * S_W", node)
        return None
    return np.rint(real).astype(np.int64)
