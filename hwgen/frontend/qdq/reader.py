"""QDQ ONNX models (onnxruntime ``quantize_static``, QDQ format) -> IR graph, own scales.

A QDQ model computes in float between ``QuantizeLinear`` (Q) / ``DequantizeLinear`` (DQ)
pairs; every operator reads DQ'd tensors and its output is Q'd. That is exactly hwgen's
integer layer: the accumulator of the integer codes, requantized to the next Q's scale and
zero point. This reader keeps the model's scales and zero points (no calibration) and
recognizes what ``quantize_static`` emits (checked with onnxruntime 1.32):

- model input -> Q -> DQ: the input quantization;
- Conv / Gemm / MatMul: activation from a DQ, weights ``DQ(int8 / uint8 / int4 constant)``
  per tensor or per output channel (``axis`` on the output channels; a zero point of 0, or
  ``2**(bits-1)`` for unsigned weights, which are re-centred exactly), optional bias
  ``DQ(int32)`` at scale ``S_X * S_W`` (onnxruntime rounds that product to float32; the codes
  are used as they are, as its integer kernels do) or a float bias (quantized here, half to
  even); then Q -> DQ: the output quantization;
- Relu / Clip: onnxruntime removes them (``QDQRemovableActivation``) and calibrates the
  layer's output range on the activation's output instead, so the Q's saturation is the
  activation. Where they remain (symmetric activations), they must not change the codes
  (a lower bound of 0 becomes a fused ReLU, ``max(q, Z)``); a Relu / Clip between two
  different quantizations would round twice and is rejected;
- MaxPool, Flatten, Reshape: onnxruntime gives their output the input's parameters (``Q``
  of the same scale): max pooling and reshaping commute with the quantization;
- AveragePool, GlobalAveragePool: a window sum requantized to the output Q's scale;
- Add of two branches (a residual connection), ``DQ(a), DQ(b) -> Add -> Q``: a
  :class:`~hwgen.ir.layers.add.QuantAdd` with both inputs' parameters and the Q's (onnxruntime
  removes a Relu after it and calibrates the Q on the Relu's output, so the Q's saturation at
  its zero point is the ReLU). A tensor read by several layers shares one Q / DQ pair, or
  has one pair per reader (``DedicatedQDQPair``), which must then agree.

MatMul + Add (bias) is quantized by onnxruntime as two operators, each with its own output Q:
two roundings no single layer computes. Gemm, or ``quant_pre_process`` (which fuses MatMul +
Add into Gemm) before ``quantize_static``, avoids it; the reader says so.

Requantization: onnxruntime multiplies the int32 accumulator by a float32 scale and rounds
half to even; hwgen's integer rules are gemmlowp (double rounding) and single rounding with
ties up or ties to even. Single rounding with ties to even is the closest (one rounding of the
exact product, and exact ties, e.g. the mean of a 2x2 window with equal scales, go the same
way; measured in tests/unit/frontend/test_qdq_onnxruntime.py), so it is this reader's default
(:data:`QDQ_REQUANT`); a ``requant`` key in the config overrides it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import onnx

from ...errors import ConfigError, HwgenError, IRError, QuantizationError
from ...ir import Graph, QuantDense, RequantRounding
from ...ir.blocks.sliding_window import conv_output_size
from ...ir.graph import GRAPH_INPUT
from ...ir.layers.add import QuantAdd
from ...ir.layers.conv import QuantConv, QuantPool
from ...ir.layers.depthwise import QuantDepthwiseConv
from ...ir.types import IntType
from ..calibrated_quant import warn_calibration_ignored
from ..config import load_config
from ..layout import nchw_columns_to_nhwc
from ..onnx.conv_reader import ConvReader
from ..onnx.graph import OnnxGraph, load_model, node_attrs, node_name
from ..onnx.handlers import handles
from ..problems import Problem, raise_problems
from .open_output import close_open_output
from .params import INT_TYPES, Constants, read_params
from .qoperator import QOPERATOR_OPS, qoperator_to_qdq
from .weights import DqWeights, bias_codes, read_bias, read_weights

__all__ = ["read_qdq", "qdq_problems", "qdq_tensors", "is_qdq", "qdq_open_output", "QDQ_OPS",
           "QDQ_REQUANT", "qdq_float_bias_layers"]

#: Requantization rule of QDQ layers unless the config sets ``requant``: the closer to
#: onnxruntime's float32 requantization.
QDQ_REQUANT = RequantRounding.SINGLE_EVEN
#: Config keys that apply to a QDQ model (its quantization is its own; ``output`` and
#: ``calibration`` to an unquantized model output only).
QDQ_CONFIG_KEYS = ("requant", "pe", "simd", "output", "calibration")
#: Config keys that need an unquantized model output.
_OUTPUT_KEYS = ("output", "calibration")

_HINTS = {
    "BatchNormalization": "; fold batch norm before quantizing: run "
                          "onnxruntime.quantization.quant_pre_process on the float model",
}
_RELU_TOLERANCE = 1e-6
#: Layers whose unquantized output (the model's) is calibrated.
_OPEN_KINDS = ("conv", "depthwise", "dense")


def is_qdq(model: onnx.ModelProto) -> bool:
    """Whether ``model`` holds QuantizeLinear / DequantizeLinear nodes (a QDQ model) or
    onnxruntime's QOperator / integer-ops operators (read in QDQ form,
    :mod:`hwgen.frontend.qdq.qoperator`)."""
    return any(n.op_type in ("QuantizeLinear", "DequantizeLinear") + QOPERATOR_OPS
               for n in model.graph.node)


@dataclass
class _Pending:
    """An operator whose output quantization (the next Q) is not known yet."""

    node: object
    kind: str                      # "conv", "depthwise", "dense", "avg", "global_avg", "add"
    input_quant: object
    fields: dict
    relu: bool = False
    clip: tuple | None = None
    closed: tuple | None = None    # (layer name or None, output quant) once a Q closed it


class QdqReader(ConvReader):
    """Walks a QDQ model and builds IR layers with the model's parameters.

    It reads the float reader's operators but BatchNormalization (folded before quantizing),
    plus QuantizeLinear and DequantizeLinear: :data:`QDQ_OPS`.
    """

    STATE = ConvReader.STATE + ("quant", "q_open", "lost")
    refused = ("BatchNormalization",)

    def __init__(self, graph: OnnxGraph, requant_for):
        super().__init__(graph)
        self.c = Constants(graph.model)
        self.requant_for = requant_for
        self.quant = None        # TensorQuant of the current activation when it lies on a grid
        self.q_open = None       # (node, TensorQuant) of a Q on the chain awaiting its DQ
        self.input_quant = None
        self.lost = False        # an earlier problem broke the chain's quantization state
        self.tensors = {}        # layer name -> the Q output holding its codes (None: input)
        self.open_output = None  # the last layer, when the model's output is not quantized
        self.explained = frozenset()   # nodes whose problems follow from a reported one
        self.float_biases = set()      # layers whose float bias was rounded to int32
        self.open_source = None  # the layer it reads
        self.float_output = None  # its name once calibrated (its output is a float tensor)

    # -- whole-graph checks --------------------------------------------------------------
    def check_ops(self, explained=frozenset()) -> None:
        """Report every operator the reader does not take (but those in ``explained``,
        whose problem follows from another one reported)."""
        supported = ", ".join(self.supported_ops())
        for node in self.g.model.graph.node:
            if node_name(node) in explained:
                continue
            if node.domain not in self.DOMAINS:
                self.unknown_ops = True
                self.g.problem(f"operator domain {node.domain!r} is not supported; supported "
                               f"ops (default domain): {supported}", node)
            elif node.op_type not in self.handlers and node.op_type != "Constant":
                self.unknown_ops = True
                self.g.problem(f"unsupported op {node.op_type} in a QDQ model; supported ops: "
                               f"{supported}{_HINTS.get(node.op_type, '')}", node)

    def path_ops(self) -> tuple:
        """The float reader's operators: a QuantizeLinear / DequantizeLinear of constants only
        (weights, biases) is no problem."""
        return ConvReader.supported_ops()

    def visit(self, node, inputs) -> None:
        if node.op_type not in self.handlers:
            self.lost = True
            self.pending, self.quant = None, None
        super().visit(node, inputs)

    def _bad_layer(self, node) -> None:
        """A layer that cannot be built (already reported): its output's quantization is
        unknown, so the QuantizeLinear after it starts afresh instead of reporting a
        requantization of its input's grid (a follow-on problem)."""
        super()._bad_layer(node)
        self.pending, self.quant, self.lost = None, None, True

    # -- Q and DQ on the activation path -------------------------------------------------------
    @handles("QuantizeLinear")
    def quantize_linear(self, node, inputs) -> None:
        params = read_params(self.g, self.c, node)
        if params is not None and not params.per_tensor:
            self.g.problem("per-axis quantization of an activation is not supported; "
                           "activations need one scale and zero point", node)
            params = None
        if params is None:
            self.lost, self.pending, self.quant, self.q_open = True, None, None, None
            return
        q = params.tensor_quant()
        if self.pending is not None and self.pending.closed is not None:
            self._closed_again(node, q)
        elif self.pending is not None:
            name = self._close(q)
            if name is not None:
                self.tensors.setdefault(name, node.output[0])
        elif self.quant is not None:
            index = self.layer_named(self.source)
            if index is not None and isinstance(self.layers[index], QuantPool):  # a max pool
                self.tensors.setdefault(self.source, node.output[0])
            if q != self.quant:
                self.g.problem(
                    f"requantizes a tensor that is already quantized ({_describe(self.quant)}) "
                    f"to {_describe(q)}; hwgen keeps one quantization per tensor (onnxruntime "
                    "gives MaxPool, Flatten and Reshape outputs their input's parameters)", node)
                self.lost = True
        elif self.source == GRAPH_INPUT and self.input_quant is None and not self.lost:
            self.input_quant = q
            self.tensors[None] = node.output[0]
        elif node.input[0] == self.g.input_name and self.input_quant not in (None, q):
            self.g.problem(f"quantizes the model input as {_describe(q)}, another "
                           f"QuantizeLinear as {_describe(self.input_quant)}; hwgen keeps one "
                           "quantization per tensor", node)
            self.lost = True
        self.q_open = (node, q)
        self.quant = None

    def check_side_outputs(self, node, consumers) -> None:
        if node_name(node) not in self.explained:
            super().check_side_outputs(node, consumers)

    def fork(self, tensor: str) -> None:
        readers = self.dag.consumers[tensor]
        raw = [n for n, _ in readers if n.op_type != "QuantizeLinear"]
        if self.pending is not None and not raw:
            # onnxruntime's dedicated Q / DQ pairs (DedicatedQDQPair): one Q per reader of a
            # layer's output, each closing the same layer (they must agree)
            self.forked.setdefault(node_name(self.pending.node), readers)
            return
        if self.pending is not None and len(raw) < len(readers):
            names = ", ".join(f"{node_name(n)!r} ({n.op_type})" for n in raw)
            self.g.problem(f"its output feeds {names} directly, not through its "
                           "QuantizeLinear; every reader of a layer's output must read the "
                           "quantized tensor", self.pending.node)
            self.pending, self.lost = None, True
        super().fork(tensor)

    def _closed_again(self, node, q) -> None:
        """A second QuantizeLinear of a layer's output (dedicated Q / DQ pairs)."""
        name, first = self.pending.closed
        self.pending = None
        if name is None:
            self.lost = True          # closing it failed, already reported
            return
        self.source = name
        if q != first:
            self.g.problem(f"quantizes the output of {name!r} as {_describe(q)}, another "
                           f"QuantizeLinear as {_describe(first)}; hwgen keeps one "
                           "quantization per tensor", node)
            self.lost = True

    @handles("DequantizeLinear")
    def dequantize_linear(self, node, inputs) -> None:
        if self.q_open is None:
            if not self.lost:
                self.g.problem("a DequantizeLinear on the activation path must follow a "
                               "QuantizeLinear", node)
            self.lost = True
            return
        q_node, q = self.q_open
        self.q_open = None
        params = read_params(self.g, self.c, node,
                             data_type=_elem_type(q.dtype))
        if params is None:
            self.lost = True
            return
        if not params.per_tensor or params.tensor_quant() != q:
            self.g.problem(
                f"inconsistent quantization parameters: QuantizeLinear {node_name(q_node)!r} "
                f"uses {_describe(q)} but this DequantizeLinear uses {params.describe()}; "
                "a Q / DQ pair must share its scale, zero point and type", node)
            self.lost = True
            return
        self.quant = q

    def _quantized_input(self, node):
        """The TensorQuant of the activation entering ``node``, or None with a problem."""
        if self.pending is not None:
            self.g.problem(f"its input, the output of {node_name(self.pending.node)!r}, is not "
                           "quantized (no QuantizeLinear / DequantizeLinear pair between them)",
                           node)
            self.pending, self.lost = None, True
            return None
        if self.quant is None:
            if not self.lost:
                self.g.problem("its input is not quantized: every Conv, Gemm, MatMul and pool "
                               "of a QDQ model reads a DequantizeLinear output", node)
            self.lost = True
        return self.quant

    def finish_output(self) -> None:
        """A Conv / Gemm / MatMul whose output is the model's, unquantized (a float output,
        e.g. Brevitas' QCDQ export of a last layer without an output quantizer): its output
        quantization is calibrated by :func:`read_qdq` (``--calib``), as a QONNX model's."""
        p = self.pending
        if p is not None and p.kind in _OPEN_KINDS and p.closed is None:
            self.open_output, self.open_source, self.pending = p, self.source, None
            self.bad_layer = False
            return
        self.finish_layer()

    def finish_layer(self) -> None:
        if self.pending is not None:
            self.g.problem("its output is not quantized (no QuantizeLinear follows it); hwgen "
                           "needs every layer's output quantization", self.pending.node)
            self.pending, self.lost = None, True
        self.bad_layer = False

    def _note_float_bias(self, node, bias) -> None:
        """A float bias is rounded to the accumulator grid (hwgen.reference.onnxruntime
        attributes the differences it makes)."""
        if bias is not None and bias[0] == "float":
            self.float_biases.add(node_name(node))

    # -- weights and biases ---------------------------------------------------------------
    # -- Conv, Gemm, MatMul -----------------------------------------------------------------
    @handles("Conv")
    def conv(self, node, inputs) -> None:
        if self._quantized_input(node) is None:
            self.quant = None
            self._bad_layer(node)
            return
        super().conv(node, inputs)

    def _conv_weights(self, node):
        return read_weights(self.g, self.c, node, node.input[1], 0)

    def _conv_bias(self, node, w):
        return read_bias(self.g, self.c, node, node.input[2], w.shape[0])

    def _no_bias(self, out: int):
        return ("zeros",)

    def _begin_conv(self, node, w, bias, input_shape, stride, pads, *, depthwise=False) -> None:
        in_q = self.quant
        codes = bias_codes(self.g, node, bias, w, in_q)
        self._note_float_bias(node, bias)
        self.quant = None
        if codes is None:
            self.bad_layer, self.lost = True, True
            return
        # depthwise weights (C, 1, k, k): one kernel per channel (per-channel scales on axis 0)
        weights = w.codes[:, 0] if depthwise else w.codes.transpose(0, 2, 3, 1)
        self.pending = _Pending(node, "depthwise" if depthwise else "conv", in_q, dict(
            weights=weights, weight_quant=w.quant(), bias=codes,
            input_shape=input_shape, stride=stride, pads=pads))

    def _dense(self, node, w: DqWeights | None, codes_out_in, bias_name) -> None:
        in_q = self.quant
        self.quant = None
        self.dense_nodes += 1
        if w is None:
            self.bad_layer, self.lost = True, True
            self.feat = None
            return
        out, n_in = codes_out_in.shape
        self._dense_input(node, n_in)
        bias = read_bias(self.g, self.c, node, bias_name, out) if bias_name else ("zeros",)
        codes = bias_codes(self.g, node, bias, w, in_q)
        self._note_float_bias(node, bias)
        self.feat = (out,)
        if codes is None:
            self.bad_layer, self.lost = True, True
            self.flat_from = None
            return
        weights = codes_out_in
        if self.flat_from is not None and n_in == math.prod(self.flat_from):
            weights = nchw_columns_to_nhwc(weights, self.flat_from)
        self.flat_from = None
        self.pending = _Pending(node, "dense", in_q, dict(weights=weights,
                                                           weight_quant=w.quant(), bias=codes))

    @handles("Gemm")
    def gemm(self, node, inputs) -> None:
        pos = inputs[0]
        attrs = node_attrs(node)
        trans_b = attrs.get("transB", 0)
        ok = pos == 0 and attrs.get("transA", 0) == 0 and trans_b in (0, 1) \
            and float(attrs.get("alpha", 1.0)) == 1.0 and float(attrs.get("beta", 1.0)) == 1.0
        if not ok:
            self.g.problem("a quantized Gemm needs the activation as input A, transA=0, "
                           "transB 0 or 1 and alpha = beta = 1", node)
        in_q = self._quantized_input(node) if ok else None
        if in_q is None:
            self.quant = None
            self._dense(node, None, None, None)
            return
        w = read_weights(self.g, self.c, node, node.input[1], 0 if trans_b else 1)
        if w is not None and w.codes.ndim != 2:
            self.g.problem(f"weights have shape {w.codes.shape}; Gemm needs 2-D weights", node)
            w = None
        codes = None if w is None else (w.codes if trans_b else w.codes.T)
        bias = node.input[2] if len(node.input) > 2 and node.input[2] else None
        self._dense(node, w, codes, bias)

    @handles("MatMul")
    def mat_mul(self, node, inputs) -> None:
        pos = inputs[0]
        if pos != 0:
            self.g.problem("the weights are the first input (W @ x); only x @ W with the "
                           "activation as the first input is supported", node)
        in_q = self._quantized_input(node) if pos == 0 else None
        if in_q is None:
            self.quant = None
            self._dense(node, None, None, None)
            return
        w = read_weights(self.g, self.c, node, node.input[1], 1)
        if w is not None and w.codes.ndim != 2:
            self.g.problem(f"weights have shape {w.codes.shape}; MatMul needs 2-D weights "
                           "(in_features, out_features)", node)
            w = None
        self._dense(node, w, None if w is None else w.codes.T, None)

    @handles("Add", joins=True)
    def add(self, node, inputs) -> None:
        """A bias Add of the pending layer, or (two activation inputs) the add of two
        branches."""
        if len(inputs) == 2:
            self._add_branches(node, inputs)
            return
        pos = inputs[0]
        p = self.pending
        if p is not None and p.kind in ("conv", "depthwise", "dense") and not p.relu \
                and p.clip is None:
            bias = read_bias(self.g, self.c, node, node.input[1 - pos], len(p.fields["bias"]))
            if bias is not None and bias[0] == "codes":
                bias = ("float", bias[1] * bias[2])
            if bias is None:
                self.pending, self.lost = None, True
                return
            w_scale = p.fields["weight_quant"].scale
            self.float_biases.add(node_name(p.node))
            p.fields["bias"] = p.fields["bias"] + np.rint(
                bias[1] / (p.input_quant.scale * w_scale)).astype(np.int64)
            return
        if p is None and self.quant is not None and self.source != GRAPH_INPUT:
            self.g.problem(
                f"an Add after the quantized output of {self.source!r} rounds twice "
                "(that output, then the sum), which no single layer computes: export a Gemm, "
                "or run onnxruntime.quantization.quant_pre_process on the float model (it fuses "
                "MatMul + Add into Gemm) before quantize_static", node)
        elif not self.lost:
            self.g.problem("only a bias Add right after a Conv, Gemm or MatMul is supported",
                           node)
        self.pending, self.quant, self.lost = None, None, True

    def _add_branches(self, node, positions) -> None:
        """``DQ(a) + DQ(b) -> Q``: an add of two branches with both inputs' quantizations and
        the output Q's (onnxruntime's QLinearAdd)."""
        branches = []
        for pos in positions:
            self.load_state(node.input[pos])
            self._quantized_input(node)   # reports an input that is not quantized
            branches.append(self.save_state())
        for key, value in branches[0].items():
            setattr(self, key, value)
        quants = [b["quant"] for b in branches]
        shape = self._add_shape(node, *branches) if None not in quants else None
        if shape is None:
            self.pending, self.quant, self.lost = None, None, True
            self._inferred_output(node)
            return
        self.quant = None
        self.pending = _Pending(node, "add", quants[0], dict(
            inputs=tuple(b["source"] for b in branches), a_quant=quants[0], b_quant=quants[1],
            shape=shape))
        self.nhwc = self.nhwc or len(shape) == 3

    # -- activations ----------------------------------------------------------------------
    def _activation(self, node, relu: bool, clip) -> None:
        if self.pending is not None:
            p = self.pending
            p.relu = p.relu or relu
            if clip is not None:
                p.clip = clip if p.clip is None else (max(p.clip[0], clip[0]),
                                                      min(p.clip[1], clip[1]))
            return
        if self.quant is None:
            if not self.lost:
                self.g.problem("an activation must follow a layer or a DequantizeLinear", node)
            self.lost = True
            return
        # On a quantized grid: the codes must not change, or the activation must be a ReLU
        # fused into the last weighted layer (through max pools, which commute with it).
        problem = _activation_problem(self.quant, relu, clip)
        if problem is None:
            return
        if problem != "relu":
            self.g.problem(problem, node)
            self.lost = True
            return
        index, forked = self._last_weighted_before_max_pools()
        if index is None:
            self.g.problem(
                self.fork_problem(forked, node, "Relu") if forked else
                "a Relu on a quantized tensor must follow a Conv, Gemm, MatMul or an Add of two "
                "branches (and max pools) to be fused into it", node)
            self.lost = True
            return
        self.layers[index] = replace(self.layers[index], relu=True)

    def _last_weighted_before_max_pools(self):
        """``(index, None)`` of the layer a Relu fuses into, through max pools, or ``(None,
        name of a layer whose output also feeds other nodes)`` / ``(None, None)``."""
        name = self.source
        while True:
            index = self.layer_named(name)
            if index is None:
                return None, None
            if name in self.forked:
                return None, name
            layer = self.layers[index]
            if not (isinstance(layer, QuantPool) and layer.op == "max"):
                break
            name = self.connections[name][0]
        return (index, None) if isinstance(layer, (QuantConv, QuantDepthwiseConv, QuantDense,
                                                   QuantAdd)) \
            else (None, None)

    @handles("Relu")
    def relu(self, node, inputs) -> None:
        self._activation(node, True, None)

    # -- pooling ------------------------------------------------------------------------
    def _pool(self, node, op: str, kernel, window) -> None:
        chw = self.feat
        in_q = self._quantized_input(node)
        if window is None or kernel is None or in_q is None:
            self.quant = None if in_q is None else self.quant
            self.lost = self.lost or in_q is None
            self._inferred_output(node)
            return
        c, h, w = chw
        stride, pads = window
        fields = dict(op=op, input_shape=(h, w, c), kernel=kernel, stride=stride, pads=pads)
        if op == "max":
            try:
                self.add_layer(QuantPool(name=node_name(node), input_quant=in_q,
                                         output_quant=in_q, **fields))
            except HwgenError as exc:
                self.g.problem(str(exc), node)
                self.lost, self.quant = True, None
        else:
            self.quant = None
            self.pending = _Pending(node, op, in_q, fields)
        self.feat = (c, 1, 1) if op == "global_avg" else (
            c, conv_output_size(h, kernel, stride, pads[0], pads[2]),
            conv_output_size(w, kernel, stride, pads[1], pads[3]))
        self.nhwc = True
        self.flat_from = None

    # -- building the IR layer at the output Q ---------------------------------------------
    def _close(self, out_q):
        """Build the pending layer with output quantization ``out_q``; its name, or None."""
        p, self.pending = self.pending, None
        p.closed = (None, out_q)
        name = node_name(p.node)
        problem = _activation_problem(out_q, p.relu, p.clip)
        if problem not in (None, "relu"):
            self.g.problem(problem, p.node)
            self.lost = True
            return None
        relu = problem == "relu"
        rounding = self.requant_for(name)
        try:
            if p.kind == "add":
                layer = QuantAdd(name=name, output_quant=out_q, relu=relu, rounding=rounding,
                                 **p.fields)
            elif p.kind in ("conv", "depthwise"):
                kind = QuantConv if p.kind == "conv" else QuantDepthwiseConv
                layer = kind(name=name, input_quant=p.input_quant, output_quant=out_q,
                             relu=relu, rounding=rounding, **p.fields)
            elif p.kind == "dense":
                layer = QuantDense(name=name, input_quant=p.input_quant, output_quant=out_q,
                                   relu=relu, rounding=rounding, **p.fields)
            else:
                if relu:
                    self.g.problem("a Relu after an average pool changes codes the pool's "
                                   "requantization does not clamp; it needs an output zero "
                                   "point at the bottom of the range", p.node)
                    self.lost = True
                    return None
                layer = QuantPool(name=name, input_quant=p.input_quant, output_quant=out_q,
                                  rounding=rounding, **p.fields)
        except (IRError, QuantizationError) as exc:
            text = str(exc).replace(f"layer {name!r}: ", "")
            self.g.problem(text, p.node)
            self.lost = True
            return None
        self.add_layer(layer, p.fields.get("inputs"))
        p.closed = (name, out_q)
        return name


