"""MX types of the IR: MX activations and the stream element that carries them.

An MX activation value is its MX value itself (no tensor scale): ``(-1)**s * mant *
2**(exp + base) * 2**(E - 127)`` (see :mod:`hwgen.quant.mx.formats`). On a stream every
element travels with its block's shared exponent, so streams keep one element per lane and
width converters and FIFOs need no change::

    bits [0, w)            the element code
    bit  w                 micro formats (MX4 / MX6 / MX9): the element's micro-exponent
    next 8 bits            the shared exponent E of the element's block

All elements of a block carry the same ``E`` (and both elements of a pair the same
micro-exponent); a consumer reads ``E`` from a block's first lane in each beat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import IRError
from ...quant.mx import SCALE_BITS, MxFormat, mx_format
from ...quant.mx.formats import MX_FORMAT_NAMES, MX_FORMATS

__all__ = ["MxElementType", "MxQuant", "is_mx_format", "mx_lane_fields"]


def is_mx_format(name) -> bool:
    """True for the config names of MX formats (``"mxfp4"``, ..., ``"mx9"``)."""
    return isinstance(name, str) and name in MX_FORMATS


def _check(fmt: str, block_size: int, what: str) -> MxFormat:
    if not is_mx_format(fmt):
        raise IRError(f"{what}: {fmt!r} is not an MX format; valid: {', '.join(MX_FORMAT_NAMES)}")
    if not isinstance(block_size, int) or isinstance(block_size, bool) or block_size < 1:
        raise IRError(f"{what}: block_size must be an int >= 1, not {block_size!r}")
    f = mx_format(fmt)
    if f.micro and block_size % 2:
        raise IRError(f"{what}: {fmt} needs an even block size, not {block_size}")
    return f


@dataclass(frozen=True)
class MxElementType:
    """Stream element of an MX tensor: code, micro-exponent (micro formats), shared exponent.

    Has the ``bits`` / ``signed`` / ``name`` of an :class:`~hwgen.ir.IntType`, so streams,
    width converters and FIFOs carry it unchanged.
    """

    format: str
    block_size: int

    def __post_init__(self):
        _check(self.format, self.block_size, "MX stream element")

    @property
    def mx(self) -> MxFormat:
        return mx_format(self.format)

    @property
    def code_bits(self) -> int:
        return self.mx.element.bits

    @property
    def micro_bits(self) -> int:
        return 1 if self.mx.micro else 0

    @property
    def bits(self) -> int:
        return self.code_bits + self.micro_bits + SCALE_BITS

    @property
    def signed(self) -> bool:
        return False

    @property
    def name(self) -> str:
        return f"{self.format}/{self.block_size}"

    def __str__(self) -> str:
        return self.name


def mx_lane_fields(values, element: MxElementType):
    """Split stream elements into (codes, micro bits, shared exponents), numpy int64."""
    v = np.asarray(values, dtype=np.int64)
    w, mb = element.code_bits, element.micro_bits
    codes = v & ((1 << w) - 1)
    micro = (v >> w) & 1 if mb else np.zeros_like(v)
    scales = (v >> (w + mb)) & ((1 << SCALE_BITS) - 1)
    return codes, micro, scales


@dataclass(frozen=True)
class MxQuant:
    """MX quantization of an activation tensor between two layers.

    Parameters
    ----------
    format : str
        MX format name, e.g. ``"mxfp8_e4m3"``.
    block_size : int
        Elements per shared exponent, along the channels.
    exp_lo, exp_hi : int
        The window of shared exponents ``E`` the producing layer can emit for a block that is
        not all zero (0 <= exp_lo <= exp_hi <= 254): the consumer aligns its products over
        this window exactly. An all-zero block has ``E = 0``; ``E = 255`` is NaN.
    """

    format: str
    block_size: int
    exp_lo: int = 0
    exp_hi: int = 254

    def __post_init__(self):
        _check(self.format, self.block_size, "MX activations")
        for key in ("exp_lo", "exp_hi"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 254:
                raise IRError(f"MX activations: {key} must be an int in [0, 254], not {value!r}")
        if self.exp_lo > self.exp_hi:
            raise IRError(f"MX activations: exp_lo {self.exp_lo} is above exp_hi {self.exp_hi}")

    @property
    def mx(self) -> MxFormat:
        return mx_format(self.format)

    @property
    def dtype(self) -> MxElementType:
        """The stream element (the counterpart of ``TensorQuant.dtype``)."""
        return MxElementType(self.format, self.block_size)

    def describe(self) -> dict:
        return {"type": self.format, "block_size": self.block_size,
                "exp_window": [self.exp_lo, self.exp_hi]}

    def __str__(self) -> str:
        return f"{self.format} (blocks of {self.block_size}, E in [{self.exp_lo}, {self.exp_hi}])"
