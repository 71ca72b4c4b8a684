"""Binary and ternary values: their encoding, the bipolar tensor type and the threshold rule.

Everything below is documented here once; the golden model (``hwgen.golden.xnor``), the
hardware (``hwgen.hw.binary.xnor_mvau``, ``bwn_mvau``, ``ternary_mvau``, ``threshold_unit``) and the
frontends follow it, and the tests hold them equal bit for bit.

Bipolar encoding
    A bipolar value ``x`` in {-1, +1} is stored, on streams and in memories, as the bit
    ``b = (x + 1) / 2`` (+1 -> 1, -1 -> 0): a stream element of type :data:`BIT`
    (``IntType(1, signed=False)``). The dot product of ``n`` bipolar values is
    ``y = 2 * popcount(XNOR(b_w, b_x)) - n`` (the lecture's ``-n + popcount(W xnor x) << 1``):
    XNOR is 1 exactly where the two signs agree. sign(0) = +1 wherever real values are
    binarized (the lecture's convention, and qonnx's ``BipolarQuant``).
Ternary weights
    A ternary weight ``w`` in {-1, 0, +1} is a mask bit ``m = [w != 0]`` and a sign bit
    ``s = [w = +1]``; the hardware reads them as a mask plane and a sign plane and selects,
    never multiplies.
Ternary levels (TWN, TTQ)
    Row ``i`` maps the code +1 to the integer ``level_pos[i]`` and -1 to ``-level_neg[i]``
    (both >= 1). TWN and every binary layer use 1 and 1; TTQ's separate positive and negative
    scales ``w_p``, ``w_n`` become ``w_p ~ level_pos * s`` and ``w_n ~ level_neg * s`` with one
    real scale ``s`` per row (:func:`ttq_levels`). The accumulator is
    ``acc[i] = bias[i] + sum_j c[i, j] * v[j]`` with ``c`` the level of each code and ``v`` the
    input value (bipolar +-1, or an integer code with its zero point folded into the bias).
Accumulator shift
    ``acc = bias + 2^s * sum_j c[i, j] * v[j]`` with a layer's ``acc_shift`` ``s`` (0 by
    default): the bias then has ``2^s`` steps per unit of the dot product, so a real-valued
    bias survives the rounding to integers on a coarse binary accumulator (one unit of a
    bipolar dot product is a whole ``alpha``). The hardware shifts each step's dot product,
    which costs no logic; a requantizer divides the scale by ``2^s``.
Threshold rule (FINN's MultiThreshold), :class:`ThresholdActivation`
    Output code ``= out_offset + count`` with ``count = sum_k [acc >= t_k]`` for an ascending
    channel, and ``count = sum_k [acc <= t_k]`` for a descending one (a channel whose batch
    norm scale is negative: the comparison flips, ties included, instead of the weights).
    ``2^n - 1`` thresholds give ``n``-bit codes (``2^n - 2`` for a narrow signed range). A
    one-threshold unit with offset 0 and a :class:`BipolarQuant` output produces the bipolar
    bit directly: ``[acc >= t]`` is 1 for +1.
XNOR accumulator domain
    The XNOR MVAU with a threshold activation accumulates the popcount ``pc`` (``0 .. MW``,
    the narrowest accumulator) instead of ``y = 2 pc - MW + bias``; its thresholds are
    converted once, exactly: ``y >= t  <=>  pc >= ceil((t - bias + MW) / 2)`` and
    ``y <= t  <=>  pc <= floor((t - bias + MW) / 2)``
    (:meth:`hwgen.ir.blocks.binary_mvau.XnorMvauParams.hw_thresholds`; with an accumulator shift
    ``s`` the divisor is ``2^(s + 1)`` and ``MW`` becomes ``2^s MW``).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from ..errors import IRError
from .rules import RequantRounding
from .types import IntType, TensorQuant

__all__ = ["BIT", "BipolarQuant", "WeightFormat", "Activation", "ThresholdActivation",
           "RequantActivation", "to_bits", "from_bits", "ttq_levels", "TTQ_LEVEL_MAX"]

#: Stream and memory element of a bipolar value: the bit (x + 1) / 2.
BIT = IntType(1, False)

#: Largest integer level of a TTQ row (see :func:`ttq_levels`).
TTQ_LEVEL_MAX = 127


def to_bits(codes) -> np.ndarray:
    """Bipolar codes {-1, +1} to stored bits {0, 1} (int64)."""
    codes = np.asarray(codes)
    if codes.size and not np.isin(codes, (-1, 1)).all():
        raise IRError("bipolar codes must be -1 or +1")
    return ((codes.astype(np.int64) + 1) // 2)


def from_bits(bits) -> np.ndarray:
    """Stored bits {0, 1} to bipolar codes {-1, +1} (int64)."""
    bits = np.asarray(bits)
    if bits.size and not np.isin(bits, (0, 1)).all():
        raise IRError("bipolar bits must be 0 or 1")
    return 2 * bits.astype(np.int64) - 1


@dataclass(frozen=True)
class BipolarQuant:
    """A bipolar activation tensor: the real value ``scale * x``, ``x`` in {-1, +1}.

    Its codes on a stream are the bits ``(x + 1) / 2`` (:data:`BIT`). Real inputs binarize
    with sign(0) = +1: the bit is ``[x >= threshold]``. ``threshold`` is 0 everywhere but at a
    model input whose preprocessing the host folds into the binarization (BNN-PYNQ's
    ``sign(2 x - 1)`` is ``[x >= 0.5]``); it changes only :meth:`quantize`.
    """

    scale: float = 1.0
    threshold: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "scale", float(self.scale))
        object.__setattr__(self, "threshold", float(self.threshold))
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise IRError(f"BipolarQuant: scale must be a finite float > 0, not {self.scale!r}")
        if not math.isfinite(self.threshold):
            raise IRError(f"BipolarQuant: threshold must be finite, not {self.threshold!r}")

    @property
    def dtype(self) -> IntType:
        return BIT

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """Real values to stored bits: 1 where ``x >= threshold``."""
        x = np.asarray(x, dtype=np.float64)
        if not np.all(np.isfinite(x)):
            raise IRError("cannot binarize NaN or Inf input values; clean the input data first")
        return (x >= self.threshold).astype(np.int64)

    def dequantize(self, bits: np.ndarray) -> np.ndarray:
        """Stored bits to float64 values ``scale * (2 b - 1)``."""
        return self.scale * (2.0 * np.asarray(bits, dtype=np.float64) - 1.0)

    def describe(self) -> dict:
        if self.threshold:
            return {"type": "bipolar", "scale": self.scale, "threshold": self.threshold}
        return {"type": "bipolar", "scale": self.scale}

    def __str__(self) -> str:
        if self.threshold:
            return f"bipolar (scale {self.scale:g}, bit = x >= {self.threshold:g})"
        return f"bipolar (scale {self.scale:g})"


class WeightFormat(str, enum.Enum):
    """Weight codes of a binary or ternary layer."""

    BIPOLAR = "bipolar"    # {-1, +1}
    TERNARY = "ternary"    # {-1, 0, +1}


class Activation(str, enum.Enum):
    """What follows the accumulator of a binary or ternary MVAU."""

    THRESHOLD = "threshold"    # FINN MultiThreshold (see the module docstring)
    REQUANT = "requant"        # the INT path's requantizer (hwgen.ir.rules.RequantRounding)


def _int_array(values, what: str, ndim: int) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise IRError(f"{what} must hold integers, not {array.dtype}")
    if array.ndim != ndim:
        raise IRError(f"{what} must have {ndim} dimension(s), not shape {array.shape}")
    array = array.astype(np.int64, copy=True)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class ThresholdActivation:
    """Integer thresholds on the accumulator (the rule in the module docstring).

    Parameters
    ----------
    thresholds : numpy.ndarray
        int64 of shape ``(channels, T)``, ``T >= 1``; any order (the count does not depend
        on it).
    descending : numpy.ndarray
        0/1 (or bool) per channel: 1 counts ``acc <= t`` instead of ``acc >= t``.
    output_quant : TensorQuant or BipolarQuant
        What the codes ``out_offset .. out_offset + T`` stand for.
    out_offset : int
        Code of a zero count (``qmin`` of the output quantizer; 0 for bipolar outputs).
    """

    thresholds: np.ndarray
    descending: np.ndarray
    output_quant: object
    out_offset: int = 0

    def __post_init__(self):
        thresholds = _int_array(self.thresholds, "thresholds", 2)
        if thresholds.shape[1] < 1:
            raise IRError("a threshold activation needs at least one threshold per channel")
        descending = _int_array(self.descending, "descending", 1)
        if descending.shape != thresholds.shape[:1] or not np.isin(descending, (0, 1)).all():
            raise IRError(f"descending must hold 0 or 1 for each of the "
                          f"{thresholds.shape[0]} channels")
        object.__setattr__(self, "thresholds", thresholds)
        object.__setattr__(self, "descending", descending)
        object.__setattr__(self, "out_offset", int(self.out_offset))
        q = self.output_quant
        if not isinstance(q, (TensorQuant, BipolarQuant)):
            raise IRError("output_quant must be a TensorQuant or a BipolarQuant")
        lo, hi = self.out_offset, self.out_offset + thresholds.shape[1]
        if isinstance(q, BipolarQuant) and (lo, hi) != (0, 1):
            raise IRError("a bipolar output takes one threshold per channel and offset 0")
        if not (q.dtype.qmin <= lo and hi <= q.dtype.qmax):
            raise IRError(f"{thresholds.shape[1]} thresholds from offset {lo} give codes "
                          f"[{lo}, {hi}], outside {q.dtype} [{q.dtype.qmin}, {q.dtype.qmax}]")

    @property
    def channels(self) -> int:
        return self.thresholds.shape[0]


@dataclass(frozen=True)
class RequantActivation:
    """The INT path's output stage: requantize by ``M = S_W S_X / S_Y``, add ``Z_Y``, clamp
    (ReLU raises the lower bound to ``Z_Y``)."""

    output_quant: TensorQuant
    rounding: RequantRounding = RequantRounding.GEMMLOWP
    relu: bool = False

    def __post_init__(self):
        if not isinstance(self.output_quant, TensorQuant):
            raise IRError("a requantized output needs a TensorQuant (integer codes)")
        try:
            object.__setattr__(self, "rounding", RequantRounding(self.rounding))
        except ValueError:
            raise IRError(f"unknown requantization rounding {self.rounding!r}; use one of "
                          f"{', '.join(r.value for r in RequantRounding)}") from None
        if not isinstance(self.relu, bool):
            raise IRError("relu must be a bool")


def ttq_levels(w_p, w_n, *, level_max: int = TTQ_LEVEL_MAX):
    """Integer levels and one scale per row for TTQ's positive and negative scales.

    ``s = max(w_p, w_n) / level_max``, ``level_pos = max(1, round(w_p / s))`` and likewise for
    ``level_neg`` (round half to even), so ``w_p ~ level_pos * s`` within ``s / 2``. Equal
    scales (TWN) give levels 1 and 1 and ``s = w_p``.

    Returns
    -------
    (level_pos, level_neg, scale) : int64, int64, float64 arrays of the rows' shape
    """
    w_p = np.asarray(w_p, dtype=np.float64)
    w_n = np.asarray(w_n, dtype=np.float64)
    if np.any(w_p < 0) or np.any(w_n < 0) or not np.all(np.isfinite(w_p + w_n)):
        raise IRError("TTQ scales must be finite and >= 0")
    top = np.maximum(w_p, w_n)
    equal = w_p == w_n
    scale = np.where(equal, np.where(top > 0, top, 1.0), top / level_max)
    scale = np.where(scale > 0, scale, 1.0)
    level_pos = np.where(equal, 1, np.maximum(1, np.rint(w_p / scale))).astype(np.int64)
    level_neg = np.where(equal, 1, np.maximum(1, np.rint(w_n / scale))).astype(np.int64)
    return level_pos, level_neg, scale
