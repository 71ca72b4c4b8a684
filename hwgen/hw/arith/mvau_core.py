"""The folded engine every MVAU datapath shares: step sequencer, memories, accumulators, FIFO."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Module, Mux, Shape, Signal, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..rom import Rom
from ..shapes import index_range
from ..stream.fifo import StreamFifo
from .adder_tree import shape_for_range
from .fold_table import fold_table

__all__ = ["MvauCore"]


class MvauCore(wiring.Component):
    """PE x SIMD folded matrix-vector engine with a pluggable dot product and activation.

    An input vector arrives as ``SF`` beats; its outputs leave as ``NF`` beats. The engine
    issues one step ``(nf, sf)`` per cycle; in fold ``nf = 0`` each step consumes an input beat
    and stores it for the later folds. The datapath around the core supplies two pieces of
    combinational or pipelined logic through ports:

    * the dot products: from ``weights`` (the step's memory word) and ``inputs`` (its input
      beat), both valid in the cycle after the issue (stage 1), the datapath drives ``dots``
      combinationally; the core registers them (stage 2) and adds them to the accumulators,
      preloaded with ``bias`` at the first step of a fold (stage 3);
    * the activation: ``acc`` with ``acc_valid`` (one cycle per finished fold, its fold in
      ``acc_fold``) goes in, ``result`` with ``result_valid`` comes back, any fixed number of
      cycles later, and is written into the output FIFO.

    Timing (``hwgen.perf.mvau``): the step ending a fold, issued in cycle ``t``, has its
    accumulator in ``acc`` in cycle ``t + 2 + D`` (``D = dot_stages``, 1 unless the datapath
    pipelines its dot products); with an activation of latency ``L`` the FIFO is written in
    cycle ``t + 2 + D + L``. A fold starts only with a free FIFO slot not promised to an
    earlier fold (credits), so a result never waits for room.

    A datapath with memories of its own (the MX MVAU's shared exponents) follows the engine
    through ``issue`` and ``step``; one that flags results (the MX MVAU's NaN) drives
    ``dot_flags``, which are OR-accumulated per fold beside the sums into ``acc_flags``.

    Parameters
    ----------
    nf, sf, pe : int
        Neuron folds, synapse folds and PEs.
    input_layout : data.Layout
        One input beat.
    weight_layout : data.Layout
        One weight memory word (the datapath reads it as it likes).
    weight_words : list of int
        The weight memory, one word per step at address ``nf * SF + sf``.
    dot_range : (int, int)
        Bounds of every dot product the datapath drives.
    acc_shape : ShapeLike
        Accumulator of one PE; every partial sum must fit.
    bias : array_like
        Accumulator preloads, shape ``(NF, PE)``; integers of any size (Python ints beyond
        int64 for wide accumulators).
    output_layout : data.Layout
        One output beat (what ``result`` carries).
    out_fifo_depth : int
        Output FIFO depth in beats, at least 1.
    dot_stages : int
        Cycles from ``weights`` / ``inputs`` to the registered dot products: 1 when the
        datapath drives ``dots`` combinationally from them, ``1 + r`` when it registers them
        ``r`` times on the way.
    flags : bool
        Add ``dot_flags`` / ``acc_flags``.
    registered_operands : bool
        Drive ``weights`` and ``inputs`` without logic in between: the weight memory is read
        through a registered address (instead of registering its data), every input beat
        goes through the input buffer, read the same way (instead of a multiplexer between
        the stream's register and the buffer), and with one step per fold the accumulator
        takes ``bias + dots`` without a multiplexer. Same timing; a datapath whose first
        logic level takes few weight and input bits (XNOR) then packs that level, and a
        shallow weight memory, into the same LUTs.
    registered_write : bool
        Write the input buffer a cycle after the beat's issue, from registers (the beat's
        register, its address and a write enable): no logic between the issue decision and
        the buffer's many write-enabled cells, or the beat register's clock enables (the
        int MVAU's ``pipeline = "deep"``). Same timing: a later fold reads the beat at the
        earliest ``SF`` cycles after its issue; with ``SF = 1`` that is the write's cycle.
        The buffer is then read without a clock from a registered address (so it is LUT RAM
        or flip-flops, never block RAM), which sees that write. Not with
        ``registered_operands``.
    registered_credits : bool
        Keep the output FIFO's credits as a register that lags by the last cycle's issue
        and read, both registered (``credits = held - issued + returned``, the same count in
        every cycle): the upstream valid and the downstream ready then end in a one-bit
        register each instead of the credit counter's adder, which shortens the handshake
        paths between blocks (the int MVAU's ``pipeline = "deep"``). Same timing.
    roms : RomFiles, optional
        Ship the weight and bias tables as ``$readmemh`` images (tables ``weights`` and
        ``bias``, :class:`~hwgen.hw.rom.Rom`); by default they are initial memory contents.

    Members
    -------
    i_stream : In(stream.Signature(input_layout))
    o_stream : Out(stream.Signature(output_layout))
    weights : Out(weight_layout)
    inputs : Out(input_layout)
    fold : Out(range(max(NF, 2)))
        The fold of the step in stage 1 (for per-fold constants of the dot product).
    dots : In(ArrayLayout(shape_for_range(*dot_range), PE))
    acc : Out(ArrayLayout(acc_shape, PE))
    acc_valid : Out(1)
    acc_fold : Out(range(max(NF, 2)))
    result : In(output_layout)
    result_valid : In(1)
    issue : Out(1)
        A step is issued this cycle (it reaches stage 1 in the next).
    step : Out(range(max(NF * SF, 2)))
        The step issued when ``issue`` is high (``nf * SF + sf``).
    dot_flags : In(ArrayLayout(1, PE))
        With ``flags``: per PE, a flag of the step's dot product (beside ``dots``).
    acc_flags : Out(ArrayLayout(1, PE))
        With ``flags``: the OR of a fold's ``dot_flags``, beside ``acc``.
    """

    def __init__(self, *, nf, sf, pe, input_layout, weight_layout, weight_words, dot_range,
                 acc_shape, bias, output_layout, out_fifo_depth, dot_stages=1, flags=False,
                 registered_operands=False, registered_write=False, registered_credits=False,
                 roms=None):
        for key, value in (("nf", nf), ("sf", sf), ("pe", pe), ("out_fifo_depth", out_fifo_depth),
                           ("dot_stages", dot_stages)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise TypeError(f"{key} must be a positive integer, not {value!r}")
        for key, value in (("flags", flags), ("registered_operands", registered_operands),
                           ("registered_write", registered_write),
                           ("registered_credits", registered_credits)):
            if not isinstance(value, bool):
                raise TypeError(f"{key} must be a bool, not {value!r}")
        if registered_operands and registered_write:
            raise ValueError("registered_write does not combine with registered_operands")
        weight_words = [int(w) for w in weight_words]
        if len(weight_words) != nf * sf:
            raise ValueError(f"the weight memory needs NF * SF = {nf * sf} words, not "
                             f"{len(weight_words)}")
        width = data.Layout.cast(weight_layout).size
        if any(w < 0 or w >> width for w in weight_words):
            raise ValueError(f"weight words must fit the {width}-bit weight layout")
        bias_shape = np.shape(np.asarray(bias, dtype=object))
        if bias_shape != (nf, pe):
            raise ValueError(f"bias must have shape (NF, PE) = ({nf}, {pe}), not {bias_shape}")
        self._nf, self._sf, self._pe = nf, sf, pe
        self._weight_words = weight_words
        self._bias = [[int(v) for v in row] for row in np.asarray(bias, dtype=object).tolist()]
        self._dot_stages, self._flags = dot_stages, flags
        self._registered_operands = registered_operands
        self._registered_write = registered_write
        self._registered_credits = registered_credits
        self._roms = roms
        self._acc_shape = Shape.cast(acc_shape)
        self._output_layout = output_layout
        self._depth = out_fifo_depth
        self._dot_shape = shape_for_range(*dot_range)
        super().__init__({
            "i_stream": In(stream.Signature(input_layout)),
            "o_stream": Out(stream.Signature(output_layout)),
            "weights": Out(weight_layout),
            "inputs": Out(input_layout),
            "fold": Out(index_range(nf)),
            "dots": In(data.ArrayLayout(self._dot_shape, pe)),
            "acc": Out(data.ArrayLayout(self._acc_shape, pe)),
            "acc_valid": Out(1),
            "acc_fold": Out(index_range(nf)),
            "result": In(output_layout),
            "result_valid": In(1),
            "issue": Out(1),
            "step": Out(index_range(nf * sf)),
            **({"dot_flags": In(data.ArrayLayout(1, pe)),
                "acc_flags": Out(data.ArrayLayout(1, pe))} if flags else {}),
        })

    def elaborate(self, platform):
        m = Module()
        nf_count, sf_count, pe_count = self._nf, self._sf, self._pe
        x_layout = self.i_stream.payload.shape()

        # ---- engine: one step (nf, sf) per cycle -------------------------------------
        nf = Signal(index_range(nf_count), name="nf")
        sf = Signal(index_range(sf_count), name="sf")
        step = Signal(index_range(nf_count * sf_count), name="step")
        fold_start = sf == 0
        if self._registered_credits:
            # credits = held - issued + returned, with issued and returned the last cycle's
            # (registered): held stays within [-1, depth + 1]
            held = Signal(range(-1, self._depth + 2), init=self._depth, name="credits_held")
            issued, returned = Signal(name="credits_issued"), Signal(name="credits_returned")
            credits = Signal(range(self._depth + 1), name="credits")
            m.d.comb += credits.eq(held - issued + returned)
        else:
            credits = Signal(range(self._depth + 1), init=self._depth)
        may_issue = ~fold_start | (credits != 0)
        in_phase = nf == 0
        issue = Signal()
        m.d.comb += [
            self.i_stream.ready.eq(in_phase & may_issue),
            issue.eq(may_issue & (~in_phase | self.i_stream.valid)),
        ]
        with m.If(issue):
            with m.If(sf == sf_count - 1):
                m.d.sync += sf.eq(0)
                m.d.sync += nf.eq(0 if nf_count == 1 else (nf + 1) % nf_count)
            with m.Else():
                m.d.sync += sf.eq(sf + 1)
            m.d.sync += step.eq(0 if nf_count * sf_count == 1
                                else (step + 1) % (nf_count * sf_count))

        m.d.comb += [self.issue.eq(issue), self.step.eq(step)]

        m.submodules.fifo = fifo = StreamFifo(payload_shape=self._output_layout,
                                              depth=self._depth)
        wiring.connect(m, wiring.flipped(self.o_stream), fifo.o_stream)
        out_read = self.o_stream.valid & self.o_stream.ready
        if self._registered_credits:
            m.d.sync += [held.eq(credits), issued.eq(issue & fold_start),
                         returned.eq(out_read)]
        else:
            m.d.sync += credits.eq(credits - (issue & fold_start) + out_read)

        # ---- stage 1: weights and inputs from memory ---------------------------------
        if self._registered_operands:
            valid1, first1, last1 = self._registered_stage1(m, step, nf, sf, issue, in_phase)
        else:
            m.submodules.weights = weights = Rom(
                words=self._weight_words, bits=len(self.weights.as_value()), read="sync",
                table="weights", files=self._roms)
            m.d.comb += [weights.addr.eq(step), self.weights.as_value().eq(weights.data)]

            valid1, first1, last1 = Signal(), Signal(), Signal()
            from_stream1 = Signal()
            latched = Signal(x_layout)
            m.d.sync += [
                valid1.eq(issue), first1.eq(fold_start), last1.eq(sf == sf_count - 1),
                self.fold.eq(nf), from_stream1.eq(in_phase),
            ]
            if self._registered_write:
                # stage 1 reads it only after an issue in fold 0: no enable needed
                m.d.sync += latched.eq(self.i_stream.payload)
            else:
                with m.If(issue & in_phase):
                    m.d.sync += latched.eq(self.i_stream.payload)
            if nf_count > 1:
                # Later folds reuse the vector stored while fold 0 consumed it.
                m.submodules.input_buffer = buffer = Memory(
                    shape=unsigned(x_layout.size), depth=len(index_range(sf_count)), init=[])
                b_write = buffer.write_port()
                if self._registered_write:
                    write_en = Signal(name="buffer_write_en")
                    write_addr = Signal.like(sf, name="buffer_write_addr")
                    m.d.sync += [write_en.eq(issue & in_phase), write_addr.eq(sf)]
                    m.d.comb += [b_write.addr.eq(write_addr), b_write.data.eq(latched),
                                 b_write.en.eq(write_en)]
                    # Read without a clock from a registered address: the data arrive in
                    # the cycle a synchronous read's would, with a write in the cycle
                    # before already seen (SF = 1), and the buffer never lands in block
                    # RAM, whose clock-to-output (4.3 ns on ECP5) before the stream / buffer
                    # multiplexer limited the deep digits CNN's fc.
                    b_read = buffer.read_port(domain="comb")
                    read_addr = Signal.like(sf, name="buffer_read_addr")
                    m.d.sync += read_addr.eq(sf)
                    m.d.comb += b_read.addr.eq(read_addr)
                else:
                    b_read = buffer.read_port()
                    m.d.comb += [
                        b_write.addr.eq(sf), b_write.data.eq(self.i_stream.payload),
                        b_write.en.eq(issue & in_phase), b_read.addr.eq(sf),
                    ]
                m.d.comb += self.inputs.eq(data.View(x_layout, b_read.data))
                with m.If(from_stream1):
                    m.d.comb += self.inputs.eq(latched)
            else:
                m.d.comb += self.inputs.eq(latched)

        # ---- stage 1 + D: the datapath's dot products, registered ---------------------
        # (D - 1 stages inside the datapath: the step's control follows them.)
        control = (valid1, first1, last1, self.fold)
        for stage in range(self._dot_stages):
            delayed = (Signal(name=f"valid_d{stage}"), Signal(name=f"first_d{stage}"),
                       Signal(name=f"last_d{stage}"),
                       Signal(index_range(nf_count), name=f"fold_d{stage}"))
            m.d.sync += [d.eq(c) for d, c in zip(delayed, control, strict=True)]
            control = delayed
        valid2, first2, last2, fold2 = control
        dots = Signal(data.ArrayLayout(self._dot_shape, pe_count))
        m.d.sync += dots.eq(self.dots)
        if self._flags:
            dot_flags = Signal(data.ArrayLayout(1, pe_count))
            m.d.sync += dot_flags.eq(self.dot_flags)

        # ---- stage 2 + D: accumulate (bias preloaded at the first step of a fold) ------
        flat = [v for row in self._bias for v in row]
        preload = shape_for_range(min(min(flat), -1), max(max(flat), 0))
        bias = fold_table(m, "bias", self._bias, bits=preload.width, is_signed=True, fold=fold2,
                          roms=self._roms)
        # (with registered operands and one step per fold, every step starts a fold)
        restart = self._registered_operands and sf_count == 1
        with m.If(valid2):
            for pe in range(pe_count):
                # Every partial sum lies within the accumulator's range: no overflow.
                kept = bias[pe] if restart else Mux(first2, bias[pe], self.acc[pe])
                m.d.sync += self.acc[pe].eq(kept + dots[pe])
                if self._flags:
                    m.d.sync += self.acc_flags[pe].eq(Mux(first2, 0, self.acc_flags[pe])
                                                      | dot_flags[pe])
        m.d.sync += [self.acc_valid.eq(valid2 & last2), self.acc_fold.eq(fold2)]

        # ---- activation (outside) into the output FIFO -------------------------------
        m.d.comb += [fifo.i_stream.valid.eq(self.result_valid),
                     fifo.i_stream.payload.eq(self.result)]
        return m

    def _registered_stage1(self, m, step, nf, sf, issue, in_phase):
        """Stage 1 with ``weights`` and ``inputs`` straight from registers (see
        ``registered_operands``); returns the step's ``valid``, ``first`` and ``last``."""
        x_layout = self.i_stream.payload.shape()
        address = Signal.like(step, name="weight_address")
        m.d.sync += address.eq(step)
        m.submodules.weights = weights = Rom(
            words=self._weight_words, bits=len(self.weights.as_value()), read="comb",
            table="weights", files=self._roms)
        m.d.comb += [weights.addr.eq(address), self.weights.as_value().eq(weights.data)]

        valid1, first1, last1 = Signal(), Signal(), Signal()
        m.d.sync += [valid1.eq(issue), first1.eq(sf == 0), last1.eq(sf == self._sf - 1),
                     self.fold.eq(nf)]
        if self._nf == 1:
            operand = Signal(x_layout, name="input_operand")
            m.d.sync += operand.eq(self.i_stream.payload)
            m.d.comb += self.inputs.eq(operand)
            return valid1, first1, last1
        # Every beat goes through the input buffer, written in fold 0 and read (without a
        # register, from a registered address) in the next cycle of every fold: no
        # multiplexer between the stream and the stored vector.
        m.submodules.input_buffer = buffer = Memory(
            shape=unsigned(x_layout.size), depth=len(index_range(self._sf)), init=[])
        b_write = buffer.write_port()
        b_read = buffer.read_port(domain="comb")
        address = Signal.like(sf, name="buffer_address")
        m.d.sync += address.eq(sf)
        m.d.comb += [
            b_write.addr.eq(sf), b_write.data.eq(self.i_stream.payload),
            b_write.en.eq(issue & in_phase),
            b_read.addr.eq(address),
            self.inputs.eq(data.View(x_layout, b_read.data)),
        ]
        return valid1, first1, last1
