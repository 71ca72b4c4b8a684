"""QONNX models (as Brevitas and FINN write them) -> IR graph of binary and ternary layers.

Reads a linear chain from the model input to its output:

- the input: a ``Quant`` node gives its quantization (integer codes, e.g. int8 pixels);
  without one, the input is calibrated like a float model's (config ``activations``,
  ``calibration``). A bipolar model input is not supported (the design's ports carry
  integer codes);
- a layer: ``MatMul`` or ``Gemm`` whose weights come from ``BipolarQuant`` (binary, scale per
  tensor or per output channel: XNOR-Net's alpha), a 1-bit signed ``Quant`` (binary), a 2-bit
  signed ``Quant`` (ternary) or a constant of codes (FINN); then any of ``Add`` (bias),
  ``Mul`` (scale, per tensor or channel, negative allowed), ``BatchNormalization``,
  ``Relu``; then the activation quantizer: ``BipolarQuant``, ``Quant`` / ``IntQuant`` (1 to
  8 bits) or FINN's ``MultiThreshold`` (whose output ``Mul`` / ``Add`` by scalars, if any,
  rescale the codes). The accumulator, scale, bias, batch norm and quantizer become a
  :class:`~hwgen.ir.float_activation.FloatActivation` that
  :func:`~hwgen.passes.fold_thresholds` folds into exact integer thresholds;
- the last layer may end without a quantizer: its output is requantized to the config's
  ``output`` format, calibrated on the model's own outputs (``Add`` / ``Mul`` /
  ``BatchNormalization`` fold into its scale and bias there, so their scales must be > 0;
  an accumulator shift keeps 8 fractional bits of the bias, see ``hwgen.ir.binary``);
- ``Identity``, ``Dropout``, ``Flatten`` and ``Reshape`` pass the activation through.

Config keys that apply: ``activations`` and ``calibration`` (an unquantized model input),
``output``, ``calibration`` and ``requant`` (an unquantized model output), ``pe``, ``simd``.
"""

from __future__ import annotations

import numpy as np
import onnx

from ..errors import ConfigError, HwgenError, QuantizationError
from ..ir import Folding, Graph, IntType, TensorQuant
from ..ir.binary import BipolarQuant, RequantActivation
from ..ir.binary_layers import BinaryDense
from ..ir.float_activation import BatchNorm, FloatActivation
from ..passes.threshold_folding import fold_thresholds
from ..quant import calibrate
from .calibration_data import check_calibration
from .onnx_graph import OnnxGraph, load_model, node_name
from .problems import Problem, raise_problems
from .qonnx_nodes import (QONNX_DOMAINS, QUANT_OPS, activation_quantizer, attrs,
                          read_quant_spec, threshold_quantizer, weight_codes)

__all__ = ["is_qonnx", "qonnx_problems", "read_qonnx", "QONNX_OPS", "QONNX_CONFIG_KEYS"]

_PASS = ("Identity", "Dropout", "Flatten", "Reshape")
_LAYER = ("MatMul", "Gemm")
_POST = ("Add", "Mul", "BatchNormalization", "Relu")
#: Operators the QONNX reader takes (default domain, and qonnx's for the quantizers).
QONNX_OPS = _LAYER + _POST + _PASS + QUANT_OPS + ("MultiThreshold", "Transpose")
#: Accumulator shift of an unquantized output layer: its real bias keeps 8 fractional bits.
OUTPUT_ACC_SHIFT = 8
#: Config keys a QONNX model takes (its weights and hidden activations are its own).
QONNX_CONFIG_KEYS = ("activations", "output", "calibration", "requant", "pe", "simd")


def is_qonnx(model: onnx.ModelProto) -> bool:
    """Whether ``model`` uses qonnx's quantization operators (BipolarQuant, Quant,
    MultiThreshold)."""
    return any(n.domain in QONNX_DOMAINS for n in model.graph.node)


class _Layer:
    """A layer being assembled: weights, then the ops up to its quantizer."""

    def __init__(self, node, codes, fmt, w_scale, in_quant):
        self.node, self.codes, self.fmt = node, codes, fmt
        self.w_scale, self.in_quant = w_scale, in_quant
        mh = codes.shape[0]
        self.scale = np.ones(mh)        # real value of an accumulator unit, s_x folded in later
        self.bias = np.zeros(mh)
        self.batch_norm = None
        self.relu = False
        self.quantizer = None

    @property
    def name(self) -> str:
        return node_name(self.node)


