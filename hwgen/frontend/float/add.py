"""A float element-wise add of two tensors (a residual connection), the float side of
:class:`hwgen.ir.layers.add.QuantAdd`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ModelError
from .fields import activate, check_clip, check_inputs

__all__ = ["FloatAdd"]


@dataclass(frozen=True, eq=False)
class FloatAdd:
    """``y = a + b`` of two tensors of the same shape, then ReLU if ``relu``, then ``clip``.

    Parameters
    ----------
    name : str
        Layer name (the ONNX Add node).
    inputs : tuple
        Names of the two layers it reads, ``(a, b)`` (``"input"`` for the model input).
    shape : tuple
        Shape of ``a``, ``b`` and ``y`` per sample in hwgen's layout: ``(height, width,
        channels)`` for feature maps (NHWC), ``(features,)`` otherwise.
    relu : bool
    clip : tuple or None
        ``(low, high)`` bounds applied after the ReLU (ONNX Clip), or None.
    """

    name: str
    inputs: tuple
    shape: tuple
    relu: bool = False
    clip: tuple | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ModelError(f"layer name must be a non-empty string, not {self.name!r}")
        where = f"layer {self.name!r}"
        try:
            shape = tuple(int(d) for d in self.shape)
        except (TypeError, ValueError):
            shape = ()
        if len(shape) not in (1, 3) or min(shape) < 1:
            raise ModelError(f"{where}: shape must be (height, width, channels) or "
                             f"(features,), not {self.shape!r}")
        if not isinstance(self.relu, (bool, np.bool_)):
            raise ModelError(f"{where}: relu must be True or False, not {self.relu!r}")
        for key, value in (("inputs", check_inputs(where, self.inputs, 2)), ("shape", shape),
                           ("relu", bool(self.relu)), ("clip", check_clip(where, self.clip))):
            object.__setattr__(self, key, value)

    @property
    def input_shape(self) -> tuple:
        return self.shape

    @property
    def output_shape(self) -> tuple:
        return self.shape

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``(N, *shape)`` twice -> ``(N, *shape)`` in float64."""
        y = np.asarray(a, dtype=np.float64) + np.asarray(b, dtype=np.float64)
        return activate(y, self.relu, self.clip)
