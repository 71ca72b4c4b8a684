"""One MX element code -> sign, integer mantissa, exponent offset, NaN / Inf flags."""

from __future__ import annotations

from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...ir.types import IntType
from ...quant.mx import ElementFormat, element_format

__all__ = ["MxElementDecoder"]


class MxElementDecoder(wiring.Component):
    """Combinational decoder of one element (the rule of ``hwgen.quant.mx.element_fields``).

    ``value = (-1)**o_sign * o_mant * 2**(o_exp + base)`` relative to the block scale, with
    ``base`` the format's constant. Formats: the OCP floats (``mant = (e > 0) << m | f``,
    ``exp = max(e, 1) - 1``), MXINT8 (``mant = |q|``), MX4 / MX6 / MX9 elements
    (``mant = magnitude``, ``exp = 1 - i_micro``) and plain int weights (an ``IntType``:
    ``mant = |q|``, ``exp = 0``).

    Parameters
    ----------
    fmt : ElementFormat, str or IntType
        Element format (e.g. ``"fp8_e4m3"``, ``"s1m4"``) or the type of int weights.

    Members
    -------
    i_code : In(bits)
    i_micro : In(1)
        The element's micro-exponent (MX4 / MX6 / MX9; ignored otherwise).
    o_sign : Out(1)
    o_mant : Out(mant_bits)
    o_exp : Out(exp_bits)
    o_nan, o_inf : Out(1)
    """

    def __init__(self, *, fmt):
        if isinstance(fmt, IntType):
            if not fmt.signed:
                raise ValueError(f"int weights must be signed, not {fmt}")
            self._int = fmt
            self._fmt = None
            bits, mant_bits, exp_bits = fmt.bits, fmt.bits, 1
        else:
            self._int = None
            self._fmt = element_format(fmt)
            bits = self._fmt.bits
            mant_bits, exp_bits = self._fmt.mant_bits, self._fmt.exp_bits
        self.mant_bits, self.exp_bits = mant_bits, exp_bits
        super().__init__({
            "i_code": In(bits), "i_micro": In(1),
            "o_sign": Out(1), "o_mant": Out(mant_bits), "o_exp": Out(exp_bits),
            "o_nan": Out(1), "o_inf": Out(1),
        })

    @property
    def fmt(self) -> ElementFormat | None:
        return self._fmt

    def elaborate(self, platform):
        m = Module()
        code = self.i_code
        if self._int is not None or self._fmt.kind == "int":
            bits = len(code)
            negative = code[bits - 1]
            m.d.comb += [
                self.o_sign.eq(negative),
                # |q| of a two's complement code; -2**(bits-1) keeps all bits set.
                self.o_mant.eq(code.as_signed().__abs__()),
                self.o_exp.eq(0),
            ]
            return m
        f = self._fmt
        m.d.comb += self.o_sign.eq(code[f.bits - 1])
        if f.kind == "micro":
            m.d.comb += [self.o_mant.eq(code[:f.mbits]), self.o_exp.eq(1 - self.i_micro)]
            return m
        field = code[f.mbits:f.mbits + f.ebits]
        frac = code[:f.mbits]
        normal = field != 0
        m.d.comb += [
            self.o_mant.eq(frac | (normal << f.mbits)),
            self.o_exp.eq(field - normal),
        ]
        top = (1 << f.ebits) - 1
        if f.nan == "e4m3":
            m.d.comb += self.o_nan.eq((field == top) & (frac == (1 << f.mbits) - 1))
        elif f.nan == "ieee":
            m.d.comb += [self.o_nan.eq((field == top) & (frac != 0)),
                         self.o_inf.eq((field == top) & (frac == 0))]
        return m