class _Reader:
    def __init__(self, graph: OnnxGraph):
        self.g = graph
        self.layers: list[_Layer] = []
        self.pending: _Layer | None = None
        self.quant = None                 # quantization of the current activation
        self.input_calibrated = False     # the model input has no quantizer
        self.lost = False                 # a problem broke the chain: stop judging
        self.const = self._constant_tensors()

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
        while current != g.output_name and not self.lost:
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
            getattr(self, f"_op_{node.op_type}")(node)
            current = node.output[0]
        if not self.lost:
            self._finish_chain()

    # -- nodes --------------------------------------------------------------------------
    def _op_Identity(self, node):
        pass

    _op_Dropout = _op_Flatten = _op_Reshape = _op_Identity

    def _op_Transpose(self, node):
        self._stop("a Transpose of the activation is not supported (only of constant weights)",
                   node)

    def _stop(self, message, node):
        self.g.problem(message, node)
        self.lost = True

    def _weights(self, node, name):
        """(codes, fmt, scale) of the weight tensor ``name`` in its stored layout."""
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
        if value.ndim != 2:
            self.g.problem(f"weights of shape {value.shape} are not 2-D", node)
            return None
        decoded = weight_codes(self.g, node, producer, value)
        if decoded is None:
            return None
        codes, fmt, scale = decoded
        return (codes.T, fmt, scale.T) if transposes % 2 else (codes, fmt, scale)

    def _start(self, node, codes, fmt, scale):
        """Begin a layer with weights ``(out, in)`` and their scale."""
        if self.pending is not None:
            self._stop("two weight layers without a quantizer between them; put a "
                       "BipolarQuant or Quant node after the first", node)
            return
        rows = scale[:, :1]
        if not np.all(scale == rows):
            self._stop("weight scales vary along the inputs; they must be per tensor or per "
                       "output channel", node)
            return
        if self.quant is None:
            if self.layers:
                self._stop("its input is not quantized; put a BipolarQuant or Quant node "
                           "before it", node)
                return
            self.input_calibrated = True
        self.pending = _Layer(node, codes, fmt, rows[:, 0].astype(np.float64), self.quant)

    def _op_MatMul(self, node):
        w = self._weights(node, node.input[1])
        if w is None:
            self.lost = True
            return
        codes, fmt, scale = w
        self._start(node, codes.T, fmt, scale.T)          # x @ W with W (in, out)

    def _op_Gemm(self, node):
        a = attrs(node)
        if a.get("transA", 0):
            self._stop("transA = 1 is not supported", node)
            return
        w = self._weights(node, node.input[1])
        if w is None:
            self.lost = True
            return
        codes, fmt, scale = w
        if not a.get("transB", 0):
            codes, scale = codes.T, scale.T
        alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
        self._start(node, codes, fmt, scale * alpha)
        if self.pending is not None and alpha <= 0:
            self._stop(f"alpha = {alpha:g} must be > 0", node)
        if self.pending is not None and len(node.input) > 2 and node.input[2]:
            self._add_bias(node, node.input[2], beta)

    def _channel_constant(self, node, name, what):
        value = self.g.constant(name, node, what)
        if value is None:
            return None
        mh = self.pending.codes.shape[0]
        if value.size not in (1, mh):
            self.g.problem(f"{what} of shape {value.shape} is not one value per output "
                           f"channel ({mh})", node)
            return None
        return np.broadcast_to(value.reshape(-1), (mh,)).astype(np.float64)

    def _add_bias(self, node, name, factor=1.0):
        value = self._channel_constant(node, name, "bias")
        if value is None:
            self.lost = True
            return
        self.pending.bias = self.pending.bias + factor * value

    def _post_op_allowed(self, node) -> bool:
        p = self.pending
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
        value = self._channel_constant(node, self._other_input(node), "scale")
        if value is None:
            self.lost = True
            return
        if np.any(value == 0):
            self._stop("a scale of 0 erases its channel", node)
            return
        self.pending.scale = self.pending.scale * value
        self.pending.bias = self.pending.bias * value

    def _rescale_codes(self, node, *, add: bool):
        """A scalar Mul / Add right after a quantizer changes what its codes stand for."""
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
            return
        if not add:
            if v <= 0:
                self._stop("a quantized tensor takes only a positive scalar Mul", node)
                return
            self.quant = TensorQuant(q.dtype, q.scale * v, q.zero_point)
            return
        zero = q.zero_point - v / q.scale
        if zero != round(zero) or not q.dtype.qmin <= zero <= q.dtype.qmax:
            self._stop(f"adding {v:g} to codes of scale {q.scale:g} needs an integer zero "
                       f"point in {q.dtype}", node)
            return
        self.quant = TensorQuant(q.dtype, q.scale, int(round(zero)))

    def _op_BatchNormalization(self, node):
        if self.pending is None or self.pending.batch_norm is not None or self.pending.relu:
            self._stop("BatchNormalization must follow a MatMul / Gemm (once, before Relu)",
                       node)
            return
        values = [self._channel_constant(node, n, w) for n, w in
                  zip(node.input[1:5], ("scale", "B", "mean", "var"))]
        if any(v is None for v in values):
            self.lost = True
            return
        eps = float(attrs(node).get("epsilon", 1e-5))
        self.pending.batch_norm = BatchNorm(*values, eps=eps)

    def _op_Relu(self, node):
        if self.pending is None:
            self._stop("a Relu outside a layer is not supported", node)
            return
        self.pending.relu = True

    def _quantized(self, node, quantizer):
        if quantizer is None:
            self.lost = True
            return
        if self.pending is None:
            if self.layers or self.quant is not None:
                self._stop("two quantizers in a row", node)
                return
            self._input_quantizer(node, quantizer)
            return
        self.pending.quantizer = quantizer
        self.layers.append(self.pending)
        self.quant = quantizer.output_quant
        self.pending = None

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

    def _op_BipolarQuant(self, node):
        self._quantized(node, activation_quantizer(self.g, node))

    def _op_Quant(self, node):
        self._quantized(node, activation_quantizer(self.g, node))

    _op_IntQuant = _op_Quant

    def _op_MultiThreshold(self, node):
        if self.pending is None:
            self._stop("a MultiThreshold must follow a layer", node)
            return
        self._quantized(node, threshold_quantizer(self.g, node, self.pending.codes.shape[0]))

    def _finish_chain(self) -> None:
        if not self.layers and self.pending is None:
            self.g.problem("the model has no MatMul or Gemm layer")
        if self.pending is None and isinstance(self.quant, BipolarQuant):
            self.g.problem("a bipolar model output is not supported: the design's ports carry "
                           "integer codes; end the model with a Quant node of 2 or more bits, "
                           "or with no quantizer (the output is then requantized to the "
                           "config's output format)", self.layers[-1].node)
        names = [l.name for l in self.layers] + ([self.pending.name] if self.pending else [])
        for name in {n for n in names if names.count(n) > 1}:
            self.g.problem(f"two layers are called {name!r}; give the nodes unique names")


