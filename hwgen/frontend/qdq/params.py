"""Quantization parameters of QuantizeLinear / DequantizeLinear nodes, and integer constants.

ONNX's ``QuantizeLinear(x, scale, zero_point)`` computes
``saturate(round_half_even(x / scale) + zero_point)`` and ``DequantizeLinear(q, scale,
zero_point)`` computes ``(q - zero_point) * scale``; per-axis parameters are 1-D along
``axis`` (default 1). :func:`read_params` reads them, checked, from a node; problems are
recorded on the :class:`~hwgen.frontend.onnx.graph.OnnxGraph` so that one report lists them
all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import numpy_helper

from ...ir.types import IntType, TensorQuant

__all__ = ["QdqParams", "Constants", "read_params", "INT_TYPES"]

#: ONNX integer element types of quantized tensors hwgen reads, as IntType.
INT_TYPES = {
    onnx.TensorProto.INT8: IntType(8, True), onnx.TensorProto.UINT8: IntType(8, False),
    onnx.TensorProto.INT16: IntType(16, True), onnx.TensorProto.UINT16: IntType(16, False),
    onnx.TensorProto.INT32: IntType(32, True),
}
for _name, _type in (("INT4", IntType(4, True)), ("UINT4", IntType(4, False))):
    if hasattr(onnx.TensorProto, _name):  # onnx >= 1.16
        INT_TYPES[getattr(onnx.TensorProto, _name)] = _type


def _type_name(elem: int) -> str:
    return onnx.TensorProto.DataType.Name(elem)


class Constants:
    """Constant tensors of a model (initializers and Constant nodes) by name, any type."""

    def __init__(self, model: onnx.ModelProto):
        graph = model.graph
        self.protos = {t.name: t for t in graph.initializer}
        for node in graph.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx") and node.output:
                for attr in node.attribute:
                    if attr.name == "value":
                        self.protos[node.output[0]] = attr.t
        self.producers = {out: node for node in graph.node for out in node.output}

    def get(self, name: str):
        """``(numpy array, ONNX element type)`` of constant ``name``, or None."""
        proto = self.protos.get(name)
        if proto is None:
            return None
        return numpy_helper.to_array(proto), proto.data_type


@dataclass(frozen=True, eq=False)
class QdqParams:
    """Scale(s) and zero point(s) of one Q or DQ node.

    ``scale`` (float64) and ``zero_point`` (int64) are 1-D: one entry for per-tensor
    parameters, one per slice along ``axis`` otherwise (``axis`` None for per-tensor).
    """

    dtype: IntType
    scale: np.ndarray
    zero_point: np.ndarray
    axis: int | None

    @property
    def per_tensor(self) -> bool:
        return self.axis is None

    def same_as(self, other: "QdqParams") -> bool:
        return (self.dtype == other.dtype and self.axis == other.axis
                and np.array_equal(self.scale, other.scale)
                and np.array_equal(self.zero_point, other.zero_point))

    def tensor_quant(self) -> TensorQuant:
        """Per-tensor parameters as a TensorQuant (the caller checked :attr:`per_tensor`)."""
        return TensorQuant(self.dtype, float(self.scale[0]), int(self.zero_point[0]))

    def describe(self) -> str:
        if self.per_tensor:
            return (f"{self.dtype.name} scale {float(self.scale[0]):.9g} zero point "
                    f"{int(self.zero_point[0])}")
        return f"{self.dtype.name} per-axis (axis {self.axis}, {self.scale.size} scales)"


def read_params(g, constants: Constants, node, *, data_type: int | None = None):
    """The checked :class:`QdqParams` of a Q or DQ ``node``, or None with problems recorded.

    ``data_type`` is the ONNX element type of the quantized tensor (a DQ's input); for a Q
    node it comes from the zero point (uint8 when there is none, as ONNX specifies).
    """
    what = f"{node.op_type}"
    if len(node.input) < 2 or not node.input[1]:
        g.problem(f"{what} has no scale input", node)
        return None
    scale = constants.get(node.input[1])
    if scale is None:
        g.problem(f"scale {node.input[1]!r} is not a constant; quantization parameters must be "
                  "initializers", node)
        return None
    scale_value, scale_type = scale
    if scale_value.dtype.kind != "f":
        g.problem(f"scale {node.input[1]!r} has type {_type_name(scale_type)}; it must be a "
                  "float tensor", node)
        return None
    scale_value = scale_value.astype(np.float64).reshape(-1)
    if scale_value.size == 0 or not np.all(np.isfinite(scale_value)) \
            or not np.all(scale_value > 0):
        g.problem(f"scale {node.input[1]!r} = {scale_value.tolist()} must hold finite values "
                  "> 0", node)
        return None
    if len(node.input) > 2 and node.input[2]:
        zp = constants.get(node.input[2])
        if zp is None:
            g.problem(f"zero point {node.input[2]!r} is not a constant", node)
            return None
        zp_value, zp_type = zp
        if data_type is not None and zp_type != data_type:
            g.problem(f"zero point type {_type_name(zp_type)} differs from the quantized "
                      f"tensor's {_type_name(data_type)}", node)
            return None
        data_type = zp_type
        zp_value = zp_value.astype(np.int64).reshape(-1)
    else:
        data_type = onnx.TensorProto.UINT8 if data_type is None else data_type
        zp_value = np.zeros(1, dtype=np.int64)
    dtype = INT_TYPES.get(data_type)
    if dtype is None:
        g.problem(f"quantized type {_type_name(data_type)} is not supported; hwgen reads "
                  "int4/uint4, int8/uint8, int16/uint16 and int32 tensors", node)
        return None
    if zp_value.size not in (1, scale_value.size):
        g.problem(f"{zp_value.size} zero points for {scale_value.size} scales", node)
        return None
    if zp_value.size and (zp_value.min() < dtype.qmin or zp_value.max() > dtype.qmax):
        g.problem(f"zero point {zp_value.tolist()} lies outside {dtype.name}", node)
        return None
    axis = None
    if scale_value.size > 1:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        axis = int(attrs.get("axis", 1))
        if "block_size" in attrs and attrs["block_size"]:
            g.problem("blocked quantization (block_size) is not supported", node)
            return None
    zp_value = np.broadcast_to(zp_value, scale_value.shape).copy()
    return QdqParams(dtype=dtype, scale=scale_value, zero_point=zp_value, axis=axis)


def relative_mismatch(a: np.ndarray, b: np.ndarray) -> float:
    """Largest ``|a - b| / |b|`` (float64)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.abs(b))) if b.size else 0.0


def float32_product(a, b) -> np.ndarray:
    """``a * b`` rounded to float32, as onnxruntime computes a bias scale ``S_X * S_W``."""
    return (np.float32(a) * np.asarray(b, dtype=np.float32)).astype(np.float64)

