"""hwgen's golden model against onnxruntime's own execution of a QDQ model, layer by layer.

onnxruntime fuses DequantizeLinear -> op -> QuantizeLinear into integer kernels (QLinearConv,
QGemm, QLinearAveragePool, QLinearGlobalAveragePool, ...). They accumulate exactly in int32 and
requantize in float32: ``q = saturate(round_half_even(float32(acc) * float32(S_X S_W / S_Y))
+ Z_Y)``. hwgen requantizes with integers (a 31-bit multiplier, gemmlowp or single rounding),
so the two can differ by one LSB where the value is close to half an LSB: these are the
mechanisms :func:`compare_layers` tells apart for every differing output. It runs every layer
of the model on its own in onnxruntime (:func:`layer_model`: fused as in the whole model; an
extra graph output would keep that layer's float operator instead), fed by onnxruntime's
codes of the layer before, and the golden model on the same codes, so that differences do not
propagate:

``float32``
    the float32 product (24-bit) lands on the other side of ``k + 0.5`` than the exact
    product: e.g. ``73433 * 0.0021766468 * 0.0090050362 / 0.0442875177 = 32.50000043`` is
    32.5 in float32, and half to even gives 32 where hwgen gives 33.
``tie``
    the exact value is ``k + 0.5`` (an average pool whose input and output scales are equal
    divides by a power of two): onnxruntime rounds half to even, hwgen's rules round ties up
    (single) or away from zero (gemmlowp).
``double_rounding``
    hwgen's gemmlowp rule rounds twice (to 31 fraction bits, then by the shift), which can
    land one step away from the nearest integer that onnxruntime finds: the reason single
    rounding is the default for QDQ models.
``saturation``
    onnxruntime's x86 kernels without VNNI add pairs of 8-bit products with ``vpmaddubsw``,
    which saturates at 16 bits (activations offset to unsigned): a wrong accumulator, many
    LSB off. onnxruntime's documentation advises ``reduce_range=True`` (7-bit weights) on
    such machines. hwgen's accumulators are exact.
``add_factors``
    (adds of two branches only) hwgen's 14-bit integer factors move the exact sum across
    ``k + 0.5``; the add's mechanisms are in :mod:`hwgen.reference.onnxruntime_add`.
``unexplained``
    anything else (a bug to find).

An add of two branches (onnxruntime's QLinearAdd, computed in float32) is fed onnxruntime's
codes of both its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper

from ..compiler import compile_graph
from ..frontend.onnx.graph import load_model
from ..frontend.qdq.params import Constants
from ..frontend.qdq.reader import qdq_tensors, read_qdq
from ..golden import run_pipeline
from ..golden.registry import golden_block
from ..ir import Graph
from ..ir.graph import GRAPH_INPUT, layer_inputs
from ..ir.layers.add import QuantAdd
from ..ir.layers.conv import QuantConv, QuantPool
from ..ir.layers.dense import QuantDense
from ..ir.layers.depthwise import QuantDepthwiseConv
from ..ir.lowering import lower_layer
from .onnxruntime_add import classify_add
from .onnxruntime_mechanisms import MECHANISMS

__all__ = ["MECHANISMS", "LayerComparison", "compare_layers", "layer_model",
           "onnxruntime_layer_codes", "onnxruntime_output_codes"]

def _session(model: onnx.ModelProto, optimize: bool):
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if not optimize:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def _q_params(proto, q_node) -> tuple[float, int]:
    constants = Constants(proto)
    scale = float(constants.get(q_node.input[1])[0])
    zero = int(constants.get(q_node.input[2])[0]) if len(q_node.input) > 2 and q_node.input[2] \
        else 0
    return scale, zero


def _codes_of(proto, y: np.ndarray, dq_node) -> np.ndarray:
    """Codes of a DequantizeLinear output: ``(q - Z) * S`` in float32 is exact enough that
    ``round(y / S) + Z`` recovers ``q``."""
    scale, zero = _q_params(proto, dq_node)
    return np.rint(y.astype(np.float64) / scale).astype(np.int64) + zero


def onnxruntime_output_codes(model, x: np.ndarray, *, optimize: bool = True) -> np.ndarray:
    """onnxruntime's output codes of a QDQ model run as it is (its final DequantizeLinear
    undone), ``optimize=True`` being onnxruntime's default session (fused integer kernels)."""
    proto, _ = load_model(model)
    y = _session(proto, optimize).run(None, {proto.graph.input[0].name:
                                             np.asarray(x, dtype=np.float32)})[0]
    producer = next(n for n in proto.graph.node if proto.graph.output[0].name in n.output)
    if producer.op_type == "QuantizeLinear":
        return y.astype(np.int64)
    return _codes_of(proto, y, producer)


