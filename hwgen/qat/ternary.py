"""TWN and TTQ layers (Brevitas has neither): ternary weights trained with an STE.

- **TWN** (Li et al.): codes ``t = sign(w) [|w| > Delta]``, ``Delta = 0.7 mean |w|``, one scale
  ``alpha`` = mean of ``|w|`` over the non-zero codes; ``W_q = alpha t``. Backward: the STE of
  :func:`~hwgen.qat.ste.ternarize_ste` (``dW_q/dw = alpha``).
- **TTQ** (Zhu et al.): codes at ``Delta = 0.05 max |w|``, learned positive and negative scales
  ``w_p``, ``w_n``: ``W_q = w_p [t = +1] - w_n [t = -1]``. Backward as in the paper:
  ``dL/dw_p = sum_{t=+1} dL/dW_q``, ``dL/dw_n = -sum_{t=-1} dL/dW_q``, and the latent weights
  get ``w_p g``, ``g``, ``w_n g`` where ``t`` is +1, 0, -1.

Hardware-exact forms. hwgen holds TTQ's two scales as integer levels on one step per layer,
``w_p = L_p s`` and ``w_n = L_n s`` (:func:`hwgen.ir.binary.ttq_levels`); here the forward pass
uses those very levels (``L = clamp(round(w / s), 1, level_max)``, rounded with an STE), so
the trained model is exactly ``s * c`` with integer codes ``c`` in ``{-L_n, 0, L_p}``. With
``scaling="po2"`` the step (TTQ) or ``alpha`` (TWN) is a power of two.

Export: :meth:`TernaryLinear.to_brevitas` (and the Conv's) returns a Brevitas layer with the
quantized weights and a constant-scale quantizer of the same step, which Brevitas exports as
a ``Quant`` node: 2-bit codes for TWN (hwgen's ternary MVAU), ``bits(level_max) + 1``-bit codes
{-L_n, 0, L_p} for TTQ (hwgen's integer MVAU; docs/qat.md says why not the ternary one).
Biases are quantized like Brevitas' ``Int32Bias``, on the accumulator grid ``S_X s``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .ste import round_ste, ternarize_ste

__all__ = ["TernaryLinear", "TernaryConv2d", "TWN_RATIO", "TTQ_RATIO"]

#: Delta = TWN_RATIO * mean |w| (Li et al.) and Delta = TTQ_RATIO * max |w| (Zhu et al.).
TWN_RATIO = 0.7
TTQ_RATIO = 0.05


def _po2(x: torch.Tensor, mode: str) -> torch.Tensor:
    """The power of two nearest ``x`` in the log domain (``"round"``) or not below it."""
    e = torch.log2(x)
    return torch.exp2(torch.ceil(e) if mode == "ceil" else torch.round(e))


class _Ternary(nn.Module):
    """The weight and bias quantization shared by :class:`TernaryLinear` / ``Conv2d``."""

    def _init_ternary(self, method: str, scaling: str, level_max: int):
        if method not in ("twn", "ttq"):
            raise ValueError(f"method = {method!r}; use 'twn' or 'ttq'")
        if scaling not in ("po2", "float"):
            raise ValueError(f"scaling = {scaling!r}; use 'po2' or 'float'")
        if not 1 <= level_max <= 127:
            raise ValueError(f"level_max = {level_max!r} must be 1 to 127")
        self.method, self.scaling, self.level_max = method, scaling, int(level_max)
        if method == "ttq":
            self.init_scales()
        else:
            self.register_parameter("w_p", None)
            self.register_parameter("w_n", None)

    def init_scales(self) -> None:
        """TTQ: ``w_p``, ``w_n`` = mean ``|w|`` over the current positive / negative codes."""
        with torch.no_grad():
            w = self.weight
            delta = TTQ_RATIO * w.abs().max()
            pos, neg = w > delta, w < -delta
            w_p = w[pos].mean() if pos.any() else w.abs().mean()
            w_n = (-w[neg]).mean() if neg.any() else w.abs().mean()
        self.w_p = nn.Parameter(w_p.reshape(()).clone())
        self.w_n = nn.Parameter(w_n.reshape(()).clone())

    @property
    def weight_bits(self) -> int:
        """Signed bits of the exported codes."""
        return 2 if self.method == "twn" else self.level_max.bit_length() + 1

    def quant_weight(self):
        """``(W_q, step, codes)``: the weights the forward pass uses, ``W_q = step * codes``
        (codes: a detached integer-valued float tensor)."""
        w = self.weight
        if self.method == "twn":
            delta = (TWN_RATIO * w.abs().mean()).detach()
            t = ternarize_ste(w, delta)
            nonzero = (t.detach() != 0).to(w.dtype)
            alpha = ((w.abs() * nonzero).sum() / nonzero.sum().clamp(min=1)).detach()
            alpha = _po2(alpha, "round") if self.scaling == "po2" else alpha
            alpha = alpha.clamp(min=torch.finfo(w.dtype).tiny)
            return alpha * t, alpha, t.detach()
        delta = (TTQ_RATIO * w.abs().max()).detach()
        pos = (w > delta).to(w.dtype).detach()
        neg = (w < -delta).to(w.dtype).detach()
        w_p, w_n = self.w_p.abs(), self.w_n.abs()
        top = torch.maximum(w_p, w_n).detach().clamp(min=torch.finfo(w.dtype).tiny)
        step = top / self.level_max
        step = _po2(step, "ceil") if self.scaling == "po2" else step
        l_p = torch.clamp(round_ste(w_p / step), 1, self.level_max)
        l_n = torch.clamp(round_ste(w_n / step), 1, self.level_max)
        levels = step * (l_p * pos - l_n * neg)
        # The paper's latent gradient: w_p g, g, w_n g where the code is +1, 0, -1.
        factor = (pos * (l_p * step) + neg * (l_n * step) + (1 - pos - neg)).detach()
        w_q = levels + factor * (w - w.detach())
        codes = (l_p.detach() * pos - l_n.detach() * neg)
        return w_q, step, codes

    def quant_bias(self, input_scale):
        """The bias on the accumulator grid ``S_X * step`` (Brevitas' ``Int32Bias``)."""
        if self.bias is None:
            return None
        _, step, _ = self.quant_weight()
        grid = (input_scale * step).detach()
        return round_ste(self.bias / grid) * grid

    @staticmethod
    def _split_input(x):
        """(value, scale) of a Brevitas QuantTensor input; a ternary layer needs one."""
        scale = getattr(x, "scale", None)
        if scale is None:
            raise TypeError("a ternary layer takes a Brevitas QuantTensor (put a QuantIdentity "
                            "or QuantReLU with return_quant_tensor=True before it): its bias is "
                            "quantized on the grid S_X * step")
        return x.value, scale

    def _frozen_quant(self, step: float):
        """A Brevitas weight quantizer with the constant scale ``step`` and this layer's bits."""
        from brevitas.inject.enum import ScalingImplType
        from brevitas.quant import Int8WeightPerTensorFloat
        qmax = 2 ** (self.weight_bits - 1) - 1        # narrow range: scale = const / qmax
        return Int8WeightPerTensorFloat.let(bit_width=self.weight_bits,
                                            scaling_impl_type=ScalingImplType.CONST,
                                            scaling_const=float(step) * qmax)

    def _copy_frozen(self, layer):
        """Load the quantized weights and the bias into the Brevitas ``layer``; check that
        Brevitas' quantizer gives back exactly the same codes and step."""
        with torch.no_grad():
            w_q, step, codes = self.quant_weight()
            layer.weight.copy_(w_q)
            if self.bias is not None:
                layer.bias.copy_(self.bias)
        qw = layer.quant_weight()
        if not torch.equal(qw.int().to(codes.dtype), codes) or \
                not math.isclose(float(qw.scale), float(step), rel_tol=1e-6):
            raise AssertionError(f"Brevitas re-quantizes the frozen {self.method} weights "
                                 "differently (codes or step)")
        return layer


class TernaryLinear(_Ternary):
    """A linear layer with TWN or TTQ weights (``y = x W_q^T + b_q``).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
    method : {"twn", "ttq"}
    scaling : {"po2", "float"}
        Power-of-two ``alpha`` (TWN) or step (TTQ), or float.
    level_max : int
        TTQ's largest integer level (codes in ``[-level_max, level_max]``).
    """

    def __init__(self, in_features: int, out_features: int, *, bias: bool = True,
                 method: str = "twn", scaling: str = "po2", level_max: int = 7):
        super().__init__()
        ref = nn.Linear(in_features, out_features, bias=bias)
        self.in_features, self.out_features = in_features, out_features
        self.weight = ref.weight
        self.bias = ref.bias
        self._init_ternary(method, scaling, level_max)

    def forward(self, x):
        value, scale = self._split_input(x)
        w_q, _, _ = self.quant_weight()
        return nn.functional.linear(value, w_q, self.quant_bias(scale))

    def to_brevitas(self, *, return_quant_tensor: bool = False, output_quant=None):
        """An equivalent Brevitas ``QuantLinear`` for export (see the module docstring)."""
        from brevitas.nn import QuantLinear
        from brevitas.quant import Int32Bias
        _, step, _ = self.quant_weight()
        layer = QuantLinear(self.in_features, self.out_features, bias=self.bias is not None,
                            weight_quant=self._frozen_quant(float(step)),
                            bias_quant=Int32Bias, output_quant=output_quant,
                            return_quant_tensor=return_quant_tensor)
        return self._copy_frozen(layer)


class TernaryConv2d(_Ternary):
    """A 2-D convolution with TWN or TTQ weights (stride and padding as ``nn.Conv2d``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *,
                 stride: int = 1, padding: int = 0, bias: bool = True, method: str = "twn",
                 scaling: str = "po2", level_max: int = 7):
        super().__init__()
        ref = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                        padding=padding, bias=bias)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.weight = ref.weight
        self.bias = ref.bias
        self._init_ternary(method, scaling, level_max)

    def forward(self, x):
        value, scale = self._split_input(x)
        w_q, _, _ = self.quant_weight()
        return nn.functional.conv2d(value, w_q, self.quant_bias(scale), stride=self.stride,
                                    padding=self.padding)

    def to_brevitas(self, *, return_quant_tensor: bool = False, output_quant=None):
        """An equivalent Brevitas ``QuantConv2d`` for export."""
        from brevitas.nn import QuantConv2d
        from brevitas.quant import Int32Bias
        _, step, _ = self.quant_weight()
        layer = QuantConv2d(self.in_channels, self.out_channels, self.kernel_size,
                            stride=self.stride, padding=self.padding,
                            bias=self.bias is not None,
                            weight_quant=self._frozen_quant(float(step)),
                            bias_quant=Int32Bias, output_quant=output_quant,
                            return_quant_tensor=return_quant_tensor)
        return self._copy_frozen(layer)
