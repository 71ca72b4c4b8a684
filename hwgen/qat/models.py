"""The digits MLP and CNN of the examples, built from a preset (QAT) or in float.

- MLP ``64-64-32-10`` (examples/digits_mlp.py): ``Linear - act - Linear - act - Linear``.
- CNN ``conv3x3(8, pad 1) - act - maxpool 2x2 - conv3x3(16, pad 1) - act - flatten -
  dense(10)`` on 8x8x1 images (examples/numpy_cnn.py, digits_cnn.py).

``act`` is a ReLU quantized to the preset's unsigned activations, or (bipolar presets, BNN)
batch norm then sign. A bipolar tensor cannot hold the 0 a padded convolution adds (hwgen pads
bipolar inputs with -1, FINN's convention, and refuses a zero-padded bipolar input), so the
BNN CNN's second convolution has no padding (4x4 -> 2x2, FINN CNV's choice) and its dense
layer takes 64 features instead of 256.

Every QAT network starts with an unsigned 8-bit input quantizer at the preset's power-of-two
``input_scale`` and ends with a signed ``output_bits`` quantizer of the logits, so both ends
are integer codes that hwgen's design ports carry and the contract compares.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import torch
from torch import nn

from .presets import Preset
from .ternary import TernaryConv2d, TernaryLinear

__all__ = ["QatNet", "build_mlp", "build_cnn", "float_mlp", "float_cnn", "MLP_SIZES",
           "CNN_CHANNELS"]

MLP_SIZES = (64, 64, 32, 10)
CNN_CHANNELS = (8, 16)


class QatNet(nn.Module):
    """A fake-quant network: ``forward`` gives float logits (the dequantized output codes),
    :meth:`output_codes` the integer codes of the output quantizer."""

    def __init__(self, preset: Preset, kind: str, body: list):
        super().__init__()
        self.preset, self.kind = preset, kind
        self.body = nn.Sequential(*body)

    def quant_output(self, x):
        """The output QuantTensor (Brevitas) of the float input ``x``."""
        return self.body(torch.as_tensor(np.asarray(x, dtype=np.float32)))

    def forward(self, x):
        out = self.body(x)
        # a QuantTensor while training; a plain tensor while Brevitas exports
        return getattr(out, "value", out)

    @torch.no_grad()
    def output_codes(self, x) -> np.ndarray:
        """Integer output codes (``(N, classes)``, int64) of the inputs ``x`` in eval mode."""
        was = self.training
        self.eval()
        try:
            return self.quant_output(x).int().numpy().astype(np.int64)
        finally:
            self.train(was)

    @torch.no_grad()
    def predict(self, x) -> np.ndarray:
        """Class of each input (argmax of the output codes)."""
        return self.output_codes(x).argmax(axis=1)

    def frozen(self) -> "QatNet":
        """A copy in eval mode whose TWN / TTQ layers are Brevitas layers with the same
        quantized weights (what Brevitas exports; the codes stay the same)."""
        net = copy.deepcopy(self).eval()
        for i, module in enumerate(net.body):
            if isinstance(module, (TernaryLinear, TernaryConv2d)):
                net.body[i] = module.to_brevitas().eval()
        return net


def _dense(p: Preset, i: int, o: int):
    if p.weights in ("twn", "ttq"):
        return TernaryLinear(i, o, method=p.weights, scaling=p.scaling, level_max=p.ttq_level_max)
    from brevitas.nn import QuantLinear
    return QuantLinear(i, o, bias=True, weight_quant=p.weight_quant(), bias_quant=p.bias_quant(),
                       return_quant_tensor=False)


def _conv(p: Preset, i: int, o: int, padding: int):
    if p.weights in ("twn", "ttq"):
        return TernaryConv2d(i, o, 3, padding=padding, method=p.weights, scaling=p.scaling,
                             level_max=p.ttq_level_max)
    from brevitas.nn import QuantConv2d
    return QuantConv2d(i, o, 3, padding=padding, bias=True, weight_quant=p.weight_quant(),
                       bias_quant=p.bias_quant(), return_quant_tensor=False)


def _act(p: Preset, channels: int, conv: bool) -> list:
    from brevitas.nn import QuantIdentity, QuantReLU
    if p.acts == "bipolar":
        norm = nn.BatchNorm2d(channels) if conv else nn.BatchNorm1d(channels)
        return [norm, QuantIdentity(act_quant=p.act_quant(), return_quant_tensor=True)]
    return [QuantReLU(act_quant=p.act_quant(), return_quant_tensor=True)]


def _ends(p: Preset):
    from brevitas.nn import QuantIdentity
    return (QuantIdentity(act_quant=p.input_quant(), return_quant_tensor=True),
            QuantIdentity(act_quant=p.output_quant(), return_quant_tensor=True))


class _Flatten(nn.Module):
    """``x.flatten(1)`` on a QuantTensor (ONNX ``Flatten``, channels first)."""

    def forward(self, x):
        return x.flatten(1)


def build_mlp(preset: Preset, sizes=MLP_SIZES, *, seed: int = 0) -> QatNet:
    """The digits MLP in ``preset``'s format (``sizes``: inputs, hidden..., classes)."""
    torch.manual_seed(seed)
    first, last = _ends(preset)
    body = [first]
    for k, (i, o) in enumerate(itertools.pairwise(sizes)):
        body.append(_dense(preset, i, o))
        if k < len(sizes) - 2:
            body += _act(preset, o, conv=False)
    body.append(last)
    return QatNet(preset, "mlp", body)


