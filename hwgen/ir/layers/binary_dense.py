"""Binary and ternary fully connected layers of the IR (encoding in :mod:`hwgen.ir.binary`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...errors import IRError
from ..binary import BipolarQuant, RequantActivation, ThresholdActivation, WeightFormat, _int_array
from ..types import IntType, TensorQuant
from .dense import Folding
from .dense_shape import DenseShape
from .float_activation import FloatActivation

__all__ = ["BinaryDense"]

_INT32 = IntType(32, True)
#: Input code widths the binary-weight and ternary datapaths take (besides bipolar inputs).
INPUT_BITS = (1, 8)


def _float_rows(values, what: str, rows: int) -> np.ndarray:
    array = np.array(values, dtype=np.float64).reshape(-1)
    if array.size == 1:
        array = np.full(rows, array[0])
    if array.shape != (rows,) or not np.all(np.isfinite(array)) or not np.all(array > 0):
        raise IRError(f"{what} must be {rows} finite values > 0 (one per output channel)")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class BinaryDense(DenseShape):
    """Fully connected layer with bipolar or ternary weights.

    ``acc[i] = bias[i] + sum_j c[i, j] v[j]`` with ``c`` the integer level of each code
    (``level_pos[i]`` for +1, ``-level_neg[i]`` for -1, 0 for 0) and ``v`` the input values
    (bipolar +-1, or integer codes minus the input zero point). Its real value is
    ``weight_scale[i] * S_X * acc[i]``. The activation thresholds ``acc`` or requantizes it.

    Parameters
    ----------
    name : str
        Layer name (the ONNX node that holds the weights).
    weights : numpy.ndarray
        Codes, shape ``(out_features, in_features)``, in {-1, +1} (bipolar) or {-1, 0, +1}.
    weight_format : WeightFormat
        ``"bipolar"`` or ``"ternary"``.
    weight_scale : numpy.ndarray
        Real value of one level per output channel (BWN's alpha, TWN's r_t, TTQ's scale).
    bias : numpy.ndarray
        Integer bias in units of ``weight_scale[i] * S_X`` (int32).
    input_quant : TensorQuant or BipolarQuant
        Integer codes (BWN, ternary) or bipolar bits (XNOR).
    activation : ThresholdActivation, RequantActivation or FloatActivation
        A float activation (batch norm, sign or a quantizer) is folded into thresholds by
        :func:`hwgen.passes.fold_thresholds` before lowering.
    level_pos, level_neg : numpy.ndarray, optional
        Ternary levels per output channel (TTQ); ones by default.
    folding : Folding or None
    acc_shift : int
        ``acc = bias + 2**acc_shift * sum_j c v`` (see :mod:`hwgen.ir.binary`), 0 to 16; the real
        value of ``acc`` is then ``weight_scale * S_X * 2**-acc_shift * acc``.
    """

    name: str
    weights: np.ndarray
    weight_format: WeightFormat
    weight_scale: np.ndarray
    bias: np.ndarray
    input_quant: object
    activation: object
    level_pos: np.ndarray | None = None
    level_neg: np.ndarray | None = None
    folding: Folding | None = None
    acc_shift: int = 0

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise IRError(f"layer name must be a non-empty string, not {self.name!r}")
        where = f"layer {self.name!r}"
        try:
            object.__setattr__(self, "weight_format", WeightFormat(self.weight_format))
        except ValueError:
            raise IRError(f"{where}: weight format {self.weight_format!r} is not bipolar or "
                          "ternary") from None
        weights = _int_array(self.weights, f"{where}: weights", 2)
        mh, mw = weights.shape
        if mh == 0 or mw == 0:
            raise IRError(f"{where}: weights of shape {weights.shape} are empty")
        allowed = (-1, 1) if self.weight_format is WeightFormat.BIPOLAR else (-1, 0, 1)
        if not np.isin(weights, allowed).all():
            raise IRError(f"{where}: {self.weight_format.value} weights must be codes in "
                          f"{{{', '.join(map(str, allowed))}}}")
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "weight_scale",
                           _float_rows(self.weight_scale, f"{where}: weight_scale", mh))
        bias = _int_array(self.bias, f"{where}: bias", 1)
        if bias.shape != (mh,):
            raise IRError(f"{where}: bias has shape {bias.shape}, expected ({mh},)")
        _INT32.check_codes(bias, f"{where}: bias")
        object.__setattr__(self, "bias", bias)
        for key in ("level_pos", "level_neg"):
            value = getattr(self, key)
            value = np.ones(mh, dtype=np.int64) if value is None else \
                _int_array(value, f"{where}: {key}", 1)
            if value.shape != (mh,) or np.any(value < 1) or np.any(value > 1 << 16):
                raise IRError(f"{where}: {key} must be {mh} integers in [1, 65536]")
            object.__setattr__(self, key, value)
        if self.weight_format is WeightFormat.BIPOLAR and (
                np.any(self.level_pos != 1) or np.any(self.level_neg != 1)):
            raise IRError(f"{where}: bipolar weights have levels 1 and -1; use ternary weights "
                          "for separate positive and negative scales")
        if not isinstance(self.acc_shift, int) or isinstance(self.acc_shift, bool) or \
                not 0 <= self.acc_shift <= 16:
            raise IRError(f"{where}: acc_shift must be an int from 0 to 16, not "
                          f"{self.acc_shift!r}")
        q = self.input_quant
        if isinstance(q, TensorQuant):
            lo, hi = INPUT_BITS
            if not lo <= q.dtype.bits <= hi:
                raise IRError(f"{where}: input activations of {q.dtype.bits} bits are out of "
                              f"range for the binary and ternary datapaths; use {lo} to {hi} "
                              "bits or bipolar activations")
        elif not isinstance(q, BipolarQuant):
            raise IRError(f"{where}: input_quant must be a TensorQuant or a BipolarQuant")
        act = self.activation
        if isinstance(act, ThresholdActivation):
            if act.channels != mh:
                raise IRError(f"{where}: {act.channels} threshold rows for {mh} output channels")
        elif isinstance(act, FloatActivation):
            if act.channels != mh:
                raise IRError(f"{where}: a float activation of {act.channels} channels for "
                              f"{mh} output channels")
        elif not isinstance(act, RequantActivation):
            raise IRError(f"{where}: activation must be a ThresholdActivation, "
                          "RequantActivation or FloatActivation")
        if self.folding is not None:
            if not isinstance(self.folding, Folding):
                raise IRError(f"{where}: folding must be a Folding")
            if mh % self.folding.pe:
                raise IRError(f"{where}: PE={self.folding.pe} does not divide the {mh} output "
                              f"channels; use a divisor of {mh}")
            if mw % self.folding.simd:
                raise IRError(f"{where}: SIMD={self.folding.simd} does not divide the {mw} "
                              f"inputs; use a divisor of {mw}")

    # -- IR layer attributes (hwgen.ir.graph) --------------------------------------------
    @property
    def output_quant(self):
        return self.activation.output_quant

    @property
    def coefficients(self) -> np.ndarray:
        """Integer level of every weight (``level_pos``, ``-level_neg`` or 0) times
        ``2**acc_shift`` (int64)."""
        return np.where(self.weights > 0, self.level_pos[:, None],
                        np.where(self.weights < 0, -self.level_neg[:, None], 0)) \
            << self.acc_shift

    def acc_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Exact per-channel bounds of ``acc`` over every input vector."""
        c = self.coefficients
        q = self.input_quant
        if isinstance(q, BipolarQuant):
            x_lo, x_hi = -1, 1
        else:
            x_lo, x_hi = q.dtype.qmin - q.zero_point, q.dtype.qmax - q.zero_point
        lo = np.minimum(c * x_lo, c * x_hi).sum(axis=1) + self.bias
        hi = np.maximum(c * x_lo, c * x_hi).sum(axis=1) + self.bias
        return lo, hi

    def replace(self, **changes) -> "BinaryDense":
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)
