"""Small QONNX models built with onnx.helper and qonnx's custom ops (seeded), and qonnx's
reference execution of them."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QONNX = "qonnx.custom_op.general"


class _Builder:
    def __init__(self):
        self.nodes, self.inits, self.names = [], [], set()

    def const(self, name, value):
        if name not in self.names:
            self.names.add(name)
            self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def node(self, op, inputs, output, domain="", **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], domain=domain, **attrs))
        return output

    def quant(self, x, out, scale, bits, signed, narrow=0, zero=0.0, rounding="ROUND"):
        return self.node("Quant", [x, self.const(f"{out}.s", scale), self.const(f"{out}.z", zero),
                                   self.const(f"{out}.b", bits)], out, domain=QONNX,
                         signed=signed, narrow=narrow, rounding_mode=rounding)


def _weights(b, rng, i, fan_in, out, kind, alpha, transposed):
    """A quantized weight tensor: (in, out) for MatMul, (out, in) if ``transposed``."""
    shape = (out, fan_in) if transposed else (fan_in, out)
    w = rng.normal(0, 1, shape)
    scale_shape = (out, 1) if transposed else (1, out)
    scale = rng.uniform(0.5, 1.5, scale_shape) if alpha == "channel" else np.float32(0.75)
    if kind == "codes":          # FINN: the codes themselves (a scale may follow as a Mul)
        return b.const(f"W{i}", np.where(w >= 0, 1.0, -1.0))
    name = b.const(f"W{i}", w)
    if kind == "bipolar":
        return b.node("BipolarQuant", [name, b.const(f"W{i}.s", scale)], f"Wq{i}", domain=QONNX)
    if kind == "quant1":
        return b.quant(name, f"Wq{i}", scale, 1, 1)
    if kind == "ternary":
        return b.quant(name, f"Wq{i}", np.asarray(scale) * 1.5, 2, 1, narrow=1)
    if kind == "quant8":         # integer weights: not a binary / ternary layer
        return b.quant(name, f"Wq{i}", np.asarray(scale) / 100, 8, 1, narrow=1)
    raise ValueError(kind)


def qonnx_mlp(rng, sizes, layers, *, input_quant=(8, 0, 1 / 16), name="qmlp"):
    """A chain of QONNX layers.

    ``layers[i]`` is a dict with ``weights`` ("bipolar", "quant1", "ternary", "codes",
    "quant8"),
    ``alpha`` ("tensor" / "channel"), ``gemm`` (bool, with bias), ``mul`` (None, "channel",
    "negative"), ``bn`` (bool; some negative gammas), ``relu`` (bool) and ``act`` (None,
    "bipolar", "quant1", "quant2s", "quant2u", "quant8", "mt_bipolar", "mt_uint2").
    """
    b = _Builder()
    cur = "x"
    if input_quant is not None:
        bits, signed, scale = input_quant
        cur = b.quant(cur, "xq", scale, bits, signed)
    for i, spec in enumerate(layers):
        fan_in, out = sizes[i], sizes[i + 1]
        gemm = spec.get("gemm", False)
        wq = _weights(b, rng, i, fan_in, out, spec.get("weights", "bipolar"),
                      spec.get("alpha", "tensor"), gemm)
        if gemm:
            cur = b.node("Gemm", [cur, wq, b.const(f"c{i}", rng.normal(0, 1, out))],
                         f"fc{i}.out", transB=1)
        else:
            cur = b.node("MatMul", [cur, wq], f"fc{i}.out")
        b.nodes[-1].name = f"fc{i}"
        mul = spec.get("mul")
        if mul:
            m = rng.uniform(0.2, 1.0, out) * (np.where(rng.random(out) < 0.5, -1, 1)
                                             if mul == "negative" else 1)
            cur = b.node("Mul", [cur, b.const(f"m{i}", m)], f"mul{i}")
        if spec.get("bn"):
            gamma = rng.normal(0, 1, out)
            cur = b.node("BatchNormalization",
                         [cur, b.const(f"g{i}", gamma), b.const(f"be{i}", rng.normal(0, 1, out)),
                          b.const(f"mu{i}", rng.normal(0, 2, out)),
                          b.const(f"v{i}", rng.uniform(0.5, 2.0, out))],
                         f"bn{i}", epsilon=1e-5)
        if spec.get("relu"):
            cur = b.node("Relu", [cur], f"relu{i}")
        act = spec.get("act")
        out_name = "y" if i == len(layers) - 1 else f"a{i}"
        if act == "bipolar":
            cur = b.node("BipolarQuant", [cur, b.const("one", 1.0)], out_name, domain=QONNX)
        elif act == "quant1":
            cur = b.quant(cur, out_name, 1.0, 1, 1)
        elif act == "quant2s":
            cur = b.quant(cur, out_name, 0.5, 2, 1, narrow=1)
        elif act == "quant2u":
            cur = b.quant(cur, out_name, 0.5, 2, 0)
        elif act == "quant8":
            cur = b.quant(cur, out_name, 0.25, 8, 1)
        elif act == "mt_bipolar":
            t = rng.normal(0, 2, (out, 1))
            cur = b.node("MultiThreshold", [cur, b.const(f"T{i}", t)], out_name, domain=QONNX,
                         out_dtype="BIPOLAR", out_scale=2.0, out_bias=-1.0)
        elif act == "mt_uint2":
            t = np.sort(rng.normal(0, 2, (out, 3)), axis=1)
            cur = b.node("MultiThreshold", [cur, b.const(f"T{i}", t)], out_name, domain=QONNX,
                         out_dtype="UINT2")
        elif act is None:
            if cur != out_name:
                cur = b.node("Identity", [cur], out_name)
        else:
            raise ValueError(act)
    graph = helper.make_graph(
        b.nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", sizes[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", sizes[-1]])], b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid(QONNX, 1)])
    model.ir_version = 8
    return model


def run_qonnx(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """qonnx's reference execution (``execute_onnx`` on a ``ModelWrapper``)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    model = onnx.ModelProto.FromString(model.SerializeToString())
    for value in (model.graph.input[0], model.graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_value = len(x)
    wrapper = ModelWrapper(model).transform(InferShapes())
    return execute_onnx(wrapper, {"x": x.astype(np.float32)})["y"]