def layer_model(proto: onnx.ModelProto, start, end: str):
    """The part of a QDQ model from QuantizeLinear output(s) ``start`` to ``end``, on its own.

    Inputs: the float tensors the ``start`` QuantizeLinear nodes read (one name, or a sequence
    of names for an add of two branches); output: the DequantizeLinear of ``end``. The part
    is every node between them (walked back from ``end``, stopping at the starts), with the
    weight and bias DequantizeLinear nodes; onnxruntime fuses it as it fuses that layer in the
    whole model (an extra graph output would keep its Q / DQ nodes and the float operator
    instead). Returns ``(model, start QuantizeLinear node(s), end DequantizeLinear node)``.
    """
    starts = (start,) if isinstance(start, str) else tuple(dict.fromkeys(start))
    nodes = list(proto.graph.node)
    producer = {out: n for n in nodes for out in n.output}
    q_starts = [producer[name] for name in starts]
    dq_end = next(n for n in nodes if end in n.input and n.op_type == "DequantizeLinear")
    # Stop at the float tensors the start Qs read: with dedicated Q / DQ pairs another Q of
    # the same tensor (same parameters) may lead to this layer.
    chosen, stack, seen = {id(dq_end): dq_end}, [end], {q.input[0] for q in q_starts}
    while stack:
        name = stack.pop()
        if name in seen or name not in producer:
            continue   # a start, an initializer or the model input
        seen.add(name)
        node = producer[name]
        chosen[id(node)] = node
        stack.extend(i for i in node.input if i)
    order = {id(n): i for i, n in enumerate(nodes)}
    kept = sorted(chosen.values(), key=lambda n: order[id(n)])
    used = {i for n in kept for i in n.input}
    graph = helper.make_graph(
        kept, "layer",
        [helper.make_tensor_value_info(q.input[0], onnx.TensorProto.FLOAT, None)
         for q in q_starts],
        [helper.make_tensor_value_info(dq_end.output[0], onnx.TensorProto.FLOAT, None)],
        [t for t in proto.graph.initializer if t.name in used])
    model = helper.make_model(graph, opset_imports=list(proto.opset_import))
    model.ir_version = proto.ir_version
    return model, (q_starts[0] if isinstance(start, str) else tuple(q_starts)), dq_end


def onnxruntime_layer_codes(proto, start, end: str, codes, *,
                            optimize: bool = True) -> np.ndarray:
    """onnxruntime's codes of ``end`` given the codes of ``start`` (ONNX layout); for an add,
    ``start`` and ``codes`` are sequences (one per input)."""
    single = isinstance(start, str)
    starts, codes = ((start,), (codes,)) if single else (tuple(start), tuple(codes))
    model, q_starts, dq_end = layer_model(proto, starts, end)
    feeds = {}
    for q_start, c in zip(q_starts, codes, strict=True):
        scale, zero = _q_params(proto, q_start)
        feeds[q_start.input[0]] = ((c - zero) * np.float32(scale)).astype(np.float32)
    y = _session(model, optimize).run(None, feeds)[0]
    return _codes_of(proto, y, dq_end)


@dataclass
class LayerComparison:
    """One layer's golden outputs against onnxruntime's, on onnxruntime's input codes."""

    name: str
    kind: str
    outputs: int
    differences: np.ndarray                      # golden - onnxruntime, per output
    mechanisms: dict = field(default_factory=dict)   # mechanism -> count
    examples: dict = field(default_factory=dict)     # mechanism -> description of one case

    @property
    def mismatches(self) -> int:
        return int(np.count_nonzero(self.differences))

    @property
    def max_lsb(self) -> int:
        return int(np.abs(self.differences).max()) if self.differences.size else 0


def _to_stream(codes: np.ndarray, shape) -> np.ndarray:
    if codes.ndim == 4:  # NCHW -> NHWC
        codes = codes.transpose(0, 2, 3, 1)
    return codes.reshape((len(codes),) + tuple(shape))


def _blocks(layer):
    return compile_graph(Graph(name="one", layers=(layer,))).blocks


def _matrix_inputs(layer, blocks, x):
    """The vectors a matrix layer multiplies: im2col patches for a convolution."""
    if isinstance(layer, QuantConv):
        return run_pipeline(blocks[:1], x).reshape(-1, layer.in_features)
    return x.reshape(len(x), -1)


def _float32_scale(layer) -> np.ndarray:
    """onnxruntime's per-channel output scale ``S_X * S_W / S_Y``, computed in float32."""
    f32 = np.float32
    return ((f32(layer.input_quant.scale) * layer.weight_quant.scale.astype(f32))
            / f32(layer.output_quant.scale)).astype(f32)


