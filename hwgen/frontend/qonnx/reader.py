"""QONNX models (as Brevitas and FINN write them) -> IR graph, with the model's own scales.

Reads a linear chain from the model input to its output:

- the input: a ``Quant`` node gives its quantization (integer codes, e.g. int8 pixels);
  without one, the input is calibrated like a float model's (config ``activations``,
  ``calibration``). A bipolar model input is not supported (the design's ports carry
  integer codes);
- a binary or ternary layer: ``MatMul``, ``Gemm`` or ``Conv`` (a
  :class:`~hwgen.ir.layers.binary_conv.BinaryConv`; no padding of a bipolar input, see
  :mod:`hwgen.frontend.qonnx.cnn`) whose weights come from ``BipolarQuant``
  (scale per tensor or per output channel: XNOR-Net's alpha), a 1-bit signed ``Quant``, a
  2-bit signed ``Quant`` with ternary codes or a constant of codes (FINN); then any of
  ``Add`` (bias), ``Mul`` (scale, per tensor or channel, negative allowed),
  ``BatchNormalization``, ``Relu``; then the activation quantizer: ``BipolarQuant``,
  ``Quant`` / ``IntQuant`` (1 to 8 bits) or FINN's ``MultiThreshold`` (whose output ``Mul`` /
  ``Add`` by scalars, if any, rescale the codes). The accumulator, scale, bias, batch norm
  and quantizer become a :class:`~hwgen.ir.layers.float_activation.FloatActivation` that
  :func:`~hwgen.passes.fold_thresholds` folds into exact integer thresholds;
- an integer layer: ``Conv``, ``MatMul`` or ``Gemm`` with 2- to 8-bit
  ``Quant`` / ``IntQuant`` weights (zero point 0, per tensor or per output channel), the
  same post-operators, then a ``Quant`` of 2 to 8 bits: a ``QuantConv`` / ``QuantDense``
  requantized by the model's own scales (:mod:`hwgen.frontend.qonnx.integer_layers`);
- pools, ``Trunc``, Flatten / Reshape of feature maps (:mod:`hwgen.frontend.qonnx.cnn`);
  a ``Relu`` after a ``Quant`` fuses into the integer layer before it (through max pools);
- the last layer may end without a quantizer: its output is requantized to the config's
  ``output`` format, calibrated on the model's own outputs (:mod:`hwgen.frontend.qonnx.build`);
- ``Identity`` and ``Dropout`` pass the activation through.

Every problem is recorded with its node; after a problem the walk goes on with what is still
known (shapes, the next quantizer), so that one report lists them all.

Config keys that apply: ``activations`` and ``calibration`` (an unquantized model input),
``output``, ``calibration`` and ``requant`` (an unquantized model output; ``requant`` also
overrides the integer layers' rule), ``pe``, ``simd``.
"""

from __future__ import annotations

import numpy as np
import onnx

from ...errors import HwgenError
from ...ir import TensorQuant
from ...ir.binary import BipolarQuant
from ...ir.layers.float_activation import BatchNorm, UniformQuantizer
from ..layout import nchw_columns_to_nhwc
from ..onnx.graph import OnnxGraph, load_model, node_name
from ..problems import Problem
from .cnn import CnnOps
from .integer_layers import IntLayer, PoolPart, build_problem, output_quantizer_problem
from .nodes import (QONNX_DOMAINS, QUANT_OPS, activation_quantizer, attrs,
                          dequantized_constant, read_quant_spec, threshold_quantizer,
                          weight_codes)

__all__ = ["is_qonnx", "qonnx_problems", "read_qonnx", "QONNX_OPS", "QONNX_CONFIG_KEYS"]

_PASS = ("Identity", "Dropout", "Flatten", "Reshape")
_LAYER = ("MatMul", "Gemm", "Conv")
_POST = ("Add", "Mul", "BatchNormalization", "Relu")
_POOLS = ("MaxPool", "AveragePool", "GlobalAveragePool", "Trunc")
#: Operators the QONNX reader takes (default domain, and qonnx's for the quantizers).
QONNX_OPS = _LAYER + _POST + _PASS + _POOLS + QUANT_OPS + ("MultiThreshold", "Transpose")
#: Config keys a QONNX model takes (its weights and hidden activations are its own).
QONNX_CONFIG_KEYS = ("activations", "output", "calibration", "requant", "pe", "simd")
#: Largest relative difference between a quantized bias's scale and S_X * S_W (float32).
BIAS_SCALE_TOLERANCE = 1e-6


def is_qonnx(model: onnx.ModelProto) -> bool:
    """Whether ``model`` uses qonnx's quantization operators (BipolarQuant, Quant,
    MultiThreshold)."""
    return any(n.domain in QONNX_DOMAINS for n in model.graph.node)


class _Layer:
    """A binary or ternary layer being assembled: weights, then the ops up to its quantizer."""

    def __init__(self, node, codes, fmt, w_scale, in_quant):
        self.node, self.codes, self.fmt = node, codes, fmt
        self.w_scale, self.in_quant = w_scale, in_quant
        mh = codes.shape[0]
        self.scale = np.ones(mh)        # real value of an accumulator unit, s_x folded in later
        self.bias = np.zeros(mh)
        self.batch_norm = None
        self.relu = False
        self.quantizer = None
        self.geometry = None

    @property
    def name(self) -> str:
        return node_name(self.node)

    @property
    def out_channels(self) -> int:
        return self.codes.shape[0]

    @property
    def out_quant(self):
        return None if self.quantizer is None else self.quantizer.output_quant