def _inspect(proto):
    graph = OnnxGraph(proto)
    reader = _Reader(graph)
    reader.check_ops()
    if not graph.problems:
        reader.walk()
    return reader, graph.problems


def qonnx_problems(model) -> list[Problem]:
    """Every problem that stops :func:`read_qonnx` from reading ``model`` (empty if none)."""
    try:
        proto, _ = load_model(model)
        return _inspect(proto)[1]
    except HwgenError as exc:
        return [Problem(None, None, str(exc))]


def _tensor_quant(values, fmt: str, method: str, what: str) -> TensorQuant:
    dtype = IntType.parse(fmt)
    if float(values.min()) == float(values.max()):
        raise QuantizationError(f"{what}: every calibration value is {float(values.min())}, "
                                "so there is no range to quantize; pass varied inputs")
    try:
        scale, zero = calibrate(values, method, bits=dtype.bits, signed=dtype.signed,
                                symmetric=False).scale_zero_point()
    except QuantizationError as exc:
        raise QuantizationError(f"{what}: {exc}") from None
    return TensorQuant(dtype, float(scale), int(zero))


def _values(quant, codes):
    """Input values ``v`` of the accumulator (bipolar +-1, or codes minus the zero point)."""
    if isinstance(quant, BipolarQuant):
        return 2 * codes - 1
    return codes - quant.zero_point


def _check_config(config, source: str) -> None:
    wrong = sorted({key for keys in config.explicit.values() for key in keys
                    if key not in QONNX_CONFIG_KEYS})
    if wrong:
        raise ConfigError(
            f"{config.source}: {', '.join(wrong)} cannot be set for {source}: a QONNX model "
            f"carries its own weight and activation quantization; only "
            f"{', '.join(QONNX_CONFIG_KEYS)} apply")