def _float32_requant(acc, layer) -> np.ndarray:
    """onnxruntime's requantization of int32 accumulators (output codes, saturated)."""
    product = (acc.astype(np.float32) * _float32_scale(layer)).astype(np.float32)
    y = np.rint(product).astype(np.int64)
    q = layer.output_quant
    low = q.zero_point if layer.relu else q.dtype.qmin
    return np.clip(y + q.zero_point, low, q.dtype.qmax)


def _saturating_acc(patches, layer) -> np.ndarray:
    """The accumulator of an x86 ``vpmaddubsw`` kernel: pairs of (unsigned activation x
    signed weight) products saturated to int16, then the zero-point terms and the bias."""
    offset = 0 if not layer.input_quant.dtype.signed else 128    # s8 activations + 128 -> u8
    x = patches + offset
    w = layer.weights.reshape(layer.out_features, -1)
    k = w.shape[1] + (w.shape[1] % 2)
    xp = np.zeros((len(x), k), np.int64)
    xp[:, :w.shape[1]] = x
    wp = np.zeros((len(w), k), np.int64)
    wp[:, :w.shape[1]] = w
    acc = np.zeros((len(x), len(w)), np.int64)
    for start in range(0, len(x), 256):  # bounded memory
        prod = xp[start:start + 256, None, :] * wp[None, :, :]
        acc[start:start + 256] = np.clip(prod[..., 0::2] + prod[..., 1::2], -32768,
                                         32767).sum(axis=-1)
    zero = layer.input_quant.zero_point + offset
    return acc - zero * w.sum(axis=1) + layer.bias


def _depthwise_acc(layer, blocks, x) -> np.ndarray:
    """Exact accumulators ``(pixels, channels)`` of a depthwise convolution: each channel's
    window (from the sliding window's golden model) times its own kernel."""
    windows = run_pipeline(blocks[:1], x).reshape(-1, layer.in_features, layer.channels)
    w = layer.weights.reshape(layer.channels, -1)
    return ((windows - layer.input_quant.zero_point) * w.T).sum(axis=1) + layer.bias


def _classify(layer, blocks, x, golden, reference) -> tuple[dict, dict]:
    """Mechanism counts and one example each for the outputs where golden != reference."""
    diff = (golden - reference).reshape(-1)
    where = np.nonzero(diff)[0]
    counts = {m: 0 for m in MECHANISMS}
    examples = {}
    if not where.size:
        return counts, examples
    out_q = layer.output_quant
    if isinstance(layer, (QuantConv, QuantDense, QuantDepthwiseConv)):
        if isinstance(layer, QuantDepthwiseConv):
            acc = _depthwise_acc(layer, blocks, x).reshape(-1)
        else:
            patches = _matrix_inputs(layer, blocks, x)
            w = layer.weights.reshape(layer.out_features, -1)
            acc = ((patches - layer.input_quant.zero_point) @ w.T + layer.bias).reshape(-1)
        exact = (acc.reshape(-1, layer.out_features) * (
            layer.input_quant.scale * layer.weight_quant.scale / out_q.scale)).reshape(-1)
        f32 = _float32_requant(acc.reshape(-1, layer.out_features), layer).reshape(-1)
        # The 16-bit pair saturation is modelled for the dense kernels (QLinearConv's im2col
        # GEMM, QGemm); a depthwise accumulator is taken as exact.
        saturated = acc if isinstance(layer, QuantDepthwiseConv) else \
            _saturating_acc(patches, layer).reshape(-1)
        sat_f32 = _float32_requant(saturated.reshape(-1, layer.out_features),
                                   layer).reshape(-1)
        ref = reference.reshape(-1)
        product = (acc.reshape(-1, layer.out_features).astype(np.float32)
                   * _float32_scale(layer)).astype(np.float32).reshape(-1)
        low = out_q.zero_point if layer.relu else out_q.dtype.qmin
        nearest = np.clip(np.floor(exact + 0.5).astype(np.int64) + out_q.zero_point, low,
                          out_q.dtype.qmax)
        for i in where:
            if saturated[i] != acc[i] and sat_f32[i] == ref[i]:
                kind = "saturation"
                text = (f"accumulator {acc[i]}, {saturated[i]} after 16-bit saturation of "
                        f"product pairs: onnxruntime {ref[i]}, hwgen {golden.reshape(-1)[i]}")
            elif ref[i] == nearest[i] and abs(diff[i]) == 1:
                kind = "double_rounding"
                text = (f"accumulator {acc[i]}: exact value {exact[i]:.9f}: onnxruntime "
                        f"{ref[i] - out_q.zero_point}, hwgen "
                        f"{golden.reshape(-1)[i] - out_q.zero_point} (before the zero point)")
            elif f32[i] == ref[i] and golden.reshape(-1)[i] == nearest[i] \
                    and abs(diff[i]) == 1:
                kind = "float32"
                text = (f"accumulator {acc[i]}: exact value {exact[i]:.9f}, float32 "
                        f"{float(product[i]):.9f}: "
                        f"onnxruntime {ref[i] - out_q.zero_point}, hwgen "
                        f"{golden.reshape(-1)[i] - out_q.zero_point} (before the zero point)")
            else:
                kind, text = "unexplained", f"output {i}: golden {golden.reshape(-1)[i]}, " \
                                            f"onnxruntime {ref[i]}"
            counts[kind] += 1
            examples.setdefault(kind, text)
    else:  # average pools: exact ties, or float32 like the matrix layers
        positions = layer.positions
        windows = run_pipeline(blocks[:-1], x) if len(blocks) > 1 else x
        channels = layer.input_shape[2]
        sums = windows.reshape(len(x), -1, positions, channels).sum(axis=2).reshape(-1)
        value = (sums - positions * layer.input_quant.zero_point) * (
            layer.input_quant.scale / (out_q.scale * positions))
        for i in where:
            tie = abs(abs(value[i] - np.floor(value[i])) - 0.5) < 1e-9 and abs(diff[i]) == 1
            kind = "tie" if tie else ("float32" if abs(diff[i]) == 1 else "unexplained")
            counts[kind] += 1
            examples.setdefault(kind, f"window sum {sums[i]}: exact value {value[i]:.9f} "
                                      f"(before the zero point {out_q.zero_point}): "
                                      f"onnxruntime {reference.reshape(-1)[i]}, hwgen "
                                      f"{golden.reshape(-1)[i]}")
    return counts, examples


