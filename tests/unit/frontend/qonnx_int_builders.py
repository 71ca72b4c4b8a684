"""QONNX models with integer layers, node by node, the way Brevitas exports them (seeded).

:class:`QChain` appends to a chain from input ``x``: activation ``Quant`` nodes (QuantIdentity,
QuantReLU = ``Relu`` + unsigned ``Quant``), ``Conv`` / ``Gemm`` / ``MatMul`` whose weights are
a ``Quant`` of a float initializer (zero point 0, narrow range, per tensor or per output
channel, as Brevitas' weight quantizers), biases as a float initializer or a 32-bit ``Quant``
at the accumulator scale (Brevitas' ``Int32Bias``), pools, ``Trunc`` after an average pool
(``TruncAvgPool2d``), Flatten / Reshape. Scales are powers of two (``pot=True``, Brevitas'
``restrict_scaling_type = POWER_OF_TWO``) or arbitrary float32 values. Each scale is chosen
from a rough estimate of the tensor's spread so that the codes use their range; nothing here
knows how hwgen reads the model.
"""

from __future__ import annotations

import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QONNX = "qonnx.custom_op.general"


class QChain:
    """A QONNX chain; every method takes the node name first and returns ``self``."""

    def __init__(self, in_shape, *, seed: int = 0, pot: bool = True, opset: int = 13,
                 qonnx_opset: int = 2, spread: float = 1.0):
        self.rng = np.random.default_rng(seed)
        self.in_shape = tuple(in_shape)
        self.shape = tuple(in_shape)          # per-sample shape of the current tensor (NCHW)
        self.pot, self.opset, self.qonnx_opset = pot, opset, qonnx_opset
        self.nodes, self.inits = [], []
        self.current = "x"
        self.spread = spread                  # rough standard deviation of the current tensor
        self.act = None                       # (scale, bits, signed, zero) of the last Quant
        self.pool_positions = None            # window size of the last average pool
        self.input_act = None                 # the model input's quantizer

    # -- plumbing ----------------------------------------------------------------------
    def const(self, name, value, dtype=np.float32):
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(self, op, name, *inputs, domain="", **attrs):
        out = f"{name}.out"
        self.nodes.append(helper.make_node(op, [self.current, *inputs], [out], name=name,
                                           domain=domain, **attrs))
        self.current = out
        return self

    def scale_for(self, value: float) -> float:
        """A positive scale near ``value``: a power of two, or a float32 off the grid."""
        if self.pot:
            return float(2.0 ** np.round(np.log2(value)))
        return float(np.float32(value * self.rng.uniform(0.7, 1.4)))

    def _quant_node(self, name, x, scale, zero, bits, signed, narrow, rounding, out):
        inputs = [x, self.const(f"{name}.scale", scale), self.const(f"{name}.zero", zero),
                  self.const(f"{name}.bits", bits)]
        self.nodes.append(helper.make_node("Quant", inputs, [out], name=name, domain=QONNX,
                                           signed=int(signed), narrow=int(narrow),
                                           rounding_mode=rounding))
        return out

    # -- activations -------------------------------------------------------------------
    def quant(self, name, bits=8, signed=True, *, zero=0, narrow=0, rounding="ROUND",
              scale=None, reach=3.0):
        """An activation quantizer whose range covers ``reach`` spreads (or ``scale``)."""
        if scale is None:
            levels = 2 ** (bits - 1) if signed else 2 ** bits
            scale = self.scale_for(reach * self.spread / levels)
        out = f"{name}.out"
        self._quant_node(name, self.current, scale, zero, bits, signed, narrow, rounding, out)
        self.current = out
        self.act = (scale, bits, signed, zero)
        if self.input_act is None:
            self.input_act = self.act
        return self

    def relu(self, name):
        self.spread *= 0.6
        return self.node("Relu", name)

    def bipolar(self, name, scale=1.0):
        self.act = None
        self.spread = scale
        return self.node("BipolarQuant", name, self.const(f"{name}.scale", scale), domain=QONNX)

    def multithreshold(self, name, out_dtype="BIPOLAR"):
        """FINN's MultiThreshold after a layer (NCHW, one row per channel): BIPOLAR (one
        threshold, ``out_scale = 2``, ``out_bias = -1``) or UINTn (``2**n - 1`` thresholds)."""
        c = self.shape[0]
        spread = self.spread
        if out_dtype == "BIPOLAR":
            t = self.rng.normal(0, 0.5 * spread, (c, 1))
            attrs = dict(out_dtype="BIPOLAR", out_scale=2.0, out_bias=-1.0)
            self.spread, self.act = 1.0, None
        else:
            bits = int(out_dtype[4:])
            t = np.sort(self.rng.normal(0, spread, (c, (1 << bits) - 1)), axis=1)
            attrs = dict(out_dtype=out_dtype)
            self.spread, self.act = float(1 << (bits - 1)), (1.0, bits, False, 0)
        return self.node("MultiThreshold", name, self.const(f"{name}.T", t), domain=QONNX,
                         **attrs)

    # -- weighted layers ---------------------------------------------------------------
    def _weights(self, name, shape, bits, per_channel, *, signed=True, narrow=1,
                 rounding="ROUND", zero=0.0):
        """``Quant`` of float weights ``shape`` (output channels first); their scale."""
        fan_in = math.prod(shape[1:])
        w = self.rng.normal(0, 1 / np.sqrt(fan_in), shape)
        levels = 2 ** (bits - 1) - narrow if signed else 2 ** bits - 1
        top = np.abs(w).reshape(shape[0], -1).max(axis=1) if per_channel else \
            np.full(shape[0], np.abs(w).max())
        scale = np.array([self.scale_for(t / max(levels, 1)) for t in top], dtype=np.float32)
        if not per_channel:
            scale = scale[:1]
        scale_shape = (-1,) + (1,) * (len(shape) - 1) if per_channel else ()
        scale = scale.reshape(scale_shape) if per_channel else np.float32(scale[0])
        x = self.const(f"{name}.W", w)
        if bits == 1:
            out = f"{name}.Wq"
            self.nodes.append(helper.make_node(
                "BipolarQuant", [x, self.const(f"{name}.W.scale", scale)], [out],
                name=f"{name}.wquant", domain=QONNX))
        else:
            out = self._quant_node(f"{name}.wquant", x, scale, zero, bits, signed, narrow,
                                   rounding, f"{name}.Wq")
        return out, np.asarray(scale, dtype=np.float64).reshape(-1), w

    def _bias(self, name, out_channels, bias, w_scale):
        if bias is None:
            return []
        values = self.rng.normal(0, 0.3 * self.spread, out_channels)
        if bias == "float":
            return [self.const(f"{name}.B", values)]
        # Brevitas' Int32Bias: a 32-bit Quant at the accumulator scale S_X * S_W.
        s_x = self.act[0]
        acc_scale = (np.float32(s_x) * np.broadcast_to(w_scale, (out_channels,)).astype(
            np.float32)).astype(np.float32)
        out = self._quant_node(f"{name}.bquant", self.const(f"{name}.B", values), acc_scale,
                               0.0, 32, True, 0, "ROUND", f"{name}.Bq")
        return [out]

    def _after_layer(self, fan_in, w):
        self.spread = self.spread * float(np.sqrt(fan_in)) * float(np.std(w))
        self.act = None

    def conv(self, name, c_out, k, *, bits=4, per_channel=True, bias=None, stride=1, pads=0,
             **wkw):
        c_in, h, w_ = self.shape
        wq, w_scale, w = self._weights(name, (c_out, c_in, k, k), bits, per_channel, **wkw)
        inputs = [wq] + self._bias(name, c_out, bias, w_scale)
        self.node("Conv", name, *inputs, kernel_shape=[k, k], strides=[stride, stride],
                  pads=[pads] * 4)
        oh = (h + 2 * pads - k) // stride + 1
        ow = (w_ + 2 * pads - k) // stride + 1
        self.shape = (c_out, oh, ow)
        self._after_layer(c_in * k * k, w)
        return self

    def gemm(self, name, n_out, *, bits=4, per_channel=True, bias=None, **wkw):
        (n_in,) = self.shape
        wq, w_scale, w = self._weights(name, (n_out, n_in), bits, per_channel, **wkw)
        self.node("Gemm", name, wq, *self._bias(name, n_out, bias, w_scale), transB=1)
        self.shape = (n_out,)
        self._after_layer(n_in, w)
        return self

    def matmul(self, name, n_out, *, bits=4, per_channel=False, **wkw):
        """``x @ Wq.T`` written as Brevitas' older exports do: MatMul of a transposed Quant."""
        (n_in,) = self.shape
        wq, _, w = self._weights(name, (n_out, n_in), bits, per_channel, **wkw)
        t = f"{name}.WqT"
        self.nodes.append(helper.make_node("Transpose", [wq], [t], name=f"{name}.T",
                                           perm=[1, 0]))
        self.node("MatMul", name, t)
        self.shape = (n_out,)
        self._after_layer(n_in, w)
        return self

    def bn(self, name):
        c = self.shape[0]
        r = self.rng
        values = [r.uniform(0.5, 1.5, c) * np.where(r.random(c) < 0.3, -1, 1),
                  r.normal(0, 0.2 * self.spread, c), r.normal(0, 0.2 * self.spread, c),
                  r.uniform(0.5, 2.0, c) * self.spread ** 2]
        names = [self.const(f"{name}.{k}", v) for k, v in zip(("g", "b", "m", "v"), values)]
        self.spread = 1.0
        return self.node("BatchNormalization", name, *names, epsilon=1e-5)

    def mul(self, name, value):
        self.spread *= float(np.abs(value).mean())
        return self.node("Mul", name, self.const(f"{name}.c", value))

    # -- pools and shapes ----------------------------------------------------------------
    def maxpool(self, name, k=2, stride=None, pads=0):
        stride = stride or k
        c, h, w = self.shape
        self.shape = (c, (h + 2 * pads - k) // stride + 1, (w + 2 * pads - k) // stride + 1)
        return self.node("MaxPool", name, kernel_shape=[k, k], strides=[stride, stride],
                         pads=[pads] * 4)

    def avgpool(self, name, k=2, stride=None):
        stride = stride or k
        c, h, w = self.shape
        self.shape = (c, (h - k) // stride + 1, (w - k) // stride + 1)
        self.pool_positions = k * k
        return self.node("AveragePool", name, kernel_shape=[k, k], strides=[stride, stride])

    def global_avgpool(self, name):
        c, h, w = self.shape
        self.shape = (c, 1, 1)
        self.pool_positions = h * w
        return self.node("GlobalAveragePool", name)

    def trunc(self, name, out_bits=8, rounding="FLOOR"):
        """Brevitas' TruncAvgPool2d after the pool: the window sum of codes, its most
        significant ``out_bits`` kept (``TruncMsbScaling``)."""
        scale, bits, signed, zero = self.act
        positions = self.pool_positions
        in_bits = bits + int(np.ceil(np.log2(positions)))
        sum_scale = np.float32(scale) / np.float32(positions)
        shift = max(in_bits - out_bits, 0)
        inputs = [self.const(f"{name}.scale", sum_scale), self.const(f"{name}.zero", 0.0),
                  self.const(f"{name}.in_bits", in_bits)]
        if self.qonnx_opset >= 2:
            out_scale = np.float32(sum_scale * np.float32(2.0 ** shift))
            inputs.append(self.const(f"{name}.out_scale", out_scale))
            attrs = dict(signed=int(signed), narrow=0)
            self.act = (float(out_scale), out_bits, signed, 0)
        else:
            attrs = {}
            self.act = (float(sum_scale), out_bits, signed, 0)
        inputs.append(self.const(f"{name}.out_bits", out_bits))
        self.node("Trunc", name, *inputs, domain=QONNX, rounding_mode=rounding, **attrs)
        return self

    def flatten(self, name):
        self.shape = (math.prod(self.shape),)
        return self.node("Flatten", name, axis=1)

    def reshape(self, name):
        self.shape = (math.prod(self.shape),)
        return self.node("Reshape", name, self.const(f"{name}.shape", [-1, self.shape[0]],
                                                     dtype=np.int64))

    def inputs(self, count, seed=1):
        """Float inputs on the input quantizer's grid (see :func:`grid_inputs`)."""
        scale, bits, signed, _ = self.input_act
        return grid_inputs(np.random.default_rng(seed), self.in_shape, count, scale=scale,
                           bits=bits, signed=signed)

    def build(self, name="qcnn") -> onnx.ModelProto:
        nodes = self.nodes + [helper.make_node("Identity", [self.current], ["y"],
                                               name="output")]
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *self.in_shape])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", *self.shape])],
            self.inits)
        model = helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", self.opset), helper.make_opsetid(QONNX, self.qonnx_opset)])
        model.ir_version = 8
        return model


def grid_inputs(rng, shape, count, *, scale, bits=8, signed=False):
    """Inputs on the input quantizer's grid (exact in float32: x / scale is an integer), so
    that hwgen (float64) and qonnx (float32) quantize them alike."""
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    codes = rng.integers(lo, hi + 1, (count, *shape))
    return (codes * np.float32(scale)).astype(np.float32)
