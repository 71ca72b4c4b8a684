"""The float ONNX reader's walker and its dense operators: Gemm / MatMul (+ Add of a constant
bias) / Relu; Identity, Dropout (inference), Flatten (axis 1) and Reshape to
``(batch, features)`` pass through.

:class:`DenseReader` visits the activation nodes in topological order
(:mod:`hwgen.frontend.onnx.dag`) and dispatches each to its registered handler
(:mod:`hwgen.frontend.onnx.handlers`); a layer that does not read the layer before it names the
layer it reads in its ``inputs``. :class:`~hwgen.frontend.onnx.conv_reader.ConvReader` extends
it with the operators of a CNN and the Add of two branches, and is the reader
:func:`hwgen.frontend.onnx.reader.read_onnx` runs. Problems are recorded on the
:class:`~hwgen.frontend.onnx.graph.OnnxGraph`, never raised, so that one report lists them all.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ...ir.graph import GRAPH_INPUT
from ..float.model import FloatDense
from .dag import activation_graph
from .graph import OnnxGraph, node_attrs, node_name
from .handlers import OpWalker, handles

__all__ = ["DenseReader", "PendingLayer", "IGNORED_OPS"]

#: Operators that only make constants (they may feed weights and shapes).
IGNORED_OPS = ("Constant",)
_HINTS = {
    "Softmax": "; drop the final Softmax from the export (the argmax of the scores is unchanged)",
    "LogSoftmax": "; drop the final LogSoftmax from the export (the argmax is unchanged)",
    "QuantizeLinear": "; QDQ models come in a later issue",
    "DequantizeLinear": "; QDQ models come in a later issue",
    "Concat": "; the hardware joins branches only by an Add of two tensors of the same shape",
    "Sum": "; use Adds of two tensors (the hardware adds two branches at a time)",
    "Mul": "; element-wise products are not supported (fold a constant scale into the "
           "layer before it)",
    "Sub": "; only an Add of two branches is supported",
}


class PendingLayer:
    """The layer being assembled: weights, then optional bias adds and a ReLU."""

    def __init__(self, node, weights, bias):
        self.node, self.weights, self.bias, self.relu = node, weights, bias, False


class DenseReader(OpWalker):
    """Walks a float ONNX model's activation DAG and reads its dense layers."""

    def __init__(self, graph: OnnxGraph):
        self.g = graph
        self.layers: list[FloatDense] = []
        self.pending: PendingLayer | None = None
        self.bad_layer = False  # a problem in this layer's weights: do not build it
        self.dense_nodes = 0
        # Features of the current activation (dims after the batch axis), None when unknown.
        self.feat: tuple | None = graph.input_dims[1:] if graph.input_dims else None
        # The layer whose output the current activation is (a pending layer's input).
        self.source: str | None = GRAPH_INPUT
        self.connections: dict = {}   # layer name -> names of the layers it reads
        self.forked: dict = {}        # layer (or "input") whose output forks -> its readers
        self.states: dict = {}        # activation tensor -> reader state (see save_state)
        self.unknown_ops = False      # check_ops reported an operator it does not read

    # -- whole-graph checks --------------------------------------------------------------
    def check_ops(self) -> None:
        supported = ", ".join(self.supported_ops())
        for node in self.g.model.graph.node:
            if node.domain not in self.DOMAINS:
                self.unknown_ops = True
                self.g.problem(
                    f"operator domain {node.domain!r} is not supported; supported ops (default "
                    f"domain): {supported}", node)
            elif node.op_type not in self.handlers and node.op_type not in IGNORED_OPS:
                self.unknown_ops = True
                self.g.problem(
                    f"unsupported op {node.op_type}; supported ops: {supported}"
                    f"{_HINTS.get(node.op_type, '')}", node)

    def path_ops(self) -> tuple:
        """Op types reported when a node of theirs computes from constants only (off every
        path from the input to the output): the ones this reader reads."""
        return self.supported_ops()

    def walk(self) -> None:
        """Visit the activation nodes in topological order (:mod:`hwgen.frontend.onnx.dag`).

        Each activation tensor keeps the reader's state as its producer left it (the layer
        being assembled, shapes, the layer it comes from); a node resumes the state of the
        tensor it reads. A layer being assembled ends where its output forks: every reader
        of a fork sees the same finished layer. An Add of two activations joins two states
        (:meth:`merge`).
        """
        g = self.g
        if g.input_name is None or g.output_name is None:
            return
        self.dag = dag = activation_graph(g, IGNORED_OPS, supported=self.path_ops())
        self.states = {g.input_name: self.save_state()}
        if dag.fans_out(g.input_name):
            self.forked[GRAPH_INPUT] = dag.consumers[g.input_name]
        for node in dag.order:
            if not node.output or not node.output[0]:
                continue  # reported by activation_graph
            positions = dag.activation_inputs(node)
            if len(positions) == 1:
                self.load_state(node.input[positions[0]])
                self.visit(node, tuple(positions))
            else:
                self.merge(node, positions)
            self.check_side_outputs(node, dag.consumers)
            if dag.fans_out(node.output[0]):
                self.fork(node.output[0])
            self.states[node.output[0]] = self.save_state()
        if g.output_name in self.states:
            self.load_state(g.output_name)
            self.finish_output()
        if dag.complete and not self.dense_nodes and not self.unknown_ops:
            # (an operator reported as unsupported may be the layer)
            g.problem("the model has no Gemm or MatMul layer")
        self.check_input_layout()

    # -- per-tensor state ------------------------------------------------------------------
    #: Attributes that describe the activation being read (saved per tensor).
    STATE = ("pending", "bad_layer", "feat", "source")

    def save_state(self) -> dict:
        return {key: getattr(self, key) for key in self.STATE}

    def load_state(self, tensor: str) -> None:
        """Resume the state of ``tensor`` (a fresh, unknown one if its producer had none)."""
        state = self.states.get(tensor)
        if state is None:
            state = dict(self.save_state(), pending=None, bad_layer=True, feat=None,
                         source=None)
        for key, value in state.items():
            setattr(self, key, value)

    def fork(self, tensor: str) -> None:
        """``tensor`` feeds several nodes: the layer being assembled ends here, so that every
        reader sees the same finished layer."""
        self.finish_layer()
        self.forked.setdefault(self.source, self.dag.consumers[tensor])

    def merge(self, node, positions) -> None:
        """A node reading several activations: an Add of two joins two branches (a handler
        registered with ``joins=True``)."""
        handler = self.handler_for(node)
        if handler is not None and handler.joins and len(positions) == 2:
            handler(self, node, tuple(positions))
            return
        names = [node.input[p] for p in positions]
        for name in names:  # every branch's layer ends here
            self.load_state(name)
            self.finish_layer()
        if handler is not None:
            if node.op_type == "Reshape" and positions[0] == 0:
                self.load_state(names[0])  # a shape computed from the input: say so there
                self.visit(node, (0,))
                return
            self.g.problem(
                f"it reads {len(names)} tensors computed from the model input "
                f"({', '.join(map(repr, names))}); branches can only be joined by an Add of two "
                "tensors of the same shape", node)
        self.load_state(names[0])
        self.visit(node, (positions[0],))  # unsupported ops: reported, shapes inferred
        self.bad_layer = True

    def fork_problem(self, layer: str, node, what: str) -> str:
        """Why ``what`` (at ``node``) cannot be fused into ``layer``, whose output forks."""
        others = [n for n, _ in self.forked[layer] if n is not node]
        names = ", ".join(f"{node_name(n)!r} ({n.op_type})" for n in others)
        return (f"the output of {layer!r} also feeds {names}, which read{'s' * (len(others) == 1)}"
                f" it without this {what}; it cannot be fused into {layer!r}, and the hardware "
                f"has no separate {what} layer")

    def check_input_layout(self) -> None:
        """The model input is streamed in one layout: an image read both by image layers
        (NHWC) and by a flattening dense layer (ONNX's (c, h, w) order) cannot be."""
        readers = {}
        for layer in self.layers:
            if GRAPH_INPUT in self.connections.get(layer.name, ()):
                readers.setdefault(len(layer.input_shape) == 3, []).append(layer.name)
        if len(readers) == 2:
            self.g.problem(
                f"the model input is read as an image by {', '.join(map(repr, readers[True]))} "
                f"and flattened by {', '.join(map(repr, readers[False]))}; hwgen streams the "
                "input in one layout: flatten the output of a layer instead")

    def layer_named(self, name):
        """Index of the layer called ``name`` in :attr:`layers`, or None."""
        return next((i for i, layer in enumerate(self.layers) if layer.name == name), None)

    def add_layer(self, layer, sources=None) -> None:
        """Append a finished layer reading ``sources`` (default: the current activation)."""
        self.layers.append(layer)
        self.connections[layer.name] = tuple(sources or (self.source,))
        self.source = layer.name

    def graph_connections(self) -> dict:
        """``{layer: sources}`` of the layers that do not read the layer before them (an add
        names its own inputs): :class:`hwgen.ir.Graph`'s ``connections``."""
        connections, previous = {}, GRAPH_INPUT
        for layer in self.layers:
            sources = self.connections.get(layer.name, (previous,))
            if getattr(layer, "inputs", None) is None and sources != (previous,):
                connections[layer.name] = sources
            previous = layer.name
        return connections

    def link_layers(self) -> list:
        """The float layers with ``inputs`` set where they do not read the layer before."""
        connections = self.graph_connections()
        return [replace(layer, inputs=connections[layer.name])
                if layer.name in connections else layer for layer in self.layers]

    def check_side_outputs(self, node, consumers) -> None:
        for name in node.output[1:]:
            if name and (consumers.get(name) or name == self.g.output_name):
                self.g.problem(f"its second output {name!r} is used; only the first output of a "
                               "node may be used", node)

    # -- nodes ----------------------------------------------------------------------------
    def visit(self, node, inputs: tuple) -> None:
        """Hand ``node``, which reads the activation at ``inputs``, to its handler."""
        handler = self.handler_for(node)
        if handler is None:
            # Already reported by check_ops; keep walking with the inferred shape, if any.
            self.finish_layer()
            dims = self.g.shapes.get(node.output[0])
            self.feat = dims[1:] if dims and len(dims) >= 2 else None
            return
        handler(self, node, inputs)

    def _dense_input(self, node, in_features: int | None) -> None:
        """Check the activation entering a Gemm / MatMul is 2-D with matching features."""
        if self.feat is None:
            return
        if len(self.feat) != 1:
            self.g.problem(
                f"its input has shape (batch, {', '.join(map(str, self.feat))}); insert a "
                "Flatten (axis 1) to make it (batch, features)", node)
        elif in_features is not None and self.feat[0] != in_features:
            self.g.problem(
                f"its weights take {in_features} inputs but the activation has {self.feat[0]} "
                "features", node)

    def _start_layer(self, node, weights, bias) -> None:
        self.finish_layer()
        self.dense_nodes += 1
        if weights is None or bias is None:
            self.bad_layer = True
            self.feat = None if weights is None else (weights.shape[0],)
            return
        self.pending = PendingLayer(node, weights, bias)
        self.feat = (weights.shape[0],)

    def _bias(self, value, node, what: str, out: int):
        """A constant bias broadcast to ``(out,)``, or None with a problem."""
        if value is None:
            return None
        per_output = value.ndim <= 1 or (value.ndim == 2 and value.shape[0] == 1)
        if value.size in (1, out) and per_output:
            return np.broadcast_to(value.reshape(-1), (out,)).astype(np.float64)
        self.g.problem(
            f"{what} of shape {value.shape} does not broadcast to one value per output "
            f"(({out},) or (1, {out})); per-sample biases are not supported", node)
        return None

    @handles("Gemm")
    def gemm(self, node, inputs) -> None:
        pos = inputs[0]
        attrs = node_attrs(node)
        trans_a, trans_b = attrs.get("transA", 0), attrs.get("transB", 0)
        alpha, beta = float(attrs.get("alpha", 1.0)), float(attrs.get("beta", 1.0))
        if pos != 0:
            self.g.problem("the activation must be input A (the first input) and the weights "
                           "the constant input B", node)
        if trans_a != 0:
            self.g.problem(f"transA={trans_a} is not supported (it would transpose the batch "
                           "axis); use transA=0", node)
        if trans_b not in (0, 1):
            self.g.problem(f"transB={trans_b} is not valid; use 0 or 1", node)
        if not (math.isfinite(alpha) and math.isfinite(beta)):
            self.g.problem(f"alpha={alpha} and beta={beta} must be finite", node)
        ok = pos == 0 and trans_a == 0 and trans_b in (0, 1) \
            and math.isfinite(alpha) and math.isfinite(beta)
        b = self.g.constant(node.input[1], node, "weights") if ok else None
        if b is not None and b.ndim != 2:
            self.g.problem(f"weights {node.input[1]!r} have shape {b.shape}; Gemm needs 2-D "
                           "weights", node)
            b = None
        # Y = alpha * A @ B' + beta * C with B' = B (transB=0, shape (in, out)) or B.T.
        weights = None if b is None else alpha * (b if trans_b else b.T)
        self._dense_input(node, None if weights is None else weights.shape[1])
        out = None if weights is None else weights.shape[0]
        bias = None
        if out is not None:
            if len(node.input) > 2 and node.input[2]:
                c = self.g.constant(node.input[2], node, "bias C")
                bias = self._bias(None if c is None else beta * c, node, "bias C", out)
            else:
                bias = np.zeros(out)
        self._start_layer(node, weights, bias)

    @handles("MatMul")
    def mat_mul(self, node, inputs) -> None:
        if inputs[0] != 0:
            self.g.problem("the weights are the first input (W @ x); only x @ W with the "
                           "activation as the first input is supported", node)
            self._start_layer(node, None, None)
            return
        w = self.g.constant(node.input[1], node, "weights")
        if w is not None and w.ndim != 2:
            self.g.problem(f"weights {node.input[1]!r} have shape {w.shape}; MatMul needs 2-D "
                           "weights (in_features, out_features)", node)
            w = None
        weights = None if w is None else w.T  # x @ W with W (in, out)
        self._dense_input(node, None if weights is None else weights.shape[1])
        self._start_layer(node, weights, None if weights is None else np.zeros(weights.shape[0]))

    @handles("Add")
    def add(self, node, inputs) -> None:
        if self.pending is None and not self.bad_layer:
            self.g.problem("only a constant bias added right after a Gemm or MatMul is "
                           "supported", node)
            return
        if self.pending is not None and self.pending.relu:
            self.g.problem("an Add after the Relu cannot be folded into the layer's bias", node)
            return
        other = node.input[1 - inputs[0]]
        value = self.g.constant(other, node, "bias")
        if self.pending is None:
            return
        bias = self._bias(value, node, "bias", self.pending.weights.shape[0])
        if bias is None:
            self.bad_layer, self.pending = True, None
        else:
            self.pending.bias = self.pending.bias + bias

    @handles("Relu")
    def relu(self, node, inputs) -> None:
        if self.pending is None and not self.bad_layer:
            self.g.problem("a Relu before the first Gemm / MatMul cannot be fused into a layer",
                           node)
        elif self.pending is not None:
            self.pending.relu = True  # Relu(Relu(x)) == Relu(x)

    @handles("Identity")
    def identity(self, node, inputs) -> None:
        pass

    @handles("Dropout")
    def dropout(self, node, inputs) -> None:
        if len(node.input) > 2 and node.input[2]:
            mode = self.g.int_constant(node.input[2], node, "training_mode")
            if mode is not None and any(mode):
                self.g.problem("training_mode is true; export the model in inference mode "
                               "(model.eval())", node)

    @handles("Flatten")
    def flatten(self, node, inputs) -> None:
        axis = node_attrs(node).get("axis", 1)
        if self.feat is None and axis < 0:
            return       # the rank is unknown after a problem reported before
        # a non-negative axis other than 1 is wrong whatever the shape: this node's own problem
        if (axis + len(self.feat) + 1 if axis < 0 else axis) != 1:
            self.g.problem(f"axis={axis} would move features into the batch axis; only "
                           "axis=1 (flatten to (batch, features)) is supported", node)
            self.feat = None
            return
        if self.feat is not None:
            self.feat = (math.prod(self.feat),)

    @handles("Reshape")
    def reshape(self, node, inputs) -> None:
        if inputs[0] != 0:
            self.g.problem("the reshaped data must be the first input", node)
            self.feat = None
            return
        shape = self.g.int_constant(node.input[1], node, "shape") if len(node.input) > 1 \
            else None
        if shape is None or self.feat is None:
            self.feat = None
            return
        allowzero = node_attrs(node).get("allowzero", 0)
        if allowzero and 0 in shape:
            self.g.problem(f"allowzero=1 with a 0 in the target shape {shape} makes an empty "
                           "tensor; use allowzero=0", node)
            self.feat = None
            return
        features = math.prod(self.feat)
        batch = self.g.input_dims[0] if self.g.input_dims else None
        ok = len(shape) == 2 and (
            (shape[0] in (-1, 0) and shape[1] == features)
            or (shape[0] == 0 and shape[1] == -1)
            or (shape[0] >= 1 and shape[0] == batch and shape[1] in (features, -1)))
        if not ok:
            self.g.problem(
                f"target shape {shape} is not (batch, {features}); only a reshape to "
                f"(batch, features) is supported, e.g. shape [-1, {features}] or [0, -1]", node)
            self.feat = None
            return
        self.feat = (features,)

    # -- layers ---------------------------------------------------------------------------
    def finish_layer(self) -> None:
        p = self.pending
        if p is not None:
            self.add_layer(FloatDense(name=node_name(p.node), weights=p.weights, bias=p.bias,
                                      relu=p.relu))
        self.pending, self.bad_layer = None, False

    def finish_output(self) -> None:
        """The layer being assembled at the model output ends there."""
        self.finish_layer()

    def check_names(self) -> None:
        seen = set()
        for layer in self.layers:
            if layer.name in seen:
                self.g.problem(f"two layers are called {layer.name!r}; give the ONNX nodes "
                               "unique names (the config refers to layers by node name)")
            seen.add(layer.name)
