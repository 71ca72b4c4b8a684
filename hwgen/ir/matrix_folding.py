"""Shape facts every folded matrix-vector block shares (integer, binary and MX MVAUs)."""

from __future__ import annotations

import math

__all__ = ["MatrixFolding"]


class MatrixFolding:
    """Mixin for block parameters with ``mh`` x ``mw`` weights folded ``pe`` x ``simd``.

    The class provides ``mh`` and ``mw`` (from its weight array) and the fields ``pe``,
    ``simd`` and, optionally, ``spatial`` (leading dimensions: vectors per inference).
    """

    spatial: tuple = ()

    @property
    def nf(self) -> int:
        """Neuron folds: output beats per input vector."""
        return self.mh // self.pe

    @property
    def sf(self) -> int:
        """Synapse folds: input beats per input vector."""
        return self.mw // self.simd

    @property
    def vectors(self) -> int:
        """Input vectors per inference."""
        return math.prod(self.spatial)

    @property
    def input_shape(self) -> tuple:
        return tuple(self.spatial) + (self.mw,)

    @property
    def output_shape(self) -> tuple:
        return tuple(self.spatial) + (self.mh,)

    @property
    def macs(self) -> int:
        """Multiply-accumulates (weight-input products) per inference."""
        return self.mh * self.mw * self.vectors
