"""Small float ONNX CNNs built node by node with onnx.helper, for the frontend tests (seeded)."""

from __future__ import annotations

import numpy as np
from onnx import helper

from tests.unit.frontend.onnx_builders import init, model


class Chain:
    """Append nodes to a linear chain from input ``x``; :meth:`build` makes the model.

    Every method takes the node name first and returns ``self``; weights are drawn from a
    seeded generator and kept in :attr:`values` under their initializer names.
    """

    def __init__(self, in_shape, *, seed: int = 0, opset: int = 17):
        self.rng = np.random.default_rng(seed)
        self.in_shape = tuple(in_shape)
        self.nodes, self.inits, self.values = [], [], {}
        self.current = "x"
        self.count = 0
        self.opset = opset

    def _out(self, name):
        self.count += 1
        return f"t{self.count}_{name}"

    def const(self, name, value):
        value = np.asarray(value)
        self.values[name] = value
        self.inits.append(init(name, value))
        return name

    def op(self, op_type, name, *extra_inputs, **attrs):
        out = self._out(name)
        self.nodes.append(helper.make_node(op_type, [self.current, *extra_inputs], [out],
                                           name=name, **attrs))
        self.current = out
        return self

    def conv(self, name, c_in, c_out, k, *, bias=True, scale=None, **attrs):
        scale = scale if scale is not None else 1 / np.sqrt(c_in * k * k)
        w = self.const(f"{name}.W", self.rng.normal(0, scale, (c_out, c_in, k, k)))
        inputs = [w]
        if bias:
            inputs.append(self.const(f"{name}.B", self.rng.normal(0, 0.1, c_out)))
        return self.op("Conv", name, *inputs, **attrs)

    def dwconv(self, name, channels, k, *, bias=True, **attrs):
        """A depthwise Conv: ``group = channels``, weights ``(channels, 1, k, k)``."""
        w = self.const(f"{name}.W", self.rng.normal(0, 1 / k, (channels, 1, k, k)))
        inputs = [w]
        if bias:
            inputs.append(self.const(f"{name}.B", self.rng.normal(0, 0.1, channels)))
        return self.op("Conv", name, *inputs, group=channels, **attrs)

    def gemm(self, name, n_in, n_out, *, trans_b=1):
        w = self.rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in))
        wn = self.const(f"{name}.W", w if trans_b else w.T)
        b = self.const(f"{name}.B", self.rng.normal(0, 0.1, n_out))
        return self.op("Gemm", name, wn, b, transB=trans_b)

    def matmul(self, name, n_in, n_out):
        w = self.const(f"{name}.W", self.rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_out)))
        return self.op("MatMul", name, w)

    def add(self, name, value):
        return self.op("Add", name, self.const(f"{name}.C", value))

    def bn(self, name, channels, *, epsilon=1e-5):
        r = self.rng
        names = [self.const(f"{name}.{k}", v) for k, v in (
            ("scale", r.uniform(0.5, 1.5, channels)), ("B", r.normal(0, 0.2, channels)),
            ("mean", r.normal(0, 0.3, channels)), ("var", r.uniform(0.2, 2.0, channels)))]
        return self.op("BatchNormalization", name, *names, epsilon=epsilon)

    def relu(self, name):
        return self.op("Relu", name)

    def clip(self, name, low=None, high=None):
        inputs = [self.const(f"{name}.min", np.float32(low)) if low is not None else "",
                  self.const(f"{name}.max", np.float32(high)) if high is not None else ""]
        while inputs and inputs[-1] == "":
            inputs.pop()
        return self.op("Clip", name, *inputs)

    def maxpool(self, name, k, **attrs):
        return self.op("MaxPool", name, kernel_shape=[k, k], **attrs)

    def avgpool(self, name, k, **attrs):
        return self.op("AveragePool", name, kernel_shape=[k, k], **attrs)

    def gap(self, name):
        return self.op("GlobalAveragePool", name)

    def flatten(self, name, axis=1):
        return self.op("Flatten", name, axis=axis)

    def reshape(self, name, shape):
        return self.op("Reshape", name, self.const(f"{name}.shape",
                                                    np.asarray(shape, dtype=np.int64)))

    def tap(self):
        """The current tensor's name (a branch starts there)."""
        return self.current

    def join(self, name, tensor, *, first=True):
        """Add the current tensor and ``tensor`` (a residual connection); ``first``: the
        current tensor is the Add's first input."""
        out = self._out(name)
        inputs = [self.current, tensor] if first else [tensor, self.current]
        self.nodes.append(helper.make_node("Add", inputs, [out], name=name))
        self.current = out
        return self

    def branch(self, tensor):
        """Continue from ``tensor`` (a second branch of a fork)."""
        self.current = tensor
        return self

    def build(self, out_shape=None, *, name="cnn"):
        last = self.nodes[-1]
        last.output[0] = "y"
        return model(self.nodes, self.inits, in_shape=["N", *self.in_shape],
                     out_shape=out_shape or ["N", "?"], opset=self.opset, name=name)


