"""Small compiled designs for the synthesis tests (seeded; each compiles in seconds)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from hwgen.backend.writer import write_design
from hwgen.compiler import compile_onnx

# A two-layer int8 MLP, 8 -> 4 -> 3, folded so that every MVAU has one PE:
# fc1 PE 1 x SIMD 8, fc2 PE 1 x SIMD 4.
TINY_MLP_FOLDING = {"fc1": (1, 8), "fc2": (1, 4)}


def tiny_mlp_onnx(seed: int = 0) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    sizes = [8, 4, 3]
    nodes, inits, current = [], [], "input"
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        name = f"fc{i + 1}"
        inits += [numpy_helper.from_array(rng.normal(0, 0.5, (n_out, n_in)).astype(np.float32),
                                          f"{name}.weight"),
                  numpy_helper.from_array(rng.normal(0, 0.1, n_out).astype(np.float32),
                                          f"{name}.bias")]
        out = "logits" if i == len(sizes) - 2 else f"{name}.out"
        nodes.append(helper.make_node("Gemm", [current, f"{name}.weight", f"{name}.bias"],
                                      [out], name=name, transB=1))
        current = out
        if out != "logits":
            nodes.append(helper.make_node("Relu", [out], [f"relu{i + 1}"], name=f"relu{i + 1}"))
            current = f"relu{i + 1}"
    graph = helper.make_graph(
        nodes, "tiny_mlp", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 3])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def compile_tiny_mlp(work: Path, seed: int = 0) -> Path:
    """Compile the tiny MLP into ``work/design`` and return that directory."""
    work.mkdir(parents=True, exist_ok=True)
    onnx.save(tiny_mlp_onnx(seed), work / "tiny.onnx")
    calibration = np.random.default_rng(seed + 1).normal(0, 1, (64, 8)).astype(np.float32)
    config = {"layer": {name: {"pe": pe, "simd": simd}
                        for name, (pe, simd) in TINY_MLP_FOLDING.items()}}
    design = compile_onnx(work / "tiny.onnx", calibration, config)
    write_design(design, work / "design")
    return work / "design"
