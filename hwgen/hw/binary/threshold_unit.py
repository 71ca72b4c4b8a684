"""Threshold activation (FINN MultiThreshold) of PE accumulators."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Cat, Module, Shape, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...ir.types import IntType
from ..arith.adder_tree import popcount, shape_for_range
from ..arith.fold_table import fold_table
from ..shapes import index_range, lanes_layout

__all__ = ["ThresholdUnit"]


class ThresholdUnit(wiring.Component):
    """``code = offset + sum_k ([acc >= t_k] XOR flip)`` per lane (rule in ``hwgen.ir.binary``).

    A flipped lane stores ``t + 1`` for each threshold ``t`` of ``acc <= t``, so one
    comparator type serves both directions. Two register stages: the comparisons, then their
    count plus the offset. The accumulator presented with ``i_valid`` in cycle ``t`` leaves on
    ``o_data`` with ``o_valid`` in cycle ``t + 2`` (as the :class:`Requantizer`). No
    backpressure: the caller guarantees room.

    Parameters
    ----------
    acc_shape : ShapeLike
        One lane's accumulator.
    thresholds : numpy.ndarray
        Integers of shape ``(folds, lanes, T)`` in the accumulator's domain.
    flip : numpy.ndarray
        0/1 of shape ``(folds, lanes)``.
    output_type : IntType
        Output code type; ``offset .. offset + T`` must fit.
    offset : int
        Code of a zero count.
    roms : RomFiles, optional
        Ship the per-fold tables as ``$readmemh`` images (:class:`~hwgen.hw.rom.Rom`).

    Members
    -------
    i_valid : In(1)
    i_acc : In(ArrayLayout(acc_shape, lanes))
    i_fold : In(range(max(folds, 2)))
    o_valid : Out(1)
    o_data : Out(ArrayLayout(output shape, lanes))
    """

    #: cycles from ``i_valid`` to ``o_valid``
    LATENCY = 2

    def __init__(self, *, acc_shape, thresholds, flip, output_type, offset=0, roms=None):
        thresholds = np.asarray(thresholds)
        flip = np.asarray(flip)
        if thresholds.ndim != 3 or thresholds.shape[2] < 1 or thresholds.dtype.kind not in "iu":
            raise ValueError("thresholds must be integers of shape (folds, lanes, T), T >= 1")
        if flip.shape != thresholds.shape[:2] or not np.isin(flip, (0, 1)).all():
            raise ValueError(f"flip must hold 0 or 1 with shape {thresholds.shape[:2]}")
        if not isinstance(output_type, IntType):
            raise TypeError(f"output_type must be an IntType, not {output_type!r}")
        offset = int(offset)
        if not output_type.qmin <= offset <= offset + thresholds.shape[2] <= output_type.qmax:
            raise ValueError(f"codes [{offset}, {offset + thresholds.shape[2]}] do not fit "
                             f"{output_type}")
        self._acc_shape = Shape.cast(acc_shape)
        self._thresholds = thresholds.astype(np.int64)
        self._flip = flip.astype(np.int64)
        self._output_type = output_type
        self._offset = offset
        self._roms = roms
        folds, lanes, _ = thresholds.shape
        self._folds, self._lanes = folds, lanes
        super().__init__({
            "i_valid": In(1),
            "i_acc": In(data.ArrayLayout(self._acc_shape, lanes)),
            "i_fold": In(index_range(folds)),
            "o_valid": Out(1),
            "o_data": Out(lanes_layout(output_type, lanes)),
        })

    def elaborate(self, platform):
        m = Module()
        folds, lanes, count = self._thresholds.shape
        t_shape = shape_for_range(int(self._thresholds.min()), int(self._thresholds.max()))
        table = fold_table(m, "thresholds", self._thresholds.reshape(folds, lanes * count),
                           bits=t_shape.width, is_signed=t_shape.signed, fold=self.i_fold,
                           roms=self._roms)
        flip = fold_table(m, "flip", self._flip, bits=1, is_signed=False, fold=self.i_fold,
                          roms=self._roms)

        # Stage A: every comparison, flipped where the lane counts acc <= t.
        valid_a = Signal()
        m.d.sync += valid_a.eq(self.i_valid)
        hits = []
        for lane in range(lanes):
            bits = Signal(count, name=f"hits{lane}")
            acc = self.i_acc[lane]
            m.d.sync += bits.eq(Cat(*[(acc >= table[lane * count + k]) ^ flip[lane]
                                      for k in range(count)]))
            hits.append(bits)

        # Stage B: count the hits (a popcount tree), add the offset.
        m.d.sync += self.o_valid.eq(valid_a)
        for lane in range(lanes):
            total = popcount([hits[lane][k] for k in range(count)])
            m.d.sync += self.o_data[lane].eq(total + self._offset)
        return m

