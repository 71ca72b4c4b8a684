"""CNN operators of the float ONNX reader: Conv, BatchNormalization, Clip, pooling; NCHW -> NHWC.

:class:`ConvReader` extends the reader of :mod:`hwgen.frontend.onnx.dense_reader` (which walks
the activation DAG from input to output and reads Gemm / MatMul / Add / Relu / Flatten /
Reshape / Identity / Dropout) with the operators of a convolutional network:

- ``Conv``: 2-D, square kernel, ``group = 1`` or depthwise (``group = C_in = C_out``,
  weights ``(C, 1, k, k)``), ``dilations = 1``, equal strides, padding smaller than the
  kernel (explicit ``pads`` or ``auto_pad``, :mod:`hwgen.frontend.onnx.padding`); optional
  bias. Weights ``(out, in, k, k)`` become ``(out, k, k, in)``, the sliding window's im2col
  order.
- ``BatchNormalization`` (inference mode) right after a Conv / Gemm / MatMul (and its bias
  Add): folded into that layer's float weights and bias (:mod:`hwgen.frontend.onnx.bn_folding`).
- ``Clip``: a lower bound of 0 is a ReLU, other bounds clip the float output (the quantized
  range is calibrated on clipped values, so saturation implements them); a lower bound above
  0 cannot be represented. ``Relu`` and ``Clip`` after max pools fuse into the layer before
  the pools (both are monotone, so they commute with max).
- ``MaxPool``, ``AveragePool`` (``count_include_pad = 1``, or no padding: the hardware
  divides every window by ``kernel**2``), ``GlobalAveragePool``; ``ceil_mode = 1`` only where
  it gives the floor size.
- ``Add`` of two activations (a residual connection): a
  :class:`~hwgen.frontend.float.add.FloatAdd`; a Relu / Clip after it fuses into it.

Feature maps are kept as ``(height, width, channels)``. A Flatten (or Reshape to
``(batch, -1)``) of a map computed by a layer keeps ONNX's ``(c, h, w)`` feature order in the
model but hwgen's stream carries ``(h, w, c)``: the next dense layer's columns are permuted to
match. A model whose first layer takes the image reads its input transposed
(:mod:`hwgen.frontend.layout`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ...errors import ModelError
from ...ir.blocks.sliding_window import conv_output_size
from ...ir.graph import GRAPH_INPUT
from ..float.add import FloatAdd
from ..float.depthwise import FloatDepthwiseConv
from ..float.layers import FloatConv, FloatPool
from ..float.model import FloatDense
from ..layout import nchw_columns_to_nhwc
from .bn_folding import fold_batch_norm
from .dense_reader import DenseReader, PendingLayer
from .graph import node_attrs, node_name
from .handlers import handles
from .padding import window_of

__all__ = ["ConvReader"]


def _chw(feat) -> str:
    return "(batch, " + ", ".join(map(str, feat)) + ")"


class _PendingConv(PendingLayer):
    """A convolution being assembled: weights ``(out, k, k, in)`` plus its geometry."""

    def __init__(self, node, weights, bias, input_shape, stride, pads, depthwise=False):
        super().__init__(node, weights, bias)
        self.input_shape, self.stride, self.pads = input_shape, stride, pads
        self.depthwise = depthwise          # weights (C, k, k, 1): one kernel per channel


class _PendingAdd:
    """An Add of two branches, awaiting a fused Relu / Clip."""

    def __init__(self, node, sources, shape):
        self.node, self.sources, self.shape = node, tuple(sources), tuple(shape)
        self.relu, self.clip = False, None


class ConvReader(DenseReader):
    """The reader with the CNN operators (see the module docstring)."""

    STATE = DenseReader.STATE + ("nhwc", "flat_from")

    def __init__(self, graph):
        super().__init__(graph)
        # True once a 4-D activation is stored NHWC by a layer of ours; the raw model input
        # becomes NHWC only if an image layer reads it (a Flatten keeps its ONNX order).
        self.nhwc = False
        # (C, H, W) of a feature map flattened since the last layer: the next dense layer's
        # columns are permuted from ONNX's (c, h, w) order to the stream's (h, w, c).
        self.flat_from = None

    # -- helpers ---------------------------------------------------------------------------
    def _image_input(self, node, what: str):
        """``(C, H, W)`` of the activation entering ``node``, or None with a problem."""
        if self.feat is None:
            return None
        if len(self.feat) != 3:
            self.g.problem(f"its input has shape {_chw(self.feat)}; {what} needs "
                           "(batch, channels, height, width)", node)
            return None
        return tuple(int(d) for d in self.feat)

    def _square_kernel(self, node, shape, what: str):
        shape = [int(k) for k in shape]
        if len(shape) != 2 or shape[0] != shape[1] or shape[0] < 1:
            self.g.problem(f"{what} {shape}: only square 2-D kernels are supported", node)
            return None
        return shape[0]

    def _bad_layer(self, node) -> None:
        """A weighted layer that cannot be built: keep walking with the inferred shape."""
        self.finish_layer()
        self.dense_nodes += 1
        self.bad_layer = True
        self._inferred_output(node)

    def _inferred_output(self, node) -> None:
        dims = self.g.shapes.get(node.output[0])
        self.feat = tuple(dims[1:]) if dims and len(dims) >= 2 and None not in dims[1:] \
            else None
        self.nhwc = True
        self.flat_from = None

    # -- the chain reader's hooks ------------------------------------------------------------
    def _start_layer(self, node, weights, bias) -> None:
        if weights is not None and self.flat_from is not None \
                and weights.shape[1] == math.prod(self.flat_from):  # else already reported
            weights = nchw_columns_to_nhwc(weights, self.flat_from)
        self.flat_from = None
        super()._start_layer(node, weights, bias)

    def _bias(self, value, node, what: str, out: int):
        # Gemm's bias C arrives before its layer starts: only an Add extends a convolution.
        if node.op_type != "Add" or not isinstance(self.pending, _PendingConv) or value is None:
            return super()._bias(value, node, what, out)
        # ONNX broadcasts a bias against (N, C, H, W): only a value that varies along C alone
        # is a per-channel bias (a (C,) vector would broadcast along W instead).
        oh, ow = self.feat[1:]  # the convolution's output, (out, OH, OW)
        try:
            if value.ndim > 4:
                raise ValueError
            full = np.broadcast_to(value, (1, out, oh, ow))
        except ValueError:
            full = None
        if full is None or not np.all(full == full[:, :, :1, :1]):
            self.g.problem(f"{what} of shape {value.shape} is not one value per output channel "
                           f"of the convolution's (batch, {out}, {oh}, {ow}) output; use shape "
                           f"({out}, 1, 1) or (1, {out}, 1, 1)", node)
            return None
        return full[0, :, 0, 0].astype(np.float64)

    def finish_layer(self) -> None:
        p = self.pending
        self.pending, self.bad_layer = None, False
        if p is None:
            return
        clip = getattr(p, "clip", None)
        try:
            if isinstance(p, _PendingAdd):
                self.add_layer(FloatAdd(name=node_name(p.node), inputs=p.sources, shape=p.shape,
                                        relu=p.relu, clip=clip), p.sources)
                return
            if isinstance(p, _PendingConv):
                kind = FloatDepthwiseConv if p.depthwise else FloatConv
                layer = kind(name=node_name(p.node), weights=p.weights, bias=p.bias,
                             input_shape=p.input_shape, stride=p.stride, pads=p.pads,
                             relu=p.relu, clip=clip)
            else:
                layer = FloatDense(name=node_name(p.node), weights=p.weights, bias=p.bias,
                                   relu=p.relu, clip=clip)
        except ModelError as exc:
            self.g.problem(str(exc), p.node)
            return
        self.add_layer(layer)

    # -- layout ------------------------------------------------------------------------------
    @handles("Flatten")
    def flatten(self, node, inputs) -> None:
        before = self.feat
        super().flatten(node, inputs)
        self._flattened(before)

    @handles("Reshape")
    def reshape(self, node, inputs) -> None:
        before = self.feat
        super().reshape(node, inputs)
        self._flattened(before)

    def _flattened(self, before) -> None:
        if self.feat is not None and before is not None and len(before) == 3 and self.nhwc:
            self.flat_from = tuple(int(d) for d in before)

    # -- convolution -------------------------------------------------------------------------
    @handles("Conv")
    def conv(self, node, inputs) -> None:
        g = self.g
        attrs = node_attrs(node)
        if inputs[0] != 0:
            g.problem("the activation must be input X (the first input) and the weights the "
                      "constant input W", node)
            self._bad_layer(node)
            return
        chw = self._image_input(node, "Conv")
        w = self._conv_weights(node) if len(node.input) > 1 else None
        if w is not None and len(w.shape) != 4:
            g.problem(f"weights {node.input[1]!r} have shape {tuple(w.shape)}; only 2-D "
                      "convolutions (weights (out, in, k, k)) are supported", node)
            w = None
        window = self._conv_window(node, attrs, chw, None if w is None else tuple(w.shape))
        bias = None
        if w is not None:
            if len(node.input) > 2 and node.input[2]:
                bias = self._conv_bias(node, w)
            else:
                bias = self._no_bias(w.shape[0])
        if window is None or bias is None:
            self._bad_layer(node)
            return
        self.finish_layer()
        self.dense_nodes += 1
        stride, pads = window
        c, h, wd = chw
        kernel = w.shape[2]
        depthwise = int(attrs.get("group", 1)) != 1    # _conv_window accepts only depthwise
        self._begin_conv(node, w, bias, (h, wd, c), stride, pads, depthwise=depthwise)
        self.feat = (w.shape[0],
                     conv_output_size(h, kernel, stride, pads[0], pads[2]),
                     conv_output_size(wd, kernel, stride, pads[1], pads[3]))
        self.nhwc = True
        self.flat_from = None

    def _conv_window(self, node, attrs, chw, w_shape):
        """``(stride, pads)`` of a Conv with weights of shape ``(out, in, k, k)``, or None."""
        g = self.g
        group = int(attrs.get("group", 1))
        depthwise = group != 1 and chw is not None and w_shape is not None \
            and group == chw[0] == w_shape[0] and w_shape[1] == 1
        if group != 1 and not depthwise:
            g.problem(f"group={group} is not supported: hwgen reads group=1 and depthwise "
                      "convolutions (group = input channels = output channels, weights "
                      "(C, 1, k, k): depth multiplier 1); split other grouped convolutions "
                      "into one Conv per group", node)
        if w_shape is None:
            return None
        kernel = self._square_kernel(node, w_shape[2:], "kernel")
        if "kernel_shape" in attrs and list(attrs["kernel_shape"]) != list(w_shape[2:]):
            g.problem(f"kernel_shape={list(attrs['kernel_shape'])} does not match the "
                      f"weights' {list(w_shape[2:])}", node)
            kernel = None
        if chw is not None and group == 1 and w_shape[1] != chw[0]:
            g.problem(f"its weights take {w_shape[1]} input channels but the activation "
                      f"has {chw[0]}", node)
            kernel = None
        if kernel is None or chw is None or (group != 1 and not depthwise):
            return None
        return window_of(self.g, node, attrs, chw[1:], kernel)

    # Hooks for the source of a convolution's weights (float constants here; the QDQ reader
    # reads DequantizeLinear'd integer codes).
    def _conv_weights(self, node):
        return self.g.constant(node.input[1], node, "weights")

    def _conv_bias(self, node, w):
        b = self.g.constant(node.input[2], node, "bias B")
        if b is not None and b.shape != (w.shape[0],):
            self.g.problem(f"bias B has shape {b.shape}; expected ({w.shape[0]},)", node)
            return None
        return b

    def _no_bias(self, out: int):
        return np.zeros(out)

    def _begin_conv(self, node, w, bias, input_shape, stride, pads, *, depthwise=False) -> None:
        self.pending = _PendingConv(node, w.transpose(0, 2, 3, 1), bias, input_shape, stride,
                                    pads, depthwise)

    # -- batch norm, activations, bias ---------------------------------------------------------
    @handles("BatchNormalization")
    def batch_normalization(self, node, inputs) -> None:
        g = self.g
        attrs = node_attrs(node)
        if inputs[0] != 0:
            g.problem("the activation must be input X (the first input)", node)
            return
        if attrs.get("training_mode", 0):
            g.problem("training_mode=1; export the model in inference mode (model.eval())", node)
        names = ("scale", "B", "input_mean", "input_var")
        if len(node.input) != 5:
            g.problem("batch norm needs 5 inputs (X, scale, B, input_mean, input_var)", node)
            return
        values = [g.constant(node.input[i + 1], node, f"batch norm {what}")
                  for i, what in enumerate(names)]
        p = self.pending
        if isinstance(p, _PendingAdd):
            g.problem("batch norm after an Add of two branches cannot be folded into a layer; "
                      "fold it into the layers of the branches before export", node)
            self.bad_layer, self.pending = True, None
            return
        if p is None:
            if not self.bad_layer:
                g.problem("batch norm must directly follow a Conv, Gemm or MatMul (and its bias "
                          "Add) to be folded into that layer's weights; fold it before export "
                          "otherwise", node)
            return
        if p.relu or getattr(p, "clip", None) is not None:
            g.problem("batch norm after the activation cannot be folded into the layer; put it "
                      "between the layer and its Relu / Clip", node)
            return
        if any(v is None for v in values):
            self.bad_layer, self.pending = True, None
            return
        gamma, beta, mean, var = values
        try:
            p.weights, p.bias = fold_batch_norm(
                p.weights, p.bias, gamma=gamma, beta=beta, mean=mean, var=var,
                epsilon=float(attrs.get("epsilon", 1e-5)), where=f"node {node_name(node)!r}")
        except ModelError as exc:
            g.problem(str(exc).replace(f"node {node_name(node)!r}: ", ""), node)
            self.bad_layer, self.pending = True, None

    def _fusion_target(self, node):
        """``(index, None)`` of the layer an activation after max pools fuses into (they
        commute with max), or ``(None, why not)``."""
        name, pools = self.source, 0
        while True:
            index = self.layer_named(name)
            if index is None:
                break
            if name in self.forked:
                return None, self.fork_problem(name, node, "activation")
            layer = self.layers[index]
            if not (isinstance(layer, FloatPool) and layer.op == "max"):
                break
            name, pools = self.connections[name][0], pools + 1
        if index is not None and pools and not isinstance(self.layers[index], FloatPool):
            return index, None
        after = self.layers[self.layer_named(self.source)] \
            if self.layer_named(self.source) is not None else None
        if isinstance(after, FloatPool):
            return None, (f"an activation after a {after.op} pool cannot be fused into a layer; "
                          "apply it before the pool")
        return None, ("an activation must follow a Conv, Gemm or MatMul (and its bias and "
                      "batch norm) to be fused into it")

    def _activation(self, node, relu: bool, clip) -> None:
        """Fuse a ReLU and / or clip bounds into the pending layer (or across max pools)."""
        target = self.pending
        index = None
        if target is None and not self.bad_layer:
            index, why = self._fusion_target(node)
            if index is None:
                self.g.problem(why, node)
                return
        if target is None and index is None:
            return  # the layer before had problems, already reported
        old_relu = target.relu if target is not None else self.layers[index].relu
        old_clip = getattr(target, "clip", None) if target is not None \
            else self.layers[index].clip
        new_clip = clip
        if old_clip is not None and clip is not None:
            new_clip = (max(old_clip[0], clip[0]), min(old_clip[1], clip[1]))
            if not new_clip[0] < new_clip[1]:
                self.g.problem(f"clip bounds {list(new_clip)} leave no range", node)
                return
        elif old_clip is not None:
            new_clip = old_clip
        if target is not None:
            target.relu, target.clip = old_relu or relu, new_clip
        else:
            self.layers[index] = replace(self.layers[index], relu=old_relu or relu,
                                         clip=new_clip)

    @handles("Relu")
    def relu(self, node, inputs) -> None:
        if self.pending is None and not self.bad_layer and self.source == GRAPH_INPUT:
            super().relu(node, inputs)  # before any layer: the dense reader's message
            return
        self._activation(node, True, None)

    @handles("Clip")
    def clip(self, node, inputs) -> None:
        g = self.g
        if inputs[0] != 0:
            g.problem("the activation must be the first input", node)
            return
        bounds = []
        for i, what in ((1, "min"), (2, "max")):
            if len(node.input) > i and node.input[i]:
                value = g.constant(node.input[i], node, what)
                if value is None:
                    return
                if value.size != 1:
                    g.problem(f"{what} has shape {value.shape}; Clip bounds are scalars", node)
                    return
                bounds.append(float(value.reshape(-1)[0]))
            else:
                bounds.append(-math.inf if what == "min" else math.inf)
        low, high = bounds
        if low > 0:
            g.problem(f"min={low:g} > 0 cannot be represented: a quantized range always holds "
                      "0; use min=0 (a ReLU) or no lower bound", node)
            return
        if not low < high:
            g.problem(f"min={low:g} must be below max={high:g}", node)
            return
        if self.pending is None and not self.bad_layer and self.source == GRAPH_INPUT:
            g.problem("a Clip before the first layer cannot be fused into a layer", node)
            return
        clip = None if (low in (0.0, -math.inf) and high == math.inf) else \
            (-math.inf if low == 0 else low, high)
        self._activation(node, low == 0, clip)

    @handles("Add", joins=True)
    def add(self, node, inputs) -> None:
        """A constant bias Add, or (two activation inputs) the Add of two branches."""
        if len(inputs) == 2:
            self._add_branches(node, inputs)
            return
        p = self.pending
        if (p is None and not self.bad_layer) or isinstance(p, _PendingAdd):
            self.g.problem("only a constant bias added right after a Conv, Gemm or MatMul is "
                           "supported", node)
            return
        if p is not None and getattr(p, "clip", None) is not None:
            self.g.problem("an Add after the Clip cannot be folded into the layer's bias", node)
            return
        super().add(node, inputs)

    # -- the Add of two branches ----------------------------------------------------------------
    def _add_branches(self, node, positions) -> None:
        """An Add of two activations: each branch's last layer ends here, and a FloatAdd
        starts (a Relu / Clip after it fuses into it)."""
        branches = []
        for pos in positions:
            self.load_state(node.input[pos])
            self.finish_layer()
            branches.append(self.save_state())
        for key, value in branches[0].items():
            setattr(self, key, value)
        shape = self._add_shape(node, *branches)
        if shape is None:
            self.pending, self.bad_layer = None, True
            self._inferred_output(node)
            return
        self.pending = _PendingAdd(node, [b["source"] for b in branches], shape)
        self.nhwc = self.nhwc or len(shape) == 3

    def _add_shape(self, node, a: dict, b: dict):
        """The NHWC shape of the tensors an Add joins, or None (with a problem unless an
        earlier one explains it)."""
        if any(s["bad_layer"] or s["feat"] is None or s["source"] is None for s in (a, b)):
            return None  # a branch had problems, already reported
        fa, fb = tuple(a["feat"]), tuple(b["feat"])
        if fa != fb:
            self.g.problem(f"adds tensors of shapes {_chw(fa)} and {_chw(fb)}: broadcasting is "
                           "not supported; the hardware adds two tensors of the same shape "
                           "element by element", node)
            return None
        if len(fa) not in (1, 3):
            self.g.problem(f"adds tensors of shape {_chw(fa)}; the hardware adds feature maps "
                           "(batch, channels, height, width) or vectors (batch, features)", node)
            return None
        if a["flat_from"] != b["flat_from"]:
            self.g.problem("adds a flattened feature map, which hwgen streams in (h, w, c) "
                           "order, to a tensor in ONNX's order; add before flattening", node)
            return None
        return (fa[1], fa[2], fa[0]) if len(fa) == 3 else fa

    # -- pooling -----------------------------------------------------------------------------
    def _pool(self, node, op: str, kernel, window) -> None:
        chw = self.feat
        self.finish_layer()
        if window is None or kernel is None:
            self._inferred_output(node)
            return
        c, h, w = chw
        stride, pads = window
        try:
            pool = FloatPool(name=node_name(node), op=op, input_shape=(h, w, c), kernel=kernel,
                             stride=stride, pads=pads)
        except ModelError as exc:
            self.g.problem(str(exc), node)
            self._inferred_output(node)
            return
        self.add_layer(pool)
        out = pool.output_shape
        self.feat = (c, 1, 1) if op == "global_avg" else (c, out[0], out[1])
        self.nhwc = True
        self.flat_from = None

    @handles("MaxPool")
    def max_pool(self, node, inputs) -> None:
        self._window_pool(node, "max")

    @handles("AveragePool")
    def average_pool(self, node, inputs) -> None:
        self._window_pool(node, "avg")

    def _window_pool(self, node, op: str) -> None:
        attrs = node_attrs(node)
        chw = self._image_input(node, node.op_type)
        kernel = self._square_kernel(node, attrs.get("kernel_shape", []), "kernel_shape")
        window = None
        if chw is not None and kernel is not None:
            window = window_of(self.g, node, attrs, chw[1:], kernel)
        if window is not None and op == "avg" and any(window[1]) \
                and not attrs.get("count_include_pad", 0):
            self.g.problem("count_include_pad=0 with padding divides border windows by fewer "
                           "positions; the hardware divides every window by kernel**2: export "
                           "with count_include_pad=1 or without padding", node)
            window = None
        if chw is None:
            self.finish_layer()
            self._inferred_output(node)
            return
        self._pool(node, op, kernel, window)

    @handles("GlobalAveragePool")
    def global_average_pool(self, node, inputs) -> None:
        chw = self._image_input(node, "GlobalAveragePool")
        if chw is None:
            self.finish_layer()
            self._inferred_output(node)
            return
        self._pool(node, "global_avg", 1, (1, (0, 0, 0, 0)))
