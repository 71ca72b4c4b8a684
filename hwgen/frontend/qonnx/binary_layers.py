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
    """A binary or ternary layer being assembled: weights, then the ops up to its quantizer."""

    def __init__(self, node, codes, fmt, w_scale, in_quant):
        self.node, self.codes, self.fmt = node, codes, fmt
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
    def out_quant(self):
        return None if self.quantizer is None else self.quantizer.output_quant
