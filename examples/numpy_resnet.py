"""A small residual network trained in float with numpy, exported to ONNX.

    conv3x3(C, pad 1) - relu - maxpool 2x2 - [conv3x3(C) - relu - conv3x3(C)] + skip - relu
    - global average pool - dense(classes)

One ResNet basic block: the max pool's output feeds both the block's first convolution and
the Add (the skip connection). Tensors are NCHW, as ONNX has them; the convolutions and the
pool are those of examples/numpy_cnn.py (im2col forward, col2im backward), and training is the
same seeded mini-batch Adam on the softmax cross-entropy.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from numpy_cnn import SmallCnn, _conv, _conv_backward, _maxpool

__all__ = ["SmallResNet"]


class SmallResNet(SmallCnn):
    """The network's parameters, forward pass, training and ONNX export.

    Parameters
    ----------
    image : tuple
        ``(channels, height, width)`` of an input; height and width even.
    channels : int
        Channels of the three convolutions (the skip adds tensors of this many).
    classes : int
    seed : int
    """

    def __init__(self, *, image=(1, 8, 8), channels=16, classes=10, seed=0):
        c, h, w = image
        if h % 2 or w % 2:
            raise ValueError(f"image height and width must be even, not {h}x{w}")
        self.image, self.classes = tuple(image), classes
        rng = np.random.default_rng(seed)

        def he(fan_in, shape):
            return rng.normal(0, np.sqrt(2 / fan_in), shape)

        k = channels
        self.params = {
            "w1": he(9 * c, (k, c, 3, 3)), "b1": np.zeros(k),
            "w2": he(9 * k, (k, k, 3, 3)), "b2": np.zeros(k),
            # the block's last convolution starts small: the block begins near the identity
            "w3": 0.1 * he(9 * k, (k, k, 3, 3)), "b3": np.zeros(k),
            "w4": he(k, (classes, k)), "b4": np.zeros(classes),
        }
        self.rng = rng

    def forward(self, x, *, cache: bool = False):
        p = self.params
        a1, cols1 = _conv(x, p["w1"], p["b1"])
        r1 = np.maximum(a1, 0)
        m1, mask = _maxpool(r1)
        a2, cols2 = _conv(m1, p["w2"], p["b2"])
        r2 = np.maximum(a2, 0)
        a3, cols3 = _conv(r2, p["w3"], p["b3"])
        s = a3 + m1                      # the skip connection
        r3 = np.maximum(s, 0)
        pooled = r3.mean(axis=(2, 3))
        logits = pooled @ p["w4"].T + p["b4"]
        if cache:
            return logits, (a1, cols1, mask, m1, a2, cols2, r2, cols3, s, pooled)
        return logits

    def _gradients(self, x, y):
        p = self.params
        logits, (a1, cols1, mask, m1, a2, cols2, r2, cols3, s, pooled) = \
            self.forward(x, cache=True)
        z = logits - logits.max(axis=1, keepdims=True)
        prob = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        dlogits = (prob - np.eye(self.classes)[y]) / len(x)
        g = {"w4": dlogits.T @ pooled, "b4": dlogits.sum(axis=0)}
        h, w = s.shape[2:]
        ds = (dlogits @ p["w4"])[:, :, None, None] / (h * w) * (s > 0)
        dr2, g["w3"], g["b3"] = _conv_backward(ds, cols3, p["w3"], r2.shape)
        dm1, g["w2"], g["b2"] = _conv_backward(dr2 * (a2 > 0), cols2, p["w2"], m1.shape)
        dm1 = dm1 + ds                   # the skip's gradient
        dr1 = np.repeat(np.repeat(dm1, 2, axis=2), 2, axis=3) * mask * (a1 > 0)
        _, g["w1"], g["b1"] = _conv_backward(dr1, cols1, p["w1"], x.shape)
        return g

    def to_onnx(self, name: str = "digits_resnet") -> onnx.ModelProto:
        """Conv - Relu - MaxPool - [Conv - Relu - Conv] + skip - Relu - GlobalAveragePool -
        Flatten - Gemm, opset 17, float32 weights."""
        p = self.params

        def init(key, value):
            return numpy_helper.from_array(np.asarray(value, dtype=np.float32), key)

        def conv(name, source):
            return helper.make_node("Conv", [source, f"{name}.weight", f"{name}.bias"],
                                    [f"{name}.out"], name=name, pads=[1, 1, 1, 1],
                                    kernel_shape=[3, 3])

        nodes = [
            conv("conv1", "input"),
            helper.make_node("Relu", ["conv1.out"], ["relu1.out"], name="relu1"),
            helper.make_node("MaxPool", ["relu1.out"], ["pool1.out"], name="pool1",
                             kernel_shape=[2, 2], strides=[2, 2]),
            conv("conv2", "pool1.out"),
            helper.make_node("Relu", ["conv2.out"], ["relu2.out"], name="relu2"),
            conv("conv3", "relu2.out"),
            helper.make_node("Add", ["conv3.out", "pool1.out"], ["add.out"], name="add"),
            helper.make_node("Relu", ["add.out"], ["relu3.out"], name="relu3"),
            helper.make_node("GlobalAveragePool", ["relu3.out"], ["gap.out"], name="gap"),
            helper.make_node("Flatten", ["gap.out"], ["flat.out"], name="flatten", axis=1),
            helper.make_node("Gemm", ["flat.out", "fc.weight", "fc.bias"], ["logits"], name="fc",
                             transB=1),
        ]
        inits = [init(f"{layer}.{kind}", p[f"{key}{i}"])
                 for i, layer in enumerate(("conv1", "conv2", "conv3", "fc"), start=1)
                 for kind, key in (("weight", "w"), ("bias", "b"))]
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *self.image])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", self.classes])],
            inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8  # readable by older onnxruntime releases too
        onnx.checker.check_model(model)
        return model
