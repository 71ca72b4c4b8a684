"""The convolutional operators of the QONNX reader: Conv, pools, Trunc, Flatten / Reshape.

:class:`QonnxReader` extends :class:`~hwgen.frontend.qonnx.chain_reader.ChainReader` (which
walks the chain and owns the state: ``pending``, ``quant``, ``feat``, ``layers``) with them; it
is the reader :func:`hwgen.frontend.qonnx.reader.read_qonnx` runs. Feature maps are tracked in
ONNX's ``(C, H, W)`` order and stored NHWC (``(out, k, k, in)`` weights, ``(h, w, c)``
shapes); a dense layer after a Flatten of a map computed by a layer has its columns permuted
from ONNX's ``(c, h, w)`` order to the stream's ``(h, w, c)``.

- ``Conv``: 2-D, square kernel, ``group = 1``, ``dilations = 1``, equal strides, pads below the
  kernel (explicit or ``auto_pad``, :mod:`hwgen.frontend.onnx.padding`); integer weights
  (``Quant`` / ``IntQuant``, bipolar and ternary too); an optional bias input (a float constant
  or its ``Quant``).
- ``MaxPool`` on a quantized tensor (integer codes or bipolar bits) keeps its quantization;
  ``AveragePool`` (no padding, or ``count_include_pad = 1``) / ``GlobalAveragePool`` on a
  quantized tensor, then a ``Quant`` or a ``Trunc`` (:mod:`hwgen.frontend.qonnx.integer_layers`).
"""

from __future__ import annotations

import math

import numpy as np

from ...ir.binary import BipolarQuant
from ...ir.blocks.sliding_window import conv_output_size
from ..onnx.handlers import handles
from ..onnx.padding import window_of
from .binary_layers import BinaryLayer
from .chain_reader import ChainReader
from .integer_layers import IntLayer, PoolPart, TruncSpec, build_problem
from .nodes import attrs

__all__ = ["QonnxReader"]


