"""A small convolutional network trained in float with numpy (im2col), exported to ONNX.

    conv3x3(C1, pad 1) - relu - maxpool 2x2 - conv3x3(C2, pad 1) - relu - flatten - dense(classes)

Tensors are NCHW, as ONNX has them. A convolution is a matrix product over im2col patches
(:func:`hwgen.quant.im2col.im2col`); its gradient with respect to the input scatters the patch
gradients back (:func:`col2im`). Training is mini-batch Adam on the softmax cross-entropy,
seeded, so the same seed gives the same model.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from hwgen.quant.im2col import im2col

__all__ = ["SmallCnn", "col2im"]


def col2im(cols: np.ndarray, shape: tuple, kernel: int, padding: int) -> np.ndarray:
    """Adjoint of ``im2col`` (stride 1): sum patch gradients ``(N*H*W, C*k*k)`` into NCHW."""
    n, c, h, w = shape
    oh, ow = h + 2 * padding - kernel + 1, w + 2 * padding - kernel + 1
    patches = cols.reshape(n, oh, ow, c, kernel, kernel)
    padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding))
    for i in range(kernel):
        for j in range(kernel):
            padded[:, :, i:i + oh, j:j + ow] += patches[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return padded[:, :, padding:padding + h, padding:padding + w]


def _conv(x, w, b):
    """3x3 convolution, padding 1, NCHW; returns the output and the patches (for backprop)."""
    n, _, h, wd = x.shape
    cols = im2col(x, 3, padding=1)
    y = cols @ w.reshape(w.shape[0], -1).T + b
    return y.reshape(n, h, wd, -1).transpose(0, 3, 1, 2), cols


def _conv_backward(dy, cols, w, x_shape):
    d = dy.transpose(0, 2, 3, 1).reshape(-1, w.shape[0])
    dw = (d.T @ cols).reshape(w.shape)
    dx = col2im(d @ w.reshape(w.shape[0], -1), x_shape, 3, 1)
    return dx, dw, d.sum(axis=0)


def _maxpool(x):
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    y = blocks.max(axis=(3, 5))
    # the gradient goes to the first maximum of each window
    flat = blocks.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
    first = np.eye(4)[flat.argmax(axis=-1)]
    mask = first.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return y, mask.reshape(x.shape)


class SmallCnn:
    """The network's parameters, forward pass, training and ONNX export.

    Parameters
    ----------
    image : tuple
        ``(channels, height, width)`` of an input; height and width even.
    channels : tuple
        Output channels of the two convolutions.
    classes : int
    seed : int
    """

    def __init__(self, *, image=(1, 8, 8), channels=(8, 16), classes=10, seed=0):
        c, h, w = image
        if h % 2 or w % 2:
            raise ValueError(f"image height and width must be even, not {h}x{w}")
        self.image, self.classes = tuple(image), classes
        rng = np.random.default_rng(seed)
        c1, c2 = channels

        def he(fan_in, shape):
            return rng.normal(0, np.sqrt(2 / fan_in), shape)

        self.params = {
            "w1": he(9 * c, (c1, c, 3, 3)), "b1": np.zeros(c1),
            "w2": he(9 * c1, (c2, c1, 3, 3)), "b2": np.zeros(c2),
            "w3": he(c2 * h * w // 4, (classes, c2 * h * w // 4)), "b3": np.zeros(classes),
        }
        self.rng = rng

    def forward(self, x, *, cache: bool = False):
        p = self.params
        a1, cols1 = _conv(x, p["w1"], p["b1"])
        r1 = np.maximum(a1, 0)
        m1, mask = _maxpool(r1)
        a2, cols2 = _conv(m1, p["w2"], p["b2"])
        r2 = np.maximum(a2, 0)
        flat = r2.reshape(len(x), -1)  # ONNX Flatten of NCHW: (c, h, w) order
        logits = flat @ p["w3"].T + p["b3"]
        if cache:
            return logits, (x, a1, cols1, r1, mask, m1, a2, cols2, r2, flat)
        return logits

    def predict(self, x) -> np.ndarray:
        return self.forward(np.asarray(x, dtype=np.float64)).argmax(axis=1)

    def _gradients(self, x, y):
        p = self.params
        logits, (x, a1, cols1, r1, mask, m1, a2, cols2, r2, flat) = self.forward(x, cache=True)
        z = logits - logits.max(axis=1, keepdims=True)
        prob = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        dlogits = (prob - np.eye(self.classes)[y]) / len(x)
        g = {"w3": dlogits.T @ flat, "b3": dlogits.sum(axis=0)}
        dr2 = (dlogits @ p["w3"]).reshape(r2.shape) * (a2 > 0)
        dm1, g["w2"], g["b2"] = _conv_backward(dr2, cols2, p["w2"], m1.shape)
        n, c, h, w = dm1.shape
        dr1 = np.repeat(np.repeat(dm1, 2, axis=2), 2, axis=3) * mask * (a1 > 0)
        _, g["w1"], g["b1"] = _conv_backward(dr1, cols1, p["w1"], x.shape)
        return g

    def train(self, x, y, *, epochs=20, batch=64, lr=3e-3) -> "SmallCnn":
        """Mini-batch Adam (beta 0.9 / 0.999) on the mean cross-entropy.

        BLAS runs on one thread: these matrices are small, threads only contend (several
        times slower on a loaded 2-core machine), and one thread makes the sums reproducible.
        """
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=1, user_api="blas"):
            return self._train(np.asarray(x, dtype=np.float64), np.asarray(y), epochs, batch,
                               lr)

    def _train(self, x, y, epochs, batch, lr) -> "SmallCnn":
        m = {k: np.zeros_like(v) for k, v in self.params.items()}
        v = {k: np.zeros_like(val) for k, val in self.params.items()}
        step = 0
        for _ in range(epochs):
            order = self.rng.permutation(len(x))
            for start in range(0, len(x), batch):
                idx = order[start:start + batch]
                grads = self._gradients(x[idx], y[idx])
                step += 1
                for k, grad in grads.items():
                    m[k] = 0.9 * m[k] + 0.1 * grad
                    v[k] = 0.999 * v[k] + 0.001 * grad ** 2
                    m_hat, v_hat = m[k] / (1 - 0.9 ** step), v[k] / (1 - 0.999 ** step)
                    self.params[k] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        return self

    def to_onnx(self, name: str = "digits_cnn") -> onnx.ModelProto:
        """Conv - Relu - MaxPool - Conv - Relu - Flatten - Gemm, opset 17, float32 weights."""
        p = self.params

        def init(key, value):
            return numpy_helper.from_array(np.asarray(value, dtype=np.float32), key)

        nodes = [
            helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1.out"],
                             name="conv1", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
            helper.make_node("Relu", ["conv1.out"], ["relu1.out"], name="relu1"),
            helper.make_node("MaxPool", ["relu1.out"], ["pool1.out"], name="pool1",
                             kernel_shape=[2, 2], strides=[2, 2]),
            helper.make_node("Conv", ["pool1.out", "conv2.weight", "conv2.bias"], ["conv2.out"],
                             name="conv2", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
            helper.make_node("Relu", ["conv2.out"], ["relu2.out"], name="relu2"),
            helper.make_node("Flatten", ["relu2.out"], ["flat.out"], name="flatten", axis=1),
            helper.make_node("Gemm", ["flat.out", "fc.weight", "fc.bias"], ["logits"], name="fc",
                             transB=1),
        ]
        inits = [init("conv1.weight", p["w1"]), init("conv1.bias", p["b1"]),
                 init("conv2.weight", p["w2"]), init("conv2.bias", p["b2"]),
                 init("fc.weight", p["w3"]), init("fc.bias", p["b3"])]
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *self.image])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", self.classes])],
            inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8  # readable by older onnxruntime releases too
        onnx.checker.check_model(model)
        return model