def digits_like_cnn(seed: int = 0, *, image=(1, 8, 8), channels=(4, 6), classes=5):
    """conv3x3(pad 1)-relu-maxpool2-conv3x3(pad 1)-relu-flatten-gemm: the example's shape."""
    c, h, w = image
    c1, c2 = channels
    return (Chain(image, seed=seed)
            .conv("conv1", c, c1, 3, pads=[1, 1, 1, 1]).relu("relu1")
            .maxpool("pool1", 2, strides=[2, 2])
            .conv("conv2", c1, c2, 3, pads=[1, 1, 1, 1]).relu("relu2")
            .flatten("flat").gemm("fc", c2 * (h // 2) * (w // 2), classes)
            .build(["N", classes]))


def residual_cnn(seed: int = 0, *, image=(2, 6, 6), channels=4, classes=3, projection=False):
    """conv3x3-relu, [conv3x3-relu-conv3x3] + skip, relu, global average pool, dense: a
    ResNet basic block. ``projection``: the skip goes through a 1x1 convolution."""
    c = image[0]
    chain = Chain(image, seed=seed).conv("conv1", c, channels, 3, pads=[1, 1, 1, 1])
    skip = block_in = chain.relu("relu1").tap()
    if projection:
        skip = chain.conv("proj", channels, channels, 1).tap()
        chain.branch(block_in)
    (chain.conv("conv2", channels, channels, 3, pads=[1, 1, 1, 1]).relu("relu2")
     .conv("conv3", channels, channels, 3, pads=[1, 1, 1, 1]).join("add", skip).relu("relu3")
     .gap("gap").flatten("flat").gemm("fc", channels, classes))
    return chain.build(["N", classes])


def separable_cnn(seed: int = 0, *, image=(2, 8, 8), channels=(6, 8), classes=4, bn=False):
    """conv3x3-relu, depthwise 3x3 (pad 1)-relu, pointwise 1x1-relu (a depthwise-separable
    block), depthwise 3x3 stride 2-relu, global average pool, dense."""
    c, h, w = image
    c1, c2 = channels
    chain = (Chain(image, seed=seed)
             .conv("conv1", c, c1, 3, pads=[1, 1, 1, 1]).relu("relu1")
             .dwconv("dw1", c1, 3, pads=[1, 1, 1, 1]))
    if bn:
        chain.bn("bn_dw1", c1)
    return (chain.relu("relu_dw1")
            .conv("pw1", c1, c2, 1).relu("relu_pw1")
            .dwconv("dw2", c2, 3, strides=[2, 2], pads=[1, 1, 1, 1]).relu("relu_dw2")
            .gap("gap").flatten("flat").gemm("fc", c2, classes)
            .build(["N", classes]))
