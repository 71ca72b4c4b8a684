"""Change the number of elements per beat of a stream."""

from __future__ import annotations

import math

from amaranth.hdl import Array, Cat, Module, Mux, Shape, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["StreamWidthConverter"]


class StreamWidthConverter(wiring.Component):
    """Re-beat a stream of elements from ``in_lanes`` to ``out_lanes`` elements per beat.

    Elements keep their order. The converter holds up to ``in_lanes + out_lanes - 1``
    elements, the fewest that can never deadlock. Timing (relied on by the cycle model):
    output beat ``j`` is valid from the cycle after the input beat that completes it was
    accepted; input beat ``k`` is accepted once the elements still held after this cycle's
    output leave room for it (``i_stream.ready`` depends on ``o_stream.ready`` in the same
    cycle).

    Parameters
    ----------
    element_shape : ShapeLike
        Shape of one element.
    in_lanes, out_lanes : int
        Elements per input and per output beat.

    Up-sizers (``in_lanes <= out_lanes``) whose count has more than ``DECODE_COUNT_BITS``
    bits (beyond its low bits that stay 0) also hold the count one-hot, a flag per level it
    takes, and form each load's enable from those flags (:attr:`registered_enables`); the
    others decode it from the count and both handshakes in the same cycle. Either way ready,
    valid and every element read are the same in every cycle.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(element_shape, in_lanes)))
    o_stream : Out(stream.Signature(ArrayLayout(element_shape, out_lanes)))
    """

    def __init__(self, *, element_shape, in_lanes, out_lanes):
        Shape.cast(element_shape)
        for key, value in (("in_lanes", in_lanes), ("out_lanes", out_lanes)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise TypeError(f"{key} must be a positive integer, not {value!r}")
        self._element_shape = element_shape
        self._in_lanes = in_lanes
        self._out_lanes = out_lanes
        super().__init__({
            "i_stream": In(stream.Signature(data.ArrayLayout(element_shape, in_lanes))),
            "o_stream": Out(stream.Signature(data.ArrayLayout(element_shape, out_lanes))),
        })

    #: count bits (beyond the low ones that stay 0) up to which a load's enable is decoded
    #: from the count and both handshakes in the same cycle: with the handshakes, one LUT6's
    #: inputs. Wider, ABC maps that decode erratically, and an up-sizer's loads are as many
    #: as the count's levels: those hold the count one-hot too (docs/synthesis.md, "The
    #: width converter's enables from a one-hot count").
    DECODE_COUNT_BITS = 4

    @property
    def capacity(self) -> int:
        return self._in_lanes + self._out_lanes - 1

    @property
    def registered_enables(self) -> bool:
        """Whether each load's enable comes from the count held one-hot (see the class)."""
        a, b = self._in_lanes, self._out_lanes
        step = math.gcd(a, b)
        count_bits = self.capacity.bit_length() - ((step & -step).bit_length() - 1)
        return a <= b and count_bits > self.DECODE_COUNT_BITS

    def _one_hot_count(self, m, levels):
        """Flags ``count == level`` for every level, each registered from the flags of the
        levels the count reaches it from and the handshakes that move it there."""
        a, b, cap = self._in_lanes, self._out_lanes, self.capacity
        count_is = {level: Signal(name=f"count_is_{level}", init=level == 0) for level in levels}
        reached = {level: [] for level in levels}
        for level in levels:
            # an output leaves iff o_ready (valid: the count is at least out_lanes); an input
            # is taken iff i_valid and its elements fit (ready: a constant at a known count)
            outs = (False, True) if level >= b else (False,)
            for out in outs:
                ins = (False, True) if level - b * out + a <= cap else (False,)
                for take in ins:
                    term = count_is[level]
                    if len(outs) > 1:
                        term = term & (self.o_stream.ready if out else ~self.o_stream.ready)
                    if len(ins) > 1:
                        term = term & (self.i_stream.valid if take else ~self.i_stream.valid)
                    reached[level + a * take - b * out].append(term)
        for level in levels:
            m.d.sync += count_is[level].eq(Cat(reached[level]).any())
        return count_is

    def elaborate(self, platform):
        m = Module()
        a, b, cap = self._in_lanes, self._out_lanes, self.capacity
        held = Signal(data.ArrayLayout(self._element_shape, cap))
        count = Signal(range(cap + 1))
        next_count = Signal(range(cap + 1))

        out_fire = Signal()
        after_out = Signal(range(cap + 1))
        in_fire = Signal()
        # o_stream.ready arrives late (the consumer's state) and i_stream.ready leaves for the
        # producer in the same cycle: both outcomes are formed from the register count alone,
        # the consumer's ready only picks one.
        m.d.comb += [
            self.o_stream.valid.eq(count >= b),
            out_fire.eq(self.o_stream.valid & self.o_stream.ready),
            after_out.eq(Mux(out_fire, count - b, count)),
            # (count never exceeds cap: no compare that Verilator's lint would call constant)
            self.i_stream.ready.eq(Mux(out_fire, count <= cap - a + b if b < a else 1,
                                       count <= cap - a)),
            in_fire.eq(self.i_stream.valid & self.i_stream.ready),
        ]
        for lane in range(b):
            m.d.comb += self.o_stream.payload[lane].eq(held[lane])

        # Each held element has a clock enable (it shifts or loads) and its data is picked
        # by a register alone: a held bit is a 2-way select (a LUT3) of the next element and
        # an input lane, or with loads at several bases a select of 3-4 ways (a LUT5 / LUT6),
        # whatever the lanes. Had the pick been decoded from the count and the handshakes in
        # the same cycle, ABC would fold that decode into every held bit for depth (a 6- or
        # 7-input LUT: four or eight LUT4s on ECP5, for some lane pairs and not others).
        # Every load base is below out_lanes (cap - in_lanes = out_lanes - 1), so the load at
        # `base` happens in a cycle whose count is `base` (no output can leave) or `base +
        # out_lanes` (an output leaving). A load at `base` writes the elements from `base`
        # on; when it does not happen in such a cycle, the count after it is at most `base`,
        # so the elements picked for it are then beyond the count and never read: the pick
        # can follow the count alone, registered one cycle ahead from `next_count`.
        # The count moves by +in_lanes and -out_lanes only, so it is always a multiple of
        # their gcd: so are the load bases, and only those counts need a case.
        bases = range(0, cap - a + 1, math.gcd(a, b))
        loaded = bases[-1] + a                  # the elements above are never written
        levels = range(0, cap + 1, math.gcd(a, b))
        picks = {}

        def pick_of(covering, shifts):
            """The register picking among the loads at ``covering`` (and the shift)."""
            key = (tuple(covering), shifts)
            if key not in picks:
                ways = len(covering) + shifts

                def way(level):
                    # the load this count makes, else the last way: the shift (or, with no
                    # shift, an element no load writes at this count, so not written)
                    loads = [i for i, base in enumerate(covering) if level in (base, base + b)]
                    return loads[0] if loads else ways - 1

                pick = Signal(range(ways), name=f"pick_{len(picks)}", init=way(0))
                with m.Switch(next_count):
                    for level in levels:
                        with m.Case(level):
                            m.d.sync += pick.eq(way(level))
                picks[key] = pick
            return picks[key]

        count_is = self._one_hot_count(m, levels) if self.registered_enables else None

        def loads_at(covering):
            """Whether a load at ``covering`` happens this cycle (or would, with an input).

            The count is one of the bases (no output can leave then), or one of them plus
            ``out_lanes`` (a load only if an output leaves). Such a count always leaves room
            for the input beat, and a load in a cycle without one writes only elements
            beyond the count after it (at most the base), never read: ``i_stream.valid``
            need not be decoded, as the picks' need not be.
            """
            outs = [count_is[base + b] for base in covering if base + b <= cap]
            at = Cat(count_is[base] for base in covering).any()
            return at | (self.o_stream.ready & Cat(outs).any()) if outs else at

        for pos in range(loaded):
            covering = [base for base in bases if base <= pos < base + a]
            # (an element shifting in from beyond the loaded ones would never be read)
            shifts = pos + b < loaded
            enable = Signal(name=f"held_en_{pos}")
            if self.registered_enables:
                m.d.comb += enable.eq((out_fire & shifts) | loads_at(covering))
            else:
                m.d.comb += enable.eq(Cat(out_fire & shifts,
                                          *(in_fire & (after_out == base)
                                            for base in covering)).any())
            sources = [self.i_stream.payload[pos - base] for base in covering]
            sources += [held[pos + b]] if shifts else []
            value = sources[0]
            if len(sources) > 1:
                value = Array(sources)[pick_of(covering, shifts)]
            with m.If(enable):
                m.d.sync += held[pos].eq(value)
        m.d.comb += next_count.eq(Mux(out_fire, Mux(in_fire, count + (a - b), count - b),
                                      Mux(in_fire, count + a, count)))
        m.d.sync += count.eq(next_count)
        return m
