"""A binary or ternary layer of a QONNX model while the reader assembles it.

Its weights are ``BipolarQuant`` / 1-bit or ternary 2-bit ``Quant`` codes (or FINN's constant
codes) with one scale per tensor or output channel; the operators after it (bias ``Add``,
``Mul``, ``BatchNormalization``, ``Relu``) and its activation quantizer collect here until
:mod:`hwgen.frontend.qonnx.build` turns it into a
:class:`~hwgen.ir.layers.binary_dense.BinaryDense` or
:class:`~hwgen.ir.layers.binary_conv.BinaryConv` (``geometry`` set).
"""

from __future__ import annotations

import numpy as np

from ..onnx.graph import node_name

__all__ = ["BinaryLayer"]


class BinaryLayer:
    """A binary or ternary layer being assembled: weights, then the ops up to its quantizer.

    ``codes`` in {-1, +1} or {-1, 0, +1}; ternary weights exported as integer codes
    {-L_n, 0, +L_p} per row (TTQ's two scales as one Quant) arrive as those integers and are
    kept as their signs with the levels ``level_pos`` / ``level_neg`` (ones otherwise).
    """

    def __init__(self, node, codes, fmt, w_scale, in_quant):
        codes = np.asarray(codes, dtype=np.int64)
        rows = codes.reshape(len(codes), -1)
        self.level_pos = np.maximum(rows.max(axis=1), 1)
        self.level_neg = np.maximum(-rows.min(axis=1), 1)
        self.node, self.codes, self.fmt = node, np.sign(codes), fmt
        self.w_scale, self.in_quant = w_scale, in_quant
        mh = codes.shape[0]
        self.scale = np.ones(mh)        # real value of an accumulator unit, s_x folded in later
        self.bias = np.zeros(mh)
        self.batch_norm = None
        self.relu = False
        self.quantizer = None
        self.geometry = None

    @property
    def name(self) -> str:
        return node_name(self.node)

    @property
    def out_channels(self) -> int:
        return self.codes.shape[0]

    @property
    def values(self) -> np.ndarray:
        """The weights as integer levels (``codes`` times the row's level)."""
        shape = (-1,) + (1,) * (self.codes.ndim - 1)
        return np.where(self.codes > 0, self.level_pos.reshape(shape),
                        self.level_neg.reshape(shape)) * self.codes

    @property
    def has_levels(self) -> bool:
        return bool(np.any(self.level_pos != 1) or np.any(self.level_neg != 1))

    @property
    def out_quant(self):
        return None if self.quantizer is None else self.quantizer.output_quant
