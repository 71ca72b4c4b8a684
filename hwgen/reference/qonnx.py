"""hwgen's golden model against qonnx's reference execution, layer by layer.

qonnx (``qonnx.core.onnx_exec.execute_onnx``) runs a QONNX model in float32; hwgen runs
integers. :func:`compare_layers` feeds every IR layer qonnx's own codes of the tensor it
reads, runs that layer's golden model and compares its codes with qonnx's codes of the
layer's output, so a difference is the layer's own (not carried from an earlier layer).
Every differing output of an integer layer or a requantizing pool is put down to one of
:data:`MECHANISMS`, from the exact value ``v`` of the output in units of the output scale
(float64 from the integer accumulator, before rounding):

- ``zero point``: ``v`` is exactly ``k + 1/2`` and the output zero point ``Z`` is odd.
  qonnx rounds after adding the zero point, ``round_half_even(x / s + Z)``; hwgen (like
  ONNX's QuantizeLinear) before, ``Z + round_half_even(x / s)``: ties go to opposite sides
  when ``Z`` is odd, and no integer rule of hwgen's rounds ties to odd;
- ``tie``: ``v`` is exactly ``k + 1/2``. With power-of-two scales qonnx's float32 is exact
  and rounds such ties to even as hwgen does; a scale ratio that is not a power of two (the
  1/9 of a 3x3 window) still makes exact ties of the integers, which float32 then moves
  off the half one way or the other and the 31-bit multiplier another;
- ``bias``: a float bias (or folded batch norm) rounded to the accumulator's grid moved ``v``
  across a rounding boundary;
- ``float32``: ``v`` lies within 1e-4 of a boundary and qonnx's float32 products and sums
  land on its other side (hwgen rounds the exact value);
- ``requantizer``: hwgen's rule gives another integer than rounding ``v`` (the 31-bit
  multiplier moved it across a boundary, or gemmlowp rounded twice) while qonnx rounds ``v``;
- ``unexplained``: none of these: a bug.

qonnx must be installed (an optional dependency, ``pip install hwgen[qonnx]``: imported when
:func:`qonnx_context` is called).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import onnx

from ..frontend.config import load_config
from ..frontend.onnx.graph import load_model
from ..frontend.problems import raise_problems
from ..frontend.qonnx.build import build_graph, check_config
from ..frontend.qonnx.integer_layers import IntLayer, PoolPart
from ..frontend.qonnx.reader import inspect_qonnx
from ..golden.window import sliding_window
from ..ir import QuantDense
from ..ir.binary import BipolarQuant
from ..ir.blocks.sliding_window import SlidingWindowParams
from ..ir.layers.conv import QuantConv, QuantPool
from ..passes.chain_codes import chain_codes

__all__ = ["MECHANISMS", "LayerComparison", "qonnx_context", "compare_layers"]

MECHANISMS = ("zero point", "tie", "bias", "float32", "requantizer", "unexplained")
_NEAR = 1e-4           # how close to a boundary float32's error can bring a value here


@dataclass
class LayerComparison:
    """One layer against qonnx: outputs compared, how many differ, by how much and why."""

    name: str
    kind: str
    outputs: int
    differ: int = 0
    largest: int = 0
    mechanisms: Counter = field(default_factory=Counter)
    example: dict | None = None


def qonnx_context(model, x) -> dict:
    """Every tensor of qonnx's execution of ``model`` on float inputs ``x``."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    proto, _ = load_model(model)
    proto = onnx.ModelProto.FromString(proto.SerializeToString())
    for value in (proto.graph.input[0], proto.graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_value = len(x)
    wrapper = ModelWrapper(proto).transform(InferShapes())
    name = proto.graph.input[0].name
    return execute_onnx(wrapper, {name: np.asarray(x, dtype=np.float32)},
                        return_full_exec_context=True)


def _codes(values, quant, shape) -> np.ndarray:
    """qonnx's float tensor -> hwgen codes in the stream layout ``(N, *shape)``."""
    t = np.asarray(values, dtype=np.float64)
    if t.ndim == 4:
        t = t.transpose(0, 2, 3, 1)                      # NCHW -> NHWC
    if isinstance(quant, BipolarQuant):
        codes = (t > 0).astype(np.int64)
    else:
        codes = np.rint(t / quant.scale).astype(np.int64) + quant.zero_point
    return codes.reshape((len(codes),) + tuple(shape))


def compare_layers(model, x, *, config=None) -> list[LayerComparison]:
    """Each IR layer of QONNX ``model`` on qonnx's own input codes, against qonnx.

    Parameters
    ----------
    model : onnx.ModelProto or path
        A QONNX model whose input and output are quantized in the model.
    x : array_like
        Float inputs in the model's layout.
    config : optional
        As for :func:`hwgen.frontend.read_qonnx` (e.g. ``requant``).
    """
    proto, source = load_model(model)
    config = load_config(config)
    check_config(config, source)
    reader, problems = inspect_qonnx(proto)
    raise_problems(problems, source)
    graph = build_graph(reader, None, config, name="compare", source=source)
    context = qonnx_context(proto, x)
    results = []
    tensor = reader.input_tensor
    # graph.layers may end in the reader's pending part, which no model tensor holds: it is
    # left out (strict=False on purpose)
    for part, layer in zip(reader.layers, graph.layers, strict=False):
        out_tensor = getattr(part, "tensor", None)
        result = LayerComparison(layer.name, type(layer).__name__, 0)
        results.append(result)
        if tensor is None or out_tensor is None or getattr(part, "rescaled", False):
            tensor = out_tensor           # no model tensor holds these codes: not compared
            continue
        codes_in = _codes(context[tensor], layer.input_quant, layer.input_shape)
        hw = chain_codes([layer], codes_in).reshape(len(codes_in), -1)
        ref = _codes(context[out_tensor], layer.output_quant, layer.output_shape).reshape(
            hw.shape)
        result.outputs = hw.size
        bad = np.argwhere(hw != ref)
        result.differ = len(bad)
        if len(bad):
            result.largest = int(np.abs(hw - ref).max())
            exact = _exact_values(part, layer, codes_in)
            for i, j in bad:
                mechanism = "unexplained" if exact is None else _mechanism(
                    exact[0][i, j], exact[1][i, j], int(hw[i, j]), int(ref[i, j]), exact[2],
                    layer.output_quant.zero_point)
                result.mechanisms[mechanism] += 1
                if result.example is None:
                    result.example = dict(sample=int(i), output=int(j), hwgen=int(hw[i, j]),
                                          qonnx=int(ref[i, j]), mechanism=mechanism,
                                          exact=None if exact is None else float(exact[0][i, j]))
        tensor = out_tensor
    return results


def _exact_values(part, layer, codes_in):
    """``(v_model, v_hwgen, (lo, hi))``: the output before rounding, in output steps, as the
    model defines it (float bias) and as hwgen's integers define it (rounded bias, exact
    multiplier), and the output bounds; None for layers without requantization."""
    if isinstance(layer, (QuantDense, QuantConv)) and isinstance(part, IntLayer):
        n = len(codes_in)
        acc = part.accumulators(codes_in).reshape(n, -1, part.out_channels)
        f, d = part.affine()
        s_x, out = layer.input_quant.scale, layer.output_quant
        pre = acc * (part.w_scale * s_x * f) + d
        if part.relu:
            pre = np.maximum(pre, 0)
        v_model = pre / out.scale + out.zero_point
        sign = np.where(f < 0, -1, 1)
        m = layer.weight_quant.scale * s_x / out.scale
        v_int = (acc * sign + layer.bias) * m + out.zero_point
        lo = max(out.dtype.qmin, out.zero_point) if layer.relu else out.dtype.qmin
        return v_model.reshape(n, -1), v_int.reshape(n, -1), (lo, out.dtype.qmax)
    if isinstance(layer, QuantPool) and isinstance(part, PoolPart) and part.quantizer and \
            layer.op != "max":
        n = len(codes_in)
        q_in, out = layer.input_quant, layer.output_quant
        sums = _window_sums(layer, codes_in) - layer.positions * q_in.zero_point
        v = sums * q_in.scale / (layer.positions * out.scale) + out.zero_point
        return v.reshape(n, -1), v.reshape(n, -1), (out.dtype.qmin, out.dtype.qmax)
    return None


def _window_sums(layer, codes):
    if layer.op == "global_avg":
        return codes.reshape(len(codes), -1, codes.shape[-1]).sum(axis=1)
    h, w, c = layer.input_shape
    window = SlidingWindowParams(name="w", height=h, width=w, channels=c, kernel=layer.kernel,
                                 stride=layer.stride, pads=layer.pads,
                                 element=layer.input_quant.dtype,
                                 pad_value=layer.input_quant.zero_point, lanes=1)
    patches = sliding_window(codes, window)
    return patches.reshape(patches.shape[:3] + (layer.positions, c)).sum(axis=3)


def _mechanism(v_model, v_int, hw, ref, bounds, zero) -> str:
    lo, hi = bounds

    def rounded(v):
        return int(np.clip(np.rint(v), lo, hi))

    distance = abs(v_model - np.floor(v_model) - 0.5)
    if distance <= 1e-9 * max(1.0, abs(v_model)):
        if zero % 2 and hw == rounded(np.rint(v_model - zero) + zero) and ref == rounded(v_model):
            return "zero point"
        return "tie"
    if rounded(v_model) != rounded(v_int):
        return "bias"
    if ref == rounded(v_model) and hw != ref:
        return "requantizer"
    if hw == rounded(v_model) and distance < _NEAR:
        return "float32"
    return "unexplained"
