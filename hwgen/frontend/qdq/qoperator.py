"""onnxruntime's QOperator format, rewritten into the QDQ form the QDQ reader reads.

``quantize_static(..., quant_format=QuantFormat.QOperator)`` writes integer operators that
read and write quantized tensors directly: ``QLinearConv``, ``QLinearMatMul``, ``QGemm``
(com.microsoft), ``QLinearAdd``, ``QLinearAveragePool`` / ``QLinearGlobalAveragePool``
(com.microsoft), with ``MaxPool``, ``Reshape`` and ``Flatten`` applied to the quantized tensors
themselves. Each is, by ONNX's definition, the float operator between DequantizeLinear'd inputs
and a QuantizeLinear of its output, which is exactly what the QDQ reader reads
(:mod:`hwgen.frontend.qdq.reader`), with every check of it:

- ``QLinearConv(x, Sx, Zx, w, Sw, Zw, Sy, Zy, B)`` -> ``DQ(x) -> Conv(DQ(w), DQ(B at Sx Sw))
  -> Q(Sy, Zy)`` (``B`` is int32 at scale ``Sx * Sw``, zero point 0, by the operator's
  definition; the scale is the float32 product, as onnxruntime computes it);
- ``QLinearMatMul`` -> ``MatMul``; ``QGemm`` -> ``Gemm`` (its ``C`` int32 at ``Sa * Sb``;
  without ``y_scale`` its output is float, an unquantized output);
- ``QLinearAdd`` -> ``Add``; ``QLinearAveragePool`` -> ``AveragePool``;
  ``QLinearGlobalAveragePool`` -> ``GlobalAveragePool`` (``channels_last = 0``);
- ``MaxPool`` / ``Reshape`` / ``Flatten`` / ``Identity`` of a quantized tensor ->
  ``DQ -> op -> Q`` with the input's parameters (what onnxruntime's QDQ form writes);
- the integer-ops form, ``QuantizeLinear -> MatMulInteger / ConvInteger -> Cast -> Mul(Sa Sb)``
  -> ``DQ -> MatMul / Conv(DQ(w)) ->`` the float output (a bias ``Add``, ``Relu``, ... and the
  next QuantizeLinear follow, as in a QDQ model).

The rewritten nodes keep the operators' names (the layer names) and the quantized tensors
keep theirs: the QuantizeLinear that stands for a QLinear operator writes its output tensor,
so :func:`~hwgen.frontend.qdq.reader.qdq_tensors` names tensors of the original model, which
:mod:`hwgen.reference.onnxruntime` feeds and reads.

``DynamicQuantizeLinear`` (``quantize_dynamic``) computes a tensor's scale from each input at
run time; a streaming pipeline has fixed scales, so it is refused (one problem per
DynamicQuantizeLinear; the integer operators and Cast / Mul it feeds are not reported again).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..onnx.graph import node_name
from ..problems import Problem

__all__ = ["QOPERATOR_OPS", "is_qoperator", "qoperator_to_qdq"]

#: Integer operators of onnxruntime's QOperator and integer-ops formats.
QOPERATOR_OPS = ("QLinearConv", "QLinearMatMul", "QGemm", "QLinearAdd", "QLinearAveragePool",
                 "QLinearGlobalAveragePool", "MatMulInteger", "ConvInteger",
                 "DynamicQuantizeLinear")
#: Operators that pass a quantized tensor through (onnxruntime applies them to the codes).
_PASS = ("MaxPool", "Reshape", "Flatten", "Identity", "Squeeze", "Unsqueeze", "Transpose")
_DEFAULT = ("", "ai.onnx")


def is_qoperator(model: onnx.ModelProto) -> bool:
    """Whether ``model`` holds onnxruntime's QOperator / integer-ops operators."""
    return any(n.op_type in QOPERATOR_OPS for n in model.graph.node)


