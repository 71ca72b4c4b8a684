"""QONNX models (as Brevitas and FINN write them) -> IR graph, with the model's own scales.

Reads a linear chain from the model input to its output:

- the input: a ``Quant`` node gives its quantization (integer codes, e.g. int8 pixels);
  without one, the input is calibrated like a float model's (config ``activations``,
  ``calibration``). A bipolar input quantizer (BNN-PYNQ's) is a 1-bit input port, with the
  model's preprocessing (``2x - 1``, Sub / Div by constants) folded into its threshold;
- a binary or ternary layer: ``MatMul``, ``Gemm`` or ``Conv`` (a
  :class:`~hwgen.ir.layers.binary_conv.BinaryConv`; no padding of a bipolar input, see
  :mod:`hwgen.frontend.qonnx.cnn`) whose weights come from ``BipolarQuant``
  (scale per tensor or per output channel: XNOR-Net's alpha), a 1-bit signed ``Quant``, a
  2-bit signed ``Quant`` with ternary codes or a constant of codes (FINN); then any of
  ``Add`` (bias), ``Mul`` (scale, per tensor or channel, negative allowed),
  ``BatchNormalization``, ``Relu``; then the activation quantizer: ``BipolarQuant``,
  ``Quant`` / ``IntQuant`` (1 to 8 bits) or FINN's ``MultiThreshold`` (whose output ``Mul`` /
  ``Add`` by scalars, if any, rescale the codes). The accumulator, scale, bias, batch norm
  and quantizer become a :class:`~hwgen.ir.layers.float_activation.FloatActivation` that
  :func:`~hwgen.passes.fold_thresholds` folds into exact integer thresholds;
- an integer layer: ``Conv``, ``MatMul`` or ``Gemm`` with 2- to 8-bit
  ``Quant`` / ``IntQuant`` weights (zero point 0, per tensor or per output channel), the
  same post-operators, then a ``Quant`` of 2 to 8 bits: a ``QuantConv`` / ``QuantDense``
  requantized by the model's own scales (:mod:`hwgen.frontend.qonnx.integer_layers`);
- pools, ``Trunc``, Flatten / Reshape of feature maps (:mod:`hwgen.frontend.qonnx.cnn`);
  a ``Relu`` after a ``Quant`` fuses into the integer layer before it (through max pools);
- the last layer may end without a quantizer: its output is requantized to the config's
  ``output`` format, calibrated on the model's own outputs (:mod:`hwgen.frontend.qonnx.build`);
- ``Identity`` and ``Dropout`` pass the activation through.

A model after FINN's ``ConvertToChannelsLastAndClean`` (operators of the
``qonnx.custom_op.channels_last`` domain between Transposes) is refused with one problem that
says to give hwgen the model from before that transform: hwgen streams NHWC itself.

The operators are the handlers of :class:`~hwgen.frontend.qonnx.cnn.QonnxReader`
(:data:`QONNX_OPS`; the walker is :mod:`hwgen.frontend.qonnx.chain_reader`). Every problem is
recorded with its node; after a problem the walk goes on with what is still known (shapes, the
next quantizer), so that one report lists them all.

Config keys that apply: ``activations`` and ``calibration`` (an unquantized model input),
``output``, ``calibration`` and ``requant`` (an unquantized model output; ``requant`` also
overrides the integer layers' rule), ``pe``, ``simd``.
"""


from __future__ import annotations

import onnx

from ...errors import HwgenError
from ..config import load_config
from ..onnx.graph import OnnxGraph, load_model
from ..problems import Problem, raise_problems
from .build import QONNX_CONFIG_KEYS, build_graph, check_config
from .cnn import QonnxReader
from .nodes import QONNX_DOMAINS

__all__ = ["is_qonnx", "qonnx_problems", "read_qonnx", "inspect_qonnx", "QONNX_OPS",
           "QONNX_CONFIG_KEYS"]

#: Domains of the operators FINN's ConvertToChannelsLastAndClean writes.
CHANNELS_LAST_DOMAINS = ("qonnx.custom_op.channels_last", "finn.custom_op.channels_last")

#: Operators the QONNX reader takes (default domain, and qonnx's for the quantizers), from its
#: handler registry.
QONNX_OPS = QonnxReader.supported_ops()


def is_qonnx(model: onnx.ModelProto) -> bool:
    """Whether ``model`` uses qonnx's quantization operators (BipolarQuant, Quant,
    MultiThreshold)."""
    return any(n.domain in QONNX_DOMAINS for n in model.graph.node)


def inspect_qonnx(proto: onnx.ModelProto):
    """``(reader, problems)``: the :class:`QonnxReader` that walked ``proto`` (its parts in
    ``reader.layers``) and every problem found."""
    graph = OnnxGraph(proto)
    reader = QonnxReader(graph)
    if _channels_last(graph, proto):
        return reader, graph.problems      # its Transposes and operators follow from it
    reader.check_ops()
    reader.walk()
    return reader, graph.problems


def _channels_last(graph: OnnxGraph, proto: onnx.ModelProto) -> bool:
    """Report a model converted to channels-last by FINN (one problem), and say whether it is."""
    nodes = [n for n in proto.graph.node if n.domain in CHANNELS_LAST_DOMAINS]
    if not nodes:
        return False
    shown = ", ".join(f"{n.name or n.output[0]!r} ({n.op_type})" for n in nodes[:3])
    more = f" and {len(nodes) - 3} more" if len(nodes) > 3 else ""
    graph.problem(
        f"the model was converted to channels-last by FINN's ConvertToChannelsLastAndClean "
        f"({shown}{more} are {nodes[0].domain} operators between Transposes); hwgen reads "
        "the NCHW QONNX model and streams it in NHWC itself: give it the model from before "
        "that transform (Brevitas' export, or after qonnx's cleanup only)")
    return True


def qonnx_problems(model) -> list[Problem]:
    """Every problem that stops :func:`read_qonnx` from reading ``model`` (empty if none)."""
    try:
        proto, _ = load_model(model)
        return inspect_qonnx(proto)[1]
    except HwgenError as exc:
        return [Problem(None, None, str(exc))]


def read_qonnx(model, calibration=None, *, config=None, name: str | None = None,
               source: str | None = None):
    """Read a QONNX model (binary, ternary and integer layers, pools) into an IR graph.

    Parameters
    ----------
    model : onnx.ModelProto, str or os.PathLike
    calibration : array_like or None
        Representative inputs in the model's own layout; needed when the model input or
        output is not quantized.
    config : None, CompileConfig, dict or path, optional
        Only :data:`QONNX_CONFIG_KEYS` apply.
    name, source : str, optional
        Graph name and the model's name in messages.

    Returns
    -------
    hwgen.ir.Graph

    Raises
    ------
    ModelError
        Listing every problem of the model at once.
    ConfigError, QuantizationError
        For config keys a QONNX model does not take, and missing or constant calibration data.
    """
    proto, default_source = load_model(model)
    source = source or default_source
    config = load_config(config)
    check_config(config, source)
    reader, problems = inspect_qonnx(proto)
    raise_problems(problems, source)
    return build_graph(reader, calibration, config, name=name or proto.graph.name or "model",
                       source=source)
