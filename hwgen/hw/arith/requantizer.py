"""Pipelined requantization of PE accumulators to output codes."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...ir.rules import RequantRounding
from ...ir.types import IntType
from ..shapes import index_range, lanes_layout
from .fold_table import fold_table
from .registers import register_unless_constant
from .requant_deep import DEEP_LATENCY, deep_requantizer

__all__ = ["Requantizer", "MULTIPLIER_A_BITS", "MULTIPLIER_PIECE_BITS", "NARROW_ACC_BITS"]

#: Widest accumulator a DSP48E2's signed A port takes (27 bits).
MULTIPLIER_A_BITS = 27
#: Bits of the multiplier constant per partial product: unsigned, so 18 bits signed on the
#: DSP48E2's B port.
MULTIPLIER_PIECE_BITS = 17
#: A saturated accumulator on the DSP48E2's B port (``narrow_bits``), and the multiplier's
#: low bits left to logic (its top 26 bits, 27 signed, fill the A port).
NARROW_ACC_BITS, NARROW_LOW_BITS = 18, 5


class Requantizer(wiring.Component):
    """Scale, round, offset and saturate ``lanes`` accumulators (rules in ``hwgen.ir.rules``).

    Two register stages: the accumulator presented with ``i_valid`` in cycle ``t`` leaves on
    ``o_data`` with ``o_valid`` in cycle ``t + 2``; ``pipelined`` adds a register before the
    multiply (the accumulator and the per-fold constants), one after the partial products
    and two in the rounding (its add or shift, then the rest), for ``t + 6``
    (:attr:`latency`). No backpressure: the caller
    guarantees room.

    Parameters
    ----------
    acc_bits : int
        Accumulator width (at most 32).
    output_type : IntType
        Output code type.
    multiplier, shift : numpy.ndarray
        Per-fold, per-lane constants, shape ``(folds, lanes)``.
    rounding : RequantRounding
        Requantization rule.
    zero_point, out_min, out_max : int
        Output zero point and saturation bounds.
    roms : RomFiles, optional
        Ship the per-fold tables as ``$readmemh`` images (:class:`~hwgen.hw.rom.Rom`).
    pipelined : bool
        Register the multiply's operands, the partial products, the rounding's first step
        and the rounded value too (four more cycles), so the table reads, the multiply, the
        sum of its pieces, the two steps of the rounding and the saturation each have a
        clock cycle.
    serial : bool
        Multiply each lane's two pieces one after the other on one multiplier (one DSP48E2
        instead of two): ``acc * M_lo`` in the cycle after the operands' register, ``acc *
        M_hi`` in the next, the multiplier's port fed by a mux of the two pieces; their sum
        one cycle later, for ``t + 7``. Needs ``pipelined`` and ``acc_bits <= 27`` (the
        split multiply), and ``i_valid`` at most every other cycle (the caller guarantees
        it: the operands are held for the second piece).
    narrow_bits : int or None
        Saturate each accumulator to this many bits (18) before the multiply, which then
        takes the accumulator on a DSP48E2's 18-bit port and the multiplier's top 26 bits on
        its 27-bit port (one DSP), the low 5 bits as shifted adds in logic. Only where the
        saturation changes no output (``hwgen.passes.narrow_requantizers`` proves it); the
        latency does not change. Not with ``serial``.
    deep : bool
        ``pipeline = "deep"`` (:mod:`hwgen.hw.arith.requant_deep`): the multiply tiled into
        18 x 18 products between registers of their own and the rounding in more, shorter
        stages, for ``t + 8``. Needs ``pipelined``; not with ``serial``.

    Members
    -------
    i_valid : In(1)
    i_acc : In(ArrayLayout(signed(acc_bits), lanes))
    i_fold : In(range(max(folds, 2)))
    o_valid : Out(1)
    o_data : Out(ArrayLayout(output shape, lanes))
    """

    def __init__(self, *, acc_bits, output_type, multiplier, shift, rounding,
                 zero_point, out_min, out_max, roms=None, pipelined=False, serial=False,
                 narrow_bits=None, deep=False):
        if not isinstance(pipelined, bool):
            raise TypeError(f"pipelined must be a bool, not {pipelined!r}")
        if not isinstance(deep, bool):
            raise TypeError(f"deep must be a bool, not {deep!r}")
        if deep and (serial or not pipelined):
            raise ValueError(f"deep needs pipelined=True and serial=False, not "
                             f"pipelined={pipelined!r}, serial={serial!r}")
        if not isinstance(serial, bool):
            raise TypeError(f"serial must be a bool, not {serial!r}")
        if serial and not (pipelined and isinstance(acc_bits, int)
                           and acc_bits <= MULTIPLIER_A_BITS):
            raise ValueError(f"serial needs pipelined=True and acc_bits <= {MULTIPLIER_A_BITS}, "
                             f"not pipelined={pipelined!r}, acc_bits={acc_bits!r}")
        if narrow_bits is not None and (
                narrow_bits != NARROW_ACC_BITS or serial or not isinstance(acc_bits, int)
                or acc_bits <= narrow_bits):
            raise ValueError(f"narrow_bits must be None or {NARROW_ACC_BITS} (for a wider "
                             f"accumulator, not serial), not {narrow_bits!r}")
        self._pipelined = pipelined
        self._serial = serial
        self._narrow_bits = narrow_bits
        self._deep = deep
        if not isinstance(acc_bits, int) or not 1 <= acc_bits <= 32:
            raise TypeError(f"acc_bits must be an int in [1, 32], not {acc_bits!r}")
        if not isinstance(output_type, IntType):
            raise TypeError(f"output_type must be an IntType, not {output_type!r}")
        multiplier = np.asarray(multiplier, dtype=np.int64)
        shift = np.asarray(shift, dtype=np.int64)
        if multiplier.ndim != 2 or multiplier.shape != shift.shape:
            raise ValueError("multiplier and shift must both have shape (folds, lanes)")
        if np.any(multiplier < 0) or np.any(multiplier >= 1 << 31):
            raise ValueError("multipliers must lie in [0, 2**31)")
        if np.any(shift < -31) or np.any(shift > 30):
            raise ValueError("shifts must lie in [-31, 30]")
        if not output_type.qmin <= out_min <= out_max <= output_type.qmax:
            raise ValueError(f"bounds [{out_min}, {out_max}] do not fit {output_type}")
        self._acc_bits = acc_bits
        self._output_type = output_type
        self._multiplier = multiplier
        self._shift = shift
        self._rounding = RequantRounding(rounding)
        self._zero_point = int(zero_point)
        self._out_min = int(out_min)
        self._out_max = int(out_max)
        self._roms = roms
        folds, lanes = multiplier.shape
        self._folds, self._lanes = folds, lanes
        super().__init__({
            "i_valid": In(1),
            "i_acc": In(data.ArrayLayout(signed(acc_bits), lanes)),
            "i_fold": In(index_range(folds)),
            "o_valid": Out(1),
            "o_data": Out(lanes_layout(output_type, lanes)),
        })

    @property
    def latency(self) -> int:
        """Cycles from ``i_valid`` to ``o_valid``: 2, 6 when ``pipelined``, 7 when
        ``serial``, 8 when ``deep``."""
        if self._deep:
            return DEEP_LATENCY
        return (6 + self._serial) if self._pipelined else 2

    @property
    def serial(self) -> bool:
        return self._serial

    def _stage(self, m, value, name):
        """``value``, registered when pipelined (a cycle later), else as is; a constant (a
        table whose rows are all equal) needs no register."""
        if not self._pipelined:
            return value
        return register_unless_constant(m, value, name)

    def _operand(self, m, value, name):
        """``value`` registered for the multiply (:meth:`_stage`); when ``serial`` it is
        loaded only with ``i_valid``, so it holds for the second piece a cycle later."""
        if not self._serial:
            return self._stage(m, value, name)
        return register_unless_constant(m, value, name, enable=self.i_valid)

    def _serial_stage(self, m, value, name):
        """``value`` a cycle later when ``serial`` (its multiply takes a cycle more)."""
        return self._stage(m, value, name) if self._serial else value

    def elaborate(self, platform):
        m = Module()
        if self._deep:
            deep_requantizer(
                m, i_valid=self.i_valid, i_acc=self.i_acc, i_fold=self.i_fold,
                o_valid=self.o_valid, o_data=self.o_data, acc_bits=self._acc_bits,
                multiplier=self._multiplier, shift=self._shift, rounding=self._rounding,
                zero_point=self._zero_point, out_min=self._out_min, out_max=self._out_max,
                narrow_bits=self._narrow_bits, roms=self._roms)
            return m
        lanes = self._lanes
        gemmlowp = self._rounding is RequantRounding.GEMMLOWP
        qm = fold_table(m, "multiplier", self._multiplier, bits=31, is_signed=False,
                        fold=self.i_fold, roms=self._roms)
        if gemmlowp:
            # shift > 0 is a left shift before the high multiply, shift < 0 a rounding
            # right shift after it; one of the two is always zero.
            left = fold_table(m, "left_shift", np.maximum(self._shift, 0), bits=5,
                              is_signed=False, fold=self.i_fold, roms=self._roms)
            right_values = np.maximum(-self._shift, 0)
        else:
            right_values = 31 - self._shift  # t in (acc * qm + 2**(t-1)) >> t, 1..62
        right = fold_table(m, "right_shift", right_values, bits=6, is_signed=False,
                           fold=self.i_fold, roms=self._roms)
        if not gemmlowp:
            half = fold_table(m, "half", np.left_shift(1, right_values - 1), bits=62,
                              is_signed=False, fold=self.i_fold, roms=self._roms)

        # Stage A: (shifted) accumulator times the 31-bit multiplier (pipelined: the
        # partial products registered first, with the constants they go on with).
        # (pipelined: the accumulator and the table reads registered before the multiply.)
        valid_a = Signal()
        valid_t = self._stage(m, self.i_valid, "valid_t")
        valid_p = self._stage(m, valid_t, "valid_p")
        m.d.sync += valid_a.eq(self._serial_stage(m, valid_p, "valid_s"))
        products, rights, halves = [], [], []
        for lane in range(lanes):
            acc_in = self.i_acc[lane]
            if self._narrow_bits:
                acc_in = self._saturate(m, lane, acc_in)
            acc = self._operand(m, acc_in, f"acc_t{lane}")
            qm_lane = self._operand(m, qm[lane], f"qm_t{lane}")
            right_lane = self._stage(m, right[lane], f"rshift_t{lane}")
            # gemmlowp's (acc << left) * qm is computed as (acc * qm) << left: the same
            # integer, with the narrow accumulator as the multiplier's operand.
            # |acc << left| <= 2**31 (checked at compile time) and qm < 2**31: the product
            # fits 63 bits.
            if self._serial:
                # valid_p marks the cycle of the second piece (inputs come at most every
                # other cycle).
                scaled = self._multiply_serial(m, lane, acc, qm_lane, high=valid_p)
            elif self._narrow_bits:
                scaled = self._multiply_narrow(m, lane, acc, qm_lane)
            else:
                scaled = self._multiply(m, lane, acc, qm_lane)
            if gemmlowp and np.any(self._shift > 0):
                left_lane = self._stage(m, left[lane], f"left_t{lane}")
                left_lane = self._stage(m, left_lane, f"left_p{lane}")
                scaled = scaled << self._serial_stage(m, left_lane, f"left_s{lane}")
            product = Signal(signed(63), name=f"product{lane}")
            rshift = Signal(unsigned(6), name=f"rshift{lane}")
            right_lane = self._stage(m, right_lane, f"rshift_p{lane}")
            m.d.sync += [product.eq(scaled),
                         rshift.eq(self._serial_stage(m, right_lane, f"rshift_s{lane}"))]
            products.append(product)
            rights.append(rshift)
            if not gemmlowp:
                rounding_half = Signal(unsigned(62), name=f"half{lane}")
                half_lane = self._stage(m, half[lane], f"half_t{lane}")
                half_lane = self._stage(m, half_lane, f"half_p{lane}")
                m.d.sync += rounding_half.eq(self._serial_stage(m, half_lane, f"half_s{lane}"))
                halves.append(rounding_half)

        # Stage B: rounding (pipelined: in two registered steps), zero point, saturation.
        valid_m = self._stage(m, valid_a, "valid_m")
        m.d.sync += self.o_valid.eq(self._stage(m, valid_m, "valid_r"))
        for lane in range(lanes):
            product, rshift = products[lane], rights[lane]
            if gemmlowp:
                value = self._gemmlowp_round(m, lane, product, rshift)
            else:
                value = self._single_round(
                    m, lane, product, rshift, halves[lane],
                    even=self._rounding is RequantRounding.SINGLE_EVEN)
            value = self._stage(m, value, f"rounded_r{lane}")
            # Every intermediate fits 64 bits, so simulators keep each in one machine word.
            with_zero = Signal(signed(64), name=f"with_zero{lane}")
            m.d.comb += with_zero.eq(value + self._zero_point)
            clamped = Mux(with_zero < self._out_min, self._out_min,
                          Mux(with_zero > self._out_max, self._out_max, with_zero))
            m.d.sync += self.o_data[lane].eq(clamped)
        return m

    def _multiply(self, m, lane, acc, qm):
        """``acc * qm`` as partial products that each fit one DSP48E2 (27 x 18 signed).

        With the accumulator on the 27-bit port, the 31-bit multiplier is cut into 17-bit
        pieces (18 bits signed): two DSPs. Left whole, Yosys puts the wider multiplier on
        the 27-bit port and cuts both operands once the accumulator passes 18 bits: four.
        """
        if self._acc_bits > MULTIPLIER_A_BITS:
            return self._stage(m, acc * qm, f"whole_p{lane}")
        partials = []
        for low in range(0, 31, MULTIPLIER_PIECE_BITS):
            piece = qm[low:min(low + MULTIPLIER_PIECE_BITS, 31)]
            partial = Signal(signed(self._acc_bits + len(piece) + 1),
                              name=f"partial{lane}_{low}")
            domain = m.d.sync if self._pipelined else m.d.comb
            domain += partial.eq(acc * piece)
            partials.append(partial << low if low else partial)
        return sum(partials[1:], partials[0])

    def _saturate(self, m, lane, acc):
        """``acc`` saturated to ``narrow_bits`` signed bits."""
        bits = self._narrow_bits
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        narrow = Signal(signed(bits), name=f"acc_sat{lane}")
        m.d.comb += narrow.eq(Mux(acc > hi, hi, Mux(acc < lo, lo, acc)))
        return narrow

    def _multiply_narrow(self, m, lane, acc, qm):
        """``acc * qm`` for an accumulator of ``narrow_bits``: ``acc`` times the multiplier's
        top 26 bits (one DSP48E2: 18 x 27 signed), plus ``acc`` times its low 5 bits as a
        sum of shifted copies (logic: no product for Yosys to put on a DSP), each part
        registered when pipelined."""
        low_bits = NARROW_LOW_BITS
        domain = m.d.sync if self._pipelined else m.d.comb
        high = Signal(signed(self._narrow_bits + 32 - low_bits), name=f"partial{lane}_hi")
        domain += high.eq(acc * qm[low_bits:31])
        terms = [Mux(qm[k], acc << k, 0) for k in range(low_bits)]
        low = Signal(signed(self._narrow_bits + low_bits + 1), name=f"partial{lane}_lo")
        domain += low.eq(sum(terms[1:], terms[0]))
        return (high << low_bits) + low

    def _multiply_serial(self, m, lane, acc, qm, *, high):
        """``acc * qm`` with both pieces on one multiplier, one after the other.

        In the cycle after the operands' register the multiplier's second port takes the
        low 17 bits of ``qm``, in the next (``high``) the high 14 (a mux in front of the
        port): one product ``acc * piece`` and one DSP48E2. Its register holds the low
        piece's product for a cycle, when it moves to ``low``; the cycle after, the two are
        summed.
        """
        bits = MULTIPLIER_PIECE_BITS
        piece = Mux(high, qm[bits:31], qm[:bits])
        partial = Signal(signed(self._acc_bits + bits + 1), name=f"partial{lane}")
        low = Signal.like(partial, name=f"partial{lane}_0")
        m.d.sync += [partial.eq(acc * piece), low.eq(partial)]
        return (partial << bits) + low

    def _gemmlowp_round(self, m, lane, product, rshift):
        # SaturatingRoundingDoublingHighMul adds 2**30 (or 1 - 2**30 when negative) and then
        # divides by 2**31 truncating toward zero; both cases equal the flooring shift
        # (product + 2**30) >> 31, i.e. round to nearest, ties up. The saturating case
        # INT32_MIN * INT32_MIN cannot occur because the multiplier is non-negative.
        high = Signal(signed(33), name=f"high{lane}")
        m.d.comb += high.eq((product + (1 << 30)) >> 31)
        # (pipelined: the add registered, then the rest.)
        high = self._stage(m, high, f"high_r{lane}")
        rshift = self._stage(m, rshift, f"rshift_r{lane}")
        # RoundingDivideByPOT(high, rshift), round half away from zero.
        mask = Signal(unsigned(32), name=f"mask{lane}")
        m.d.comb += mask.eq((1 << rshift) - 1)
        remainder = Signal(unsigned(32), name=f"remainder{lane}")
        m.d.comb += remainder.eq(high.as_unsigned()[:32] & mask)
        threshold = Signal(unsigned(33), name=f"threshold{lane}")
        m.d.comb += threshold.eq((mask >> 1) + (high < 0))
        result = Signal(signed(33), name=f"rounded{lane}")
        m.d.comb += result.eq((high >> rshift) + (remainder > threshold))
        return result

    def _single_round(self, m, lane, product, t, half, *, even):
        result = Signal(signed(63), name=f"rounded{lane}")
        if not even:
            # (product + 2**(t-1)) >> t: round half toward +infinity; t >= 1, so the result
            # is below 2**62 in magnitude. (pipelined: the add registered, then the shift.)
            total = Signal(signed(64), name=f"total{lane}")
            m.d.comb += total.eq(product + half)
            total = self._stage(m, total, f"total_r{lane}")
            m.d.comb += result.eq(total >> self._stage(m, t, f"rshift_r{lane}"))
            return result
        # Round half to even: floor, then up if the remainder passes half, or equals it and
        # the floor is odd. (pipelined: the shift and the comparisons registered, then the
        # add.)
        floor = Signal(signed(63), name=f"floor{lane}")
        remainder = Signal(unsigned(63), name=f"remainder{lane}")
        m.d.comb += [
            floor.eq(product >> t),
            remainder.eq(product.as_unsigned() & ((half << 1) - 1)),
        ]
        above = self._stage(m, remainder > half, f"above_r{lane}")
        tie = self._stage(m, remainder == half, f"tie_r{lane}")
        floor = self._stage(m, floor, f"floor_r{lane}")
        m.d.comb += result.eq(floor + (above | (tie & floor[0])))
        return result