class QonnxReader(ChainReader):
    """The QONNX reader: the chain reader plus Conv, pools, Trunc, Flatten and Reshape."""

    # -- shapes ------------------------------------------------------------------------
    def _image(self, node, what: str):
        """``(C, H, W)`` of the activation entering ``node``, or None (with a problem)."""
        if self.feat is None:              # unknown after an earlier problem
            self.lost = True
            return None
        if len(self.feat) != 3:
            self._stop(f"{what} needs a (batch, channels, height, width) input, not "
                       f"{self._shape_text()}", node)
            return None
        return tuple(int(d) for d in self.feat)

    @handles("Flatten")
    def flatten(self, node, inputs):
        axis = int(attrs(node).get("axis", 1))
        if self.feat is not None and axis not in (1, 1 - len(self.feat) - 1):
            self._stop(f"axis={axis}: only a Flatten to (batch, features) (axis 1) is supported",
                       node)
            return
        self._flatten()

    @handles("Reshape")
    def reshape(self, node, inputs):
        shape = self.g.int_constant(node.input[1], node, "shape") if len(node.input) > 1 \
            else None
        if shape is None:
            self.lost = True
            return
        if self.feat is not None:
            features = math.prod(self.feat)
            first, second = (shape + [None, None])[:2]
            ok = len(shape) == 2 and (second == features and first in (-1, 0) or
                                      second == -1 and first == 0 or
                                      first >= 1 and second in (-1, features))
            if not ok:
                self._stop(f"target shape {shape} is not (batch, {features}); only a reshape "
                           "to (batch, features) is supported", node)
                return
        self._flatten()

    def _flatten(self):
        if self.feat is not None and len(self.feat) == 3 and self.spatial:
            self.flat_from = tuple(int(d) for d in self.feat)
        if self.feat is not None:
            self.feat = (math.prod(self.feat),)

    # -- convolution -------------------------------------------------------------------
    @handles("Conv")
    def conv(self, node, inputs):
        if self.pending is not None:
            self._stop("two weight layers without a quantizer between them; put a Quant "
                       "node after the first", node)
            return
        a = attrs(node)
        was_lost = self.lost
        chw = self._image(node, "Conv")
        w = self._weights(node, node.input[1], ndim=4) if len(node.input) > 1 else None
        if chw is None or w is None:
            self._unknown_layer()
            return
        codes, fmt, scale, dtype = w
        out, c_in, k, k2 = codes.shape
        problems = []
        if int(a.get("group", 1)) != 1:
            problems.append(f"group={a.get('group')} is not supported (grouped and depthwise "
                            "convolutions are not implemented); use group=1")
        if k != k2 or list(a.get("kernel_shape", [k, k2])) != [k, k2]:
            problems.append(f"kernel {[k, k2]} (kernel_shape {a.get('kernel_shape')}): only "
                            "square kernels matching the weights are supported")
        if c_in != chw[0]:
            problems.append(f"its weights take {c_in} input channels but the activation has "
                            f"{chw[0]}")
        rows = scale.reshape(out, -1)
        if not np.all(rows == rows[:, :1]):
            problems.append("weight scales vary inside an output channel; they must be per "
                            "tensor or per output channel")
        for message in problems:
            self.g.problem(message, node)
        window = None if problems else window_of(self.g, node, a, chw[1:], k)
        if window is None:
            self._unknown_layer()
            return
        stride, pads = window
        _, h, w_ = chw
        geometry = ((h, w_, c_in), stride, pads)
        if fmt == "int":
            in_quant = None if was_lost else self._layer_input(node)
            self.pending = IntLayer(node, codes.transpose(0, 2, 3, 1), dtype, rows[:, 0],
                                    in_quant, geometry=geometry)
        elif not self._binary_conv(node, codes, fmt, rows[:, 0], geometry, was_lost):
            self._unknown_layer()
            return
        if len(node.input) > 2 and node.input[2]:
            self._add_bias(node, node.input[2], layer_input=True)
        self.feat = (out, conv_output_size(h, k, stride, pads[0], pads[2]),
                     conv_output_size(w_, k, stride, pads[1], pads[3]))
        self.spatial, self.flat_from = True, None

    def _binary_conv(self, node, codes, fmt, w_scale, geometry, was_lost) -> bool:
        """Start a binary / ternary convolution (bipolar or integer input); False with a
        problem recorded."""
        if not was_lost and self.quant is None:
            if self.layers:
                self._stop("its input is not quantized; put a BipolarQuant or Quant node "
                           "before it", node)
                return False
            self.input_calibrated = True
        if not was_lost and isinstance(self.quant, BipolarQuant) and any(geometry[2]):
            self.g.problem(
                f"pads {list(geometry[2])} on a bipolar input: the model pads with 0, which a "
                "bipolar tensor cannot hold, and hwgen's bipolar convolutions pad with -1 "
                "(FINN's convention), so the hardware would compute something else; export "
                "the convolution without padding (FINN's CNV uses none), or quantize its "
                "input to integer codes (a Quant node of 2 or more bits)", node)
            return False
        layer = BinaryLayer(node, codes.transpose(0, 2, 3, 1).reshape(len(codes), -1), fmt,
                            w_scale.astype(np.float64), None if was_lost else self.quant)
        layer.geometry = geometry
        self.pending = layer
        return True

    # -- pools -------------------------------------------------------------------------
    def _pool_input(self, node):
        if self.pending is not None:
            self._stop(f"a {node.op_type} between a layer and its output Quant is not "
                       "supported; pool after the activation quantizer (QuantReLU / "
                       "QuantIdentity)", node)
            return None
        if not self.lost and self.layers and getattr(self.layers[-1], "rescaled", False):
            self._stop(f"a {node.op_type} after a scalar Mul / Add of quantized codes is not "
                       "supported; fold the Mul / Add into the layer after the pool", node)
            return None
        # Max commutes with the bipolar encoding (bit 1 is +1), so a max pool of a bipolar
        # tensor is a max pool of its bits: FINN's CNV pools its sign activations.
        bipolar_max = isinstance(self.quant, BipolarQuant) and node.op_type == "MaxPool"
        if not self.lost and (self.quant is None or
                              isinstance(self.quant, BipolarQuant) and not bipolar_max):
            self._stop(f"a {node.op_type} needs a tensor quantized to integer codes (a Quant "
                       "node before it)" + ("; a bipolar tensor takes only a MaxPool"
                                            if self.quant is not None else ""), node)
            return None
        return self._image(node, node.op_type)

    @handles("MaxPool")
    def max_pool(self, node, inputs):
        self._window_pool(node, "max")

    @handles("AveragePool")
    def average_pool(self, node, inputs):
        self._window_pool(node, "avg")

    def _window_pool(self, node, op: str):
        chw = self._pool_input(node)
        if chw is None:
            return
        a = attrs(node)
        kernel = [int(v) for v in a.get("kernel_shape", [])]
        if len(kernel) != 2 or kernel[0] != kernel[1]:
            self._stop(f"kernel_shape {kernel}: only square 2-D kernels are supported", node)
            return
        window = window_of(self.g, node, a, chw[1:], kernel[0])
        if window is None:
            self.lost = True
            return
        if op == "avg" and any(window[1]) and not a.get("count_include_pad", 0):
            self._stop("count_include_pad=0 with padding divides border windows by fewer "
                       "positions; the hardware divides every window by kernel**2", node)
            return
        if node.output and len(node.output) > 1 and node.output[1]:
            self._stop("the Indices output of a MaxPool is not supported", node)
            return
        self._pool(node, op, chw, kernel[0], *window)

    @handles("GlobalAveragePool")
    def global_average_pool(self, node, inputs):
        chw = self._pool_input(node)
        if chw is not None:
            self._pool(node, "global_avg", chw, 1, 1, (0, 0, 0, 0))

    def _pool(self, node, op, chw, kernel, stride, pads):
        c, h, w = chw
        part = PoolPart(node, op, (h, w, c), kernel, stride, pads,
                        None if self.lost else self.quant)
        out = part.output_shape
        self.feat = (c, 1, 1) if op == "global_avg" else (c, out[0], out[1])
        self.spatial, self.flat_from = True, None
        if op == "max":
            problem = None if part.in_quant is None else build_problem(part, part.in_quant)
            if problem:
                self._stop(problem, node)
                return
            part.tensor = node.output[0]
            self.layers.append(part)
            return
        self.pending, self.quant = part, None

    @handles("Trunc")
    def trunc(self, node, inputs):
        part = self.pending
        if part is None and self.lost:
            return                      # after an earlier problem
        if not isinstance(part, PoolPart) or part.trunc is not None or \
                part.quantizer is not None:
            self._stop("a Trunc must follow an AveragePool or GlobalAveragePool (Brevitas' "
                       "TruncAvgPool2d)", node)
            return
        spec = self._trunc_spec(node)
        if spec is None:
            self.pending, self.lost = None, True
            return
        part.trunc = spec
        problems = [] if part.in_quant is None else part.trunc_problems(part.in_quant)
        if not problems and part.in_quant is not None:
            problem = build_problem(part, part.in_quant)
            problems = [problem] if problem else []
        for message in problems:
            self.g.problem(message, node)
        part.tensor = node.output[0]
        self.layers.append(part)
        self.pending, self.quant = None, part.out_quant
        self.lost = bool(problems) or part.in_quant is None

    def _trunc_spec(self, node):
        """The :class:`TruncSpec` of a Trunc node (qonnx's v1 or v2 by the model's opset)."""
        v2 = self.qonnx_opset >= 2
        count = 6 if v2 else 5
        if len(node.input) != count:
            self.g.problem(f"Trunc of qonnx opset {self.qonnx_opset} takes {count} inputs "
                           f"(x, scale, zero point, input bit width, "
                           f"{'output scale, ' if v2 else ''}output bit width), not "
                           f"{len(node.input)}", node)
            return None
        names = ("scale", "zero point", "input bit width") + \
            (("output scale",) if v2 else ()) + ("output bit width",)
        values = [self.g.constant(n, node, what)
                  for n, what in zip(node.input[1:], names, strict=True)]
        if any(v is None for v in values):
            return None
        if any(v.size != 1 for v in values):
            self.g.problem("Trunc's scale, zero point, bit widths and output scale must be "
                           "scalars (per tensor)", node)
            return None
        scale, zero, in_bits = (float(v.reshape(-1)[0]) for v in values[:3])
        out_bits = float(values[-1].reshape(-1)[0])
        out_scale = float(values[3].reshape(-1)[0]) if v2 else scale
        a = attrs(node)
        if zero != 0 or scale <= 0 or out_scale <= 0 or in_bits != int(in_bits) or \
                out_bits != int(out_bits):
            self.g.problem(f"Trunc needs scales > 0, zero point 0 and integer bit widths (got "
                           f"scale {scale:g}, zero point {zero:g}, bits {in_bits:g} -> "
                           f"{out_bits:g})", node)
            return None
        if v2:
            ratio = out_scale / scale
            shift = int(np.round(np.log2(ratio)))      # qonnx rounds log2 too
            if shift < 0 or abs(ratio / 2.0 ** shift - 1) > 1e-6:
                self.g.problem(f"inconsistent scales: the output scale {out_scale:.9g} is not "
                               f"the scale {scale:.9g} times a power of two >= 1", node)
                return None
        else:
            shift = int(in_bits - out_bits)
            if shift < 0:
                self.g.problem("the output bit width exceeds the input bit width", node)
                return None
        return TruncSpec(scale=scale, shift=shift, out_bits=int(out_bits),
                         signed=bool(a.get("signed", 1)) if v2 else bool(
                             self.quant_signed_before()),
                         narrow=bool(a.get("narrow", 0)) if v2 else False,
                         rounding=str(a.get("rounding_mode", "FLOOR")).upper(),
                         out_scale=out_scale, clamps=v2)

    def quant_signed_before(self) -> bool:
        """Whether the codes entering the pending pool are signed (Trunc v1 keeps the sign)."""
        q = self.pending.in_quant
        return bool(q is not None and q.dtype.signed)
