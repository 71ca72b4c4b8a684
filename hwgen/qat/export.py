"""Export: a trained QAT network to QONNX (Brevitas' exporter), a float twin to ONNX.

:func:`export_qonnx` freezes the TWN / TTQ layers into Brevitas layers
(:meth:`~hwgen.qat.models.QatNet.frozen`) and calls ``brevitas.export.export_qonnx`` with
torch's default exporter (dynamo in torch 2.13), quietly. The file is what ``hwgen compile``
reads with no calibration data: the input and output are quantized.

:func:`float_onnx` writes the float twin (:func:`~hwgen.qat.models.float_mlp` /
``float_cnn``) as the plain ONNX graph the examples write (Gemm / Conv, Relu, MaxPool,
Flatten; nodes named ``fc1``.. / ``conv1``..), the input of hwgen's post-training
quantization.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

__all__ = ["export_qonnx", "export_module_qonnx", "float_onnx"]


def export_qonnx(model, path, example) -> Path:
    """Write ``model`` (a :class:`~hwgen.qat.models.QatNet`) as QONNX to ``path``.

    Parameters
    ----------
    model : QatNet
    path : str or os.PathLike
    example : array_like
        One or more inputs in the model's layout (sets the exported shapes; batch 1 is used).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    export_module_qonnx(model.frozen(), example, path)
    return path


def export_module_qonnx(module, example, path) -> Path:
    """Export any Brevitas ``module`` to QONNX at ``path`` with input ``example[:1]``, with
    torch's and Brevitas' export chatter silenced (their warnings and prints)."""
    from brevitas.export import export_qonnx as brevitas_export
    path = Path(path)
    x = torch.as_tensor(np.asarray(example, dtype=np.float32)[:1])
    sink = io.StringIO()
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        try:
            brevitas_export(module, input_t=x, export_path=os.fspath(path))
        finally:
            quiet.setLevel(level)
    return path


def _init(name, value):
    return numpy_helper.from_array(np.asarray(value, dtype=np.float32), name)


def float_onnx(model: nn.Sequential, path, input_shape) -> Path:
    """Write the float network ``model`` (Linear / Conv2d / ReLU / MaxPool2d / Flatten) as
    ONNX opset 17 with named nodes (``fc1``, ``conv1``, ...).

    Parameters
    ----------
    model : torch.nn.Sequential
    path : str or os.PathLike
    input_shape : tuple
        One input's shape (``(64,)`` or ``(1, 8, 8)``).
    """
    nodes, inits, current = [], [], "input"
    counts = {"fc": 0, "conv": 0, "relu": 0, "pool": 0, "flatten": 0}
    modules = list(model)
    for k, m in enumerate(modules):
        last = k == len(modules) - 1
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            kind = "fc" if isinstance(m, nn.Linear) else "conv"
            counts[kind] += 1
            name = f"{kind}{counts[kind]}"
            inits += [_init(f"{name}.weight", m.weight.detach().numpy()),
                      _init(f"{name}.bias", m.bias.detach().numpy())]
            out = "logits" if last else f"{name}.out"
            if kind == "fc":
                nodes.append(helper.make_node("Gemm", [current, f"{name}.weight",
                                                       f"{name}.bias"], [out], name=name,
                                              transB=1))
            else:
                p = m.padding[0]
                nodes.append(helper.make_node("Conv", [current, f"{name}.weight",
                                                       f"{name}.bias"], [out], name=name,
                                              kernel_shape=list(m.kernel_size),
                                              pads=[p, p, p, p]))
        elif isinstance(m, nn.ReLU):
            counts["relu"] += 1
            name = f"relu{counts['relu']}"
            out = f"{name}.out"
            nodes.append(helper.make_node("Relu", [current], [out], name=name))
        elif isinstance(m, nn.MaxPool2d):
            counts["pool"] += 1
            name = f"pool{counts['pool']}"
            out = f"{name}.out"
            k_ = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
            nodes.append(helper.make_node("MaxPool", [current], [out], name=name,
                                          kernel_shape=[k_, k_], strides=[k_, k_]))
        elif isinstance(m, nn.Flatten):
            counts["flatten"] += 1
            out = f"flatten{counts['flatten']}.out"
            nodes.append(helper.make_node("Flatten", [current], [out],
                                          name=f"flatten{counts['flatten']}", axis=1))
        else:
            raise TypeError(f"float_onnx: no ONNX form for {type(m).__name__}")
        current = out
    classes = modules[-1].out_features
    graph = helper.make_graph(
        nodes, "float_twin",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *input_shape])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes])], inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    proto.ir_version = 8
    onnx.checker.check_model(proto)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, path)
    return path
