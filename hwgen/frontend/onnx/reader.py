"""Float ONNX model -> list of float layers (:class:`~hwgen.frontend.float.model.FloatDense`,
and for CNNs :class:`~hwgen.frontend.float.layers.FloatConv` /
:class:`~hwgen.frontend.float.layers.FloatPool` / :class:`~hwgen.frontend.float.add.FloatAdd`).

:func:`read_onnx` runs :class:`~hwgen.frontend.onnx.conv_reader.ConvReader` (the dense
operators of :mod:`hwgen.frontend.onnx.dense_reader` plus those of a CNN); the operators it
reads are its registered handlers, :data:`SUPPORTED_OPS`. Everything is checked before any
layer is built, and every problem is reported at once in one
:class:`~hwgen.errors.ModelError` (see :func:`onnx_problems` for the list without raising).
"""

from __future__ import annotations

from ...errors import HwgenError
from ..float.model import FloatDense
from ..problems import Problem, raise_problems
from .conv_reader import ConvReader
from .graph import OnnxGraph, load_model

__all__ = ["read_onnx", "onnx_problems", "SUPPORTED_OPS"]

#: Operators of the float ONNX reader, from its handler registry (Constant nodes may also feed
#: weights and shapes).
SUPPORTED_OPS = ConvReader.supported_ops()


def _inspect(model, source: str | None = None) -> tuple[list, list, str]:
    proto, default_source = load_model(model)
    source = source or default_source
    graph = OnnxGraph(proto)
    reader = ConvReader(graph)
    reader.check_ops()
    reader.walk()
    reader.check_names()
    return reader.link_layers(), graph.problems, source


def onnx_problems(model) -> list[Problem]:
    """Every problem that stops :func:`read_onnx` from reading ``model`` (empty if none).

    A model that cannot be opened at all gives a single problem.
    """
    try:
        return _inspect(model)[1]
    except HwgenError as exc:  # the model cannot be opened
        return [Problem(None, None, str(exc))]


def read_onnx(model, *, source: str | None = None) -> list[FloatDense]:
    """Read a float ONNX model (MLP or CNN) as a list of float layers.

    Parameters
    ----------
    model : onnx.ModelProto, str or os.PathLike
        The model or the path of its .onnx file.
    source : str, optional
        Name of the model in messages (default: the file name, or the graph name).

    Returns
    -------
    list of FloatDense, FloatConv and FloatPool
        One layer per Conv / Gemm / MatMul node (batch norm, bias and activations folded in)
        and per pooling node, named after that node, in chain order; feature maps NHWC.

    Raises
    ------
    ModelError
        Listing every problem found (unsupported ops, branches, non-constant or NaN weights,
        dynamic feature sizes, bad attributes, unsupported opset) at once.
    """
    layers, problems, source = _inspect(model, source)
    raise_problems(problems, source)
    return layers
