"""Fixed-point lanes -> MX blocks (gather, max-abs tree, leading one, encode, serialize)."""

from __future__ import annotations

from amaranth.hdl import Array, Const, Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...ir.mx.types import MxElementType
from ...quant.mx import mx_format
from .element_encoder import MxElementEncoder, leading_one

__all__ = ["MxOutputQuantizer"]


class MxOutputQuantizer(wiring.Component):
    """Quantize ``z * 2**g`` values, ``lanes`` per beat, to MX blocks of ``block_size``.

    The rule of ``hwgen.golden.mx_encode.encode_fixed_point``. A block spans
    ``B = max(1, block_size / lanes)`` input beats, or a beat holds ``lanes / block_size``
    blocks. Timing: when the beat that completes a block arrives with ``i_valid`` in cycle
    ``t``, the block's ``B`` output beats leave on ``o_data`` with ``o_valid`` in cycles
    ``t + 2 + j``, ``j = 0 .. B - 1`` (gather and max-abs tree, then shared exponent and
    element encoding). Beats of the next block may arrive from cycle ``t + B`` on. No
    backpressure: the caller reserves room.

    Parameters
    ----------
    fmt : str
        Output MX format.
    block_size : int
    lanes : int
    z_bits : int
        Width of the signed inputs.
    g : int
        Binary point: ``z * 2**g`` is the value.
    rounding : {"half_even", "half_away"}

    Members
    -------
    i_valid : In(1)
    i_z : In(ArrayLayout(signed(z_bits), lanes))
    i_nan : In(ArrayLayout(1, lanes))
    o_valid : Out(1)
    o_data : Out(ArrayLayout(unsigned(element bits), lanes))
    """

    def __init__(self, *, fmt, block_size, lanes, z_bits, g, rounding):
        self._fmt = mx_format(fmt)
        self._element = MxElementType(self._fmt.name, block_size)
        if block_size % lanes and lanes % block_size:
            raise ValueError(f"{lanes} lanes must divide or be a multiple of the block size "
                             f"{block_size}")
        self._k, self._lanes, self._z_bits, self._g = block_size, lanes, z_bits, int(g)
        self._rounding = rounding
        super().__init__({
            "i_valid": In(1),
            "i_z": In(data.ArrayLayout(signed(z_bits), lanes)),
            "i_nan": In(data.ArrayLayout(1, lanes)),
            "o_valid": Out(1),
            "o_data": Out(data.ArrayLayout(self._element.bits, lanes)),
        })

    def elaborate(self, platform):
        m = Module()
        k, lanes, zb, g = self._k, self._lanes, self._z_bits, self._g
        beats = max(1, k // lanes)              # input beats per completion
        values = max(k, lanes)                  # values per completion
        elem = self._fmt.element
        z_layout = data.ArrayLayout(signed(zb), values)
        nan_layout = data.ArrayLayout(1, values)

        # ---- gather: beats 0 .. B-2 wait in registers; beat B-1 completes the block(s) ---
        count = Signal(range(max(beats, 2)))
        held_z = [Signal(data.ArrayLayout(signed(zb), lanes), name=f"held_z{b}")
                  for b in range(beats - 1)]
        held_nan = [Signal(data.ArrayLayout(1, lanes), name=f"held_nan{b}")
                    for b in range(beats - 1)]
        complete = self.i_valid & (count == beats - 1)
        with m.If(self.i_valid):
            m.d.sync += count.eq(Mux(count == beats - 1, 0, count + 1))
            for b in range(beats - 1):
                with m.If(count == b):
                    m.d.sync += [held_z[b].eq(self.i_z), held_nan[b].eq(self.i_nan)]
        all_z = [held_z[b][i] for b in range(beats - 1) for i in range(lanes)] + \
            [self.i_z[i] for i in range(lanes)]
        all_nan = [held_nan[b][i] for b in range(beats - 1) for i in range(lanes)] + \
            [self.i_nan[i] for i in range(lanes)]

        # ---- stage A: the block's values, NaN flags and max |z| (a max-abs tree) -------
        valid_a = Signal()
        z_a = Signal(z_layout)
        nan_a = Signal(nan_layout)
        amax_a = [Signal(zb, name=f"amax{q}") for q in range(values // k)]
        m.d.sync += valid_a.eq(complete)
        with m.If(complete):
            for i in range(values):
                m.d.sync += [z_a[i].eq(all_z[i]), nan_a[i].eq(all_nan[i])]
            for q in range(values // k):
                m.d.sync += amax_a[q].eq(_max_tree([abs(v) for v in all_z[q * k:(q + 1) * k]]))

        # ---- stage B: shared exponent, micro-exponents, element codes -----------------
        codes = Signal(data.ArrayLayout(self._element.bits, values))
        w, mb = self._element.code_bits, self._element.micro_bits
        for q in range(values // k):
            amax = amax_a[q]
            e_a = leading_one(m, amax, f"e_a{q}")
            e_raw = Signal(signed(len(e_a) + 12), name=f"e_raw{q}")
            m.d.comb += e_raw.eq(e_a + (g - elem.emax + 127))
            block_nan = Signal(name=f"block_nan{q}")
            m.d.comb += block_nan.eq(_any([nan_a[q * k + i] for i in range(k)]) | (e_raw > 254))
            zero = amax == 0
            e = Signal(8, name=f"e{q}")
            m.d.comb += e.eq(Mux(block_nan, 255, Mux(zero | (e_raw < 0), 0, e_raw)))
            d = Signal(range(g - 127, g + 128), name=f"d{q}")
            m.d.comb += d.eq(g + 127 - e)
            threshold = Signal(zb + 1, name=f"threshold{q}")
            m.d.comb += threshold.eq(Const(1, 1) << e_a)
            for i in range(k):
                index = q * k + i
                enc = MxElementEncoder(fmt=elem, z_bits=zb, d_range=(g - 127, g + 127),
                                       rounding=self._rounding)
                m.submodules[f"encode{index}"] = enc
                mu = Const(0, 1)
                if self._fmt.micro:
                    pair = index - index % 2
                    mu = (abs(z_a[pair]) < threshold) & (abs(z_a[pair + 1]) < threshold)
                m.d.comb += [enc.i_z.eq(z_a[index]), enc.i_d.eq(d), enc.i_mu.eq(mu)]
                dead = block_nan | zero
                lane = Mux(dead, 0, enc.o_code)
                if mb:
                    lane = lane | (Mux(dead, 0, mu) << w)
                m.d.sync += codes[index].eq(lane | (e << (w + mb)))
        valid_b = Signal()
        m.d.sync += valid_b.eq(valid_a)

        # ---- serializer: the B beats leave one per cycle --------------------------------
        left = Signal(range(beats + 1))
        index = Signal(range(max(beats, 2)))
        with m.If(valid_b):
            m.d.sync += [left.eq(beats - 1), index.eq(1 % max(beats, 2))]
        with m.Elif(left != 0):
            m.d.sync += [left.eq(left - 1), index.eq(index + 1)]
        chunks = Array(Signal(data.ArrayLayout(self._element.bits, lanes), name=f"chunk{b}")
                       for b in range(beats))
        for b in range(beats):
            for i in range(lanes):
                m.d.comb += chunks[b][i].eq(codes[b * lanes + i])
        m.d.comb += [
            self.o_valid.eq(valid_b | (left != 0)),
            self.o_data.eq(Mux(valid_b, chunks[0], chunks[index])),
        ]
        return m


def _max_tree(terms):
    while len(terms) > 1:
        # an odd count leaves the last term without a partner: it is carried below
        paired = [Mux(a > b, a, b) for a, b in zip(terms[0::2], terms[1::2], strict=False)]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]


def _any(bits):
    result = bits[0]
    for bit in bits[1:]:
        result = result | bit
    return result
