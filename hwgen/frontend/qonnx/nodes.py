"""Decoding qonnx's quantization nodes: weights (BipolarQuant, Quant / IntQuant) and
activation quantizers (BipolarQuant, Quant / IntQuant, FINN's MultiThreshold).

The formulas are qonnx's reference ones (``qonnx.custom_op.general``):

- ``BipolarQuant(x, s)``: ``s * (+1 if x >= 0 else -1)``;
- ``Quant(x, s, z, b)`` (signed, narrow, rounding_mode): ``s * (round(clamp(x / s + z)) - z)``
  with ``clamp`` to the b-bit range (narrow drops the most negative code); a signed 1-bit
  Quant is bipolar (qonnx's special case);
- ``MultiThreshold(x, T)``: ``out_scale * sum_k [x >= T[c, k]] + out_bias``.

Each function records a :class:`~hwgen.frontend.problems.Problem` and returns None when a
node cannot be used, so that every problem of a model is reported at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import onnx

from ...ir.binary import BipolarQuant
from ...ir.layers.dense import INT_MVAU_BITS
from ...ir.layers.float_activation import (
    ROUNDING_MODES,
    SignQuantizer,
    ThresholdQuantizer,
    UniformQuantizer,
)
from ...ir.types import IntType, TensorQuant

__all__ = ["QONNX_DOMAINS", "QUANT_OPS", "attrs", "QuantSpec", "read_quant_spec",
           "weight_codes", "dequantized_constant", "activation_quantizer",
           "threshold_quantizer"]

#: Operator domains of qonnx's custom ops (current, FINN's and Brevitas' older names).
QONNX_DOMAINS = ("qonnx.custom_op.general", "finn.custom_op.general", "onnx.brevitas", "finn")
#: Quantization operators of those domains.
QUANT_OPS = ("Quant", "IntQuant", "BipolarQuant")

_DTYPE_RE = re.compile(r"^(U?)INT(\d+)$")


def attrs(node) -> dict:
    values = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in values.items()}


@dataclass
class QuantSpec:
    """The parameters of a ``Quant`` / ``IntQuant`` node."""

    scale: np.ndarray
    zero_point: np.ndarray
    bits: int
    signed: bool
    narrow: bool
    rounding: str

    @property
    def bipolar(self) -> bool:
        return self.bits == 1 and self.signed

    @property
    def qmin(self) -> int:
        return IntType(self.bits, self.signed).qmin + (1 if self.narrow and self.signed else 0)

    @property
    def qmax(self) -> int:
        # qonnx's max_int: narrow also drops the top code of an unsigned type
        return IntType(self.bits, self.signed).qmax - (1 if self.narrow and not self.signed
                                                       else 0)


def read_quant_spec(graph, node) -> QuantSpec | None:
    """Scale, zero point, bit width and attributes of a Quant node (constants required)."""
    if len(node.input) < 4:
        graph.problem("Quant needs 4 inputs (x, scale, zero point, bit width)", node)
        return None
    scale = graph.constant(node.input[1], node, "scale")
    zero = graph.constant(node.input[2], node, "zero point")
    bits = graph.constant(node.input[3], node, "bit width")
    if scale is None or zero is None or bits is None:
        return None
    a = attrs(node)
    rounding = str(a.get("rounding_mode", "ROUND")).upper()
    ok = True
    if bits.size != 1 or bits.reshape(-1)[0] != int(bits.reshape(-1)[0]) or \
            not 1 <= bits.reshape(-1)[0] <= 32:
        graph.problem(f"bit width {bits.reshape(-1).tolist()} must be one integer from 1 to 32",
                      node)
        ok = False
    if np.any(scale <= 0):
        graph.problem("scales must be > 0", node)
        ok = False
    if np.any(zero != np.round(zero)):
        graph.problem(f"zero point {zero.reshape(-1)[:4].tolist()} is not an integer", node)
        ok = False
    if rounding not in ROUNDING_MODES:
        graph.problem(f"rounding_mode {rounding!r} is not known; use one of "
                      f"{', '.join(ROUNDING_MODES)}", node)
        ok = False
    if not ok:
        return None
    return QuantSpec(scale=scale, zero_point=zero, bits=int(bits.reshape(-1)[0]),
                     signed=bool(a.get("signed", 1)), narrow=bool(a.get("narrow", 0)),
                     rounding=rounding)


#: qonnx's rounding modes (``resolve_rounding_mode``)
_ROUND = {
    "ROUND": np.rint, "HALF_EVEN": np.rint, "FLOOR": np.floor, "CEIL": np.ceil,
    "HALF_UP": lambda x: np.sign(x) * np.floor(np.abs(x) + 0.5),
    "HALF_DOWN": lambda x: np.sign(x) * np.ceil(np.abs(x) - 0.5),
    "UP": lambda x: np.sign(x) * np.ceil(np.abs(x)), "DOWN": np.trunc,
}


def weight_codes(graph, node, producer, value) -> tuple | None:
    """Codes, format, scale (broadcast to the weights' shape) and code type of quantized
    weights, computed as qonnx computes them (float32: ``clamp(round(W / s))``).

    Parameters
    ----------
    graph : OnnxGraph
    node : onnx.NodeProto
        The Gemm / MatMul / Conv, for messages.
    producer : onnx.NodeProto or None
        The BipolarQuant / Quant node that quantizes the weights, or None for plain
        constants (FINN's style: the codes themselves).
    value : numpy.ndarray
        The float weights entering ``producer`` (or the constant itself).

    Returns
    -------
    (codes, fmt, scale, dtype) with ``fmt`` ``"bipolar"``, ``"ternary"`` or ``"int"`` and
    ``dtype`` a signed IntType that holds the codes, or None (a problem is recorded).
    """
    two = IntType(2, True)
    if producer is None:
        if np.isin(value, (-1.0, 1.0)).all():
            return np.where(value > 0, 1, -1), "bipolar", np.ones_like(value), two
        if np.isin(value, (-1.0, 0.0, 1.0)).all():
            return np.rint(value).astype(np.int64), "ternary", np.ones_like(value), two
        graph.problem("its weights are float values; quantize them with a Quant / IntQuant "
                      "or BipolarQuant node (Brevitas exports quantized weights that way)", node)
        return None
    if producer.op_type == "BipolarQuant":
        scale = graph.constant(producer.input[1], producer, "scale")
        if scale is None:
            return None
        if np.any(scale <= 0):
            graph.problem("weight scales must be > 0", producer)
            return None
        scale = _broadcast(graph, producer, scale, value.shape)
        if scale is None:
            return None
        return np.where(value >= 0, 1, -1), "bipolar", scale, two
    spec = read_quant_spec(graph, producer)
    if spec is None:
        return None
    if np.any(spec.zero_point != 0):
        graph.problem(f"weights have zero point {np.unique(spec.zero_point)[:4].tolist()}; "
                      "hwgen's weights are symmetric (zero point 0): quantize them with a "
                      "zero-point-free quantizer (Brevitas' weight quantizers are)", producer)
        return None
    scale = _broadcast(graph, producer, spec.scale, value.shape)
    if scale is None:
        return None
    x = value.astype(np.float32) / scale.astype(np.float32)       # qonnx's float32 steps
    if spec.bipolar:
        return np.where(x >= 0, 1, -1), "bipolar", scale, two
    codes = _ROUND[spec.rounding](np.clip(x, spec.qmin, spec.qmax)).astype(np.int64)
    if spec.signed and spec.bits <= 2 and np.isin(codes, (-1, 0, 1)).all():
        return codes, "ternary", scale, two
    bits = spec.bits + (0 if spec.signed else 1)   # unsigned codes need a sign bit
    lo, hi = INT_MVAU_BITS
    if bits > hi:
        graph.problem(f"{spec.bits}-bit {'signed' if spec.signed else 'unsigned'} weights are "
                      f"out of range; integer weights take {lo} to {hi} bits (signed; unsigned "
                      f"{lo - 1} to {hi - 1}), 1-bit weights are bipolar", producer)
        return None
    return codes, "int", scale, IntType(max(bits, lo), True)


def _broadcast(graph, node, scale, shape):
    try:
        return np.broadcast_to(np.asarray(scale, dtype=np.float64), shape)
    except ValueError:
        graph.problem(f"a scale of shape {np.shape(scale)} does not broadcast to the weights' "
                      f"shape {tuple(shape)}", node)
        return None


def dequantized_constant(graph, node, producer, value):
    """qonnx's output of Quant ``producer`` on constant ``value`` (float32 arithmetic, as
    float64), and its scale; ``(value, None)`` for a plain constant; None on problems."""
    if producer is None:
        return value, None
    if producer.op_type != "Quant" and producer.op_type != "IntQuant":
        graph.problem(f"a {producer.op_type} of a constant bias is not supported", node)
        return None
    spec = read_quant_spec(graph, producer)
    if spec is None:
        return None
    s = spec.scale.astype(np.float32)
    z = spec.zero_point.astype(np.float32)
    y = value.astype(np.float32) / s + z
    y = np.where(y >= 0, 1, -1).astype(np.float32) if spec.bipolar else \
        _ROUND[spec.rounding](np.clip(y, spec.qmin, spec.qmax))
    y = (y - z) * s
    return y.astype(np.float64), spec.scale


def _scalar(graph, value, node, what):
    if value is None:
        return None
    if value.size != 1:
        graph.problem(f"{what} must be one value per tensor (activations are quantized per "
                      f"tensor), not shape {value.shape}", node)
        return None
    return float(value.reshape(-1)[0])


def activation_quantizer(graph, node):
    """The quantizer of a BipolarQuant / Quant node on the activation path, or None."""
    if node.op_type == "BipolarQuant":
        scale = _scalar(graph, graph.constant(node.input[1], node, "scale"), node, "the scale")
        if scale is None:
            return None
        if scale <= 0:
            graph.problem("the scale must be > 0", node)
            return None
        return SignQuantizer(BipolarQuant(scale))
    spec = read_quant_spec(graph, node)
    if spec is None:
        return None
    scale = _scalar(graph, spec.scale, node, "the scale")
    zero = _scalar(graph, spec.zero_point, node, "the zero point")
    if scale is None or zero is None:
        return None
    if spec.bipolar:
        if zero != 0:
            graph.problem("a 1-bit signed (bipolar) Quant needs a zero point of 0", node)
            return None
        return SignQuantizer(BipolarQuant(scale))
    if spec.bits > 8:
        graph.problem(f"{spec.bits}-bit activations are out of range; use 1 to 8 bits", node)
        return None
    dtype = IntType(spec.bits, spec.signed)
    if spec.narrow and not spec.signed:
        graph.problem("narrow = 1 on an unsigned activation (top code 2**b - 2) is not "
                      "supported; export it with narrow_range = False", node)
        return None
    if not dtype.qmin <= zero <= dtype.qmax:
        graph.problem(f"zero point {zero:g} is outside {dtype}", node)
        return None
    return UniformQuantizer(dtype, scale, int(zero), narrow=spec.narrow, rounding=spec.rounding)


def threshold_quantizer(graph, node, channels: int):
    """FINN's MultiThreshold as a :class:`ThresholdQuantizer`, or None."""
    t = graph.constant(node.input[1], node, "thresholds") if len(node.input) > 1 else None
    if t is None:
        return None
    if t.ndim != 2 or t.shape[0] not in (1, channels):
        graph.problem(f"thresholds of shape {t.shape} do not give (channels, T) for "
                      f"{channels} channels", node)
        return None
    a = attrs(node)
    out_scale, out_bias = float(a.get("out_scale", 1.0)), float(a.get("out_bias", 0.0))
    dtype_name = str(a.get("out_dtype", ""))
    count = t.shape[1]
    if out_scale <= 0:
        graph.problem(f"out_scale = {out_scale:g} must be > 0", node)
        return None
    if dtype_name == "BIPOLAR":
        if count != 1 or out_bias != -out_scale / 2:
            graph.problem("a BIPOLAR MultiThreshold needs one threshold per channel, "
                          "out_bias = -out_scale / 2", node)
            return None
        return ThresholdQuantizer(t, BipolarQuant(out_scale / 2), 0)
    match = _DTYPE_RE.match(dtype_name) if dtype_name != "BINARY" else _DTYPE_RE.match("UINT1")
    if match is None:
        graph.problem(f"out_dtype {dtype_name!r} is not BIPOLAR, BINARY, INTn or UINTn", node)
        return None
    dtype = IntType(int(match.group(2)), not match.group(1))
    offset = dtype.qmin
    zero = offset - out_bias / out_scale
    if count > dtype.qmax - dtype.qmin or zero != round(zero) or \
            not dtype.qmin <= zero <= dtype.qmax:
        graph.problem(f"{count} thresholds with out_scale {out_scale:g}, out_bias "
                      f"{out_bias:g} do not give {dtype_name} codes with an integer zero point",
                      node)
        return None
    return ThresholdQuantizer(t, TensorQuant(dtype, out_scale, int(zero)), offset)
