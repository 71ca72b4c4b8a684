"""Ternary MVAU: weights {-1, 0, +1} as mask and sign bit planes, folded PE x SIMD."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Module, Mux
from amaranth.lib import data

from ...ir.blocks.binary_mvau import TernaryMvauParams
from ..arith.adder_tree import bounded_sum, popcount
from ..arith.fold_table import fold_table
from ..layer_block import LayerBlock
from .datapath import attach_activation, binary_core

__all__ = ["TernaryMvau"]


class TernaryMvau(LayerBlock):
    """MVAU for ternary weights: each weight's mask bit (``w != 0``) and sign bit (``w = +1``)
    select the inputs of a positive and a negative sum; no multiplier in the SIMD lanes.

    Per PE and step, ``P = sum of the inputs under +1 weights`` and ``N = sum under -1
    weights`` (integer inputs), or their popcounts (bipolar input bits, each worth
    ``2 b - 1``, the constant part folded into the preload). The step contributes
    ``P - N`` (TWN) or ``L_p P - L_n N`` with the row's TTQ levels: one multiplication by a
    small per-row constant per PE, none per weight. The folded engine, its timing and the
    two-cycle activation are those of the integer MVAU (``hwgen.hw.arith.mvau_core``).

    Parameters
    ----------
    params : TernaryMvauParams
    roms : RomFiles, optional
        As :class:`~hwgen.hw.layer_block.LayerBlock`'s, which also gives the members
        (``SIMD`` input lanes, ``PE`` output lanes).
    """

    PARAMS = TernaryMvauParams

    def elaborate(self, platform):
        p = self.params
        m = Module()
        plane = data.ArrayLayout(data.ArrayLayout(1, p.simd), p.pe)
        core = binary_core(m, self, p, data.StructLayout({"mask": plane, "sign": plane}),
                           self.roms)
        mask, sign = core.weights.mask, core.weights.sign
        scaled = bool(np.any(p.level_pos != 1) or np.any(p.level_neg != 1))
        if scaled:
            bits = int(max(p.level_pos.max(), p.level_neg.max())).bit_length()
            l_pos = fold_table(m, "level_pos", p.level_pos.reshape(p.nf, p.pe), bits=bits,
                               is_signed=False, fold=core.fold, roms=self.roms)
            l_neg = fold_table(m, "level_neg", p.level_neg.reshape(p.nf, p.pe), bits=bits,
                               is_signed=False, fold=core.fold, roms=self.roms)
        x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
        for pe in range(p.pe):
            pos = [mask[pe][s] & sign[pe][s] for s in range(p.simd)]
            neg = [mask[pe][s] & ~sign[pe][s] for s in range(p.simd)]
            if p.input_bipolar:
                # sum over selected inputs of (2 b - 1) = 2 popcount - count; the counts
                # are constants of the weights, already in the preload.
                plus = popcount([sel & core.inputs[s] for s, sel in enumerate(pos)]) << 1
                minus = popcount([sel & core.inputs[s] for s, sel in enumerate(neg)]) << 1
            else:
                lo, hi = min(0, x_lo), max(0, x_hi)
                plus, _, _ = bounded_sum([(Mux(sel, core.inputs[s], 0), lo, hi)
                                          for s, sel in enumerate(pos)])
                minus, _, _ = bounded_sum([(Mux(sel, core.inputs[s], 0), lo, hi)
                                           for s, sel in enumerate(neg)])
            if scaled:
                m.d.comb += core.dots[pe].eq((l_pos[pe] * plus - l_neg[pe] * minus)
                                             << p.acc_shift)
            else:
                m.d.comb += core.dots[pe].eq((plus - minus) << p.acc_shift)
        attach_activation(m, p, core, self.roms)
        return m