#: Operators of a QDQ model hwgen reads, from the reader's handler registry.
QDQ_OPS = QdqReader.supported_ops()


def _describe(q) -> str:
    return f"{q.dtype.name} scale {q.scale:.9g} zero point {q.zero_point}"


def _elem_type(dtype: IntType) -> int:
    return next(k for k, v in INT_TYPES.items() if v == dtype)


def _activation_problem(q, relu: bool, clip):
    """How an activation relates to the output quantization ``q``.

    None: saturation to ``q``'s range already computes it. ``"relu"``: a fused ReLU
    (``max(code, Z)``) computes it exactly. Otherwise a message: the bounds fall inside the
    range, where neither can compute them.
    """
    low, high = clip if clip is not None else (-np.inf, np.inf)
    if relu:
        low = max(low, 0.0)
    code_low = -np.inf if low == -np.inf else np.rint(low / q.scale) + q.zero_point
    code_high = np.inf if high == np.inf else np.rint(high / q.scale) + q.zero_point
    if code_high < q.dtype.qmax:
        return (f"the upper bound {high:g} lies inside the output range (code "
                f"{int(code_high)} < {q.dtype.qmax}); the hardware only saturates at the "
                "range's ends: quantize the output on the bounded range (onnxruntime does this "
                "when it removes the Clip)")
    if code_low <= q.dtype.qmin:
        return None
    if low == 0.0 and code_low == q.zero_point:
        return "relu"
    return (f"the lower bound {low:g} lies inside the output range (code {int(code_low)} > "
            f"{q.dtype.qmin}) and is not 0; only a ReLU can be fused")


