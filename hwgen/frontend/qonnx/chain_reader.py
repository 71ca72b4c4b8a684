"""The QONNX reader's walker and its layer operators: the chain from the model input to its
output, MatMul / Gemm layers, the operators after a layer (Add, Mul, BatchNormalization, Relu)
and the quantizers (BipolarQuant, Quant / IntQuant, MultiThreshold).

:class:`ChainReader` follows the activation from the input to the output, one node at a
time, and dispatches each node to its registered handler (:mod:`hwgen.frontend.onnx.handlers`,
the same signature as the float and QDQ readers'). It owns the state: ``pending`` (the layer or
average pool being assembled), ``quant`` (the current activation's quantization), ``feat``,
``layers`` (the finished parts). :class:`~hwgen.frontend.qonnx.cnn.QonnxReader` adds the
convolution, pooling and reshaping operators and is the reader
:func:`hwgen.frontend.qonnx.reader.read_qonnx` runs (see that module for the whole grammar).
"""
from __future__ import annotations

import numpy as np

from ...errors import HwgenError
from ...ir import TensorQuant
from ...ir.binary import BipolarQuant
from ...ir.layers.float_activation import BatchNorm, UniformQuantizer
from ..layout import nchw_columns_to_nhwc
from ..onnx.graph import OnnxGraph
from ..onnx.handlers import OpWalker, handles
from .binary_layers import BinaryLayer
from .integer_layers import IntLayer, PoolPart, build_problem, output_quantizer_problem
from .nodes import (
    QONNX_DOMAINS,
    QUANT_OPS,
    activation_quantizer,
    attrs,
    dequantized_constant,
    read_quant_spec,
    threshold_quantizer,
    weight_codes,
)

__all__ = ["ChainReader", "BIAS_SCALE_TOLERANCE"]

#: Largest relative difference between a quantized bias's scale and S_X * S_W (float32).
BIAS_SCALE_TOLERANCE = 1e-6


