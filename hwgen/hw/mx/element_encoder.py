"""One fixed-point value -> MX element code (shift, round, saturate), combinational."""

from __future__ import annotations

from amaranth.hdl import Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...quant.mx import element_format

__all__ = ["MxElementEncoder", "leading_one"]


def leading_one(m: Module, value, name: str):
    """Index of the highest set bit of an unsigned ``value`` (0 for 0): a priority encoder."""
    index = Signal(range(max(len(value), 2)), name=name)
    for bit in range(len(value)):
        with m.If(value[bit]):
            m.d.comb += index.eq(bit)
    return index


class MxElementEncoder(wiring.Component):
    """Encode ``z * 2**i_d`` (the element divided by its block scale) as an element code.

    The rule of ``hwgen.golden.mx_encode`` for one element: floats round to the weight
    ``2**qe`` of their last mantissa bit, ``qe = max(floor(log2), emin) - m`` (subnormals
    included), MXINT8 to ``2**-6``, MX4 / MX6 / MX9 to ``2**-i_mu``; ties by ``rounding``;
    results above the largest finite value saturate to it. The sign follows ``z`` (``-0``
    for floats and micro formats). Values never need a left shift of more than ``m`` (6 for
    MXINT8) bits, because the block scale comes from the block's largest magnitude.

    Parameters
    ----------
    fmt : str or ElementFormat
    z_bits : int
        Width of the signed input.
    d_range : tuple of int
        Bounds of ``i_d``.
    rounding : {"half_even", "half_away"}

    Members
    -------
    i_z : In(signed(z_bits))
    i_d : In(signed)
    i_mu : In(1)
        Micro formats: the pair's micro-exponent.
    o_code : Out(bits)
    """

    def __init__(self, *, fmt, z_bits, d_range, rounding):
        self._fmt = element_format(fmt)
        if not isinstance(z_bits, int) or z_bits < 2:
            raise TypeError(f"z_bits must be an int >= 2, not {z_bits!r}")
        if rounding not in ("half_even", "half_away"):
            raise ValueError(f"rounding must be 'half_even' or 'half_away', not {rounding!r}")
        lo, hi = d_range
        self._z_bits, self._d_range, self._rounding = z_bits, (int(lo), int(hi)), rounding
        super().__init__({
            "i_z": In(signed(z_bits)),
            "i_d": In(range(int(lo), int(hi) + 1)),
            "i_mu": In(1),
            "o_code": Out(self._fmt.bits),
        })

    def _round_shift(self, m: Module, a, r, left_cap: int):
        """``a / 2**r`` rounded (``r > 0``) or ``a << -r`` (``r <= 0``, at most ``left_cap``)."""
        zb = len(a)
        rc = Signal(range(zb + 2), name="rc")
        m.d.comb += rc.eq(Mux(r > zb + 1, zb + 1, Mux(r > 0, r, 0)))
        q = Signal(unsigned(zb), name="q")
        m.d.comb += q.eq(a >> rc)
        rem2 = Signal(unsigned(zb + 2), name="rem2")        # twice the remainder
        m.d.comb += rem2.eq((a - (q << rc)) << 1)
        unit = Signal(unsigned(zb + 2), name="unit")
        m.d.comb += unit.eq(Const(1, 1) << rc)
        tie_up = 1 if self._rounding == "half_away" else q[0]
        up = (rc != 0) & ((rem2 > unit) | ((rem2 == unit) & tie_up))
        left = Signal(range(left_cap + 1), name="left")
        m.d.comb += left.eq(Mux(r < -left_cap, left_cap, Mux(r < 0, -r, 0)))
        n = Signal(unsigned(zb + left_cap + 1), name="n")
        m.d.comb += n.eq(Mux(r > 0, q + up, a << left))
        return n

    def elaborate(self, platform):
        m = Module()
        f = self._fmt
        z = self.i_z
        a = Signal(unsigned(self._z_bits), name="a")
        m.d.comb += a.eq(abs(z))
        negative = z < 0
        d = self.i_d
        if f.kind == "int":
            r = Signal(signed(len(d) + 4), name="r")
            m.d.comb += r.eq(-(d + f.mbits))
            n = self._round_shift(m, a, r, f.mbits)
            clamped = Mux(n > f.max_mant, f.max_mant, n)
            m.d.comb += self.o_code.eq(Mux(negative, -clamped, clamped))
            return m
        if f.kind == "micro":
            r = Signal(signed(len(d) + 4), name="r")
            m.d.comb += r.eq(-(d + self.i_mu))
            n = self._round_shift(m, a, r, f.mbits)
            clamped = Mux(n > f.max_mant, f.max_mant, n)
            m.d.comb += self.o_code.eq(clamped | (negative << f.mbits))
            return m
        mb = f.mbits
        la = leading_one(m, a, "la")
        r = Signal(signed(len(d) + len(la) + 4), name="r")
        below = f.emin - d                          # the subnormal floor of the exponent
        m.d.comb += r.eq(Mux(la > below, la, below) - mb)
        n = self._round_shift(m, a, r, mb)
        qe = Signal(signed(len(r) + 2), name="qe")
        m.d.comb += qe.eq(r + d)
        top = f.max_exp + f.base
        over = (qe > top) | ((qe == top) & (n > f.max_mant))
        carry = n[mb + 1]
        efield = Signal(signed(len(qe) + 2), name="efield")
        m.d.comb += efield.eq(qe + mb + carry + f.bias)
        normal = (efield[:f.ebits] << mb) | n[:mb]
        max_code = ((f.max_exp + 1) << mb) | (f.max_mant - (1 << mb))
        magnitude = Mux(a == 0, 0, Mux(over, max_code, Mux(n < (1 << mb), n, normal)))
        m.d.comb += self.o_code.eq(magnitude | (negative << (f.bits - 1)))
        return m
