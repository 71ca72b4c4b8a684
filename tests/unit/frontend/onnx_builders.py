"""Small float ONNX MLPs built with onnx.helper, for the frontend tests (seeded)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def init(name: str, value) -> onnx.TensorProto:
    value = np.asarray(value)
    if value.dtype.kind == "f":
        value = value.astype(np.float32)
    return numpy_helper.from_array(value, name=name)


def model(nodes, initializers, *, in_shape, out_shape, opset: int = OPSET, name: str = "mlp",
          input_name: str = "x", output_name: str = "y") -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, list(in_shape))],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, list(out_shape))],
        initializer=initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = 8  # readable by the installed onnxruntime
    return proto


def gemm_mlp(rng, sizes, *, relu_last: bool = False, trans_b: int = 1, alpha: float = 1.0,
             beta: float = 1.0, names=None):
    """Gemm (+ Relu) chain over ``sizes = [in, h1, ..., out]``; returns (model, weights, biases).

    ``weights[i]`` is (out, in) as the reader must return it, ``biases[i]`` the effective bias.
    """
    nodes, inits, weights, biases = [], [], [], []
    current = "x"
    n = len(sizes) - 1
    for i in range(n):
        w = rng.normal(0, 1 / np.sqrt(sizes[i]), size=(sizes[i + 1], sizes[i])).astype(np.float32)
        b = rng.normal(0, 0.1, size=sizes[i + 1]).astype(np.float32)
        name = names[i] if names else f"fc{i}"
        inits += [init(f"W{i}", w if trans_b else w.T), init(f"b{i}", b)]
        out = "y" if i == n - 1 and not relu_last else f"h{i}"
        nodes.append(helper.make_node("Gemm", [current, f"W{i}", f"b{i}"], [out], name=name,
                                      transB=trans_b, alpha=alpha, beta=beta))
        current = out
        if i < n - 1 or relu_last:
            out = "y" if i == n - 1 else f"r{i}"
            nodes.append(helper.make_node("Relu", [current], [out], name=f"relu{i}"))
            current = out
        weights.append(alpha * w.astype(np.float64))
        biases.append(beta * b.astype(np.float64))
    return model(nodes, inits, in_shape=["N", sizes[0]], out_shape=["N", sizes[-1]]), weights, \
        biases


def run_onnxruntime(proto: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(proto.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: x.astype(np.float32)})[0]
