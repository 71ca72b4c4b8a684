"""Sliding-window unit: pixel stream in, im2col patches out, line buffer in on-chip memory."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ...ir.blocks.sliding_window import SlidingWindowParams
from ..shapes import index_range, lanes_layout
from .fifo import StreamFifo

__all__ = ["SlidingWindow"]


def _counter(m, name, limit):
    return Signal(index_range(limit), name=name)


class SlidingWindow(wiring.Component):
    """Sliding-window unit (see :class:`~hwgen.ir.blocks.sliding_window.SlidingWindowParams`).

    Input pixels are written, in arrival order, into a circular line buffer of
    ``kernel + stride`` image rows. A read engine walks the output beats in order (output
    pixel, kernel row, kernel column, channel group), one per cycle: a beat inside the image
    waits until its input beat has arrived; a beat in the padding reads the pad value. An
    input beat waits until the buffer row it overwrites is no longer needed, i.e. until the
    last output row that uses that row has been read. Results go through an output FIFO with
    credits, so a read step never waits on the consumer once issued. The exact rules are in
    :mod:`hwgen.perf.sliding_window`.

    Parameters
    ----------
    params : SlidingWindowParams

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(element, lanes)))
    o_stream : Out(stream.Signature(ArrayLayout(element, lanes)))
    """

    def __init__(self, *, params):
        if not isinstance(params, SlidingWindowParams):
            raise TypeError(f"params must be a SlidingWindowParams, not {params!r}")
        self._p = params
        layout = lanes_layout(params.element, params.lanes)
        super().__init__({"i_stream": In(stream.Signature(layout)),
                          "o_stream": Out(stream.Signature(layout))})

    def elaborate(self, platform):
        p = self._p
        m = Module()
        H, W, G, k, s = p.height, p.width, p.groups, p.kernel, p.stride
        top, left = p.pads[0], p.pads[1]
        R = p.buffer_rows
        Ho, Wo = p.out_height, p.out_width
        layout = lanes_layout(p.element, p.lanes)
        depth = R * W * G

        buffer = Memory(shape=unsigned(layout.size), depth=len(index_range(depth)), init=[])
        m.submodules.buffer = buffer
        write = buffer.write_port()
        read = buffer.read_port()

        # ---- shared progress counters -------------------------------------------------
        # lag: output rows completed minus H_out per image the input has finished.
        lag_lo = -(R // H + 3) * Ho
        lag = Signal(range(lag_lo, Ho + 2))
        # images_ahead: images the input has finished that the output has not. It is -1
        # when the read engine has finished an image whose trailing input beats no window
        # uses (a 9x9 image under a 2x2 window of stride 2, the last column of a 1x1
        # stride-2 window over an even width) before those beats arrived.
        images_ahead = Signal(range(-1, R // H + 4))

        # ---- input side ---------------------------------------------------------------
        in_y = _counter(m, "in_y", H)
        in_col = _counter(m, "in_col", W * G)          # (x, g) within the row
        in_lin = _counter(m, "in_lin", H * W * G)      # position within the image
        in_addr = _counter(m, "in_addr", depth)
        # The lag each input row needs: see hwgen.perf.sliding_window.
        thresholds = []
        for y in range(H):
            image_offset, old = divmod(y - R, H)       # image_offset < 0: an earlier image
            thresholds.append(image_offset * Ho + p.last_output_row_using(old) + 1)
        threshold = Signal(range(min(thresholds + [0]) - 1, max(thresholds + [0]) + 2))
        # A chain of Muxes, not a Switch: Verilog export turns a Switch into an always @*
        # block, which Icarus never evaluates while its inputs keep their initial values
        # (in_y stays 0 until the first beat is accepted, which needs this very value).
        lookup = thresholds[-1]
        for y in range(H - 2, -1, -1):
            lookup = Mux(in_y == y, thresholds[y], lookup)
        m.d.comb += threshold.eq(lookup)
        in_fire = Signal()
        m.d.comb += [
            self.i_stream.ready.eq(lag >= threshold),
            in_fire.eq(self.i_stream.valid & self.i_stream.ready),
            write.addr.eq(in_addr),
            write.data.eq(self.i_stream.payload),
            write.en.eq(in_fire),
        ]
        in_image_done = Signal()
        m.d.comb += in_image_done.eq(in_fire & (in_lin == H * W * G - 1))
        with m.If(in_fire):
            m.d.sync += in_addr.eq(Mux(in_addr == depth - 1, 0, in_addr + 1))
            m.d.sync += in_lin.eq(Mux(in_image_done, 0, in_lin + 1))
            with m.If(in_col == W * G - 1):
                m.d.sync += [in_col.eq(0), in_y.eq(Mux(in_y == H - 1, 0, in_y + 1))]
            with m.Else():
                m.d.sync += in_col.eq(in_col + 1)

        # ---- read engine --------------------------------------------------------------
        oy, ox = _counter(m, "oy", Ho), _counter(m, "ox", Wo)
        ky, kx, g = _counter(m, "ky", k), _counter(m, "kx", k), _counter(m, "g", G)
        # Top-left input coordinates of the current window, and its row modulo R.
        base_y = Signal(signed(max(H, Ho * s).bit_length() + 2), init=-top)
        base_x = Signal(signed(max(W, Wo * s).bit_length() + 2), init=-left)
        base_y_slot = Signal(index_range(R), init=(-top) % R)
        image_slot = Signal(index_range(R))             # (image * H) mod R
        credits = Signal(range(p.out_fifo_depth + 1), init=p.out_fifo_depth)

        iy = Signal(signed(len(base_y) + 1))
        ix = Signal(signed(len(base_x) + 1))
        m.d.comb += [iy.eq(base_y + ky), ix.eq(base_x + kx)]
        inside = Signal()
        m.d.comb += inside.eq((iy >= 0) & (iy < H) & (ix >= 0) & (ix < W))
        # Input position needed, within the image, and whether it has arrived.
        needed = Signal(range(H * W * G + 1))
        m.d.comb += needed.eq((iy * (W * G) + ix * G + g)[:len(needed)])
        arrived = Signal()
        m.d.comb += arrived.eq((images_ahead > 0) | ((images_ahead == 0) & (in_lin > needed)))
        # Buffer address: row (image * H + iy) mod R, column ix, group g.
        row_slot = Signal(index_range(R))
        partial = Signal(range(2 * R))
        m.d.comb += partial.eq(base_y_slot + ky)
        wrapped = Signal(range(2 * R))
        m.d.comb += wrapped.eq(Mux(partial >= R, partial - R, partial) + image_slot)
        m.d.comb += row_slot.eq(Mux(wrapped >= R, wrapped - R, wrapped))
        m.d.comb += read.addr.eq(row_slot * (W * G) + ix.as_unsigned() * G + g)

        issue = Signal()
        m.d.comb += issue.eq((credits != 0) & (~inside | arrived))

        last_g, last_kx, last_ky = g == G - 1, kx == k - 1, ky == k - 1
        last_ox, last_oy = ox == Wo - 1, oy == Ho - 1
        row_done = Signal()
        image_done = Signal()
        m.d.comb += [
            row_done.eq(issue & last_g & last_kx & last_ky & last_ox),
            image_done.eq(row_done & last_oy),
        ]
        with m.If(issue):
            m.d.sync += g.eq(Mux(last_g, 0, g + 1))
            with m.If(last_g):
                m.d.sync += kx.eq(Mux(last_kx, 0, kx + 1))
                with m.If(last_kx):
                    m.d.sync += ky.eq(Mux(last_ky, 0, ky + 1))
                    with m.If(last_ky):
                        m.d.sync += [ox.eq(Mux(last_ox, 0, ox + 1)),
                                     base_x.eq(Mux(last_ox, -left, base_x + s))]
                        with m.If(last_ox):
                            m.d.sync += oy.eq(Mux(last_oy, 0, oy + 1))
                            with m.If(last_oy):
                                m.d.sync += [
                                    base_y.eq(-top),
                                    base_y_slot.eq((-top) % R),
                                    image_slot.eq(Mux(image_slot + H % R >= R,
                                                      image_slot + H % R - R,
                                                      image_slot + H % R)),
                                ]
                            with m.Else():
                                m.d.sync += [
                                    base_y.eq(base_y + s),
                                    base_y_slot.eq(Mux(base_y_slot + s % R >= R,
                                                       base_y_slot + s % R - R,
                                                       base_y_slot + s % R)),
                                ]

        # ---- progress bookkeeping -----------------------------------------------------
        m.d.sync += [
            lag.eq(lag + row_done - Mux(in_image_done, Ho, 0)),
            images_ahead.eq(images_ahead + in_image_done - image_done),
        ]

        # ---- read data -> output FIFO -------------------------------------------------
        m.submodules.fifo = fifo = StreamFifo(payload_shape=layout, depth=p.out_fifo_depth)
        wiring.connect(m, wiring.flipped(self.o_stream), fifo.o_stream)
        valid1, pad1 = Signal(), Signal()
        m.d.sync += [valid1.eq(issue), pad1.eq(~inside)]
        pad_word = layout.const([p.pad_value] * p.lanes).as_value()
        m.d.comb += [
            fifo.i_stream.valid.eq(valid1),
            fifo.i_stream.payload.eq(Mux(pad1, pad_word, read.data)),
        ]
        out_read = self.o_stream.valid & self.o_stream.ready
        m.d.sync += credits.eq(credits - issue + out_read)
        return m