def read_qonnx(model, calibration=None, *, config=None, name: str | None = None,
               source: str | None = None) -> Graph:
    """Read a QONNX model of binary and ternary layers into an IR graph.

    Parameters
    ----------
    model : onnx.ModelProto, str or os.PathLike
    calibration : array_like or None
        Representative inputs; needed when the model input or output is not quantized.
    config : None, CompileConfig, dict or path, optional
        Only :data:`QONNX_CONFIG_KEYS` apply.
    name, source : str, optional
        Graph name and the model's name in messages.

    Raises
    ------
    ModelError
        Listing every problem of the model at once.
    ConfigError, QuantizationError
        For config keys a QONNX model does not take, and missing or constant calibration data.
    """
    from .config import load_config
    proto, default_source = load_model(model)
    source = source or default_source
    config = load_config(config)
    _check_config(config, source)
    reader, problems = _inspect(proto)
    raise_problems(problems, source)
    parts = reader.layers + ([reader.pending] if reader.pending else [])
    config.check_layer_names([p.name for p in parts])
    in_q = reader.layers[0].in_quant if reader.layers else parts[0].in_quant
    x = None
    if reader.input_calibrated or reader.pending is not None:
        if calibration is None:
            raise QuantizationError(f"{source}: its {'input' if reader.input_calibrated else 'output'}"
                                    " is not quantized in the model; pass calibration data")
        x = check_calibration(calibration, parts[0].codes.shape[1], layer=parts[0].name)
    if reader.input_calibrated:
        opts = config.layer(parts[0].name)
        in_q = _tensor_quant(x, opts.activations, opts.calibration,
                             f"model input (input of layer {parts[0].name!r})")
        parts[0].in_quant = in_q
    codes = in_q.quantize(x) if x is not None else None
    layers = []
    for index, part in enumerate(parts):
        if index:
            part.in_quant = parts[index - 1].quantizer.output_quant
        s_x = part.in_quant.scale
        acc_scale = part.w_scale * s_x * part.scale
        coefficients = part.codes
        acc = None if codes is None else _values(part.in_quant, codes) @ coefficients.T
        if part.quantizer is not None:
            activation = FloatActivation(acc_scale=acc_scale, acc_bias=part.bias,
                                         quantizer=part.quantizer, batch_norm=part.batch_norm,
                                         relu=part.relu)
            layers.append(_binary_dense(part, part.w_scale, np.zeros(len(acc_scale), np.int64),
                                        activation, config))
            codes = None if acc is None else activation.evaluate(acc)
            continue
        layers.append(_output_layer(part, acc_scale, acc, config, source))
    return fold_thresholds(Graph(name=name or proto.graph.name or "model", layers=tuple(layers)))


def _binary_dense(part, weight_scale, bias, activation, config, acc_shift=0):
    opts = config.layer(part.name)
    folding = Folding(pe=opts.pe, simd=opts.simd) if opts.pe and opts.simd else None
    return BinaryDense(name=part.name, weights=part.codes, weight_format=part.fmt,
                       weight_scale=weight_scale, bias=bias, input_quant=part.in_quant,
                       activation=activation, folding=folding, acc_shift=acc_shift)


def _output_layer(part, acc_scale, acc, config, source):
    """The last layer without a quantizer: requantized to the config's output format."""
    scale, bias = acc_scale, part.bias          # the Mul factors are in both already
    if part.batch_norm is not None:
        bn = part.batch_norm
        k = bn.gamma / np.sqrt(bn.var + bn.eps)
        scale, bias = scale * k, (bias - bn.mean) * k + bn.beta
    if np.any(scale <= 0):
        raise QuantizationError(
            f"{source}: layer {part.name!r} ends the model without a quantizer and has negative "
            "scales (Mul or batch norm); requantization needs positive ones: end the model with "
            "a Quant node, or fold the sign into the weights")
    real = acc * scale + bias
    if part.relu:
        real = np.maximum(real, 0)
    opts = config.default
    out_q = _tensor_quant(real, config.output, opts.calibration,
                          f"output of layer {part.name!r} (the model output)")
    s_x = part.in_quant.scale
    # A unit of a binary dot product is coarse (a whole alpha); an accumulator shift gives the
    # bias 2**shift steps per unit, as far as int32 allows.
    x_max = 1 if isinstance(part.in_quant, BipolarQuant) else \
        max(abs(part.in_quant.dtype.qmin - part.in_quant.zero_point),
            abs(part.in_quant.dtype.qmax - part.in_quant.zero_point))
    reach = int(np.abs(part.codes).sum(axis=1).max()) * x_max + 1
    shift = int(max(0, min(OUTPUT_ACC_SHIFT, 29 - reach.bit_length())))
    bias_codes = np.rint(bias / scale * (1 << shift)).astype(np.int64)
    act = RequantActivation(out_q, rounding=config.layer(part.name).requant, relu=part.relu)
    return _binary_dense(part, scale / s_x, bias_codes, act, config, acc_shift=shift)