def build_cnn(preset: Preset, channels=CNN_CHANNELS, *, classes: int = 10, image: int = 8,
              seed: int = 0) -> QatNet:
    """The digits CNN in ``preset``'s format (see the module docstring for the BNN's
    unpadded second convolution)."""
    torch.manual_seed(seed)
    c1, c2 = channels
    pad2 = 0 if preset.acts == "bipolar" else 1
    side = image // 2 + 2 * pad2 - 2
    first, last = _ends(preset)
    body = [first, _conv(preset, 1, c1, 1), *_act(preset, c1, conv=True),
            nn.MaxPool2d(2),          # keeps a QuantTensor's scale (max commutes with it)
            _conv(preset, c1, c2, pad2), *_act(preset, c2, conv=True), _Flatten(),
            _dense(preset, c2 * side * side, classes), last]
    return QatNet(preset, "cnn", body)


def float_mlp(sizes=MLP_SIZES, *, seed: int = 0) -> nn.Sequential:
    """The float MLP (ReLU), the same shapes."""
    torch.manual_seed(seed)
    layers = []
    for k, (i, o) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(i, o))
        if k < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def float_cnn(channels=CNN_CHANNELS, *, classes: int = 10, image: int = 8,
              seed: int = 0) -> nn.Sequential:
    """The float CNN (ReLU, both convolutions padded), the same shapes."""
    torch.manual_seed(seed)
    c1, c2 = channels
    side = image // 2
    return nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(c2 * side * side, classes))


def load_float_weights(net: QatNet, float_model: nn.Sequential) -> int:
    """Start QAT from a trained float model: copy each weight / bias whose shape matches the
    corresponding layer's (in order); returns how many layers were copied."""
    targets = [m for m in net.body if hasattr(m, "weight") and m.weight is not None
               and m.weight.dim() > 1]
    sources = [m for m in float_model if isinstance(m, (nn.Linear, nn.Conv2d))]
    copied = 0
    with torch.no_grad():
        for dst, src in zip(targets, sources, strict=True):
            if dst.weight.shape != src.weight.shape:
                continue
            dst.weight.copy_(src.weight)
            if dst.bias is not None and src.bias is not None:
                dst.bias.copy_(src.bias)
            if getattr(dst, "method", None) == "ttq":
                dst.init_scales()
            copied += 1
    return copied