def _requant_rule(config):
    def rule(name: str):
        return config.layer(name).requant if config.is_set(name, "requant") else QDQ_REQUANT
    return rule


def _check_config(config, source: str) -> None:
    wrong = sorted({key for keys in config.explicit.values() for key in keys
                    if key not in QDQ_CONFIG_KEYS})
    if wrong:
        raise ConfigError(
            f"{config.source}: {', '.join(wrong)} cannot be set for {source}: a QDQ model "
            f"carries its own quantization; only {', '.join(QDQ_CONFIG_KEYS)} apply")


def _inspect(proto, requant_for):
    proto, rewrite_problems, explained = qoperator_to_qdq(proto)
    graph = OnnxGraph(proto)
    graph.problems.extend(rewrite_problems)
    reader = QdqReader(graph, requant_for)
    reader.explained = frozenset(explained)
    reader.unknown_ops = bool(rewrite_problems)   # operators the rewrite could not read
    reader.check_ops(explained)
    reader.walk()
    reader.check_names()
    if graph.input_name is not None and reader.input_quant is None and not reader.lost \
            and not graph.problems:
        graph.problem("the model input is not quantized (no QuantizeLinear after it)")
    return reader, graph.problems


def qdq_tensors(model) -> dict:
    """The QuantizeLinear output holding each layer's codes in the model (key None: the
    input's), for comparing layers with onnxruntime's own tensors."""
    proto, source = load_model(model)
    reader, problems = _inspect(proto, lambda name: QDQ_REQUANT)
    raise_problems(problems, source)
    tensors = dict(reader.tensors)
    if reader.open_output is not None:     # its float output, the model's
        tensors[node_name(reader.open_output.node)] = reader.g.output_name
    pools = {layer.name for layer in reader.layers
             if isinstance(layer, QuantPool) and layer.name not in tensors}
    for node in reader.g.model.graph.node:   # a max pool with no QuantizeLinear after it
        if node_name(node) in pools:         # (Brevitas' QCDQ): its float output, on the grid
            tensors[node_name(node)] = node.output[0]
    return tensors


