"""Cost of the integer MVAU (``hwgen.hw.arith.int_mvau.IntMvau``).

Per PE: ``SIMD`` weight x input products (DSPs, or LUTs for products Yosys keeps in soft
logic), a minimal-width adder tree, an accumulator preloaded with the bias, and the
requantizer (a 32 x 31 product and the rounding); around them the folded engine (counters,
the weight ROM of ``NF x SF`` words of ``PE x SIMD x W`` bits, the input buffer, the output
FIFO). The structure is FINN's MVAU LUT model itemised per part (FINN-R: ``c0 + c1 PE SIMD W
A``), with the memories placed by :func:`~hwgen.perf.cost.memory.memory_style`.
"""

from __future__ import annotations

import numpy as np

from ...ir.blocks.int_mvau import IntMvauParams
from .arith import adder_tree, width
from .components import mvau_core, requantizer
from .memory import rom_from_fields
from .model import cost_function
from .tally import Tally

__all__ = ["int_mvau_features", "int_mvau_cost", "weight_steps"]


def weight_steps(weights, pe: int, simd: int) -> np.ndarray:
    """The weight memory as ``(NF * SF, PE * SIMD)`` codes, one row per step."""
    weights = np.asarray(weights, dtype=np.int64)
    mh, mw = weights.shape
    nf, sf = mh // pe, mw // simd
    return weights.reshape(nf, pe, sf, simd).transpose(0, 2, 1, 3).reshape(nf * sf, pe * simd)


def int_mvau_features(p: IntMvauParams, t: Tally) -> None:
    w_t, x_t = p.weight_type, p.input_type
    corners = [a * b for a in (w_t.qmin, w_t.qmax) for b in (x_t.qmin, x_t.qmax)]
    lo, hi = min(corners), max(corners)
    dot = adder_tree([(lo, hi)] * p.simd)
    mvau_core(t, nf=p.nf, sf=p.sf, pe=p.pe, in_bits=p.simd * x_t.bits,
              weights=rom_from_fields(weight_steps(p.weights, p.pe, p.simd), w_t.bits,
                                      sync_read=True, counter_address=True),
              dot_bits=dot.width, acc_bits=p.acc_bits, bias=p.acc_bias.reshape(p.nf, p.pe),
              out_bits=p.pe * p.output_type.bits, depth=p.out_fifo_depth)
    # the products: a signed weight times an input code (an unsigned code gains a sign bit)
    product = t.multiply(w_t.bits, x_t.bits + (0 if x_t.signed else 1), width(lo, hi),
                         count=p.pe * p.simd)
    t.tree(dot, count=p.pe, dsp_leaves=product.dsp > 0)
    requantizer(t, acc_bits=p.acc_bits, out_bits=p.output_type.bits,
                multiplier=p.multiplier.reshape(p.nf, p.pe), shift=p.shift.reshape(p.nf, p.pe),
                rounding=p.rounding.value, lanes=p.pe)


int_mvau_cost = cost_function(int_mvau_features)
