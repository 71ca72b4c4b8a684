"""Training: fake quantization forward, STE backward, full-precision shadow weights (Adam).

The optimizer updates the float parameters (the shadow weights, biases, learned scales); every
forward pass quantizes them again. Seeded: the same seed gives the same model on one machine.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["train", "accuracy"]


def train(model: nn.Module, x, y, *, epochs: int = 10, lr: float = 1e-2, batch: int = 64,
          seed: int = 0, log=None) -> nn.Module:
    """Minimize the cross-entropy of ``model(x)`` (float logits) on labels ``y``.

    Parameters
    ----------
    model : torch.nn.Module
        A :class:`~hwgen.qat.models.QatNet` or a float network.
    x, y : array_like
        Inputs in the model's layout and integer labels.
    epochs, lr, batch, seed : training schedule (Adam, learning rate halved at 2/3 of the
        epochs).
    log : callable or None
        Called with one line per epoch.
    """
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    xs = torch.as_tensor(np.asarray(x, dtype=np.float32))
    ys = torch.as_tensor(np.asarray(y, dtype=np.int64))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, (2 * epochs) // 3), gamma=0.5)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(xs), generator=generator)
        total = 0.0
        for start in range(0, len(xs), batch):
            idx = order[start:start + batch]
            loss = nn.functional.cross_entropy(model(xs[idx]), ys[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        sched.step()
        if log is not None:
            log(f"epoch {epoch + 1}/{epochs}: loss {total / len(xs):.4f}")
    model.eval()
    return model


@torch.no_grad()
def accuracy(model: nn.Module, x, y) -> float:
    """Top-1 accuracy of ``model``'s float logits (eval mode)."""
    model.eval()
    logits = model(torch.as_tensor(np.asarray(x, dtype=np.float32)))
    return float((logits.argmax(dim=1).numpy() == np.asarray(y)).mean())