def qdq_float_bias_layers(model) -> set:
    """Names of the layers whose bias the model gives as floats (rounded by hwgen to the
    accumulator grid ``S_X S_W``: Brevitas' QCDQ without bias quantization, a bias Add)."""
    proto, source = load_model(model)
    reader, problems = _inspect(proto, lambda name: QDQ_REQUANT)
    raise_problems(problems, source)
    return set(reader.float_biases)


def qdq_problems(model) -> list[Problem]:
    """Every problem that stops :func:`read_qdq` from reading ``model`` (empty if none)."""
    try:
        proto, _ = load_model(model)
        return _inspect(proto, lambda name: QDQ_REQUANT)[1]
    except HwgenError as exc:
        return [Problem(None, None, str(exc))]


def read_qdq(model, calibration=None, *, config=None, name: str | None = None,
             source: str | None = None) -> Graph:
    """Read a QDQ ONNX model into an IR graph with the model's own scales and zero points.

    Parameters
    ----------
    model : onnx.ModelProto, str or os.PathLike
        A QDQ model, e.g. written by ``onnxruntime.quantization.quantize_static(...,
        quant_format=QuantFormat.QDQ)`` or Brevitas' QCDQ export.
    calibration : array_like or None
        Representative inputs in the model's own layout; used (and needed) only when the
        model's output is not quantized (:mod:`hwgen.frontend.qdq.open_output`).
    config : None, CompileConfig, dict or path, optional
        ``requant`` (default :data:`QDQ_REQUANT`), ``pe`` and ``simd``; ``output`` and
        ``calibration`` for an unquantized output.
    name : str, optional
        Graph name (default: the ONNX graph name, else ``"model"``).
    source : str, optional
        Name of the model in messages.

    Raises
    ------
    ModelError
        Listing every problem found (unsupported ops, inconsistent Q / DQ parameters,
        asymmetric weights, unquantized tensors, double roundings, shapes) at once.
    ConfigError
        For config keys a QDQ model does not take.
    QuantizationError
        An unquantized output without (usable) calibration data.
    """
    proto, default_source = load_model(model)
    source = source or default_source
    config = load_config(config)
    _check_config(config, source)
    reader, problems = _inspect(proto, _requant_rule(config))
    raise_problems(problems, source)
    if reader.open_output is None:
        wrong = sorted({key for keys in config.explicit.values() for key in keys
                        if key in _OUTPUT_KEYS})
        if wrong:
            raise ConfigError(
                f"{config.source}: {', '.join(wrong)} cannot be set for {source}: its output "
                "is quantized in the model (they apply to an unquantized output only)")
        if calibration is not None:
            warn_calibration_ignored(source, "a QDQ model is compiled with its own scales (its "
                                     "input and output are quantized in the model)")
    else:
        close_open_output(reader, calibration, config, source)
    config.check_layer_names([layer.name for layer in reader.layers])
    return Graph(name=name or proto.graph.name or "model", layers=tuple(reader.layers),
                 connections=reader.graph_connections())


def qdq_open_output(model) -> bool:
    """Whether a QDQ model's output is unquantized (its requantization is calibrated)."""
    proto, _ = load_model(model)
    reader, problems = _inspect(proto, lambda name: QDQ_REQUANT)
    return reader.open_output is not None
