"""Shape facts of a fully connected layer with ``(out_features, in_features)`` weights."""

from __future__ import annotations

__all__ = ["DenseShape"]


class DenseShape:
    """Mixin for layers whose ``weights`` array has shape ``(out_features, in_features)``."""

    @property
    def out_features(self) -> int:
        return self.weights.shape[0]

    @property
    def in_features(self) -> int:
        return self.weights.shape[1]

    @property
    def input_shape(self) -> tuple:
        return (self.in_features,)

    @property
    def output_shape(self) -> tuple:
        return (self.out_features,)
