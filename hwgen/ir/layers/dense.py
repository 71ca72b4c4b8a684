"""Quantized layers of the IR."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...errors import IRError
from ..rules import RequantRounding
from ..types import IntType, TensorQuant, WeightQuant
from .dense_shape import DenseShape

__all__ = ["Folding", "QuantDense"]

#: Bit widths the integer MVAU supports for weights and activations.
INT_MVAU_BITS = (2, 8)


@dataclass(frozen=True)
class Folding:
    """How a matrix-vector layer is folded onto hardware.

    ``pe`` output channels and ``simd`` input elements are processed per cycle: a layer of
    ``MH`` outputs and ``MW`` inputs takes ``(MH / pe) * (MW / simd)`` cycles per vector.
    """

    pe: int
    simd: int

    def __post_init__(self):
        for key in ("pe", "simd"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise IRError(f"Folding {key} must be an int >= 1, not {value!r}")


def _frozen_int_array(values, what: str, ndim: int) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind not in "iu":
        raise IRError(f"{what} must hold integer codes, not {array.dtype}")
    if array.ndim != ndim:
        raise IRError(f"{what} must have {ndim} dimension(s), not shape {array.shape}")
    array = array.astype(np.int64, copy=True)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class QuantDense(DenseShape):
    """Quantized fully connected layer (lecture: Z_W = 0, int32 bias with S_b = S_W * S_X).

    ``q_Y = clamp(Z_Y + requant(sum_j q_W[i,j] (q_X[j] - Z_X) + q_b[i], M_i))`` with
    ``M_i = S_W[i] * S_X / S_Y``; a fused ReLU raises the lower clamp to ``Z_Y``.

    Parameters
    ----------
    name : str
        Layer name (the ONNX node that holds the weights).
    weights : numpy.ndarray
        Weight codes, shape ``(out_features, in_features)``.
    weight_quant : WeightQuant
        Weight type and scale(s).
    bias : numpy.ndarray
        int32 bias codes ``q_b`` at scale ``S_W[i] * S_X``, shape ``(out_features,)``.
    input_quant, output_quant : TensorQuant
        Quantization of the layer's input and output activations.
    relu : bool
        Fused ReLU.
    rounding : RequantRounding
        Requantization rule.
    folding : Folding or None
        PE x SIMD, chosen by a pass when not given.
    """

    name: str
    weights: np.ndarray
    weight_quant: WeightQuant
    bias: np.ndarray
    input_quant: TensorQuant
    output_quant: TensorQuant
    relu: bool = False
    rounding: RequantRounding = RequantRounding.GEMMLOWP
    folding: Folding | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise IRError(f"layer name must be a non-empty string, not {self.name!r}")
        where = f"layer {self.name!r}"
        weights = _frozen_int_array(self.weights, f"{where}: weights", 2)
        bias = _frozen_int_array(self.bias, f"{where}: bias", 1)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "bias", bias)
        mh, mw = weights.shape
        if mh == 0 or mw == 0:
            raise IRError(f"{where}: weights of shape {weights.shape} are empty")
        if not isinstance(self.weight_quant, WeightQuant):
            raise IRError(f"{where}: weight_quant must be a WeightQuant")
        for key in ("input_quant", "output_quant"):
            if not isinstance(getattr(self, key), TensorQuant):
                raise IRError(f"{where}: {key} must be a TensorQuant")
        self.weight_quant.dtype.check_codes(weights, f"{where}: weights")
        if self.weight_quant.scale.shape != (mh,):
            raise IRError(
                f"{where}: {self.weight_quant.scale.size} weight scales for {mh} output channels")
        if bias.shape != (mh,):
            raise IRError(f"{where}: bias has shape {bias.shape}, expected ({mh},)")
        IntType(32, True).check_codes(bias, f"{where}: bias")
        lo, hi = INT_MVAU_BITS
        for what, dtype in (("weights", self.weight_quant.dtype),
                            ("input activations", self.input_quant.dtype),
                            ("output activations", self.output_quant.dtype)):
            if not lo <= dtype.bits <= hi:
                raise IRError(
                    f"{where}: {what} of {dtype.bits} bits are out of range for the INT "
                    f"datapath; use {lo} to {hi} bits")
        if not isinstance(self.relu, bool):
            raise IRError(f"{where}: relu must be a bool")
        try:
            object.__setattr__(self, "rounding", RequantRounding(self.rounding))
        except ValueError:
            raise IRError(
                f"{where}: unknown requantization rounding {self.rounding!r}; use one of "
                f"{', '.join(r.value for r in RequantRounding)}") from None
        if self.folding is not None:
            if not isinstance(self.folding, Folding):
                raise IRError(f"{where}: folding must be a Folding")
            if mh % self.folding.pe:
                raise IRError(
                    f"{where}: PE={self.folding.pe} does not divide the {mh} output channels; "
                    f"use a divisor of {mh}")
            if mw % self.folding.simd:
                raise IRError(
                    f"{where}: SIMD={self.folding.simd} does not divide the {mw} inputs; "
                    f"use a divisor of {mw}")

    def replace(self, **changes) -> "QuantDense":
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)
