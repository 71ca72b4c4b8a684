"""MX block formats and their element formats (OCP Microscaling v1.0 and MX4 / MX6 / MX9).

Every element code, whatever its format, decodes to integers::

    value = (-1)**sign * mant * 2**(exp + base) * 2**(E - 127)

``mant`` (the *integer mantissa*, hidden bit included) and ``exp`` (the *exponent offset*,
``>= 0``) come from the code, ``base`` is a constant of the element format, and ``E`` is the
block's shared 8-bit exponent (an E8M0 scale; ``E = 255`` is NaN). The hardware's decoder
produces exactly these integers, so products of two elements are integer mantissa products
shifted by the sum of their exponent offsets.

Element kinds
-------------
``float`` (E4M3, E5M2, E2M3, E3M2, E2M1)
    ``S.E...E.M...M`` with bias ``b`` and ``m`` explicit mantissa bits. For an exponent field
    ``e`` and mantissa field ``f``: ``mant = (e > 0) * 2**m + f``, ``exp = max(e, 1) - 1``,
    ``base = 1 - b - m``; ``e == 0`` are the subnormals. E4M3 has NaN only (``S.1111.111``),
    E5M2 IEEE Inf (``S.11111.00``) and NaN (``S.11111.xx``, ``xx != 0``); FP6 and FP4 have
    neither.
``int`` (MXINT8)
    Two's complement code ``q`` with an implied ``2**-6``: ``mant = |q|``, ``exp = 0``,
    ``base = -6``. Encoders never produce ``-128`` (they clamp to ``[-127, 127]``, as
    microxcaling does); decoders accept it (``-2``, as OCP defines).
``micro`` (MX4, MX6, MX9: sign + ``m`` = 2 / 4 / 7 magnitude bits)
    Pairs of elements share a 1-bit micro-exponent ``mu``: ``mant = magnitude``,
    ``exp = 1 - mu``, ``base = -1``, i.e. ``value = (-1)**s * magnitude * 2**-mu * 2**(E - 127)``:
    the shared exponent is the weight of a magnitude's least significant bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hwgen.errors import QuantizationError

__all__ = ["ElementFormat", "MxFormat", "ELEMENT_FORMATS", "MX_FORMATS", "MX_FORMAT_NAMES",
           "mx_format", "element_format", "E8M0_BIAS", "E8M0_NAN", "SCALE_BITS"]

#: The shared scale: an E8M0 exponent, value ``2**(E - 127)``, ``E == 255`` is NaN.
E8M0_BIAS = 127
E8M0_NAN = 255
SCALE_BITS = 8


@dataclass(frozen=True)
class ElementFormat:
    """One element format of an MX block (see the module docstring for the decoding).

    Attributes
    ----------
    name : str
        ``"fp8_e4m3"``, ``"fp8_e5m2"``, ``"fp6_e2m3"``, ``"fp6_e3m2"``, ``"fp4_e2m1"``,
        ``"int8"``, ``"s1m2"``, ``"s1m4"``, ``"s1m7"``.
    kind : str
        ``"float"``, ``"int"`` or ``"micro"``.
    bits : int
        Bits of one element code (micro-exponent bits not included).
    ebits, mbits : int
        Exponent and explicit mantissa bits (floats); ``mbits`` is the magnitude width of
        micro formats and 6 (fraction bits) for MXINT8.
    bias : int
        Exponent bias (floats; 0 otherwise).
    ml_dtype : str or None
        The matching ml_dtypes type name.
    """

    name: str
    kind: str
    bits: int
    ebits: int
    mbits: int
    bias: int = 0
    ml_dtype: str | None = None
    has_inf: bool = False
    nan: str = "none"   # "none", "e4m3" (S.1111.111 only), "ieee" (all-ones exponent)

    # -- integer decoding constants -------------------------------------------------------
    @property
    def base(self) -> int:
        """Exponent of ``mant = 1, exp = 0`` relative to the block scale."""
        if self.kind == "float":
            return 1 - self.bias - self.mbits
        if self.kind == "int":
            return -self.mbits
        return -1

    @property
    def mant_bits(self) -> int:
        """Bits of the unsigned integer mantissa (hidden bit included)."""
        if self.kind == "float":
            return self.mbits + 1
        if self.kind == "int":
            return self.bits      # |-128| = 128 needs all 8 bits
        return self.mbits

    @property
    def max_exp(self) -> int:
        """Largest exponent offset of a finite code."""
        if self.kind == "float":
            top = (1 << self.ebits) - 1     # largest exponent field
            if self.nan == "ieee":
                top -= 1                    # E5M2: the all-ones field is Inf / NaN
            return top - 1
        if self.kind == "int":
            return 0
        return 1

    @property
    def exp_bits(self) -> int:
        """Bits of the exponent offset (at least 1, so no signal is zero-width)."""
        return max(1, self.max_exp.bit_length())

    # -- range ---------------------------------------------------------------------------
    @property
    def max_mant(self) -> int:
        """Integer mantissa of the largest finite value (at exponent offset ``max_exp``)."""
        if self.kind == "float":
            full = (1 << (self.mbits + 1)) - 1
            return full - 1 if self.nan == "e4m3" else full
        if self.kind == "int":
            return (1 << (self.bits - 1)) - 1   # encoders clamp to 127
        return (1 << self.mbits) - 1

    @property
    def max_normal(self) -> float:
        """Largest finite value an encoder produces (relative to the block scale)."""
        if self.kind == "micro":
            return float(self.max_mant)     # at mu = 0
        return math.ldexp(self.max_mant, self.max_exp + self.base)

    @property
    def emax(self) -> int:
        """Exponent of the largest power of two <= the largest value: the OCP ``emax_elem``."""
        if self.kind == "micro":
            return self.mbits - 1
        return math.frexp(self.max_normal)[1] - 1

    @property
    def emin(self) -> int:
        """Exponent of the smallest normal (floats)."""
        return 1 - self.bias

    @property
    def micro(self) -> bool:
        return self.kind == "micro"


@dataclass(frozen=True)
class MxFormat:
    """A block format: ``block_size`` elements of ``element`` sharing one E8M0 exponent.

    Attributes
    ----------
    name : str
        The config name, e.g. ``"mxfp4"`` or ``"mx6"``.
    element : ElementFormat
    default_block : int
        32 for the OCP formats, 16 for MX4 / MX6 / MX9.
    """

    name: str
    element: ElementFormat
    default_block: int

    @property
    def micro(self) -> bool:
        """Two-level format: pairs of elements share a 1-bit micro-exponent."""
        return self.element.micro

    def bits_per_element(self, block_size: int | None = None) -> float:
        """Storage bits per element: code, plus the shared exponent and micro-exponents
        spread over the block (``(m + 1) + 8 / 16 + 1 / 2`` for MX4 / MX6 / MX9)."""
        k = self.default_block if block_size is None else block_size
        micro = 0.5 if self.micro else 0.0
        return self.element.bits + SCALE_BITS / k + micro


def _float(name, ebits, mbits, bias, ml_dtype, nan="none", has_inf=False):
    return ElementFormat(name=name, kind="float", bits=1 + ebits + mbits, ebits=ebits,
                         mbits=mbits, bias=bias, ml_dtype=ml_dtype, has_inf=has_inf, nan=nan)


def _micro(m):
    return ElementFormat(name=f"s1m{m}", kind="micro", bits=1 + m, ebits=0, mbits=m)


ELEMENT_FORMATS = {
    e.name: e for e in (
        _float("fp8_e4m3", 4, 3, 7, "float8_e4m3fn", nan="e4m3"),
        _float("fp8_e5m2", 5, 2, 15, "float8_e5m2", nan="ieee", has_inf=True),
        _float("fp6_e2m3", 2, 3, 1, "float6_e2m3fn"),
        _float("fp6_e3m2", 3, 2, 3, "float6_e3m2fn"),
        _float("fp4_e2m1", 2, 1, 1, "float4_e2m1fn"),
        ElementFormat(name="int8", kind="int", bits=8, ebits=0, mbits=6),
        _micro(2), _micro(4), _micro(7),
    )
}

MX_FORMATS = {
    f.name: f for f in (
        MxFormat("mxfp8_e4m3", ELEMENT_FORMATS["fp8_e4m3"], 32),
        MxFormat("mxfp8_e5m2", ELEMENT_FORMATS["fp8_e5m2"], 32),
        MxFormat("mxfp6_e2m3", ELEMENT_FORMATS["fp6_e2m3"], 32),
        MxFormat("mxfp6_e3m2", ELEMENT_FORMATS["fp6_e3m2"], 32),
        MxFormat("mxfp4", ELEMENT_FORMATS["fp4_e2m1"], 32),
        MxFormat("mxint8", ELEMENT_FORMATS["int8"], 32),
        MxFormat("mx9", ELEMENT_FORMATS["s1m7"], 16),
        MxFormat("mx6", ELEMENT_FORMATS["s1m4"], 16),
        MxFormat("mx4", ELEMENT_FORMATS["s1m2"], 16),
    )
}

#: Config names of the MX formats, in the order docs and messages list them.
MX_FORMAT_NAMES = ("mxfp4", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp8_e4m3", "mxfp8_e5m2", "mxint8",
                   "mx4", "mx6", "mx9")


def mx_format(name) -> MxFormat:
    """The MX format called ``name`` (an :class:`MxFormat` is returned as is)."""
    if isinstance(name, MxFormat):
        return name
    try:
        return MX_FORMATS[name]
    except (KeyError, TypeError):
        raise QuantizationError(
            f"unknown MX format {name!r}; valid: {', '.join(MX_FORMAT_NAMES)}") from None


def element_format(name) -> ElementFormat:
    """The element format called ``name`` (an :class:`ElementFormat` is returned as is)."""
    if isinstance(name, ElementFormat):
        return name
    try:
        return ELEMENT_FORMATS[name]
    except (KeyError, TypeError):
        raise QuantizationError(
            f"unknown MX element format {name!r}; valid: {', '.join(ELEMENT_FORMATS)}") from None
