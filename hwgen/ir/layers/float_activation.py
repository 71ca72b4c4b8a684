"""A layer's real-valued activation before it is folded into integer thresholds.

``FloatActivation`` describes what a trained model does after the integer accumulator of a
binary or ternary layer, in float64:

    v = acc * acc_scale + acc_bias          (the accumulator's real value, bias included)
    z = (v - mean) / sqrt(var + eps) * gamma + beta    (batch norm, ONNX's formula; optional)
    z = max(z, 0)                           (ReLU; optional)
    code = quantizer(z)                     (sign, a uniform quantizer or FINN thresholds)

Every step is monotone in ``acc`` (floating-point rounding is monotone too), non-decreasing
or non-increasing by the sign of ``acc_scale * gamma``, so the codes are a staircase in
``acc``: ``hwgen.passes.fold_thresholds`` finds its integer steps exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import IRError
from ..binary import BipolarQuant
from ..types import IntType, TensorQuant

__all__ = ["BatchNorm", "SignQuantizer", "UniformQuantizer", "ThresholdQuantizer",
           "FloatActivation", "ROUNDING_MODES"]

#: Rounding modes of a uniform quantizer (qonnx Quant's names).
ROUNDING_MODES = ("ROUND", "HALF_EVEN", "FLOOR", "CEIL", "HALF_UP", "HALF_DOWN", "UP", "DOWN")


def _channel_floats(values, what: str, channels: int | None, *, positive=False) -> np.ndarray:
    array = np.array(values, dtype=np.float64).reshape(-1)
    if channels is not None and array.size == 1:
        array = np.full(channels, array[0])
    if channels is not None and array.shape != (channels,):
        raise IRError(f"{what} has {array.size} values for {channels} channels")
    if not np.all(np.isfinite(array)):
        raise IRError(f"{what} holds NaN or Inf values")
    if positive and not np.all(array > 0):
        raise IRError(f"{what} must be > 0")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class BatchNorm:
    """Inference batch norm ``(v - mean) / sqrt(var + eps) * gamma + beta`` per channel."""

    gamma: np.ndarray
    beta: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    eps: float = 1e-5

    def __post_init__(self):
        channels = np.asarray(self.gamma).size
        for key in ("gamma", "beta", "mean", "var"):
            object.__setattr__(self, key, _channel_floats(getattr(self, key), f"batch norm {key}",
                                                          channels))
        if not (np.isfinite(self.eps) and self.eps >= 0) or np.any(self.var + self.eps <= 0):
            raise IRError("batch norm needs var + eps > 0")
        object.__setattr__(self, "eps", float(self.eps))

    @property
    def channels(self) -> int:
        return self.gamma.size

    def apply(self, v: np.ndarray) -> np.ndarray:
        return (v - self.mean) / np.sqrt(self.var + self.eps) * self.gamma + self.beta


@dataclass(frozen=True)
class SignQuantizer:
    """Binarize: the bit 1 (+1) where ``z >= 0`` (sign(0) = +1), else 0 (-1)."""

    output_quant: BipolarQuant = BipolarQuant()

    @property
    def qmin(self) -> int:
        return 0

    @property
    def qmax(self) -> int:
        return 1

    def codes(self, z: np.ndarray) -> np.ndarray:
        return (z >= 0).astype(np.int64)


def _round(x: np.ndarray, mode: str) -> np.ndarray:
    if mode in ("ROUND", "HALF_EVEN"):
        return np.rint(x)
    if mode == "FLOOR":
        return np.floor(x)
    if mode == "CEIL":
        return np.ceil(x)
    if mode == "HALF_UP":      # half away from zero
        return np.sign(x) * np.floor(np.abs(x) + 0.5)
    if mode == "HALF_DOWN":    # half toward zero
        return np.sign(x) * np.ceil(np.abs(x) - 0.5)
    if mode == "UP":           # away from zero
        return np.sign(x) * np.ceil(np.abs(x))
    return np.trunc(x)         # DOWN: toward zero


@dataclass(frozen=True, eq=False)
class UniformQuantizer:
    """qonnx ``Quant``: ``code = clamp(round(z / scale + zero_point), qmin, qmax)``.

    The codes stand for ``scale * (code - zero_point)``: ``output_quant`` is
    ``TensorQuant(dtype, scale, zero_point)``. ``narrow`` drops the most negative code of a
    signed type. Clamping before or after rounding gives the same codes (integer bounds).
    """

    dtype: IntType
    scale: float
    zero_point: int = 0
    narrow: bool = False
    rounding: str = "ROUND"

    def __post_init__(self):
        if not isinstance(self.dtype, IntType):
            raise IRError("UniformQuantizer dtype must be an IntType")
        if str(self.rounding).upper() not in ROUNDING_MODES:
            raise IRError(f"rounding mode {self.rounding!r} is not known; use one of "
                          f"{', '.join(ROUNDING_MODES)}")
        object.__setattr__(self, "rounding", str(self.rounding).upper())
        object.__setattr__(self, "narrow", bool(self.narrow))
        TensorQuant(self.dtype, self.scale, self.zero_point)  # validates scale and zero point
        object.__setattr__(self, "scale", float(self.scale))

    @property
    def qmin(self) -> int:
        return self.dtype.qmin + (1 if self.narrow and self.dtype.signed else 0)

    @property
    def qmax(self) -> int:
        return self.dtype.qmax

    @property
    def output_quant(self) -> TensorQuant:
        return TensorQuant(self.dtype, self.scale, self.zero_point)

    def codes(self, z: np.ndarray) -> np.ndarray:
        q = np.clip(z / self.scale + self.zero_point, self.qmin, self.qmax)
        return _round(q, self.rounding).astype(np.int64)


@dataclass(frozen=True, eq=False)
class ThresholdQuantizer:
    """FINN's real-valued MultiThreshold: ``code = out_offset + sum_k [z >= T[c, k]]``.

    ``output_quant`` says what the codes stand for (a ``BipolarQuant`` for FINN's bipolar
    outputs, ``out_scale = 2``, ``out_bias = -1``).
    """

    thresholds: np.ndarray
    output_quant: object
    out_offset: int = 0

    def __post_init__(self):
        t = np.array(self.thresholds, dtype=np.float64)
        if t.ndim != 2 or t.shape[1] < 1:
            raise IRError(f"MultiThreshold thresholds must have shape (C, T), not {t.shape}")
        if np.any(np.isnan(t)):
            raise IRError("MultiThreshold thresholds hold NaN")
        t.setflags(write=False)
        object.__setattr__(self, "thresholds", t)
        object.__setattr__(self, "out_offset", int(self.out_offset))

    @property
    def qmin(self) -> int:
        return self.out_offset

    @property
    def qmax(self) -> int:
        return self.out_offset + self.thresholds.shape[1]

    def codes(self, z: np.ndarray) -> np.ndarray:
        hits = z[..., None] >= self.thresholds
        return self.out_offset + hits.sum(axis=-1).astype(np.int64)


@dataclass(frozen=True, eq=False)
class FloatActivation:
    """Accumulator -> real value -> [batch norm] -> [ReLU] -> quantizer (module docstring).

    Parameters
    ----------
    acc_scale : numpy.ndarray
        Real value of one accumulator unit per channel (non-zero; negative flips the order).
    acc_bias : numpy.ndarray
        Real bias per channel, added after scaling.
    quantizer : SignQuantizer, UniformQuantizer or ThresholdQuantizer
    batch_norm : BatchNorm, optional
    relu : bool
    """

    acc_scale: np.ndarray
    acc_bias: np.ndarray
    quantizer: object
    batch_norm: BatchNorm | None = None
    relu: bool = False

    def __post_init__(self):
        scale = _channel_floats(self.acc_scale, "accumulator scale", None)
        if np.any(scale == 0):
            raise IRError("accumulator scales must be non-zero")
        channels = scale.size
        object.__setattr__(self, "acc_scale", scale)
        object.__setattr__(self, "acc_bias", _channel_floats(self.acc_bias, "accumulator bias",
                                                             channels))
        if self.batch_norm is not None:
            if not isinstance(self.batch_norm, BatchNorm):
                raise IRError("batch_norm must be a BatchNorm")
            if self.batch_norm.channels not in (1, channels):
                raise IRError(f"batch norm has {self.batch_norm.channels} channels, the layer "
                              f"{channels}")
        if not isinstance(self.quantizer, (SignQuantizer, UniformQuantizer, ThresholdQuantizer)):
            raise IRError("quantizer must be a SignQuantizer, UniformQuantizer or "
                          "ThresholdQuantizer")
        if isinstance(self.quantizer, ThresholdQuantizer) and \
                self.quantizer.thresholds.shape[0] not in (1, channels):
            raise IRError(f"MultiThreshold has {self.quantizer.thresholds.shape[0]} rows for "
                          f"{channels} channels")
        object.__setattr__(self, "relu", bool(self.relu))

    @property
    def channels(self) -> int:
        return self.acc_scale.size

    @property
    def output_quant(self):
        return self.quantizer.output_quant

    @property
    def direction(self) -> np.ndarray:
        """+1 where the codes rise with ``acc``, -1 where they fall, 0 where constant."""
        d = np.sign(self.acc_scale)
        if self.batch_norm is not None:
            d = d * np.sign(self.batch_norm.gamma)
        return np.broadcast_to(d, (self.channels,)).astype(np.int64)

    def real(self, acc: np.ndarray) -> np.ndarray:
        """The pre-quantizer value ``z`` for accumulators ``acc`` (channels on the last axis)."""
        z = np.asarray(acc, dtype=np.float64) * self.acc_scale + self.acc_bias
        if self.batch_norm is not None:
            z = self.batch_norm.apply(z)
        return np.maximum(z, 0.0) if self.relu else z

    def evaluate(self, acc: np.ndarray) -> np.ndarray:
        """Output codes for accumulators ``acc`` (channels on the last axis), int64."""
        return self.quantizer.codes(self.real(acc))