class _Reader(CnnOps):
    def __init__(self, graph: OnnxGraph):
        self.g = graph
        self.layers: list = []            # finished parts: _Layer, IntLayer, PoolPart
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
        for node in self.g.model.graph.node:
            domain_ok = node.domain in ("", "ai.onnx") + QONNX_DOMAINS
            if not domain_ok or node.op_type not in QONNX_OPS + ("Constant",):
                self.g.problem(f"unsupported op {node.op_type} (domain {node.domain!r}); the "
                               f"QONNX reader takes {', '.join(QONNX_OPS)}", node)

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
            handler = getattr(self, f"_op_{node.op_type}", None)
            if handler is None or node.domain not in ("", "ai.onnx") + QONNX_DOMAINS:
                self._unknown_layer()     # reported by check_ops; its output is unknown
            else:
                handler(node)
            current = node.output[0]
        if not self.lost:
            self._finish_chain()

    # -- nodes --------------------------------------------------------------------------
    def _op_Identity(self, node):
        pass

    _op_Dropout = _op_Identity

    def _op_Transpose(self, node):
        self._stop("a Transpose of the activation is not supported (only of constant weights)",
                   node)

    def _stop(self, message, node):
        self.g.problem(message, node)
        self.lost = True

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
        self.pending = _Layer(node, codes, fmt, w_scale, None if self.lost else self.quant)

    def _op_MatMul(self, node):
        w = self._weights(node, node.input[1])
        if w is None:
            self._unknown_layer()
            return
        codes, fmt, scale, dtype = w
        self._start(node, codes.T, fmt, scale.T, dtype)          # x @ W with W (in, out)

    def _op_Gemm(self, node):
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

    def _op_Add(self, node):
        if self.pending is None:
            self._rescale_codes(node, add=True)
            return
        if self._post_op_allowed(node):
            self._add_bias(node, self._other_input(node))

    def _op_Mul(self, node):
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

    def _op_BatchNormalization(self, node):
        p = self.pending
        if p is None and self.lost:
            return
        if p is None or isinstance(p, PoolPart) or p.batch_norm is not None or p.relu:
            self._stop("BatchNormalization must follow a Conv / MatMul / Gemm (once, before "
                       "Relu)", node)
            return
        got = [self._channel_constant(node, n, w, layer_input=True) for n, w in
               zip(node.input[1:5], ("scale", "B", "mean", "var"))]
        if any(v is None for v in got):
            self.pending, self.lost = None, True
            return
        eps = float(attrs(node).get("epsilon", 1e-5))
        try:
            p.batch_norm = BatchNorm(*(v[0] for v in got), eps=eps)
        except HwgenError as exc:
            self._stop(str(exc), node)

    def _op_Relu(self, node):
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
        if not isinstance(p, _Layer):
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

    def _op_BipolarQuant(self, node):
        self._quantized(node, activation_quantizer(self.g, node))

    def _op_Quant(self, node):
        self._quantized(node, activation_quantizer(self.g, node))

    _op_IntQuant = _op_Quant

    def _op_MultiThreshold(self, node):
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

    def _finish_chain(self) -> None:
        parts = self.layers + ([self.pending] if self.pending else [])
        if not any(isinstance(p, (_Layer, IntLayer)) for p in parts):
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


def _inspect(proto):
    graph = OnnxGraph(proto)
    reader = _Reader(graph)
    reader.check_ops()
    reader.walk()
    return reader, graph.problems


def qonnx_problems(model) -> list[Problem]:
    """Every problem that stops :func:`read_qonnx` from reading ``model`` (empty if none)."""
    try:
        proto, _ = load_model(model)
        return _inspect(proto)[1]
    except HwgenError as exc:
        return [Problem(None, None, str(exc))]


def read_qonnx(model, calibration=None, *, config=None, name: str | None = None,
               source: str | None = None):
    """Read a QONNX model (binary, ternary and integer layers, pools) into an IR graph.

    Parameters
    ----------
    model : onnx.ModelProto, str or os.PathLike
    calibration : array_like or None
        Representative inputs in the model's own layout; needed when the model input or
        output is not quantized.
    config : None, CompileConfig, dict or path, optional
        Only :data:`QONNX_CONFIG_KEYS` apply.
    name, source : str, optional
        Graph name and the model's name in messages.

    Returns
    -------
    hwgen.ir.Graph

    Raises
    ------
    ModelError
        Listing every problem of the model at once.
    ConfigError, QuantizationError
        For config keys a QONNX model does not take, and missing or constant calibration data.
    """
    from ..config import load_config
    from ..problems import raise_problems
    from .build import build_graph, check_config
    proto, default_source = load_model(model)
    source = source or default_source
    config = load_config(config)
    check_config(config, source)
    reader, problems = _inspect(proto)
    raise_problems(problems, source)
    return build_graph(reader, calibration, config, name=name or proto.graph.name or "model",
                       source=source)
