"""Binary-weight MVAU (BWN): bipolar weights x integer inputs, folded PE x SIMD."""

from __future__ import annotations

from amaranth.hdl import Module, Mux
from amaranth.lib import data

from ...ir.blocks.binary_mvau import BinaryWeightMvauParams
from ..arith.adder_tree import bounded_sum
from ..layer_block import LayerBlock
from .datapath import attach_activation, binary_core

__all__ = ["BinaryWeightMvau"]


class BinaryWeightMvau(LayerBlock):
    """MVAU for binary weights and integer inputs: no multipliers, each weight bit selects
    ``+x`` or ``-x`` and an adder tree of minimal-width nodes sums the ``SIMD`` terms.

    Typically the first layer of a binary network (int8 pixels x binary weights). The folded
    engine, its timing and the two-cycle activation (thresholds or requantization) are those
    of the integer MVAU (``hwgen.hw.arith.mvau_core``).

    Parameters
    ----------
    params : BinaryWeightMvauParams
    roms : RomFiles, optional
        As :class:`~hwgen.hw.layer_block.LayerBlock`'s, which also gives the members
        (``SIMD`` input lanes, ``PE`` output lanes).
    """

    PARAMS = BinaryWeightMvauParams

    def elaborate(self, platform):
        p = self.params
        m = Module()
        core = binary_core(m, self, p, data.ArrayLayout(data.ArrayLayout(1, p.simd), p.pe),
                           self.roms)
        x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
        lo, hi = min(x_lo, -x_hi), max(x_hi, -x_lo)
        for pe in range(p.pe):
            terms = [(Mux(core.weights[pe][s], core.inputs[s], -core.inputs[s]), lo, hi)
                     for s in range(p.simd)]
            dot, _, _ = bounded_sum(terms)
            m.d.comb += core.dots[pe].eq(dot << p.acc_shift)
        attach_activation(m, p, core, self.roms)
        return m
