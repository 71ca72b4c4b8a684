"""Quantized tensor types.

A quantized tensor holds integer codes ``q`` that stand for real values ``r = S * (q - Z)``
(the lecture's linear quantization). :class:`IntType` is the code type, :class:`TensorQuant`
adds a per-tensor scale and zero point (activations), :class:`WeightQuant` a per-tensor or
per-output-channel scale with a zero point of 0 (weights).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import IRError

__all__ = ["IntType", "TensorQuant", "WeightQuant", "GRANULARITIES"]

#: Weight-scale granularities the INT datapath supports.
GRANULARITIES = ("tensor", "channel")

_FORMAT_RE = re.compile(r"^(u?)int(\d+)$")


@dataclass(frozen=True)
class IntType:
    """Two's complement (``signed``) or unsigned integer code of ``bits`` bits.

    Parameters
    ----------
    bits : int
        Width of a code, 1 to 32.
    signed : bool
        Two's complement if true, unsigned otherwise.
    """

    bits: int
    signed: bool

    def __post_init__(self):
        if not isinstance(self.bits, int) or isinstance(self.bits, bool):
            raise IRError(f"IntType bits must be an int, not {self.bits!r}")
        if not 1 <= self.bits <= 32:
            raise IRError(f"IntType bits must be between 1 and 32, not {self.bits}")
        if not isinstance(self.signed, bool):
            raise IRError(f"IntType signed must be a bool, not {self.signed!r}")

    @classmethod
    def parse(cls, text: str) -> "IntType":
        """Parse a format name such as ``"int8"`` or ``"uint4"``."""
        match = _FORMAT_RE.match(str(text))
        if match is None:
            raise IRError(f"{text!r} is not an integer format; use intN or uintN, e.g. 'int8'")
        return cls(bits=int(match.group(2)), signed=not match.group(1))

    @property
    def name(self) -> str:
        return f"{'' if self.signed else 'u'}int{self.bits}"

    @property
    def qmin(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def qmax(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    def check_codes(self, codes: np.ndarray, what: str) -> None:
        """Raise :class:`IRError` naming ``what`` if any code lies outside the type's range."""
        codes = np.asarray(codes)
        if codes.dtype.kind not in "iu":
            raise IRError(f"{what}: codes must be integers, not {codes.dtype}")
        if codes.size and (codes.min() < self.qmin or codes.max() > self.qmax):
            raise IRError(
                f"{what}: codes span [{codes.min()}, {codes.max()}], outside {self.name} "
                f"[{self.qmin}, {self.qmax}]")

    def __str__(self) -> str:
        return self.name


def _check_scale(scale: float, what: str) -> None:
    if not (isinstance(scale, float) and math.isfinite(scale) and scale > 0):
        raise IRError(f"{what}: scale must be a finite float > 0, not {scale!r}")


@dataclass(frozen=True)
class TensorQuant:
    """Per-tensor quantization of an activation tensor: ``r = scale * (q - zero_point)``."""

    dtype: IntType
    scale: float
    zero_point: int

    def __post_init__(self):
        if not isinstance(self.dtype, IntType):
            raise IRError(f"TensorQuant dtype must be an IntType, not {self.dtype!r}")
        object.__setattr__(self, "scale", float(self.scale))
        _check_scale(self.scale, "TensorQuant")
        if not isinstance(self.zero_point, (int, np.integer)) or isinstance(self.zero_point, bool):
            raise IRError(f"TensorQuant zero_point must be an int, not {self.zero_point!r}")
        object.__setattr__(self, "zero_point", int(self.zero_point))
        if not self.dtype.qmin <= self.zero_point <= self.dtype.qmax:
            raise IRError(
                f"TensorQuant zero_point {self.zero_point} is outside {self.dtype.name} "
                f"[{self.dtype.qmin}, {self.dtype.qmax}]")

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """Float values to codes: round half to even, then saturate to the type's range."""
        x = np.asarray(x, dtype=np.float64)
        if not np.all(np.isfinite(x)):
            raise IRError("cannot quantize NaN or Inf input values; clean the input data first")
        q = np.rint(x / self.scale) + self.zero_point
        return np.clip(q, self.dtype.qmin, self.dtype.qmax).astype(np.int64)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        """Codes to float64 values."""
        return self.scale * (np.asarray(q, dtype=np.float64) - self.zero_point)

    def describe(self) -> dict:
        return {"type": self.dtype.name, "scale": self.scale, "zero_point": self.zero_point}


@dataclass(frozen=True, eq=False)
class WeightQuant:
    """Symmetric weight quantization (zero point 0), one scale per output channel.

    Parameters
    ----------
    dtype : IntType
        Signed code type of the weights.
    scale : numpy.ndarray
        float64 scale per output channel; for ``granularity="tensor"`` all entries are equal.
    granularity : str
        ``"tensor"`` or ``"channel"``.
    """

    dtype: IntType
    scale: np.ndarray
    granularity: str

    def __post_init__(self):
        if not isinstance(self.dtype, IntType) or not self.dtype.signed:
            raise IRError(
                f"weights must use a signed type (zero point 0), not {self.dtype}; "
                "use e.g. weights = 'int8'")
        if self.granularity not in GRANULARITIES:
            raise IRError(
                f"weight granularity {self.granularity!r} is not supported by the INT datapath; "
                f"use one of {', '.join(GRANULARITIES)}")
        scale = np.array(self.scale, dtype=np.float64).reshape(-1)
        if scale.size == 0 or not np.all(np.isfinite(scale)) or not np.all(scale > 0):
            raise IRError("weight scales must be finite and > 0")
        if self.granularity == "tensor" and not np.all(scale == scale[0]):
            raise IRError("per-tensor weight quantization needs one scale for every channel")
        scale.setflags(write=False)
        object.__setattr__(self, "scale", scale)

    def describe(self) -> dict:
        out = {"type": self.dtype.name, "granularity": self.granularity}
        if self.granularity == "tensor":
            out["scale"] = float(self.scale[0])
        return out
