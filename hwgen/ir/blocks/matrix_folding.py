"""Shape facts every folded matrix-vector block shares (integer, binary and MX MVAUs)."""

from __future__ import annotations

import math

from ...errors import IRError
from ..block import Block, StreamFormat

__all__ = ["MatrixFolding"]


class MatrixFolding(Block):
    """Mixin for block parameters with ``mh`` x ``mw`` weights folded ``pe`` x ``simd``.

    The class provides ``mh`` and ``mw`` (from its ``weights`` array, rows x columns; a block
    that keeps its weights otherwise overrides them), the stream formats (``simd`` codes of
    ``input_type`` in, ``pe`` codes of ``output_type`` out), and reads the fields ``pe``,
    ``simd`` and, optionally, ``spatial`` (leading dimensions: vectors per inference).
    """

    spatial: tuple = ()

    def check_folding_fields(self, where: str) -> None:
        """Check ``pe``, ``simd``, the FIFO depths and ``spatial`` (normalised to ints)."""
        for key in ("pe", "simd", "out_fifo_depth"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise IRError(f"{where}: {key} must be an int >= 1, not {value!r}")
        if not isinstance(self.in_fifo_depth, int) or self.in_fifo_depth < 0:
            raise IRError(f"{where}: in_fifo_depth must be an int >= 0")
        spatial = tuple(int(d) for d in self.spatial)
        if any(d < 1 for d in spatial):
            raise IRError(f"{where}: spatial dimensions must be >= 1, not {spatial}")
        object.__setattr__(self, "spatial", spatial)

    @property
    def mh(self) -> int:
        """Output channels: rows of the weight matrix."""
        return self.weights.shape[0]

    @property
    def mw(self) -> int:
        """Inputs per vector: columns of the weight matrix."""
        return self.weights.shape[1]

    @property
    def input_format(self) -> StreamFormat:
        return StreamFormat(self.input_type, self.simd)

    @property
    def output_format(self) -> StreamFormat:
        return StreamFormat(self.output_type, self.pe)

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