class _Rewriter:
    def __init__(self, model: onnx.ModelProto):
        self.model = model
        graph = model.graph
        self.inits = {t.name: t for t in graph.initializer}
        self.producer = {out: n for n in graph.node for out in n.output}
        self.readers = {}
        for node in graph.node:
            for name in node.input:
                self.readers.setdefault(name, []).append(node)
        self.params = {}          # quantized tensor -> (scale name, zero point name)
        self.nodes = []
        self.new_inits = []
        self.problems = []
        self.explained = set()    # names of nodes whose problems follow from another one
        self.dropped = set()      # ids of nodes replaced by a rewrite further up

    # -- helpers ---------------------------------------------------------------------
    def _const(self, name: str, value) -> str:
        self.new_inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def _value(self, name: str):
        proto = self.inits.get(name)
        if proto is not None:
            return numpy_helper.to_array(proto)
        node = self.producer.get(name)
        if node is not None and node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    return numpy_helper.to_array(attr.t)
        return None

    def _dq(self, tensor: str, scale: str, zero: str, out: str, name: str, axis=None):
        attrs = {} if axis is None else {"axis": axis}
        inputs = [tensor, scale] + ([zero] if zero else [])
        self.nodes.append(helper.make_node("DequantizeLinear", inputs, [out], name=name,
                                           **attrs))
        return out

    def _dq_input(self, tensor: str, scale: str, zero: str, node) -> str:
        """The float tensor of a quantized input (one DequantizeLinear per reader)."""
        return self._dq(tensor, scale, zero, f"{tensor}/dq/{node_name(node)}",
                        f"{node_name(node)}/dq_{tensor}")

    def _weight_axis(self, scale: str, axis: int):
        value = self._value(scale)
        return axis if value is not None and value.size > 1 else None

    def _q_output(self, float_out: str, scale: str, zero: str, out: str, node) -> None:
        inputs = [float_out, scale] + ([zero] if zero else [])
        self.nodes.append(helper.make_node("QuantizeLinear", inputs, [out],
                                           name=f"{node_name(node)}/q"))
        self.params[out] = (scale, zero)

    def _bias(self, bias: str, a_scale: str, w_scale: str, node) -> str:
        """DequantizeLinear of an int32 bias at ``a_scale * w_scale`` (float32, as
        onnxruntime computes it)."""
        sa, sw = self._value(a_scale), self._value(w_scale)
        if sa is None or sw is None:
            return ""
        scale = (np.float32(sa) * np.asarray(sw, np.float32)).astype(np.float32)
        scale_name = self._const(f"{node_name(node)}/bias_scale", scale.reshape(-1)
                                 if scale.size > 1 else scale.reshape(()))
        zero = self._const(f"{node_name(node)}/bias_zero",
                           np.zeros(scale.shape if scale.size > 1 else (), np.int32))
        return self._dq(bias, scale_name, zero, f"{bias}/dq/{node_name(node)}",
                        f"{node_name(node)}/dq_bias", axis=0 if scale.size > 1 else None)

    # -- operators -------------------------------------------------------------------
    def qlinear_conv(self, node):
        x, sx, zx, w, sw, zw, sy, zy = list(node.input[:8])
        xf = self._dq_input(x, sx, zx, node)
        wf = self._dq(w, sw, zw, f"{w}/dq", f"{node_name(node)}/dq_w",
                      axis=self._weight_axis(sw, 0))
        inputs = [xf, wf]
        if len(node.input) > 8 and node.input[8]:
            inputs.append(self._bias(node.input[8], sx, sw, node))
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        out = f"{node.output[0]}/float"
        self.nodes.append(helper.make_node("Conv", inputs, [out], name=node_name(node),
                                           **attrs))
        self._q_output(out, sy, zy, node.output[0], node)

    def qlinear_matmul(self, node):
        a, sa, za, b, sb, zb, sy, zy = list(node.input[:8])
        af = self._dq_input(a, sa, za, node)
        bf = self._dq(b, sb, zb, f"{b}/dq", f"{node_name(node)}/dq_w",
                      axis=self._weight_axis(sb, 1))
        out = f"{node.output[0]}/float"
        self.nodes.append(helper.make_node("MatMul", [af, bf], [out], name=node_name(node)))
        self._q_output(out, sy, zy, node.output[0], node)

    def qgemm(self, node):
        inputs = list(node.input) + [""] * (9 - len(node.input))
        a, sa, za, b, sb, zb, c, sy, zy = inputs[:9]
        attrs = {a_.name: helper.get_attribute_value(a_) for a_ in node.attribute}
        trans_b = int(attrs.get("transB", 0))
        af = self._dq_input(a, sa, za, node)
        bf = self._dq(b, sb, zb, f"{b}/dq", f"{node_name(node)}/dq_w",
                      axis=self._weight_axis(sb, 0 if trans_b else 1))
        gemm_inputs = [af, bf] + ([self._bias(c, sa, sb, node)] if c else [])
        keep = {k: v for k, v in attrs.items() if k in ("alpha", "transA", "transB")}
        if not sy:                                       # a float output
            self.nodes.append(helper.make_node("Gemm", gemm_inputs, [node.output[0]],
                                               name=node_name(node), **keep))
            return
        out = f"{node.output[0]}/float"
        self.nodes.append(helper.make_node("Gemm", gemm_inputs, [out], name=node_name(node),
                                           **keep))
        self._q_output(out, sy, zy, node.output[0], node)

    def qlinear_add(self, node):
        a, sa, za, b, sb, zb, sc, zc = list(node.input[:8])
        af = self._dq_input(a, sa, za, node)
        bf = self._dq_input(b, sb, zb, node)
        out = f"{node.output[0]}/float"
        self.nodes.append(helper.make_node("Add", [af, bf], [out], name=node_name(node)))
        self._q_output(out, sc, zc, node.output[0], node)

    def qlinear_pool(self, node, op: str):
        x, sx, zx, sy, zy = list(node.input[:5])
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if int(attrs.pop("channels_last", 0)):
            self.problems.append(Problem(node_name(node), node.op_type, (
                "channels_last = 1: hwgen reads NCHW pools; quantize the model without "
                "the NHWC transformation")))
        xf = self._dq_input(x, sx, zx, node)
        out = f"{node.output[0]}/float"
        self.nodes.append(helper.make_node(op, [xf], [out], name=node_name(node), **attrs))
        self._q_output(out, sy, zy, node.output[0], node)

    def passthrough(self, node):
        """An operator applied to quantized codes: DQ -> op -> Q of the same parameters."""
        scale, zero = self.params[node.input[0]]
        xf = self._dq_input(node.input[0], scale, zero, node)
        out = f"{node.output[0]}/float"
        copy = helper.make_node(node.op_type, [xf] + list(node.input[1:]),
                                [out] + list(node.output[1:]), name=node_name(node))
        copy.attribute.extend(node.attribute)
        self.nodes.append(copy)
        self._q_output(out, scale, zero, node.output[0], node)

    def quantized_max_pool(self, node):
        """``MaxPool -> QuantizeLinear`` of a float tensor (the integer-ops form): max commutes
        with the (monotone) quantization, so the pool reads the codes, as in QDQ models."""
        q = self._only_reader(node.output[0], "QuantizeLinear")
        scale, zero = q.input[1], q.input[2] if len(q.input) > 2 else ""
        codes = f"{node.input[0]}/q/{node_name(node)}"
        self.nodes.append(helper.make_node("QuantizeLinear", [node.input[0], scale] +
                                           ([zero] if zero else []), [codes],
                                           name=f"{node_name(node)}/q_in"))
        self.params[codes] = (scale, zero)
        copy = helper.make_node(node.op_type, [codes] + list(node.input[1:]),
                                list(node.output), name=node_name(node))
        copy.attribute.extend(node.attribute)
        self.passthrough(copy)
        self.params[node.output[0]] = (scale, zero)

    def integer_op(self, node):
        """``MatMulInteger`` / ``ConvInteger`` of a statically quantized activation, then
        ``Cast`` and ``Mul`` by ``Sa * Sw``: the float MatMul / Conv of the dequantized
        inputs."""
        a, b = node.input[0], node.input[1]
        za = node.input[2] if len(node.input) > 2 else ""
        zb = node.input[3] if len(node.input) > 3 else ""
        source = self.producer.get(a)
        if source is not None and source.op_type == "DynamicQuantizeLinear":
            self.explained.add(node_name(node))
            self.nodes.append(node)
            return
        cast = self._only_reader(node.output[0], "Cast")
        mul = self._only_reader(cast.output[0], "Mul") if cast is not None else None
        if a not in self.params or mul is None:
            self.problems.append(Problem(node_name(node), node.op_type, (
                "an integer operator reads a tensor of a static QuantizeLinear and is followed "
                "by Cast and a Mul by the product of the scales (onnxruntime's integer-ops "
                "form); this one is not: quantize with quantize_static (QDQ or QOperator)")))
            self.nodes.append(node)
            return
        sa, _ = self.params[a]
        other = mul.input[1] if mul.input[0] == cast.output[0] else mul.input[0]
        sw = self._weight_scale(other, sa, node)
        if sw is None:
            self.nodes.append(node)
            return
        af = self._dq_input(a, sa, za, node)
        conv = node.op_type == "ConvInteger"
        bf = self._dq(b, sw, zb, f"{b}/dq", f"{node_name(node)}/dq_w",
                      axis=self._weight_axis(sw, 0 if conv else 1))
        attrs = {x.name: helper.get_attribute_value(x) for x in node.attribute}
        self.nodes.append(helper.make_node("Conv" if conv else "MatMul", [af, bf],
                                           [mul.output[0]], name=node_name(node), **attrs))
        self.dropped.update((id(cast), id(mul)))

    def _only_reader(self, tensor: str, op: str):
        readers = self.readers.get(tensor, [])
        return readers[0] if len(readers) == 1 and readers[0].op_type == op else None

    def _weight_scale(self, product: str, sa: str, node):
        """The weight scale in ``Mul(Sa, Sw)`` (the product node's other input), or a new
        constant ``product / Sa``."""
        maker = self.producer.get(product)
        if maker is not None and maker.op_type == "Mul" and sa in maker.input:
            return maker.input[1] if maker.input[0] == sa else maker.input[0]
        total, scale = self._value(product), self._value(sa)
        if total is None or scale is None:
            self.problems.append(Problem(node_name(node), node.op_type, (
                f"the scale product {product!r} after it is not a constant")))
            return None
        return self._const(f"{node_name(node)}/w_scale",
                           (np.asarray(total, np.float64) / float(scale)).astype(np.float32))

    def dynamic(self, node):
        self.problems.append(Problem(node_name(node), node.op_type, (
            "onnxruntime's dynamic quantization (quantize_dynamic) computes this tensor's "
            "scale and zero point from each input at run time; a streaming pipeline has "
            "fixed scales: quantize with quantize_static (QDQ or QOperator format)")))
        self.explained.add(node_name(node))
        for reader in self.readers.get(node.output[1], []) + \
                self.readers.get(node.output[2], []):
            self.explained.add(node_name(reader))      # the scale products, the integer ops
            for out in reader.output:
                for after in self.readers.get(out, []):
                    self.explained.add(node_name(after))
                    for again in self.readers.get(after.output[0], []):
                        self.explained.add(node_name(again))
        self.nodes.append(node)

    def run(self) -> None:
        handlers = {"QLinearConv": self.qlinear_conv, "QLinearMatMul": self.qlinear_matmul,
                    "QGemm": self.qgemm, "QLinearAdd": self.qlinear_add,
                    "QLinearAveragePool": lambda n: self.qlinear_pool(n, "AveragePool"),
                    "QLinearGlobalAveragePool":
                        lambda n: self.qlinear_pool(n, "GlobalAveragePool"),
                    "MatMulInteger": self.integer_op, "ConvInteger": self.integer_op,
                    "DynamicQuantizeLinear": self.dynamic}
        for node in self.model.graph.node:
            if id(node) in self.dropped:
                continue
            if node.op_type == "QuantizeLinear" and node.domain in _DEFAULT:
                self.params[node.output[0]] = (node.input[1], node.input[2]
                                               if len(node.input) > 2 else "")
                self.nodes.append(node)
            elif node.op_type in handlers:
                handlers[node.op_type](node)
            elif node.op_type in _PASS and node.domain in _DEFAULT and node.input and \
                    node.input[0] in self.params:
                self.passthrough(node)
            elif node.op_type == "MaxPool" and node.domain in _DEFAULT and \
                    self._only_reader(node.output[0], "QuantizeLinear") is not None:
                self.quantized_max_pool(node)
            else:
                self.nodes.append(node)


def qoperator_to_qdq(model: onnx.ModelProto):
    """``(model in QDQ form, problems, names of nodes whose problems follow from those)``.

    A model without QOperator operators is returned as it is.
    """
    if not is_qoperator(model):
        return model, [], set()
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    rewriter = _Rewriter(copy)
    rewriter.run()
    graph = copy.graph
    del graph.node[:]
    graph.node.extend(rewriter.nodes)
    graph.initializer.extend(rewriter.new_inits)
    # the com.microsoft operators are gone: the default domain reads the rewritten model
    return copy, rewriter.problems, rewriter.explained
