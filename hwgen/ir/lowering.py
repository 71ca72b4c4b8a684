"""From IR layers to hardware block parameters: one table, one place.

A layer may lower to several blocks (a convolution is a sliding window feeding an MVAU).
Lowering sees the lane count of the stream arriving from the previous block, so blocks that
are not folded by PE x SIMD (windows, pools) take lanes that need no width converter.
"""

from __future__ import annotations

import inspect
import math

from ..errors import IRError
from ..quant.multiplier import quantize_multiplier
from .layers.binary_conv import BinaryConv, lower_binary_conv
from .layers.binary_dense import BinaryDense
from .blocks.binary_mvau import lower_binary_dense
from .layers.conv import QuantConv, QuantPool
from .graph import Graph
from .layers.add import QuantAdd
from .blocks.eltwise_add import AddParams, add_constants
from .block import DESIGN_INPUT
from .layers.depthwise import QuantDepthwiseConv
from .blocks.depthwise import DepthwiseParams
from .layers.dense import QuantDense
from .blocks.int_mvau import IntMvauParams
from .layers.mx_conv import MxConv
from .layers.mx_dense import MxDense
from .blocks.mx_mvau import MxMvauParams
from .blocks.window_reduce import WindowReduceParams
from .blocks.sliding_window import SlidingWindowParams

__all__ = ["LOWERINGS", "lower_layer", "lower_graph"]


def _dense(layer: QuantDense, upstream_lanes: int) -> tuple:
    return (IntMvauParams.from_layer(layer),)


def _conv_window(layer) -> SlidingWindowParams:
    """The sliding window of a convolution (int or MX weights), padded with the zero point."""
    h, w, c = layer.input_shape
    if layer.folding is None:
        raise IRError(f"layer {layer.name!r} has no folding yet; run "
                      "hwgen.passes.choose_folding first")
    return SlidingWindowParams(
        name=f"{layer.name}.window", height=h, width=w, channels=c, kernel=layer.kernel,
        stride=layer.stride, pads=layer.pads, element=layer.input_quant.dtype,
        pad_value=layer.input_quant.zero_point, lanes=math.gcd(c, layer.folding.simd))


def _conv(layer: QuantConv, upstream_lanes: int) -> tuple:
    window = _conv_window(layer)
    mvau = IntMvauParams.from_layer(layer.as_dense(), spatial=layer.output_shape[:2])
    return (window, mvau)


def _mx_conv(layer: MxConv, upstream_lanes: int) -> tuple:
    window = _conv_window(layer)
    mvau = MxMvauParams.from_layer(layer.as_dense(), spatial=layer.output_shape[:2])
    return (window, mvau)


def _pool(layer: QuantPool, upstream_lanes: int) -> tuple:
    h, w, c = layer.input_shape
    lanes = math.gcd(c, upstream_lanes)
    in_q, out_q = layer.input_quant, layer.output_quant
    common = dict(channels=c, input_type=in_q.dtype, output_type=out_q.dtype, lanes=lanes)
    if layer.op == "max":
        reduce_fields = dict(op="max")
    else:
        multiplier, shift = quantize_multiplier(in_q.scale / (out_q.scale * layer.positions))
        reduce_fields = dict(op="avg", in_zero_point=in_q.zero_point,
                             multiplier=int(multiplier), shift=int(shift),
                             rounding=layer.rounding, out_zero_point=out_q.zero_point,
                             out_min=out_q.dtype.qmin, out_max=out_q.dtype.qmax)
    if layer.op == "global_avg":
        return (WindowReduceParams(name=layer.name, positions=layer.positions, spatial=(),
                                   **common, **reduce_fields),)
    window = SlidingWindowParams(
        name=f"{layer.name}.window", height=h, width=w, channels=c, kernel=layer.kernel,
        stride=layer.stride, pads=layer.pads, element=in_q.dtype,
        pad_value=in_q.dtype.qmin if layer.op == "max" else in_q.zero_point, lanes=lanes)
    reduce = WindowReduceParams(name=layer.name, positions=layer.positions,
                                spatial=layer.output_shape[:2], **common, **reduce_fields)
    return (window, reduce)