def compare_layers(model, x: np.ndarray, *, config=None, optimize: bool = True) -> list:
    """Every layer of a QDQ model run by the golden model on onnxruntime's input codes.

    Parameters
    ----------
    model : onnx.ModelProto or path
        A QDQ model (see :func:`hwgen.frontend.read_qdq`).
    x : numpy.ndarray
        Float inputs in the model's own layout.
    config : optional
        Passed to :func:`read_qdq` (e.g. ``{"default": {"requant": "gemmlowp"}}``).
    optimize : bool
        onnxruntime's default session (fused integer kernels) or the unfused float graph.

    Returns
    -------
    list of LayerComparison
        In layer order; max pools included (they must agree exactly).
    """
    proto, _ = load_model(model)
    graph = read_qdq(proto, config=config)
    tensors = qdq_tensors(proto)
    results = []
    q_start = next(n for n in proto.graph.node if tensors[None] in n.output)
    scale, zero = _q_params(proto, q_start)
    # the input codes as onnxruntime computes them: float32 x / scale, half to even
    codes = {GRAPH_INPUT: np.clip(
        np.rint(np.asarray(x, np.float32) / np.float32(scale)).astype(np.int64) + zero,
        graph.input_quant.dtype.qmin, graph.input_quant.dtype.qmax)}
    starts = {GRAPH_INPUT: tensors[None]}
    previous = GRAPH_INPUT
    for layer in graph.layers:
        sources = layer_inputs(layer, previous, graph.connections)
        end = tensors[layer.name]
        if isinstance(layer, QuantAdd):
            block = lower_layer(layer, 1)[0]
            a, b = (_to_stream(codes[s], layer.shape) for s in sources)
            golden = golden_block(block, a, b).reshape(len(a), -1)
            ort_codes = onnxruntime_layer_codes(proto, [starts[s] for s in sources], end,
                                                [codes[s] for s in sources], optimize=optimize)
            reference = _to_stream(ort_codes, layer.output_shape).reshape(len(a), -1)
            counts, examples = classify_add(layer, block, a, b, golden, reference)
        else:
            blocks = _blocks(layer)
            x_in = _to_stream(codes[sources[0]], layer.input_shape)
            golden = run_pipeline(blocks, x_in).reshape(len(x_in), -1)
            ort_codes = onnxruntime_layer_codes(proto, starts[sources[0]], end,
                                                codes[sources[0]], optimize=optimize)
            reference = _to_stream(ort_codes, layer.output_shape).reshape(len(x_in), -1)
            counts, examples = _classify(layer, blocks, x_in, golden, reference)
        kind = type(layer).__name__ if not isinstance(layer, QuantPool) else f"{layer.op} pool"
        results.append(LayerComparison(layer.name, kind, golden.size, golden - reference,
                                       counts, examples))
        codes[layer.name], starts[layer.name], previous = ort_codes, end, layer.name
    return results


