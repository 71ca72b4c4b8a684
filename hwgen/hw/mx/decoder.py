"""The shared-exponent decoder as a stream block: packed MX blocks in, decoded elements out."""

from __future__ import annotations

from amaranth.hdl import Module, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from ...quant.mx import SCALE_BITS, block_bits, check_block_size, mx_format
from .element_decoder import MxElementDecoder

__all__ = ["MxDecoder", "decoded_layout"]


def decoded_layout(fmt, block_size: int) -> data.StructLayout:
    """One decoded block: per element ``sign, mant, exp, nan, inf`` (lowest first), then the
    shared exponent ``scale`` and ``scale_nan`` (``scale == 255``)."""
    elem = mx_format(fmt).element
    element = data.StructLayout({"sign": 1, "mant": elem.mant_bits, "exp": elem.exp_bits,
                                 "nan": 1, "inf": 1})
    return data.StructLayout({"elements": data.ArrayLayout(element, block_size),
                              "scale": SCALE_BITS, "scale_nan": 1})


class MxDecoder(wiring.Component):
    """Decode one packed MX block per beat (layout of ``hwgen.quant.mx.packing``).

    Each element goes through an :class:`MxElementDecoder`; the block's shared exponent
    passes through with its NaN flag. One register stage: a block accepted in cycle ``t`` is
    offered from cycle ``t + 1``; a new block is accepted while the register is empty or
    being read in the same cycle (``hwgen.perf.mx_decoder``).

    Parameters
    ----------
    fmt : str
        MX format, e.g. ``"mxfp8_e5m2"`` or ``"mx6"``.
    block_size : int
        Elements per block.

    Members
    -------
    i_stream : In(stream.Signature(block_bits))
    o_stream : Out(stream.Signature(decoded_layout(fmt, block_size)))
    """

    def __init__(self, *, fmt, block_size):
        self._fmt = mx_format(fmt)
        self._k = check_block_size(self._fmt, block_size)
        super().__init__({
            "i_stream": In(stream.Signature(block_bits(self._fmt, self._k))),
            "o_stream": Out(stream.Signature(decoded_layout(self._fmt, self._k))),
        })

    def elaborate(self, platform):
        m = Module()
        elem, k = self._fmt.element, self._k
        word = self.i_stream.payload
        decoded = Signal(decoded_layout(self._fmt, k))
        m.d.comb += [decoded.scale.eq(word[:SCALE_BITS]),
                     decoded.scale_nan.eq(word[:SCALE_BITS] == (1 << SCALE_BITS) - 1)]
        for i in range(k):
            dec = MxElementDecoder(fmt=elem)
            m.submodules[f"element{i}"] = dec
            start = SCALE_BITS + i * elem.bits
            m.d.comb += dec.i_code.eq(word[start:start + elem.bits])
            if self._fmt.micro:
                m.d.comb += dec.i_micro.eq(word[SCALE_BITS + k * elem.bits + i // 2])
            out = decoded.elements[i]
            m.d.comb += [out.sign.eq(dec.o_sign), out.mant.eq(dec.o_mant),
                         out.exp.eq(dec.o_exp), out.nan.eq(dec.o_nan), out.inf.eq(dec.o_inf)]
        # One pipeline register with backpressure: full while holding an unread block.
        full = Signal()
        m.d.comb += [self.i_stream.ready.eq(~full | self.o_stream.ready),
                     self.o_stream.valid.eq(full)]
        with m.If(self.i_stream.valid & self.i_stream.ready):
            m.d.sync += [full.eq(1), self.o_stream.payload.eq(decoded)]
        with m.Elif(self.o_stream.ready):
            m.d.sync += full.eq(0)
        return m
