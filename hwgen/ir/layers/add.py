"""Quantized element-wise addition of two tensors (residual connections)."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import IRError
from ..rules import RequantRounding
from ..types import TensorQuant

__all__ = ["QuantAdd"]


@dataclass(frozen=True, eq=False)
class QuantAdd:
    """``y = a + b`` on quantized tensors of the same shape, with optional fused ReLU.

    ``inputs`` names the two producing layers (``"input"`` for the graph input). The integer
    rule is :class:`hwgen.ir.blocks.eltwise_add.AddParams`'s.
    """

    name: str
    inputs: tuple
    a_quant: TensorQuant
    b_quant: TensorQuant
    output_quant: TensorQuant
    shape: tuple
    relu: bool = False
    rounding: RequantRounding = RequantRounding.GEMMLOWP

    def __post_init__(self):
        where = f"layer {self.name!r}"
        inputs = tuple(self.inputs)
        if len(inputs) != 2 or not all(isinstance(n, str) and n for n in inputs):
            raise IRError(f"{where}: an add needs the names of its two input layers, not "
                          f"{self.inputs!r}")
        object.__setattr__(self, "inputs", inputs)
        shape = tuple(int(d) for d in self.shape)
        if not shape or min(shape) < 1:
            raise IRError(f"{where}: shape must be positive dimensions, not {self.shape!r}")
        object.__setattr__(self, "shape", shape)
        for key in ("a_quant", "b_quant", "output_quant"):
            if not isinstance(getattr(self, key), TensorQuant):
                raise IRError(f"{where}: {key} must be a TensorQuant")
        object.__setattr__(self, "rounding", RequantRounding(self.rounding))

    @property
    def input_shape(self) -> tuple:
        return self.shape

    @property
    def output_shape(self) -> tuple:
        return self.shape

    @property
    def input_quant(self) -> TensorQuant:
        return self.a_quant

    @property
    def input_quants(self) -> tuple:
        return (self.a_quant, self.b_quant)