def _add(layer: QuantAdd, upstream_lanes: int) -> tuple:
    a_factor, b_factor, multiplier, shift = add_constants(layer.a_quant, layer.b_quant,
                                                          layer.output_quant)
    out = layer.output_quant
    return (AddParams(
        name=layer.name, shape=layer.shape, lanes=math.gcd(layer.shape[-1], upstream_lanes),
        a_type=layer.a_quant.dtype, b_type=layer.b_quant.dtype, output_type=out.dtype,
        a_zero_point=layer.a_quant.zero_point, b_zero_point=layer.b_quant.zero_point,
        a_factor=a_factor, b_factor=b_factor, multiplier=multiplier, shift=shift,
        rounding=layer.rounding, out_zero_point=out.zero_point,
        out_min=max(out.dtype.qmin, out.zero_point) if layer.relu else out.dtype.qmin,
        out_max=out.dtype.qmax),)


def _depthwise(layer: QuantDepthwiseConv, upstream_lanes: int) -> tuple:
    """A sliding window feeding the depthwise unit, both PE channels per beat."""
    h, w, c = layer.input_shape
    unit = DepthwiseParams.from_layer(layer)      # checks the folding is set
    window = SlidingWindowParams(
        name=f"{layer.name}.window", height=h, width=w, channels=c, kernel=layer.kernel,
        stride=layer.stride, pads=layer.pads, element=layer.input_quant.dtype,
        pad_value=layer.input_quant.zero_point, lanes=unit.pe)
    return (window, unit)


#: IR layer class -> ``function(layer) -> block`` or
#: ``function(layer, upstream_lanes) -> tuple of blocks``
LOWERINGS = {QuantDense: _dense, QuantConv: _conv, QuantPool: _pool, QuantAdd: _add,
             BinaryDense: lower_binary_dense, MxDense: MxMvauParams.from_layer,
             BinaryConv: lower_binary_conv, MxConv: _mx_conv, QuantDepthwiseConv: _depthwise}


def _positional_parameters(function) -> int:
    return sum(1 for p in inspect.signature(function).parameters.values()
               if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def lower_layer(layer, upstream_lanes: int = 1) -> tuple:
    """The blocks that implement ``layer``, given the lanes of the stream that feeds it."""
    try:
        lower = LOWERINGS[type(layer)]
    except KeyError:
        raise IRError(f"layer {getattr(layer, 'name', layer)!r}: no hardware block implements "
                      f"{type(layer).__name__}") from None
    result = lower(layer, upstream_lanes) if _positional_parameters(lower) >= 2 else lower(layer)
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def lower_graph(graph: Graph, *, input_lanes: int | None = None) -> tuple:
    """Blocks of every layer in topological order, and their edges (FIFOs not yet sized).

    Returns ``(blocks, edges)``; ``edges[i]`` is the producer block of each input port of
    block ``i`` (``-1``: the accelerator input; see :func:`hwgen.ir.block.check_edges`).
    A layer that becomes several blocks chains them. ``input_lanes``: lanes of the
    accelerator's input stream; by default what the first block wants.
    """
    blocks, edges = [], []
    last_block = {}                                # layer index -> its last block's index
    for position, (layer, ports) in enumerate(zip(graph.layers, graph.edges)):
        producers = tuple(last_block[p] if p >= 0 else DESIGN_INPUT for p in ports)
        first = producers[0]
        if first == DESIGN_INPUT:
            lanes = input_lanes or lower_layer(layer, 1)[0].input_format.lanes
        else:
            lanes = blocks[first].output_format.lanes
        new = lower_layer(layer, lanes)
        start = len(blocks)
        blocks.extend(new)
        edges.append(producers)
        edges.extend((start + i,) for i in range(len(new) - 1))
        last_block[position] = len(blocks) - 1
    return tuple(blocks), tuple(edges)
