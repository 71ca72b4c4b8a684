"""A requantizer time-shared by the PE lanes of one output beat."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...ir.types import IntType
from ..shapes import index_range, lanes_layout
from .fold_table import fold_table
from .requantizer import Requantizer

__all__ = ["SharedRequantizer"]


class SharedRequantizer(wiring.Component):
    """Requantize ``lanes`` accumulators through ``units`` multiplier lanes, in ``rounds`` cycles.

    The ``lanes`` accumulators of one output beat arrive together; round ``r`` (cycle ``t + r``
    for accumulators presented in cycle ``t``) sends lanes ``r * units .. r * units + units - 1``
    through a :class:`Requantizer` of ``units`` lanes, so ``rounds = ceil(lanes / units)``
    rounds use ``units`` multipliers instead of ``lanes``. Round 0 reads ``i_acc`` directly;
    later rounds read a snapshot taken in cycle ``t``, so ``i_acc`` may change afterwards.

    With ``serial`` each lane multiplies its two pieces one after the other
    (:class:`Requantizer`'s ``serial``), so a round takes two cycles: round ``r`` is
    presented in cycle ``t + 2 r``.

    Timing: the whole beat leaves on ``o_data`` with ``o_valid`` in cycle ``t + c (rounds -
    1) + L`` (``c`` = :attr:`round_cycles`, 1, or 2 when ``serial``; the requantizer's ``L`` =
    :attr:`Requantizer.latency` stages after the last round: 2, 6 when ``pipelined``, 7 when
    ``serial``). The next ``i_valid`` may come at ``t + c rounds`` at the earliest (the
    caller guarantees it: an MVAU with ``c rounds <= SF`` finishes a fold every ``SF``
    cycles at most). No backpressure.

    Parameters
    ----------
    units : int
        Multiplier lanes, ``1 <= units < lanes``.
    acc_bits, output_type, multiplier, shift, rounding, zero_point, out_min, out_max
        As for :class:`Requantizer`; ``multiplier`` and ``shift`` have shape
        ``(folds, lanes)``.
    roms : RomFiles, optional
        As for :class:`Requantizer`: the constant tables as ``$readmemh`` images.
    pipelined, serial : bool
        As for :class:`Requantizer`.
    narrow_bits : int or None
        As for :class:`Requantizer`.
    deep : bool
        As for :class:`Requantizer` (8 stages after the last round).

    Members
    -------
    i_valid : In(1)
    i_acc : In(ArrayLayout(signed(acc_bits), lanes))
    i_fold : In(range(max(folds, 2)))
    o_valid : Out(1)
    o_data : Out(ArrayLayout(output shape, lanes))
    """

    def __init__(self, *, units, acc_bits, output_type, multiplier, shift, rounding,
                 zero_point, out_min, out_max, roms=None, pipelined=False, serial=False,
                 narrow_bits=None, deep=False):
        multiplier = np.asarray(multiplier, dtype=np.int64)
        shift = np.asarray(shift, dtype=np.int64)
        if multiplier.ndim != 2 or multiplier.shape != shift.shape:
            raise ValueError("multiplier and shift must both have shape (folds, lanes)")
        folds, lanes = multiplier.shape
        if not isinstance(units, int) or isinstance(units, bool) or not 1 <= units < lanes:
            raise ValueError(f"units must be an int in [1, {lanes - 1}] for {lanes} lanes, "
                             f"not {units!r}")
        if not isinstance(output_type, IntType):
            raise TypeError(f"output_type must be an IntType, not {output_type!r}")
        rounds = -(-lanes // units)
        self._folds, self._lanes, self._units, self._rounds = folds, lanes, units, rounds
        self._acc_bits = acc_bits
        self._output_type = output_type

        def per_round(table):
            # (folds, lanes) -> (folds * rounds, units); the padding lanes of the last round
            # copy lane 0's constants (their accumulator is 0 and their result is dropped).
            padded = np.concatenate(
                [table, np.repeat(table[:, :1], rounds * units - lanes, axis=1)], axis=1)
            return padded.reshape(folds * rounds, units)

        # Validates the constants, the bounds and the rounding rule.
        self._inner = Requantizer(
            acc_bits=acc_bits, output_type=output_type, multiplier=per_round(multiplier),
            shift=per_round(shift), rounding=rounding, zero_point=zero_point,
            out_min=out_min, out_max=out_max, roms=roms, pipelined=pipelined, serial=serial,
            narrow_bits=narrow_bits, deep=deep)
        self._roms = roms
        super().__init__({
            "i_valid": In(1),
            "i_acc": In(data.ArrayLayout(signed(acc_bits), lanes)),
            "i_fold": In(index_range(folds)),
            "o_valid": Out(1),
            "o_data": Out(lanes_layout(output_type, lanes)),
        })

    @property
    def rounds(self) -> int:
        return self._rounds

    @property
    def round_cycles(self) -> int:
        """Cycles per round: 1, or 2 when ``serial``."""
        return 2 if self._inner.serial else 1

    @property
    def latency(self) -> int:
        """Cycles from ``i_valid`` to ``o_valid``: ``round_cycles x (rounds - 1)`` plus the
        requantizer's."""
        return self.round_cycles * (self._rounds - 1) + self._inner.latency

    def elaborate(self, platform):
        m = Module()
        folds, lanes, units, rounds = self._folds, self._lanes, self._units, self._rounds
        m.submodules.requantizer = inner = self._inner
        acc_shape = signed(self._acc_bits)

        def lane(values, index):
            return values[index] if index < lanes else 0

        # Row of the per-round constant tables: fold * rounds + round (a table, not a
        # multiplier, so synthesis cannot spend a DSP on it).
        base = fold_table(m, "slot_base", [[f * rounds] for f in range(folds)],
                          bits=max(1, (folds * rounds - 1).bit_length()), is_signed=False,
                          fold=self.i_fold, roms=self._roms)[0]
        slot = Signal(index_range(folds * rounds), name="slot")
        pending = Signal(range(rounds), name="pending")   # rounds still to present
        # Rounds 1 .. rounds - 1 of the beat, round 1 first; shifted down a round per cycle.
        snapshot = [[Signal(acc_shape, name=f"snap{r}_{u}") for u in range(units)]
                    for r in range(rounds - 1)]
        # serial: a round presented, then a cycle for its second piece (``wait``).
        serial = self._inner.serial
        wait = Signal(name="wait") if serial else None
        with m.If(self.i_valid):
            m.d.sync += [slot.eq(base + 1), pending.eq(rounds - 1)]
            if serial:
                m.d.sync += wait.eq(1)
            for r in range(rounds - 1):
                for u in range(units):
                    m.d.sync += snapshot[r][u].eq(lane(self.i_acc, (r + 1) * units + u))
        if serial:
            with m.Elif(wait):
                m.d.sync += wait.eq(0)
        with m.Elif(pending != 0):
            m.d.sync += [slot.eq(slot + 1), pending.eq(pending - 1)]
            if serial:
                m.d.sync += wait.eq(1)
            for r in range(rounds - 2):
                for u in range(units):
                    m.d.sync += snapshot[r][u].eq(snapshot[r + 1][u])
        presenting = (pending != 0) & ~wait if serial else pending != 0
        m.d.comb += [
            inner.i_valid.eq(self.i_valid | presenting),
            inner.i_fold.eq(Mux(self.i_valid, base, slot)),
        ]
        for u in range(units):
            m.d.comb += inner.i_acc[u].eq(Mux(self.i_valid, lane(self.i_acc, u),
                                              snapshot[0][u]))

        # Results of rounds 0 .. rounds - 2 wait in registers for the last round's.
        out_round = Signal(range(rounds), name="out_round")
        held = [[Signal.like(inner.o_data[u], name=f"held{r}_{u}") for u in range(units)]
                for r in range(rounds - 1)]
        with m.If(inner.o_valid):
            m.d.sync += out_round.eq(Mux(out_round == rounds - 1, 0, out_round + 1))
            with m.If(out_round != rounds - 1):
                for r in range(rounds - 1):
                    for u in range(units):
                        source = held[r + 1][u] if r < rounds - 2 else inner.o_data[u]
                        m.d.sync += held[r][u].eq(source)
        m.d.comb += self.o_valid.eq(inner.o_valid & (out_round == rounds - 1))
        for index in range(lanes):
            r, u = divmod(index, units)
            m.d.comb += self.o_data[index].eq(held[r][u] if r < rounds - 1
                                              else inner.o_data[u])
        return m
