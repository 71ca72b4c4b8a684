"""XNOR-popcount MVAU: bipolar weights x bipolar inputs, folded PE x SIMD."""

from __future__ import annotations

from amaranth.hdl import Module
from amaranth.lib import data

from ...ir.blocks.binary_mvau import XnorMvauParams
from ..arith.popcount import compressor_popcount, xnor_first_group
from ..layer_block import LayerBlock
from ..shapes import index_range
from .datapath import attach_activation, binary_core

__all__ = ["XnorMvau"]


class XnorMvau(LayerBlock):
    """Binary MVAU: per step, ``PE`` rows of ``SIMD`` weight bits XNOR the ``SIMD`` input bits
    and a compressor tree per PE (:func:`~hwgen.hw.arith.popcount.compressor_popcount`) counts
    the agreements. The engine's operands come straight from registers (``MvauCore``'s
    ``registered_operands``), so the tree's first counters hold the XNORs, and with a weight
    table of 2 or 3 address bits the table too (``xnor_first_group``).

    With a threshold activation the accumulator holds the popcount itself, ``0 .. MW`` in
    ``bit_length(MW)`` bits, and the thresholds are moved into that domain at compile time;
    with a requantizing activation it accumulates ``2 * popcount`` from ``bias - MW``, i.e. the
    bipolar dot product ``y`` (rules in ``hwgen.ir.binary``). The folded engine, its timing and
    the two-cycle activation are those of the integer MVAU (``hwgen.hw.arith.mvau_core``).

    Parameters
    ----------
    params : XnorMvauParams
    roms : RomFiles, optional
        As :class:`~hwgen.hw.layer_block.LayerBlock`'s.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(unsigned(1), SIMD)))
    o_stream : Out(stream.Signature(ArrayLayout(output shape, PE)))
    """

    PARAMS = XnorMvauParams

    def elaborate(self, platform):
        p = self.params
        m = Module()
        w_layout = data.ArrayLayout(data.ArrayLayout(1, p.simd), p.pe)
        core = binary_core(m, self, p, w_layout, self.roms, registered_operands=True)
        group = xnor_first_group(len(index_range(p.nf * p.sf)).bit_length() - 1)
        for pe in range(p.pe):
            agree = compressor_popcount(
                m, [~(core.weights[pe][s] ^ core.inputs[s]) for s in range(p.simd)],
                first_group=group, name=f"agree{pe}")
            m.d.comb += core.dots[pe].eq(agree if p.popcount_domain
                                         else agree << (1 + p.acc_shift))
        attach_activation(m, p, core, self.roms)
        return m
