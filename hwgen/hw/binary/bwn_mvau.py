"""Binary-weight MVAU (BWN): bipolar weights x integer inputs, folded PE x SIMD."""

from __future__ import annotations

from amaranth.hdl import Module, Mux
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from ...ir.blocks.binary_mvau import BinaryWeightMvauParams
from ..arith.adder_tree import bounded_sum
from ..shapes import lanes_layout
from .datapath import attach_activation, binary_core, check_params

__all__ = ["BinaryWeightMvau"]


class BinaryWeightMvau(wiring.Component):
    """MVAU for binary weights and integer inputs: no multipliers, each weight bit selects
    ``+x`` or ``-x`` and an adder tree of minimal-width nodes sums the ``SIMD`` terms.

    Typically the first layer of a binary network (int8 pixels x binary weights). The folded
    engine, its timing and the two-cycle activation (thresholds or requantization) are those
    of the integer MVAU (``hwgen.hw.arith.mvau_core``).

    Parameters
    ----------
    params : BinaryWeightMvauParams
    roms : RomFiles, optional
        Ship the block's tables (weights, per-channel constants) as ``$readmemh`` images
        (:class:`~hwgen.hw.rom.Rom`); by default they are initial memory contents, which
        Amaranth's simulator runs.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(input shape, SIMD)))
    o_stream : Out(stream.Signature(ArrayLayout(output shape, PE)))
    """

    def __init__(self, *, params, roms=None):
        check_params(params, BinaryWeightMvauParams)
        self._p = params
        self._roms = roms
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(params.input_type, params.simd))),
            "o_stream": Out(stream.Signature(lanes_layout(params.output_type, params.pe))),
        })

    @property
    def params(self) -> BinaryWeightMvauParams:
        return self._p

    def elaborate(self, platform):
        p = self._p
        m = Module()
        core = binary_core(m, self, p, data.ArrayLayout(data.ArrayLayout(1, p.simd), p.pe),
                           self._roms)
        x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
        lo, hi = min(x_lo, -x_hi), max(x_hi, -x_lo)
        for pe in range(p.pe):
            terms = [(Mux(core.weights[pe][s], core.inputs[s], -core.inputs[s]), lo, hi)
                     for s in range(p.simd)]
            dot, _, _ = bounded_sum(terms)
            m.d.comb += core.dots[pe].eq(dot << p.acc_shift)
        attach_activation(m, p, core, self._roms)
        return m
