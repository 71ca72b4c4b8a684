"""Wide accumulators -> int output codes (single rounding, NaN to qmin)."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...ir.types import IntType
from ..arith.fold_table import fold_table
from ..shapes import index_range, lanes_layout

__all__ = ["MxRequantizer"]


class MxRequantizer(wiring.Component):
    """``out = clamp(zero_point + ((acc * multiplier + 2**(t-1)) >> t), out_min, out_max)``,
    or ``qmin`` for a NaN lane (the rules of ``hwgen.ir.mx.rules``), per lane and fold.

    Two register stages: an accumulator presented with ``i_valid`` in cycle ``t`` leaves on
    ``o_data`` with ``o_valid`` in cycle ``t + 2``. No backpressure.

    Parameters
    ----------
    acc_bits : int
        Accumulator width (any).
    output_type : IntType
    multiplier, shift : numpy.ndarray
        ``(folds, lanes)``: multipliers in ``[1, 2**31)``, shifts ``t >= 1``.
    zero_point, out_min, out_max : int
    roms : RomFiles, optional
        Ship the per-fold tables as ``$readmemh`` images (:class:`~hwgen.hw.rom.Rom`).

    Members
    -------
    i_valid : In(1)
    i_acc : In(ArrayLayout(signed(acc_bits), lanes))
    i_nan : In(ArrayLayout(1, lanes))
    i_fold : In(range(max(folds, 2)))
    o_valid : Out(1)
    o_data : Out(ArrayLayout(output shape, lanes))
    """

    def __init__(self, *, acc_bits, output_type, multiplier, shift, zero_point, out_min,
                 out_max, roms=None):
        if not isinstance(acc_bits, int) or acc_bits < 1:
            raise TypeError(f"acc_bits must be a positive int, not {acc_bits!r}")
        if not isinstance(output_type, IntType):
            raise TypeError(f"output_type must be an IntType, not {output_type!r}")
        multiplier = np.asarray(multiplier, dtype=np.int64)
        shift = np.asarray(shift, dtype=np.int64)
        if multiplier.ndim != 2 or multiplier.shape != shift.shape:
            raise ValueError("multiplier and shift must both have shape (folds, lanes)")
        if np.any(multiplier < 1) or np.any(multiplier >= 1 << 31) or np.any(shift < 1):
            raise ValueError("multipliers must lie in [1, 2**31) and shifts be >= 1")
        if not output_type.qmin <= out_min <= out_max <= output_type.qmax:
            raise ValueError(f"bounds [{out_min}, {out_max}] do not fit {output_type}")
        self._acc_bits = acc_bits
        self._type = output_type
        self._multiplier = multiplier
        # Beyond product width + 1 every right shift gives the same result (0): cap it.
        self._product_bits = acc_bits + 32
        self._shift = np.minimum(shift, self._product_bits + 1)
        self._zero_point, self._out_min, self._out_max = int(zero_point), int(out_min), int(out_max)
        self._roms = roms
        folds, lanes = multiplier.shape
        self._folds, self._lanes = folds, lanes
        super().__init__({
            "i_valid": In(1),
            "i_acc": In(data.ArrayLayout(signed(acc_bits), lanes)),
            "i_nan": In(data.ArrayLayout(1, lanes)),
            "i_fold": In(index_range(folds)),
            "o_valid": Out(1),
            "o_data": Out(lanes_layout(output_type, lanes)),
        })

    def elaborate(self, platform):
        m = Module()
        pbits = self._product_bits
        tbits = max(1, int(self._shift.max()).bit_length())
        qm = fold_table(m, "multiplier", self._multiplier.tolist(), bits=31,
                             is_signed=False, fold=self.i_fold, roms=self._roms)
        t = fold_table(m, "shift", self._shift.tolist(), bits=tbits, is_signed=False,
                            fold=self.i_fold, roms=self._roms)
        halves = [[1 << (int(v) - 1) for v in row] for row in self._shift.tolist()]
        half_now = fold_table(m, "half", halves, bits=pbits + 1, is_signed=False,
                                   fold=self.i_fold, roms=self._roms)
        # Stage A: product, shift and NaN per lane.
        valid_a = Signal()
        m.d.sync += valid_a.eq(self.i_valid)
        stage = []
        for lane in range(self._lanes):
            product = Signal(signed(pbits), name=f"product{lane}")
            shift = Signal(unsigned(tbits), name=f"t{lane}")
            half = Signal(unsigned(pbits + 1), name=f"half{lane}")
            nan = Signal(name=f"nan{lane}")
            m.d.sync += [product.eq(self.i_acc[lane] * qm[lane]), shift.eq(t[lane]),
                         half.eq(half_now[lane]), nan.eq(self.i_nan[lane])]
            stage.append((product, shift, half, nan))
        # Stage B: (product + 2**(t-1)) >> t, zero point, saturation; NaN -> qmin.
        m.d.sync += self.o_valid.eq(valid_a)
        for lane, (product, shift, half, nan) in enumerate(stage):
            rounded = Signal(signed(pbits + 2), name=f"rounded{lane}")
            m.d.comb += rounded.eq((product + half) >> shift)
            value = Signal(signed(pbits + 3), name=f"value{lane}")
            m.d.comb += value.eq(rounded + self._zero_point)
            clamped = Mux(value < self._out_min, self._out_min,
                          Mux(value > self._out_max, self._out_max, value))
            m.d.sync += self.o_data[lane].eq(Mux(nan, self._type.qmin, clamped))
        return m
