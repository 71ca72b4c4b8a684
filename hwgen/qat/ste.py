"""Straight-through estimators: quantize in the forward pass, pass the gradient in the backward.

- :func:`round_ste`: ``round_half_even(x)`` forward (the rounding of qonnx's ``Quant`` and of
  hwgen's requantizer at ties), identity gradient.
- :func:`sign_ste`: BNN's sign (``+1`` for ``x >= 0``, qonnx's ``BipolarQuant`` and hwgen's
  convention) with the hardtanh-clipped STE of Hubara et al.: the gradient is the incoming
  gradient where ``|x| <= clip`` and 0 outside, the derivative of ``hardtanh(x / clip)``.
- :func:`ternarize_ste`: TWN / TTQ codes ``sign(w) [|w| > delta]`` forward, identity gradient.

Each is a ``torch.autograd.Function``; the tests compute the expected gradients independently.
"""

from __future__ import annotations

import torch

__all__ = ["round_ste", "sign_ste", "ternarize_ste"]


class _RoundSte(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return torch.round(x)           # half to even, as torch.round is

    @staticmethod
    def backward(ctx, grad):
        return grad


class _SignSte(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, clip):
        ctx.save_for_backward(x)
        ctx.clip = clip
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x.abs() <= ctx.clip).to(grad.dtype), None


class _TernarizeSte(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, delta):
        return torch.sign(w) * (w.abs() > delta).to(w.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """Round half to even; the gradient passes unchanged."""
    return _RoundSte.apply(x)


def sign_ste(x: torch.Tensor, clip: float = 1.0) -> torch.Tensor:
    """Sign in {-1, +1} (``sign(0) = +1``); gradient ``grad * [|x| <= clip]`` (hardtanh STE).

    Parameters
    ----------
    x : torch.Tensor
    clip : float
        Where the gradient stops: ``|x| > clip`` gets none (BNN's saturation).
    """
    if not clip > 0:
        raise ValueError(f"clip must be > 0, not {clip!r}")
    return _SignSte.apply(x, float(clip))


def ternarize_ste(w: torch.Tensor, delta: torch.Tensor | float) -> torch.Tensor:
    """Ternary codes ``sign(w) [|w| > delta]`` in {-1, 0, +1}; the gradient passes unchanged
    (``delta`` gets none: TWN and TTQ compute it from the weights)."""
    return _TernarizeSte.apply(w, torch.as_tensor(delta, dtype=w.dtype).detach())
