"""An ONNX model opened for reading: opset, constants, the single input and output, shapes.

:class:`OnnxGraph` gathers what the reader needs and records problems instead of raising, so
that every problem of a model can be reported at once. It reads the model with its constant
computations folded (:mod:`hwgen.frontend.onnx.folding`): :attr:`OnnxGraph.model` is that
copy, with the same node names and activation tensors.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

from ...errors import HwgenWarning, ModelError
from ..problems import Problem
from .folding import FOLDABLE_OPS, fold_constants

__all__ = ["OnnxGraph", "MIN_OPSET", "MAX_OPSET", "load_model", "node_name", "node_attrs"]

#: Oldest default-domain opset read (Gemm's bias became optional in 11).
MIN_OPSET = 11
#: Newest default-domain opset the installed onnx package knows.
MAX_OPSET = onnx.defs.onnx_opset_version()

_FLOAT_TYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.DOUBLE: "float64",
                onnx.TensorProto.FLOAT16: "float16", onnx.TensorProto.BFLOAT16: "bfloat16"}


def load_model(model) -> tuple[onnx.ModelProto, str]:
    """The ModelProto of a path or proto, and a name for messages."""
    if isinstance(model, onnx.ModelProto):
        return model, f"model {model.graph.name!r}" if model.graph.name else "model"
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise ModelError(f"ONNX model {path!r} does not exist")
        try:
            return onnx.load(path), os.path.basename(path)
        except Exception as exc:  # onnx raises DecodeError, OSError, ...: one message for all
            raise ModelError(f"{path} is not a readable ONNX model: {exc}") from None
    raise ModelError(
        f"model must be an onnx.ModelProto or the path of a .onnx file, not {type(model).__name__}")


def _dims(type_proto) -> tuple | None:
    """Static dims (int) or None for symbolic/unknown ones; None if the rank is unknown."""
    if not type_proto.HasField("tensor_type") or not type_proto.tensor_type.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else None
                 for d in type_proto.tensor_type.shape.dim)


@dataclass
class OnnxGraph:
    """What the reader needs from a model; problems found so far are in :attr:`problems`."""

    model: onnx.ModelProto
    opset: int | None = None
    input_name: str | None = None
    input_dims: tuple | None = None
    output_name: str | None = None
    shapes: dict = field(default_factory=dict)
    constant_names: set = field(default_factory=set)
    ignored_outputs: tuple = ()
    problems: list = field(default_factory=list)

    def __post_init__(self):
        self._check_opset()
        if self.opset is not None and MIN_OPSET <= self.opset <= MAX_OPSET:
            self.model = fold_constants(self.model)
        graph = self.model.graph
        self._initializers = {t.name: t for t in graph.initializer}
        self._constant_nodes = {n.output[0]: n for n in graph.node
                                if n.op_type == "Constant" and n.domain in ("", "ai.onnx")}
        self.constant_names = set(self._initializers) | set(self._constant_nodes)
        self._producers = {out: node for node in graph.node for out in node.output}
        self._check_io()
        if self.opset is not None and MIN_OPSET <= self.opset <= MAX_OPSET:
            self._infer_shapes()

    def problem(self, message: str, node=None) -> None:
        if node is None:
            self.problems.append(Problem(None, None, message))
        else:
            self.problems.append(Problem(node_name(node), node.op_type, message))

    # -- checks run on opening -------------------------------------------------------------
    def _check_opset(self) -> None:
        versions = [o.version for o in self.model.opset_import if o.domain in ("", "ai.onnx")]
        if not versions:
            self.problem("the model imports no default-domain (ai.onnx) opset")
            return
        self.opset = versions[0]
        if not MIN_OPSET <= self.opset <= MAX_OPSET:
            self.problem(
                f"opset {self.opset} is not supported; hwgen reads opsets {MIN_OPSET} to "
                f"{MAX_OPSET}: convert with onnx.version_converter.convert_version(model, "
                f"{max(MIN_OPSET, 13)}) or re-export with a newer opset")

    def _check_io(self) -> None:
        graph = self.model.graph
        inputs = [i for i in graph.input if i.name not in self.constant_names]
        if len(inputs) != 1:
            names = ", ".join(repr(i.name) for i in inputs) or "none"
            self.problem(f"the model must have exactly one input, it has {len(inputs)} ({names})")
        else:
            value = inputs[0]
            self.input_name = value.name
            self.input_dims = _dims(value.type)
            elem = value.type.tensor_type.elem_type
            if elem not in _FLOAT_TYPES:
                self.problems.append(Problem(value.name, None, (
                    f"input type {onnx.TensorProto.DataType.Name(elem)} is not a float type; "
                    "this reader takes float models (QDQ and QONNX models come later)")))
            dims = self.input_dims
            if dims is None or len(dims) < 2:
                self.problems.append(Problem(value.name, None, (
                    f"input shape {dims} has no batch axis; give the input the shape "
                    "(batch, features...)")))
                self.input_dims = None
            elif any(d is None or d < 1 for d in dims[1:]):
                shown = "(" + ", ".join(str(d) if d else "?" for d in dims) + ")"
                self.problems.append(Problem(value.name, None, (
                    f"input has dynamic or unknown feature size {shown}; only the batch axis may "
                    "be dynamic: export the model with fixed feature sizes")))
                self.input_dims = None
        # Constant outputs are a QuantTensor's metadata (scale, zero point, bit width, ...)
        # that Brevitas' TorchScript export adds when the model returns a QuantTensor.
        outputs = [o for o in graph.output if o.name not in self.constant_names]
        metadata = [o.name for o in graph.output if o.name in self.constant_names]
        if len(outputs) != 1:
            names = ", ".join(repr(o.name) for o in graph.output) or "none"
            self.problem(
                f"the model must have exactly one output computed from its input, it has "
                f"{len(outputs)} of {len(graph.output)} ({names})")
        else:
            self.output_name = outputs[0].name
            if metadata:
                self.ignored_outputs = tuple(metadata)
                warnings.warn(
                    f"the model's outputs {', '.join(map(repr, metadata))} are constants (a "
                    "QuantTensor's scale, zero point, bit width... that Brevitas' TorchScript "
                    f"export writes); hwgen ignores them and reads the output {outputs[0].name!r}",
                    HwgenWarning, stacklevel=2)

    def _infer_shapes(self) -> None:
        try:
            inferred = shape_inference.infer_shapes(self.model, strict_mode=False)
        except Exception as exc:  # inference errors come in several classes; report the text
            self.problem(f"ONNX shape inference failed: {exc}")
            return
        graph = inferred.graph
        for value in list(graph.value_info) + list(graph.input) + list(graph.output):
            dims = _dims(value.type)
            if dims is not None:
                self.shapes[value.name] = dims

    # -- constants ---------------------------------------------------------------------------
    def constant(self, name: str, node, what: str):
        """The float64 value of constant tensor ``name`` (an input of ``node``), or None.

        Records a problem naming ``what`` (e.g. "weights") when the tensor is missing, not
        constant, not a float tensor, unreadable or holds NaN / Inf.
        """
        if name in self._initializers:
            proto = self._initializers[name]
        elif name in self._constant_nodes:
            proto = _constant_node_value(self._constant_nodes[name])
            if proto is None:
                self.problem(f"{what} {name!r}: a Constant node without a tensor value",
                             node)
                return None
        elif name in self._producers:
            self.problem(f"{what} {name!r}: {self.not_folded(name)}", node)
            return None
        elif name == self.input_name:
            self.problem(f"{what} {name!r}: the model input, not a constant", node)
            return None
        else:
            self.problem(f"{what} {name!r}: missing initializer (no such tensor in the model)",
                         node)
            return None
        if proto.data_type not in _FLOAT_TYPES:
            self.problem(
                f"{what} {name!r}: type {onnx.TensorProto.DataType.Name(proto.data_type)}; "
                "this reader takes float weights (QDQ and QONNX models come later)", node)
            return None
        try:
            value = numpy_helper.to_array(proto).astype(np.float64)
        except Exception as exc:  # external data not found, corrupt raw data, ...
            self.problem(f"cannot read {what} {name!r}: {exc}", node)
            return None
        bad = ~np.isfinite(value)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            self.problem(
                f"{what} {name!r}: {int(np.isnan(value).sum())} NaN and "
                f"{int(np.isinf(value).sum())} Inf values (first at index {first}); fix the "
                "trained model", node)
            return None
        return value

    def not_folded(self, name: str) -> str:
        """Why the computed tensor ``name`` is not a constant (after folding)."""
        producer = self._producers[name]
        inputs = [i for i in producer.input if i]
        where = f"node {node_name(producer)!r} ({producer.op_type})"
        if all(i in self.constant_names for i in inputs):
            return (f"computed from constants by {where}, which hwgen does not fold (it folds "
                    f"{', '.join(FOLDABLE_OPS)} of constants); fold it before export, e.g. "
                    "with onnx-simplifier")
        return f"computed by {where} from the model input, not a constant"

    def int_constant(self, name: str, node, what: str):
        """Integer constant (e.g. a Reshape shape) as a list of ints, or None with a problem."""
        if name in self._initializers:
            proto = self._initializers[name]
        elif name in self._constant_nodes:
            proto = _constant_node_value(self._constant_nodes[name])
        else:
            proto = None
        if proto is None:
            self.problem(
                f"{what} {name!r} is not a constant; export with a fixed shape (e.g. "
                "torch.nn.Flatten instead of x.view(x.size(0), -1))", node)
            return None
        return [int(v) for v in numpy_helper.to_array(proto).reshape(-1)]


def node_name(node) -> str:
    """A node's name; unnamed nodes are called after their first output tensor."""
    return node.name or (f"{node.op_type}:{node.output[0]}" if node.output else node.op_type)


def node_attrs(node) -> dict:
    """A node's attributes by name, strings (``auto_pad``, ``rounding_mode``...) decoded."""
    values = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in values.items()}


def _constant_node_value(node):
    for attr in node.attribute:
        if attr.name == "value":
            return attr.t
        if attr.name in ("value_float", "value_floats", "value_int", "value_ints"):
            value = onnx.helper.get_attribute_value(attr)
            return numpy_helper.from_array(np.asarray(
                value, dtype=np.float32 if "float" in attr.name else np.int64))
    return None
