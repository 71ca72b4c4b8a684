"""Sliding-window unit: pixel stream in, im2col patches out, line buffer in on-chip memory."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Shape, Signal, Value, signed, unsigned
from amaranth.lib import stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ...ir.blocks.sliding_window import SlidingWindowParams
from ..shapes import index_range, lanes_layout
from .fifo import StreamFifo

__all__ = ["SlidingWindow", "LUT_RAM"]

#: Synthesis attribute of a ``pipeline = "deep"`` window's line buffer: LUT RAM, never block
#: RAM (Yosys' ``memory_libmap`` and Vivado read ``ram_style``). A read with a clock maps to
#: the LUT RAM's read without one and a flip-flop, which reads the word before a write in
#: the same cycle, as the block RAM did: the same behaviour.
LUT_RAM = {"ram_style": "distributed"}


def _counter(m, name, limit):
    return Signal(index_range(limit), name=name)


def _pick(index, options):
    """``options[index]`` as a chain of Muxes (see the threshold lookup for why not a
    Switch)."""
    value = options[-1]
    for i in range(len(options) - 2, -1, -1):
        value = Mux(index == i, options[i], value)
    return value


def _mux(select, a, b):
    """``Mux`` on Amaranth values, a conditional on Python ints (reset values)."""
    if isinstance(select, Value):
        return Mux(select, a, b)
    return a if select else b


def _bits(count: int) -> int:
    """Width of an index into ``count`` things (:func:`index_range`)."""
    return Shape.cast(index_range(count)).width


def _truncate(value, bits: int):
    """The low ``bits`` bits of ``value`` (an Amaranth value or a Python int)."""
    if isinstance(value, Value):
        return value[:bits]
    return value % (1 << bits)


def _add_mod(value, step: int, modulus: int):
    """``(value + step) mod modulus`` for ``0 <= value < modulus``, ``0 <= step``."""
    step %= modulus
    return Mux(value + step >= modulus, value + step - modulus, value + step)


class SlidingWindow(wiring.Component):
    """Sliding-window unit (see :class:`~hwgen.ir.blocks.sliding_window.SlidingWindowParams`).

    Input pixels are written, in arrival order, into a circular line buffer of
    ``kernel + stride`` image rows. A read engine walks the output beats in order (output
    pixel, kernel rows, kernel columns, channel group), one per cycle: a beat with a tap inside
    the image waits until the last input beat it reads has arrived; taps in the padding read
    the pad value. An input beat waits until the buffer row it overwrites is no longer needed,
    i.e. until the last output row that uses that row has been read. Results go through an
    output FIFO with credits, so a read step never waits on the consumer once issued. The
    exact rules are in :mod:`hwgen.perf.sliding_window`.

    The buffer is banked so that one cycle reads every tap of a beat: ``tap_cols`` column
    banks (image column ``x`` in bank ``x mod tap_cols``, word ``x div tap_cols``), and, when
    a beat spans several kernel rows, one bank per buffer row. Each bank has one write and
    one read port; a beat's ``tap_cols`` adjacent columns fall in distinct column banks and
    its rows in distinct row banks. The read data are rotated back into tap order (by the
    first column modulo ``tap_cols`` and the first row's buffer row) on their way into the
    FIFO. With one tap per beat this is a single memory of ``kernel + stride`` rows.

    For timing (docs/synthesis.md), the read engine's counters run one beat ahead and what a
    beat needs (taps inside, the last input beat it reads as a row and column, addresses,
    end-of-row flags) is registered as the previous beat issues; the input side keeps its
    lag as a slack over the current row's threshold, so ``i_stream.ready`` is a register's
    sign bit. Every decision is the one of the plain formulation in the same cycle.

    Parameters
    ----------
    params : SlidingWindowParams

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(element, input_lanes)))
    o_stream : Out(stream.Signature(ArrayLayout(element, lanes)))
    """

    def __init__(self, *, params):
        if not isinstance(params, SlidingWindowParams):
            raise TypeError(f"params must be a SlidingWindowParams, not {params!r}")
        self._p = params
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(params.element, params.input_lanes))),
            "o_stream": Out(stream.Signature(lanes_layout(params.element, params.lanes)))})

    @property
    def _bias(self) -> int:
        """Offset making a window's first column non-negative: a multiple of ``tap_cols``."""
        return self._p.tap_cols * -(-self._p.pads[1] // self._p.tap_cols)

    def _walk_state(self, beat: int) -> dict:
        """The read engine's counters at output beat ``beat`` (Python ints): their reset
        values."""
        p = self._p
        q, r, k, s = p.tap_cols, p.tap_rows, p.kernel, p.stride
        per_image = p.out_height * p.out_width * (k // r) * (k // q) * p.groups
        image, rest = divmod(beat, per_image)
        rest, g = divmod(rest, p.groups)
        rest, kb = divmod(rest, k // q)
        rest, ky_step = divmod(rest, k // r)
        oy, ox = divmod(rest, p.out_width)
        base_y, base_x = oy * s - p.pads[0], ox * s - p.pads[1]
        R = p.buffer_rows
        state = {"oy": oy, "ox": ox, "ky": ky_step * r, "kb": kb, "g": g, "base_y": base_y,
                 "base_x": base_x, "base_y_slot": base_y % R, "image_slot": image * p.height % R,
                 "iy": base_y + ky_step * r, "ix": base_x + kb * q}
        state["iy_end"], state["ix_end"] = state["iy"] + r - 1, state["ix"] + q - 1
        state["bx_div"], state["bx_mod"] = divmod(base_x + self._bias, q)
        return state

    def _beat_view(self, walk: dict, *, addr_bits: int) -> dict:
        """What the issue decision and the reads need of the beat at counters ``walk``.

        ``walk`` holds Amaranth values (the hardware) or Python ints (the reset values of the
        registers that hold the view); the same expressions serve both.
        """
        p = self._p
        H, W, G, k = p.height, p.width, p.groups, p.kernel
        R, r, q = p.buffer_rows, p.tap_rows, p.tap_cols
        row_banks = R if r > 1 else 1
        row_words = -(-W // q) * G
        iy, ix = walk["iy"], walk["ix"]                   # first row and column of the beat
        rows_in = [(iy + dy >= 0) & (iy + dy < H) for dy in range(r)]
        cols_in = [(ix + dx >= 0) & (ix + dx < W) for dx in range(q)]
        # The last input beat the beat reads (its taps inside the image form a rectangle).
        iy_end, ix_end = walk["iy_end"], walk["ix_end"]   # last row and column
        last_y = _mux(iy_end < H, iy_end, H - 1)
        last_x = _mux(ix_end < W, ix_end, W - 1)
        # Buffer row of the beat's first row: (image * H + iy) mod R.
        partial = walk["base_y_slot"] + walk["ky"]
        wrapped = _mux(partial >= R, partial - R, partial) + walk["image_slot"]
        row_slot = _mux(wrapped >= R, wrapped - R, wrapped)
        if q > 1:
            x_word = walk["bx_div"] + walk["kb"] - self._bias // q
            read_words = [x_word + (c < walk["bx_mod"]) for c in range(q)]
        else:
            read_words = [ix * G + walk["g"]]
        addrs = [word if row_banks > 1 else row_slot * row_words + word for word in read_words]
        row_last = ((walk["g"] == G - 1) & (walk["kb"] == k // q - 1) & (walk["ky"] == k - r)
                    & (walk["ox"] == p.out_width - 1))
        view = {
            "tap_in": [rows_in[dy] & cols_in[dx] for dy in range(r) for dx in range(q)],
            "inside": (iy_end >= 0) & (iy < H) & (ix_end >= 0) & (ix < W),
            # the input beat (last_y, last_col) within its row: compared as a pair, not as
            # last_y * W * G + last_col, which would take a multiply and a wide add
            "last_y": _truncate(last_y, _bits(H)),
            "last_col": _truncate(last_x * G + walk["g"], _bits(W * G)),
            "addr": [_truncate(a, addr_bits) for a in addrs],
            "row_last": row_last,
            "image_last": row_last & (walk["oy"] == p.out_height - 1),
        }
        if row_banks > 1:
            view["row_slot"] = row_slot
        if q > 1:
            view["bank"] = walk["bx_mod"]
        return view

    def elaborate(self, platform):
        p = self._p
        m = Module()
        H, W, G, k, s = p.height, p.width, p.groups, p.kernel, p.stride
        top, left = p.pads[0], p.pads[1]
        R = p.buffer_rows
        Ho, Wo = p.out_height, p.out_width
        r, q = p.tap_rows, p.tap_cols
        word = lanes_layout(p.element, p.input_lanes)      # a channel group of one pixel
        out_layout = lanes_layout(p.element, p.lanes)
        row_banks = R if r > 1 else 1
        row_words = -(-W // q) * G                         # words of one row in one bank
        depth = (R // row_banks) * row_words

        banks = []
        for b in range(row_banks):
            row = []
            for c in range(q):
                memory = Memory(shape=unsigned(word.size), depth=len(index_range(depth)),
                                init=[], attrs=LUT_RAM if p.pipeline == "deep" else None)
                name = "buffer" if row_banks * q == 1 else f"buffer_r{b}_c{c}"
                m.submodules[name] = memory
                row.append((memory.write_port(), memory.read_port()))
            banks.append(row)

        # ---- shared progress counters -------------------------------------------------
        # lag: output rows completed minus H_out per image the input has finished (kept as
        # its slack over the current input row's threshold, below).
        lag_lo = -(R // H + 3) * Ho
        # images_ahead: images the input has finished that the output has not. It is -1
        # when the read engine has finished an image whose trailing input beats no window
        # uses (a 9x9 image under a 2x2 window of stride 2, the last column of a 1x1
        # stride-2 window over an even width) before those beats arrived.
        images_ahead = Signal(range(-1, R // H + 4))
        ahead_some = Signal()                           # images_ahead > 0, registered
        ahead_none = Signal(init=1)                     # images_ahead == 0, registered

        # ---- input side ---------------------------------------------------------------
        in_y = _counter(m, "in_y", H)
        in_col = _counter(m, "in_col", W * G)          # (x, g) within the row
        in_lin = _counter(m, "in_lin", H * W * G)      # position within the image
        in_xr = _counter(m, "in_xr", q)                # column bank of the pixel
        in_word = _counter(m, "in_word", row_words)    # its word within the row
        in_slot = _counter(m, "in_slot", R)            # buffer row
        # The lag each input row needs: see hwgen.perf.sliding_window.
        thresholds = []
        for y in range(H):
            image_offset, old = divmod(y - R, H)       # image_offset < 0: an earlier image
            thresholds.append(image_offset * Ho + p.last_output_row_using(old) + 1)
        # An input row is accepted while lag >= its threshold. The block keeps slack = lag -
        # threshold of the current row instead, so that ready is a register's sign bit: a
        # finished output row adds 1, and the end of input row y subtracts row_step[y], the next
        # row's threshold minus this one's (plus H_out at the end of an image, where lag drops
        # by H_out), a per-row constant kept in a register.
        steps = [thresholds[(y + 1) % H] - thresholds[y] + (Ho if y == H - 1 else 0)
                 for y in range(H)]
        reach = max(abs(lag_lo), Ho + 2) + max(abs(t) for t in thresholds) + 2
        slack = Signal(signed(reach.bit_length() + 1), init=-thresholds[0])
        row_step = Signal(range(min(steps + [0]), max(steps + [0]) + 1), init=steps[0])
        one_minus_step = Signal(range(1 - max(steps + [0]), 2 - min(steps + [0])),
                                init=1 - steps[0])
        in_fire = Signal()
        m.d.comb += [
            self.i_stream.ready.eq(~slack[-1]),
            in_fire.eq(self.i_stream.valid & self.i_stream.ready),
        ]
        write_addr = in_word if row_banks > 1 else in_slot * row_words + in_word
        for b, row in enumerate(banks):
            for c, (write, _) in enumerate(row):
                selected = in_fire
                if row_banks > 1:
                    selected = selected & (in_slot == b)
                if q > 1:
                    selected = selected & (in_xr == c)
                m.d.comb += [write.addr.eq(write_addr), write.data.eq(self.i_stream.payload),
                             write.en.eq(selected)]
        in_image_done = Signal()
        in_last = Signal(init=H * W * G == 1)           # in_lin == H * W * G - 1, registered
        m.d.comb += in_image_done.eq(in_fire & in_last)
        in_row_done = in_col == W * G - 1
        with m.If(in_fire):
            m.d.sync += [in_lin.eq(Mux(in_image_done, 0, in_lin + 1)),
                         in_last.eq(in_lin == H * W * G - 2 if H * W * G > 1 else 1)]
            with m.If(in_row_done):
                # (a chain of Muxes, not a Switch: Verilog export turns a Switch into an
                # always @* block, which Icarus never evaluates while its inputs keep their
                # initial values)
                m.d.sync += [row_step.eq(_pick(in_y, steps[1:] + steps[:1])),
                             one_minus_step.eq(_pick(in_y, [1 - v for v in steps[1:] + steps[:1]]))]
                m.d.sync += [in_col.eq(0), in_y.eq(Mux(in_y == H - 1, 0, in_y + 1)),
                             in_xr.eq(0), in_word.eq(0),
                             in_slot.eq(Mux(in_slot == R - 1, 0, in_slot + 1))]
            with m.Else():
                m.d.sync += in_col.eq(in_col + 1)
                if q > 1:                              # then G == 1: a beat is a pixel
                    m.d.sync += [in_xr.eq(Mux(in_xr == q - 1, 0, in_xr + 1)),
                                 in_word.eq(in_word + (in_xr == q - 1))]
                else:
                    m.d.sync += in_word.eq(in_word + 1)

        # ---- read engine --------------------------------------------------------------
        # A beat reads the taps (ky + dy, kb * q + dx), dy < r, dx < q, channel group g.
        # The walk's counters run one beat ahead: they hold the beat after the one the engine
        # issues now (their reset values are beat 1's). What the issue decision and the reads
        # need of a beat (_beat_view: taps inside the image, last input beat needed, buffer
        # row, read addresses, end-of-row flags) is computed from the counters and registered
        # when the current beat issues, its reset value being beat 0's view, so the issue path
        # starts at registers. The schedule is the same as computing it in the beat's own
        # cycle, and so is the cycle model.
        first, second = self._walk_state(0), self._walk_state(1)
        oy = Signal(index_range(Ho), name="oy", init=second["oy"])
        ox = Signal(index_range(Wo), name="ox", init=second["ox"])
        ky = Signal(index_range(k), name="ky", init=second["ky"])
        kb = Signal(index_range(k // q), name="kb", init=second["kb"])
        g = Signal(index_range(G), name="g", init=second["g"])
        # Top-left input coordinates of the window, and its row modulo R.
        base_y = Signal(signed(max(H, Ho * s).bit_length() + 2), init=second["base_y"])
        base_x = Signal(signed(max(W, Wo * s).bit_length() + 2), init=second["base_x"])
        base_y_slot = Signal(index_range(R), init=second["base_y_slot"])
        image_slot = Signal(index_range(R), init=second["image_slot"])   # (image * H) mod R
        credits = Signal(range(p.out_fifo_depth + 1), init=p.out_fifo_depth)
        credit = Signal(init=1)                          # credits != 0, kept as a register
        # first row and column of the beat, base + ky and base + kb * q, kept as registers
        # (and their last row and column, + r - 1 and + q - 1, likewise)
        iy = Signal(signed(len(base_y) + 1), init=second["iy"])
        ix = Signal(signed(len(base_x) + 1), init=second["ix"])
        iy_end = Signal(signed(len(base_y) + 1), init=second["iy_end"])
        ix_end = Signal(signed(len(base_x) + 1), init=second["ix_end"])
        walk = {"oy": oy, "ox": ox, "ky": ky, "kb": kb, "g": g, "base_y": base_y,
                "base_x": base_x, "base_y_slot": base_y_slot, "image_slot": image_slot,
                "iy": iy, "ix": ix, "iy_end": iy_end, "ix_end": ix_end}
        if q > 1:
            # The first column, offset to be non-negative, as (word, column bank): bank c
            # holds tap (c - bank) mod q, at word + (c < bank).
            bx_div = Signal(range((max(W, Wo * s) + self._bias) // q + 2),
                            init=second["bx_div"])
            bx_mod = Signal(index_range(q), init=second["bx_mod"])
            walk.update(bx_div=bx_div, bx_mod=bx_mod)
        addr_bits = len(banks[0][0][1].addr)
        view_next = self._beat_view(walk, addr_bits=addr_bits)
        view_first = self._beat_view(first, addr_bits=addr_bits)
        widths = {"last_y": _bits(H), "last_col": _bits(W * G), "addr": addr_bits,
                  "row_slot": index_range(R), "bank": index_range(q)}
        view = {}
        issue = Signal()
        for key, value in view_next.items():
            shape = widths.get(key, 1)
            if isinstance(value, list):
                view[key] = [Signal(shape, name=f"{key}_{i}", init=int(view_first[key][i]))
                             for i in range(len(value))]
                with m.If(issue):
                    m.d.sync += [reg.eq(v) for reg, v in zip(view[key], value, strict=True)]
            else:
                view[key] = Signal(shape, name=key, init=int(view_first[key]))
                with m.If(issue):
                    m.d.sync += view[key].eq(value)
        for row in banks:
            for c, (_, read) in enumerate(row):
                m.d.comb += read.addr.eq(view["addr"][c])

        # The last input beat the beat reads has arrived.
        arrived = Signal()
        later_row = in_y > view["last_y"]
        same_row = (in_y == view["last_y"]) & (in_col > view["last_col"])
        m.d.comb += arrived.eq(ahead_some | (ahead_none & (later_row | same_row)))
        m.d.comb += issue.eq(credit & (~view["inside"] | arrived))

        last_g, last_kb, last_ky = g == G - 1, kb == k // q - 1, ky == k - r
        last_ox, last_oy = ox == Wo - 1, oy == Ho - 1
        row_done = Signal()
        image_done = Signal()
        m.d.comb += [
            row_done.eq(issue & view["row_last"]),
            image_done.eq(issue & view["image_last"]),
        ]
        with m.If(issue):
            m.d.sync += g.eq(Mux(last_g, 0, g + 1))
            with m.If(last_g):
                m.d.sync += kb.eq(Mux(last_kb, 0, kb + 1))
                with m.If(~last_kb):
                    m.d.sync += [ix.eq(ix + q), ix_end.eq(ix_end + q)]
                with m.Elif(~last_ky):
                    m.d.sync += [ix.eq(base_x), ix_end.eq(base_x + (q - 1)),
                                 iy.eq(iy + r), iy_end.eq(iy_end + r)]
                with m.Elif(~last_ox):
                    m.d.sync += [ix.eq(base_x + s), ix_end.eq(base_x + (s + q - 1)),
                                 iy.eq(base_y), iy_end.eq(base_y + (r - 1))]
                with m.Else():
                    m.d.sync += [ix.eq(-left), ix_end.eq(q - 1 - left),
                                 iy.eq(Mux(last_oy, -top, base_y + s)),
                                 iy_end.eq(Mux(last_oy, r - 1 - top, base_y + (s + r - 1)))]
                with m.If(last_kb):
                    m.d.sync += ky.eq(Mux(last_ky, 0, ky + r))
                    with m.If(last_ky):
                        m.d.sync += [ox.eq(Mux(last_ox, 0, ox + 1)),
                                     base_x.eq(Mux(last_ox, -left, base_x + s))]
                        if q > 1:
                            bx_step = Signal.like(bx_mod)
                            m.d.comb += bx_step.eq(_add_mod(bx_mod, s, q))
                            with m.If(last_ox):
                                m.d.sync += [bx_div.eq(first["bx_div"]),
                                             bx_mod.eq(first["bx_mod"])]
                            with m.Else():
                                m.d.sync += [bx_mod.eq(bx_step),
                                             bx_div.eq(bx_div + s // q + (bx_step < bx_mod))]
                        with m.If(last_ox):
                            m.d.sync += oy.eq(Mux(last_oy, 0, oy + 1))
                            with m.If(last_oy):
                                m.d.sync += [
                                    base_y.eq(-top),
                                    base_y_slot.eq((-top) % R),
                                    image_slot.eq(_add_mod(image_slot, H, R)),
                                ]
                            with m.Else():
                                m.d.sync += [
                                    base_y.eq(base_y + s),
                                    base_y_slot.eq(_add_mod(base_y_slot, s, R)),
                                ]

        # ---- progress bookkeeping -----------------------------------------------------
        # Each sum from the registers alone; the late enables only choose between them.
        row_end = in_fire & in_row_done
        m.d.sync += slack.eq(Mux(row_done, Mux(row_end, slack + one_minus_step, slack + 1),
                                 Mux(row_end, slack - row_step, slack)))
        up, down = in_image_done & ~image_done, image_done & ~in_image_done
        m.d.sync += [
            images_ahead.eq(Mux(up, images_ahead + 1, Mux(down, images_ahead - 1, images_ahead))),
            ahead_some.eq(Mux(up, images_ahead >= 0, Mux(down, images_ahead > 1, ahead_some))),
            ahead_none.eq(Mux(up, images_ahead == -1, Mux(down, images_ahead == 1, ahead_none))),
        ]

        # ---- read data -> output FIFO -------------------------------------------------
        m.submodules.fifo = fifo = StreamFifo(payload_shape=out_layout, depth=p.out_fifo_depth)
        wiring.connect(m, wiring.flipped(self.o_stream), fifo.o_stream)
        valid1 = Signal()
        pads1 = [Signal(name=f"pad1_{t}") for t in range(r * q)]
        m.d.sync += valid1.eq(issue)
        m.d.sync += [pad.eq(~tap_in) for pad, tap_in in zip(pads1, view["tap_in"], strict=True)]
        if row_banks > 1:
            slot1 = Signal.like(view["row_slot"])
            m.d.sync += slot1.eq(view["row_slot"])
        if q > 1:
            bank1 = Signal.like(view["bank"])
            m.d.sync += bank1.eq(view["bank"])
        pad_word = word.const([p.pad_value] * p.input_lanes).as_value()
        taps = []
        for dy in range(r):
            columns = []
            for c in range(q):
                if row_banks > 1:
                    columns.append(_pick(slot1, [banks[(v + dy) % R][c][1].data
                                                 for v in range(R)]))
                else:
                    columns.append(banks[0][c][1].data)
            for dx in range(q):
                data = (_pick(bank1, [columns[(v + dx) % q] for v in range(q)]) if q > 1
                        else columns[0])
                # without padding every tap is inside the image (ONNX's floor rule)
                taps.append(Mux(pads1[dy * q + dx], pad_word, data) if any(p.pads) else data)
        m.d.comb += [
            fifo.i_stream.valid.eq(valid1),
            fifo.i_stream.payload.eq(Cat(*taps)),
        ]
        out_read = self.o_stream.valid & self.o_stream.ready
        m.d.sync += credits.eq(credits - issue + out_read)
        # credits != 0 next cycle, from this cycle's registers and the two enables
        more = credits > 1 if p.out_fifo_depth > 1 else 0     # (no constant compare in Verilog)
        m.d.sync += credit.eq(Mux(issue & ~out_read, more, out_read | credit))
        return m
