"""Constant folding before reading: what exporters leave computed that is a constant.

Exporters write some constants as computations the readers would otherwise refuse:

- Brevitas' QCDQ weights, ``int8 -> Clip -> DequantizeLinear``, and the dynamo exporter's form
  ``float W -> QuantizeLinear -> Clip -> DequantizeLinear`` (its initializers also listed as
  graph inputs);
- reshape shapes built by ``Constant -> Concat`` (torch's dynamo exporter with
  ``optimize=False``), and the flatten ``x.view(x.size(0), -1)`` as ``Shape -> Gather /
  Squeeze -> Unsqueeze / Reshape -> Concat -> Reshape``;
- ``Pow`` / ``Sqrt`` of constants (Brevitas' TensorNorm through TorchScript);
- ``DequantizeLinear(W) -> Transpose -> MatMul`` for a bias-free layer (Brevitas' QCDQ).

:func:`fold_constants` evaluates the nodes of :data:`FOLDABLE_OPS` whose inputs are all
constants (onnx's reference implementation, so QuantizeLinear rounds and saturates as ONNX
specifies) and puts their outputs in as initializers; a ``Shape`` of an activation is read
from the inferred shapes. It folds only constants: quantizers that mark quantized weights
(``DequantizeLinear``, qonnx's ``Quant`` / ``BipolarQuant``) stay, so every check of the
readers still applies to them. Two rewrites keep that rule:

- ``Transpose(DequantizeLinear(W))`` becomes ``DequantizeLinear(Transpose(W))`` (the
  quantization axis permuted with the data): the same values, and the weights stay
  quantized;
- a batch size that is not fixed in the model (a symbolic first dimension) is not a constant:
  a reshape target whose first entry is the model's batch size (``x.view(x.size(0), -1)``)
  becomes ``0`` ("copy that dimension", ``allowzero = 0``), the same reshape for every batch.

The batch dimension is found by evaluating the shape computations twice, with two batch
sizes: an entry that equals the batch size in both runs is the batch size.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference
from onnx.reference import ReferenceEvaluator

__all__ = ["FOLDABLE_OPS", "fold_constants"]

#: Default-domain operators evaluated when all their inputs are constants.
FOLDABLE_OPS = (
    "Identity", "Cast", "Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat",
    "Gather", "Slice", "Shape", "Size", "ConstantOfShape", "Range", "Clip", "QuantizeLinear",
    "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Pow", "Sqrt", "Reciprocal", "Max", "Min",
)
_DEFAULT = ("", "ai.onnx")
#: Operators of other domains (qonnx's) whose output has their first input's shape.
_SAME_SHAPE = ("Quant", "IntQuant", "BipolarQuant", "Trunc", "MultiThreshold")
#: Two batch sizes that no model dimension is likely to equal (see the module docstring).
_BATCHES = (9973, 9967)


def _constant_value(node):
    """The value of a Constant node (numpy array), or None."""
    for attr in node.attribute:
        if attr.name in ("value", "value_float", "value_floats", "value_int", "value_ints"):
            value = helper.get_attribute_value(attr)
            if attr.name == "value":
                return numpy_helper.to_array(value)
            return np.asarray(value, dtype=np.float32 if "float" in attr.name else np.int64)
    return None


class _Folder:
    """One folding run over a model (see :func:`fold_constants`)."""

    def __init__(self, model: onnx.ModelProto):
        self.model = model
        graph = model.graph
        versions = [o.version for o in model.opset_import if o.domain in _DEFAULT]
        self.opsets = {"": versions[0]} if versions else None
        # tensor -> (value with the first batch size, value with the second)
        self.values = {t.name: (numpy_helper.to_array(t),) * 2 for t in graph.initializer}
        self.dims = self._activation_dims()
        self.folded = {}          # id(node) -> node, for the nodes evaluated here
        self.changed = False

    def _activation_dims(self) -> dict:
        # ONNX shape inference stops at operators it does not know; qonnx's quantizers keep
        # their input's shape, so they are inferred as Identity (a Brevitas TorchScript
        # export's x.view(x.size(0), -1) takes the Shape of a BipolarQuant output)
        model = onnx.ModelProto()
        model.CopyFrom(self.model)
        for node in model.graph.node:
            if node.domain not in _DEFAULT and node.op_type in _SAME_SHAPE and node.input:
                first, outputs = node.input[0], list(node.output[:1])
                node.Clear()
                node.op_type, node.domain = "Identity", ""
                node.input.append(first)
                node.output.extend(outputs)
        try:
            inferred = shape_inference.infer_shapes(model, strict_mode=False)
        except Exception:   # a model shape inference cannot take: no Shape is folded
            return {}
        dims = {}
        graph = inferred.graph
        for value in list(graph.value_info) + list(graph.input) + list(graph.output):
            shape = value.type.tensor_type.shape if value.type.HasField("tensor_type") else None
            if shape is None or not value.type.tensor_type.HasField("shape"):
                continue
            dims[value.name] = tuple(d.dim_value if d.HasField("dim_value") else None
                                     for d in shape.dim)
        return dims

    def _evaluate(self, node, inputs) -> list | None:
        names = [f"in{i}" if name else "" for i, name in enumerate(node.input)]
        copy = helper.make_node(node.op_type, names, [f"out{i}" for i in range(len(node.output))])
        copy.attribute.extend(node.attribute)
        try:
            evaluator = ReferenceEvaluator(copy, opsets=self.opsets)
            return evaluator.run(None, {n: v for n, v in zip(names, inputs, strict=True) if n})
        except Exception:   # anything the reference cannot evaluate stays as it is
            return None

    def _shape_of_activation(self, node):
        """``Shape`` of an activation with static dims after the batch axis: both runs."""
        dims = self.dims.get(node.input[0])
        if not dims or any(d is None for d in dims[1:]):
            return None
        runs = []
        for batch in _BATCHES:
            full = np.array([dims[0] if dims[0] else batch] + list(dims[1:]), dtype=np.int64)
            start = next((helper.get_attribute_value(a) for a in node.attribute
                          if a.name == "start"), 0)
            end = next((helper.get_attribute_value(a) for a in node.attribute
                        if a.name == "end"), None)
            runs.append(full[start:end])
        return runs

    def run(self) -> None:
        for node in self.model.graph.node:
            if node.domain not in _DEFAULT:
                continue
            if node.op_type == "Constant":
                value = _constant_value(node)
                if value is not None and node.output:
                    self.values[node.output[0]] = (value, value)
                continue
            if node.op_type not in FOLDABLE_OPS:
                continue
            present = [name for name in node.input if name]
            if node.op_type == "Shape" and present and present[0] not in self.values:
                runs = self._shape_of_activation(node)
                if runs is not None:
                    self.values[node.output[0]] = tuple(runs)
                    self.folded[id(node)] = node
                continue
            if not all(name in self.values for name in present):
                continue
            results = []
            for run in range(2):
                inputs = [self.values[name][run] if name else None for name in node.input]
                if run and all(self.values[n][0] is self.values[n][1] for n in present):
                    results.append(results[0])        # no batch in it: one evaluation
                    break
                results.append(self._evaluate(node, inputs))
            if any(r is None for r in results):
                continue
            first, second = results[0], results[-1]
            for i, out in enumerate(node.output):
                if out:
                    self.values[out] = (first[i], second[i]) if second is not first else \
                        (first[i], first[i])
            self.folded[id(node)] = node

    # -- rewriting ---------------------------------------------------------------------
    def _resolved(self, name: str, consumer, position: int):
        """The constant for input ``position`` of ``consumer``, or None (it stays computed)."""
        a, b = self.values[name]
        if a is b or (a.shape == b.shape and np.array_equal(a, b)):
            return a
        if consumer.op_type != "Reshape" or position != 1 or a.shape != b.shape:
            return None
        batch = (a == _BATCHES[0]) & (b == _BATCHES[1])
        if not np.array_equal(a[~batch], b[~batch]) or a.ndim != 1 or \
                (batch.any() and (a[~batch] == 0).any() and _allowzero(consumer)):
            return None
        out = a.copy()
        out[batch] = 0
        _set_allowzero(consumer, 0)
        return out

    def rewrite(self) -> onnx.ModelProto:
        graph = self.model.graph
        folded_outputs = {out for node in graph.node if id(node) in self.folded
                          for out in node.output if out}
        kept, new_inits, replaced = [], {}, {}
        for node in graph.node:
            if id(node) in self.folded:
                continue
            for pos, name in enumerate(node.input):
                if name in folded_outputs and name not in new_inits:
                    value = self._resolved(name, node, pos)
                    if value is None:
                        continue
                    batch_resolved = value is not self.values[name][0]
                    if node.op_type == "Reshape" and pos == 1 and batch_resolved:
                        alias = f"{name}/folded"
                        new_inits[alias] = value
                        replaced[(id(node), pos)] = alias
                    else:
                        new_inits[name] = value
            kept.append(node)
        # folded nodes whose outputs something still reads (and did not get) stay
        needed = {name for node in kept for pos, name in enumerate(node.input)
                  if (id(node), pos) not in replaced} | {o.name for o in graph.output}
        stay = []
        for node in reversed(list(graph.node)):
            if id(node) not in self.folded:
                continue
            if any(out in needed and out not in new_inits for out in node.output):
                stay.append(node)
                needed.update(node.input)
        stay_ids = {id(n) for n in stay}
        nodes = [n for n in graph.node if id(n) not in self.folded or id(n) in stay_ids]
        for node in nodes:
            for pos in range(len(node.input)):
                alias = replaced.get((id(node), pos))
                if alias is not None:
                    node.input[pos] = alias
        used = {name for node in nodes for name in node.input} | {o.name for o in graph.output}
        self.changed = len(nodes) != len(graph.node)
        del graph.node[:]
        graph.node.extend(nodes)
        existing = {t.name for t in graph.initializer}
        for name, value in new_inits.items():
            if name in used and name not in existing:
                graph.initializer.append(numpy_helper.from_array(value, name))
        _transpose_dequantized(self.model)
        return self.model


def _allowzero(node) -> int:
    return next((helper.get_attribute_value(a) for a in node.attribute if a.name == "allowzero"),
                0)


def _set_allowzero(node, value: int) -> None:
    for attr in node.attribute:
        if attr.name == "allowzero":
            attr.i = value


def _transpose_dequantized(model: onnx.ModelProto) -> None:
    """``Transpose(DequantizeLinear(W))`` of a constant ``W`` -> ``DequantizeLinear(W^T)``."""
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    producer = {out: n for n in graph.node for out in n.output}
    readers = {}
    for node in graph.node:
        for name in node.input:
            readers[name] = readers.get(name, 0) + 1
    nodes = []
    for node in graph.node:
        dq = producer.get(node.input[0]) if node.op_type == "Transpose" and node.input else None
        if dq is None or dq.op_type != "DequantizeLinear" or dq.domain not in _DEFAULT or \
                dq.input[0] not in inits or not all(n in inits for n in dq.input[1:] if n):
            nodes.append(node)
            continue
        codes = numpy_helper.to_array(inits[dq.input[0]])
        perm = next((list(helper.get_attribute_value(a)) for a in node.attribute
                     if a.name == "perm"), list(range(codes.ndim))[::-1])
        name = f"{dq.input[0]}/transposed"
        if name not in inits:
            inits[name] = numpy_helper.from_array(codes.transpose(perm), name)
            graph.initializer.append(inits[name])
        attrs = {a.name: helper.get_attribute_value(a) for a in dq.attribute}
        scale = numpy_helper.to_array(inits[dq.input[1]])
        if scale.size > 1:      # per axis: the axis moves with the data
            axis = int(attrs.get("axis", 1))
            attrs["axis"] = perm.index(axis + codes.ndim if axis < 0 else axis)
        nodes.append(helper.make_node("DequantizeLinear", [name] + list(dq.input[1:]),
                                      list(node.output), name=dq.name or node.name, **attrs))
    del graph.node[:]
    graph.node.extend(nodes)
    # a DequantizeLinear that only the Transpose read is gone from every path: drop it
    used = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
    live = [n for n in graph.node if n.op_type != "DequantizeLinear" or
            any(out in used for out in n.output)]
    del graph.node[:]
    graph.node.extend(live)


def fold_constants(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` with its constant computations folded (see the module docstring).

    The model itself is not changed; node names and activation tensors stay as they were.
    """
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    # again while it folds something: shapes computed from folded constants (a Pad's pads)
    # become known to shape inference, and with them a Shape further on
    for _ in range(4):
        folder = _Folder(copy)
        folder.run()
        copy = folder.rewrite()
        if not folder.changed:
            break
    return copy