class ChainReader(OpWalker):
    """Walks a QONNX model's chain and reads its layers and quantizers."""

    #: qonnx's quantizers are custom ops of their own domains.
    DOMAINS = ("", "ai.onnx") + QONNX_DOMAINS

    def __init__(self, graph: OnnxGraph):
        self.g = graph
        self.layers: list = []            # finished parts: BinaryLayer, IntLayer, PoolPart
        self.pending = None               # the layer (or average pool) being assembled
        self.quant = None                 # quantization of the current activation
        self.input_calibrated = False     # the model input has no quantizer
        self.lost = False                 # a problem: the activation's state is unknown
        self.const = self._constant_tensors()
        self.feat = graph.input_dims[1:] if graph.input_dims else None  # ONNX order
        self.spatial = False              # a conv / pool came before: maps are NHWC
        self.flat_from = None             # (C, H, W) of a map flattened since
        self.input_tensor = None          # the tensor holding the input codes (qonnx's)
        versions = [o.version for o in graph.model.opset_import if o.domain in QONNX_DOMAINS]
        self.qonnx_opset = versions[0] if versions else 1    # qonnx's default opset

    # -- graph structure ---------------------------------------------------------------
    def _constant_tensors(self) -> dict:
        """Tensor name -> producing node (None for initializers and Constant nodes) of every
        tensor computed from constants only (quantized weights, transposes)."""
        const = {name: None for name in self.g.constant_names}
        for node in self.g.model.graph.node:
            data = [i for i in node.input[:1] if i]
            if node.op_type in QUANT_OPS + ("Transpose", "Identity") and data and \
                    all(i in const for i in node.input if i):
                for out in node.output:
                    const[out] = node
        return const

    def check_ops(self) -> None:
        supported = ", ".join(self.supported_ops())
        for node in self.g.model.graph.node:
            domain_ok = node.domain in self.DOMAINS
            if not domain_ok or node.op_type not in self.handlers and node.op_type != "Constant":
                self.g.problem(f"unsupported op {node.op_type} (domain {node.domain!r}); the "
                               f"QONNX reader takes {supported}", node)

    def walk(self) -> None:
        g = self.g
        if g.input_name is None or g.output_name is None:
            return
        consumers: dict[str, list] = {}
        for node in g.model.graph.node:
            if node.output and node.output[0] in self.const:
                continue                          # a weight's quantizer, not on the chain
            for pos, name in enumerate(node.input):
                if name and name not in self.const:
                    consumers.setdefault(name, []).append((node, pos))
        current, seen = g.input_name, set()
        while current != g.output_name:
            users = consumers.get(current, [])
            if len(users) != 1:
                g.problem(f"tensor {current!r} feeds {len(users)} nodes; the QONNX reader "
                          "takes a linear chain from the input to the output")
                return
            node, pos = users[0]
            if id(node) in seen or not node.output:
                g.problem("the graph has a cycle or a node without output", node)
                return
            seen.add(id(node))
            if pos != 0:
                g.problem("the activation must be the node's first input", node)
                return
            handler = self.handler_for(node)
            if handler is None:
                self._unknown_layer()     # reported by check_ops; its output is unknown
            else:
                handler(self, node, (pos,))
            current = node.output[0]
        if not self.lost:
            self._finish_chain()

    # -- layers ---------------------------------------------------------------------------
    def _stop(self, message, node):
        self.g.problem(message, node)
        self.lost = True

    def _shape_text(self) -> str:
        return "an unknown shape" if self.feat is None else \
            "(batch, " + ", ".join(map(str, self.feat)) + ")"

    def _layer_input(self, node):
        """The quantization of an integer layer's input (None: the calibrated model input)."""
        if self.quant is None:
            if self.layers:
                self._stop("its input is not quantized; put a Quant node before it", node)
            else:
                self.input_calibrated = True
            return None
        if isinstance(self.quant, BipolarQuant):
            self._stop("integer weights need integer input codes, not a bipolar activation; "
                       "binarize the weights too (BipolarQuant) or quantize the input with a "
                       "Quant node of 2 or more bits", node)
            return None
        return self.quant

    def _weights(self, node, name, ndim=2):
        """(codes, fmt, scale, dtype) of the weight tensor ``name`` in its stored layout."""
        producer, transposes = self.const.get(name, "missing"), 0
        while producer is not None and producer != "missing" and \
                producer.op_type in ("Transpose", "Identity"):
            perm = attrs(producer).get("perm", [1, 0])
            if producer.op_type == "Transpose" and list(perm) != [1, 0]:
                self.g.problem(f"a weight Transpose with perm {list(perm)} is not 2-D", producer)
                return None
            transposes += producer.op_type == "Transpose"
            name = producer.input[0]
            producer = self.const.get(name, "missing")
        if producer == "missing":
            self.g.problem(f"weights {name!r} are not constant (or missing)", node)
            return None
        source = producer.input[0] if producer is not None else name
        value = self.g.constant(source, node, "weights")
        if value is None:
            return None
        if value.ndim != ndim:
            self.g.problem(f"weights of shape {value.shape} are not {ndim}-D", node)
            return None
        decoded = weight_codes(self.g, node, producer, value)
        if decoded is None:
            return None
        codes, fmt, scale, dtype = decoded
        return (codes.T, fmt, scale.T, dtype) if transposes % 2 else decoded

    def _start(self, node, codes, fmt, scale, dtype):
        """Begin a dense layer with weights ``(out, in)`` and their scale."""
        if self.pending is not None:
            self._stop("two weight layers without a quantizer between them; put a "
                       "BipolarQuant or Quant node after the first", node)
            return
        rows = scale[:, :1]
        if not np.all(scale == rows):
            self._stop("weight scales vary along the inputs; they must be per tensor or per "
                       "output channel", node)
            return
        if self.feat is not None and self.feat != (codes.shape[1],):
            self._stop(f"its weights take {codes.shape[1]} inputs but the activation is "
                       f"{self._shape_text()}; insert a Flatten (axis 1)", node)
            return
        if self.flat_from is not None:
            codes = nchw_columns_to_nhwc(codes, self.flat_from)
        self.flat_from, self.feat = None, (codes.shape[0],)
        w_scale = rows[:, 0].astype(np.float64)
        if fmt == "int":
            in_quant = None if self.lost else self._layer_input(node)
            self.pending = IntLayer(node, codes, dtype, w_scale, in_quant)
            return
        if self.quant is None and not self.lost:
            if self.layers:
                self._stop("its input is not quantized; put a BipolarQuant or Quant node "
                           "before it", node)
            else:
                self.input_calibrated = True
        self.pending = BinaryLayer(node, codes, fmt, w_scale, None if self.lost else self.quant)

    @handles("MatMul")
    def mat_mul(self, node, inputs):
        w = self._weights(node, node.input[1])
        if w is None:
            self._unknown_layer()
            return
        codes, fmt, scale, dtype = w
        self._start(node, codes.T, fmt, scale.T, dtype)          # x @ W with W (in, out)

    @handles("Gemm")
    def gemm(self, node, inputs):
        a = attrs(node)
        if a.get("transA", 0):
            self._stop("transA = 1 is not supported", node)
            return
        w = self._weights(node, node.input[1])
        if w is None:
            self._unknown_layer()
            return
        codes, fmt, scale, dtype = w
        if not a.get("transB", 0):
            codes, scale = codes.T, scale.T
        alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
        if alpha <= 0:
            self._stop(f"alpha = {alpha:g} must be > 0", node)
            return
        self._start(node, codes, fmt, scale * alpha, dtype)
        if self.pending is not None and len(node.input) > 2 and node.input[2]:
            self._add_bias(node, node.input[2], beta, layer_input=True)

    def _unknown_layer(self):
        """A layer whose weights could not be read: its output is unknown."""
        self.lost, self.pending, self.feat, self.flat_from = True, None, None, None

    # -- constants after a layer -------------------------------------------------------
    def _constant_value(self, node, name, what):
        """A constant's value as qonnx sees it (through a ``Quant`` of it), and that Quant's
        scale (None for a plain constant); None with a problem."""
        producer = self.const.get(name, "missing")
        if producer is None or producer == "missing":
            value = self.g.constant(name, node, what)
            return None if value is None else (value, None)
        raw = self.g.constant(producer.input[0], producer, what)
        return None if raw is None else dequantized_constant(self.g, node, producer, raw)

    def _channel_constant(self, node, name, what, *, layer_input=False):
        """One value per output channel of the pending layer, or None with a problem.

        An Add / Mul of a convolution's output ``(N, C, H, W)`` broadcasts ONNX's way: only
        ``(C, 1, 1)`` / ``(1, C, 1, 1)`` (or one value) are per channel; ``layer_input``: a
        Conv / Gemm's own bias input or batch norm parameters, ``(C,)``.
        """
        got = self._constant_value(node, name, what)
        if got is None:
            return None
        value, quant_scale = got
        mh = self.pending.out_channels
        per_channel = value.size in (1, mh)
        if self.pending.geometry is not None and not layer_input and value.size == mh > 1:
            per_channel = value.ndim in (3, 4) and value.shape[-2:] == (1, 1)
        if not per_channel:
            self.g.problem(f"{what} of shape {value.shape} is not one value per output "
                           f"channel ({mh})", node)
            return None
        scale = None if quant_scale is None else \
            np.broadcast_to(quant_scale.reshape(-1), (mh,)) if quant_scale.size in (1, mh) \
            else quant_scale
        return np.broadcast_to(value.reshape(-1), (mh,)).astype(np.float64), scale

    def _add_bias(self, node, name, factor=1.0, *, layer_input=False):
        got = self._channel_constant(node, name, "bias", layer_input=layer_input)
        if got is None:
            self.pending, self.lost = None, True
            return
        value, quant_scale = got
        p = self.pending
        if quant_scale is not None and isinstance(p, IntLayer) and p.in_quant is not None \
                and factor == 1.0 and p.batch_norm is None:
            # A quantized bias is exact only on the accumulator's grid (Brevitas' Int32Bias).
            expected = p.w_scale * p.in_quant.scale * np.abs(p.scale)
            worst = np.abs(np.asarray(quant_scale, dtype=np.float64) / expected - 1)
            if worst.size != expected.size or worst.max() > BIAS_SCALE_TOLERANCE:
                i = int(np.argmax(worst)) if worst.size == expected.size else 0
                self.g.problem(
                    f"inconsistent scales: the bias is quantized with scale "
                    f"{np.ravel(quant_scale)[i]:.9g} (channel {i}) but the accumulator's step "
                    f"is S_X * S_W = {expected[i]:.9g}; quantize the bias at S_X * S_W "
                    "(Brevitas' Int32Bias) or leave it float", node)
                self.pending, self.lost = None, True
                return
        p.bias = p.bias + factor * value

    def _post_op_allowed(self, node) -> bool:
        p = self.pending
        if isinstance(p, PoolPart):
            self._stop(f"a {node.op_type} after an average pool is not supported; quantize the "
                       "pool's output first", node)
            return False
        if p.batch_norm is not None or p.relu:
            self._stop("Add / Mul after BatchNormalization or Relu is not supported; move it "
                       "before them", node)
            return False
        return True

    def _other_input(self, node):
        return node.input[1]

    @handles("Add")
    def add(self, node, inputs):
        if self.pending is None:
            self._rescale_codes(node, add=True)
            return
        if self._post_op_allowed(node):
            self._add_bias(node, self._other_input(node))

    @handles("Mul")
    def mul(self, node, inputs):
        if self.pending is None:
            self._rescale_codes(node, add=False)
            return
        if not self._post_op_allowed(node):
            return
        got = self._channel_constant(node, self._other_input(node), "scale")
        if got is None:
            self.pending, self.lost = None, True
            return
        value = got[0]
        if np.any(value == 0):
            self._stop("a scale of 0 erases its channel", node)
            return
        self.pending.scale = self.pending.scale * value
        self.pending.bias = self.pending.bias * value

    def _rescale_codes(self, node, *, add: bool):
        """A scalar Mul / Add right after a quantizer changes what its codes stand for."""
        if self.lost:
            return
        value = self.g.constant(self._other_input(node), node, "constant")
        q = self.quant
        if value is None or value.size != 1 or q is None:
            self._stop("only a scalar Mul or Add may follow a quantizer", node)
            return
        v = float(value.reshape(-1)[0])
        if isinstance(q, BipolarQuant):
            if add or v <= 0:
                self._stop("a bipolar tensor takes only a positive scalar Mul", node)
                return
            self.quant = BipolarQuant(q.scale * v)
            self._codes_now_in(node)
            return
        if not add:
            if v <= 0:
                self._stop("a quantized tensor takes only a positive scalar Mul", node)
                return
            self.quant = TensorQuant(q.dtype, q.scale * v, q.zero_point)
            self._codes_now_in(node)
            return
        zero = q.zero_point - v / q.scale
        if zero != round(zero) or not q.dtype.qmin <= zero <= q.dtype.qmax:
            self._stop(f"adding {v:g} to codes of scale {q.scale:g} needs an integer zero "
                       f"point in {q.dtype}", node)
            return
        self.quant = TensorQuant(q.dtype, q.scale, int(round(zero)))
        self._codes_now_in(node)

    def _codes_now_in(self, node):
        """The codes the last part (or the input) produced now stand for ``node``'s output."""
        if self.layers:
            self.layers[-1].tensor = node.output[0]
            self.layers[-1].rescaled = True
        else:
            self.input_tensor = node.output[0]

    @handles("BatchNormalization")
    def batch_normalization(self, node, inputs):
        p = self.pending
        if p is None and self.lost:
            return
        if p is None or isinstance(p, PoolPart) or p.batch_norm is not None or p.relu:
            self._stop("BatchNormalization must follow a Conv / MatMul / Gemm (once, before "
                       "Relu)", node)
            return
        got = [self._channel_constant(node, n, w, layer_input=True) for n, w in
               zip(node.input[1:5], ("scale", "B", "mean", "var"), strict=True)]
        if any(v is None for v in got):
            self.pending, self.lost = None, True
            return
        eps = float(attrs(node).get("epsilon", 1e-5))
        try:
            p.batch_norm = BatchNorm(*(v[0] for v in got), eps=eps)
        except HwgenError as exc:
            self._stop(str(exc), node)

    @handles("Relu")
    def relu(self, node, inputs):
        p = self.pending
        if isinstance(p, PoolPart):
            q = p.in_quant
            if q is not None and q.zero_point != q.dtype.qmin:     # else every mean is >= 0
                self._stop("a Relu after an average pool is not supported; apply it before "
                           "the pool", node)
            return
        if p is not None:
            p.relu = True
            return
        if self.lost:
            return
        q = self.quant
        if isinstance(q, TensorQuant) and q.zero_point == q.dtype.qmin:
            return            # every code already stands for a value >= 0
        # ReLU of codes is max(q, Z): fused into the integer layer before (max pools commute).
        target = next((part for part in reversed(self.layers)
                       if not (isinstance(part, PoolPart) and part.op == "max")), None)
        if not isinstance(target, IntLayer) or q is None:
            self._stop("a Relu on a quantized tensor must follow the Quant of an integer "
                       "layer (Conv / Gemm / MatMul with integer weights), maybe through max "
                       "pools, to be fused into it; put it before the Quant otherwise", node)
            return
        target.relu = True
        # The model's codes after the Relu are the last part's output; those in between
        # (before the Relu, in the model) have no tensor of their own any more.
        for part in self.layers[self.layers.index(target):]:
            part.tensor = None
        self.layers[-1].tensor = node.output[0]

    # -- quantizers ---------------------------------------------------------------------
    def _quantized(self, node, quantizer):
        p = self.pending
        if quantizer is None:
            self.pending, self.quant, self.lost = None, None, True
            return
        if p is None:
            if self.lost:            # a quantizer after a problem: its codes are known again
                self.quant, self.lost = quantizer.output_quant, False
                return
            if self.layers or self.quant is not None:
                if isinstance(quantizer, UniformQuantizer) and not quantizer.narrow and \
                        quantizer.output_quant == self.quant:
                    return           # the same quantization again leaves the codes unchanged
                self._stop("a Quant of an already quantized tensor with other parameters "
                           "rounds twice; hwgen keeps one quantization per tensor", node)
                return
            self._input_quantizer(node, quantizer)
            return
        if not isinstance(p, BinaryLayer):
            problem = output_quantizer_problem(quantizer)
            if problem is None and p.in_quant is not None:
                p.quantizer = quantizer
                problem = build_problem(p, p.in_quant)
            if problem is not None:
                self._stop(problem, node)
                self.pending = None
                return
        p.quantizer = quantizer
        p.tensor = node.output[0]
        self.layers.append(p)
        self.quant = quantizer.output_quant
        self.pending, self.lost = None, False

    def _input_quantizer(self, node, quantizer):
        if isinstance(quantizer.output_quant, BipolarQuant):
            self._stop("a bipolar model input is not supported: the design's ports carry "
                       "integer codes; quantize the input to 8 bits (a Quant node) instead",
                       node)
            return
        spec = read_quant_spec(self.g, node) if node.op_type != "MultiThreshold" else None
        if spec is None or spec.narrow or spec.rounding not in ("ROUND", "HALF_EVEN"):
            self._stop("the model input needs a Quant node with narrow = 0 and rounding_mode "
                       "ROUND (round half to even, as hwgen quantizes inputs)", node)
            return
        self.quant = quantizer.output_quant
        self.input_tensor = node.output[0]

    @handles("BipolarQuant", "Quant", "IntQuant")
    def quantizer(self, node, inputs):
        self._quantized(node, activation_quantizer(self.g, node))

    @handles("MultiThreshold")
    def multi_threshold(self, node, inputs):
        if self.pending is None:
            if not self.lost:
                self._stop("a MultiThreshold must follow a layer", node)
            return
        layout = str(attrs(node).get("data_layout", ""))
        if getattr(self.pending, "geometry", None) is not None and \
                layout not in ("", "NCHW"):
            self._stop(f"data_layout {layout!r}: the convolution's output is NCHW (channels on "
                       "axis 1); drop the attribute or set it to NCHW", node)
            self.pending = None
            return
        self._quantized(node, threshold_quantizer(self.g, node, self.pending.out_channels))

    # -- pass-through and refused operators ----------------------------------------------
    @handles("Identity", "Dropout")
    def identity(self, node, inputs):
        pass

    @handles("Transpose")
    def transpose(self, node, inputs):
        self._stop("a Transpose of the activation is not supported (only of constant weights)",
                   node)

    def _finish_chain(self) -> None:
        parts = self.layers + ([self.pending] if self.pending else [])
        if not any(isinstance(p, (BinaryLayer, IntLayer)) for p in parts):
            self.g.problem("the model has no MatMul, Gemm or Conv layer")
        if isinstance(self.pending, PoolPart):
            self.g.problem("the average pool's output is not quantized; end it with a Quant or "
                           "Trunc node", self.pending.node)
        if self.pending is None and self.layers and getattr(self.layers[-1], "rescaled", False):
            self.g.problem("a scalar Mul / Add after the model's last quantizer changes what the "
                           "output codes stand for; hwgen's output keeps the quantizer's scale "
                           "and zero point: drop it from the model (or fold it into the layer)",
                           self.layers[-1].node)
        if self.pending is None and isinstance(self.quant, BipolarQuant):
            self.g.problem("a bipolar model output is not supported: the design's ports carry "
                           "integer codes; end the model with a Quant node of 2 or more bits, "
                           "or with no quantizer (the output is then requantized to the "
                           "config's output format)", self.layers[-1].node)
        names = [p.name for p in parts]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.g.problem(f"two layers are called {name!r}; give the nodes unique names")
