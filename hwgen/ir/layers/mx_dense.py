"""The MX dense layer of the IR: MX (or int) weights, int or MX activations in and out."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...errors import IRError
from ...quant.mx import MxTensor
from ..mx.types import MxQuant
from ..types import TensorQuant, WeightQuant
from .dense import Folding
from .dense_shape import DenseShape

__all__ = ["MxDense", "mx_folding_problem"]


def mx_folding_problem(*, mh: int, mw: int, pe: int, simd: int, in_block: int | None,
                       out_block: int | None, micro_weights: bool) -> str | None:
    """Why ``(pe, simd)`` cannot fold an MX layer, or None if it can.

    A beat's SIMD lanes must hold whole blocks or lie inside one block (the shared exponent
    is applied per block); a pair of micro-exponent weights must lie in one beat; an output
    beat's PE lanes must hold whole output blocks or lie inside one.
    """
    if mh % pe:
        return f"PE={pe} does not divide the {mh} output channels"
    if mw % simd:
        return f"SIMD={simd} does not divide the {mw} inputs"
    if in_block and in_block % simd and simd % in_block:
        return (f"SIMD={simd} neither divides nor is a multiple of the block size {in_block}; "
                "use a divisor or a multiple of it")
    if micro_weights and simd % 2:
        return f"SIMD={simd} splits pairs of MX4/MX6/MX9 weights; use an even SIMD"
    if out_block and out_block % pe and pe % out_block:
        return (f"PE={pe} neither divides nor is a multiple of the output block size "
                f"{out_block}; use a divisor or a multiple of it")
    return None


@dataclass(frozen=True, eq=False)
class MxDense(DenseShape):
    """A fully connected layer on the MX datapath: ``y = relu?(W x + b)``.

    Parameters
    ----------
    name : str
        Layer name (the ONNX node that holds the weights).
    weights : MxTensor or numpy.ndarray
        MX weights of shape ``(out_features, in_features)`` blocked along the inputs, or
        signed int codes of that shape (with ``weight_quant``).
    weight_quant : WeightQuant or None
        The int weights' type and per-channel scales (None for MX weights).
    bias : numpy.ndarray
        Real bias, float64, ``(out_features,)``; quantized at lowering, where the
        accumulator's unit is known.
    input_quant, output_quant : TensorQuant or MxQuant
        Int (scale and zero point) or MX activations.
    relu : bool
    rounding : str
        Tie rule of an MX output's elements (``"half_even"`` or ``"half_away"``).
    folding : Folding or None
    """

    name: str
    weights: object
    weight_quant: WeightQuant | None
    bias: np.ndarray
    input_quant: object
    output_quant: object
    relu: bool = False
    rounding: str = "half_even"
    folding: Folding | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise IRError(f"layer name must be a non-empty string, not {self.name!r}")
        where = f"layer {self.name!r}"
        if isinstance(self.weights, MxTensor):
            if self.weight_quant is not None:
                raise IRError(f"{where}: MX weights carry their own scales; weight_quant must "
                              "be None")
            if self.weights.codes.ndim != 2:
                raise IRError(f"{where}: weights must be 2-D, not {self.weights.codes.shape}")
            if self.weights.codes.shape[1] % self.weights.block_size:
                raise IRError(
                    f"{where}: the block size {self.weights.block_size} does not divide the "
                    f"{self.weights.codes.shape[1]} inputs; use a block size that divides it")
        else:
            codes = np.asarray(self.weights)
            if codes.dtype.kind not in "iu" or codes.ndim != 2:
                raise IRError(f"{where}: weights must be an MxTensor or 2-D int codes")
            if not isinstance(self.weight_quant, WeightQuant):
                raise IRError(f"{where}: int weights need a WeightQuant")
            codes = codes.astype(np.int64)
            codes.setflags(write=False)
            object.__setattr__(self, "weights", codes)
            self.weight_quant.dtype.check_codes(codes, f"{where}: weights")
        mh, mw = self.out_features, self.in_features
        if mh == 0 or mw == 0:
            raise IRError(f"{where}: weights of shape {(mh, mw)} are empty")
        bias = np.array(self.bias, dtype=np.float64)
        if bias.shape != (mh,) or not np.all(np.isfinite(bias)):
            raise IRError(f"{where}: bias must be {mh} finite values")
        bias.setflags(write=False)
        object.__setattr__(self, "bias", bias)
        for key in ("input_quant", "output_quant"):
            if not isinstance(getattr(self, key), (TensorQuant, MxQuant)):
                raise IRError(f"{where}: {key} must be a TensorQuant or an MxQuant")
        if isinstance(self.input_quant, MxQuant):
            if mw % self.input_quant.block_size:
                raise IRError(f"{where}: the input block size {self.input_quant.block_size} "
                              f"does not divide the {mw} inputs")
            if self.weight_block and self.weight_block != self.input_quant.block_size:
                raise IRError(f"{where}: weights in blocks of {self.weight_block} and MX "
                              f"inputs in blocks of {self.input_quant.block_size}; use one "
                              "block size")
        if isinstance(self.output_quant, MxQuant) and mh % self.output_quant.block_size:
            raise IRError(f"{where}: the output block size {self.output_quant.block_size} does "
                          f"not divide the {mh} output channels")
        if not isinstance(self.relu, bool):
            raise IRError(f"{where}: relu must be a bool")
        if self.rounding not in ("half_even", "half_away"):
            raise IRError(f"{where}: rounding must be 'half_even' or 'half_away', "
                          f"not {self.rounding!r}")
        if self.folding is not None:
            if not isinstance(self.folding, Folding):
                raise IRError(f"{where}: folding must be a Folding")
            problem = self.folding_problem(self.folding.pe, self.folding.simd)
            if problem:
                raise IRError(f"{where}: {problem}")

    # -- IR layer interface ----------------------------------------------------------------
    @property
    def out_features(self) -> int:
        return self._codes.shape[0]

    @property
    def in_features(self) -> int:
        return self._codes.shape[1]

    @property
    def _codes(self) -> np.ndarray:
        return self.weights.codes if isinstance(self.weights, MxTensor) else self.weights

    # -- MX facts ----------------------------------------------------------------------------
    @property
    def weight_format(self) -> str:
        """``"mxfp4"``, ... or ``"int8"``, ... for int weights."""
        if isinstance(self.weights, MxTensor):
            return self.weights.fmt.name
        return self.weight_quant.dtype.name

    @property
    def weight_block(self) -> int | None:
        return self.weights.block_size if isinstance(self.weights, MxTensor) else None

    @property
    def input_block(self) -> int | None:
        """Block size along the inputs (weights' or MX inputs'), None if neither is MX."""
        if self.weight_block:
            return self.weight_block
        return self.input_quant.block_size if isinstance(self.input_quant, MxQuant) else None

    @property
    def output_block(self) -> int | None:
        return self.output_quant.block_size if isinstance(self.output_quant, MxQuant) else None

    def folding_problem(self, pe: int, simd: int) -> str | None:
        """Why ``(pe, simd)`` cannot fold this layer, or None."""
        micro = isinstance(self.weights, MxTensor) and self.weights.fmt.micro
        return mx_folding_problem(mh=self.out_features, mw=self.in_features, pe=pe, simd=simd,
                                  in_block=self.input_block, out_block=self.output_block,
                                  micro_weights=micro)

    def allows_folding(self, pe: int, simd: int) -> bool:
        """Folding hook for ``hwgen.passes.choose_folding``."""
        return self.folding_problem(pe, simd) is None

    def replace(self, **changes) -> "MxDense":
        return replace(self, **changes)
