"""Entry points: a quantized IR graph from an ONNX model or from numpy arrays."""

from __future__ import annotations

import os
import warnings

import numpy as np

from ..errors import HwgenWarning, ModelError
from .float.conv_ptq import quantize_network
from .float.model import FloatDense
from .float.ptq import quantize_layers
from .onnx.graph import load_model
from .onnx.reader import onnx_problems, read_onnx
from .problems import Problem
from .qdq.reader import is_qdq, qdq_problems, read_qdq
from .qonnx.reader import is_qonnx, qonnx_problems, read_qonnx

__all__ = ["quantize_mlp", "load_onnx", "check_onnx"]


def _as_list(value, what: str, count: int) -> list:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise ModelError(f"{what} must be a list with one entry per layer, not {value!r}")
    value = list(value)
    if len(value) != count:
        raise ModelError(f"{what} has {len(value)} entries for {count} weight matrices")
    return value


def quantize_mlp(*, weights, calibration, biases=None, relu=None, config=None, names=None,
                 name: str = "mlp"):
    """Quantize an MLP given as numpy arrays into an IR graph.

    Parameters
    ----------
    weights : sequence of array_like
        One ``(out_features, in_features)`` float matrix per layer (PyTorch's layout:
        ``y = x @ W.T + b``).
    calibration : array_like
        Representative inputs, ``(N, in_features)``.
    biases : sequence of array_like or None, optional
        One ``(out_features,)`` vector per layer (or None entries); None for no biases.
    relu : sequence of bool, optional
        Whether a ReLU follows each layer; default: after every layer but the last.
    config : None, CompileConfig, dict or path, optional
        Per-layer choices (see docs/config.md).
    names : sequence of str, optional
        Layer names (the ``[layer.NAME]`` keys of the config); default ``dense0``, ``dense1``...
    name : str
        Graph name.

    Returns
    -------
    hwgen.ir.Graph
    """
    if isinstance(weights, np.ndarray) or not hasattr(weights, "__len__") or not len(weights):
        raise ModelError("weights must be a non-empty list of 2-D arrays, one per layer")
    count = len(weights)
    biases = [None] * count if biases is None else _as_list(biases, "biases", count)
    relu = [True] * (count - 1) + [False] if relu is None else _as_list(relu, "relu", count)
    names = [f"dense{i}" for i in range(count)] if names is None \
        else _as_list(names, "names", count)
    layers = []
    for w, b, r, n in zip(weights, biases, relu, names, strict=True):
        w = np.asarray(w, dtype=np.float64)
        b = np.zeros(w.shape[0] if w.ndim else 0) if b is None else b
        layers.append(FloatDense(name=n, weights=w, bias=b, relu=r))
    return quantize_layers(layers, calibration, config, name=name)


def load_onnx(model, calibration, *, config=None, name: str | None = None):
    """Read a float ONNX model (MLP or CNN) and quantize it into an IR graph.

    Parameters
    ----------
    model : onnx.ModelProto, str or os.PathLike
        A linear chain of Conv / Gemm / MatMul (+ Add bias, BatchNormalization) / Relu / Clip /
        pooling nodes (see :func:`hwgen.frontend.read_onnx`).
        A QDQ model (QuantizeLinear / DequantizeLinear pairs, e.g. from onnxruntime's
        ``quantize_static``) is read with its own scales by :func:`hwgen.frontend.read_qdq`.
        A QONNX model (BipolarQuant / Quant / MultiThreshold, as Brevitas and FINN write
        them) becomes binary and ternary layers (:mod:`hwgen.frontend.qonnx.reader`).
    calibration : array_like or None
        Representative inputs in the model's own layout, ``(N, in_features)`` or the model's
        input shape per sample (``(N, C, H, W)`` for an image). Not used by QDQ models.
    config : None, CompileConfig, dict or path, optional
        Per-layer choices; ``[layer.NAME]`` tables use the Conv / Gemm / MatMul / pool node
        names.
    name : str, optional
        Graph name; default the ONNX graph name, else the file name without extension.

    Returns
    -------
    hwgen.ir.Graph

    Raises
    ------
    ModelError
        Listing every problem of the model at once (see :func:`check_onnx`).
    ConfigError, QuantizationError
        For bad config entries and calibration data.
    """
    proto, source = load_model(model)
    if name is None:
        name = proto.graph.name or (
            os.path.splitext(os.path.basename(os.fspath(model)))[0]
            if isinstance(model, (str, os.PathLike)) else "model")
    if is_qdq(proto):
        if calibration is not None:
            warnings.warn(HwgenWarning(
                f"{source}: calibration data (--calib) is ignored: a QDQ model is compiled "
                "with its own scales"), stacklevel=2)
        return read_qdq(proto, config=config, name=name, source=source)
    if is_qonnx(proto):
        return read_qonnx(proto, calibration, config=config, name=name, source=source)
    layers = read_onnx(proto, source=source)
    if all(isinstance(layer, FloatDense) for layer in layers):
        return quantize_layers(layers, calibration, config, name=name)
    return quantize_network(layers, calibration, config, name=name)


def check_onnx(model) -> list[Problem]:
    """Every problem that stops :func:`load_onnx` from reading ``model``; never raises.

    Returns
    -------
    list of Problem
        Empty when the model can be read. ``str(problem)`` names the node and its op type.
    """
    try:
        proto, _ = load_model(model)
    except ModelError as exc:
        return [Problem(None, None, str(exc))]
    if is_qonnx(proto):
        return qonnx_problems(proto)
    return qdq_problems(proto) if is_qdq(proto) else onnx_problems(proto)
