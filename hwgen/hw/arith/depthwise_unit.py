"""Depthwise vector-vector unit: each channel's window taps times that channel's kernel."""

from __future__ import annotations

from amaranth.hdl import Array, Module, Mux, Signal, signed
from amaranth.lib import data, wiring

from ...ir.blocks.depthwise import DepthwiseParams
from ...ir.packing import pack_words
from ..layer_block import LayerBlock
from ..rom import Rom, recorded_images
from ..shapes import index_range, lanes_layout
from ..stream.fifo import StreamFifo
from .fold_table import fold_table
from .requantizer import Requantizer

__all__ = ["DepthwiseUnit", "depthwise_weight_words", "depthwise_memory_images"]


def depthwise_weight_words(p: DepthwiseParams) -> list:
    """Weight memory words in beat order: word ``t * groups + g`` holds the kernel tap ``t``
    of channels ``g * pe .. g * pe + pe - 1``, lane 0 in the low bits."""
    taps = p.weights.T.reshape(p.positions * p.groups, p.pe)   # (t, g) rows, lanes
    return pack_words(taps, p.weight_type.bits)


class DepthwiseUnit(LayerBlock):
    """Depthwise convolution datapath behind a sliding window (FINN's VVAU, one tap per cycle).

    Input beats arrive in the sliding window's order: per output pixel, ``positions`` window
    taps, each as ``groups`` beats of ``pe`` channels. Every beat is taken in one cycle: the
    next tap's weights are read from on-chip memory at the address of the beat (a beat
    counter), the input is registered, and the following cycle multiplies the ``pe`` lanes
    by their own weights and adds them to that channel group's running sums (registers; the
    first tap starts from the bias). The last tap's sums go through the :class:`Requantizer`
    into the output FIFO; such a beat needs a credit (a free FIFO slot). The exact rules are
    in :mod:`hwgen.perf.depthwise`.

    Parameters
    ----------
    params : DepthwiseParams
    roms : RomFiles, optional
        As :class:`~hwgen.hw.layer_block.LayerBlock`'s.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(input element, pe)))
    o_stream : Out(stream.Signature(ArrayLayout(output element, pe)))
    """

    PARAMS = DepthwiseParams
    INPUT_LANES = "pe"

    def elaborate(self, platform):
        p = self.params
        m = Module()
        P, G, L = p.positions, p.groups, p.pe
        steps = P * G
        acc_layout = data.ArrayLayout(signed(p.acc_bits), L)
        w_layout = lanes_layout(p.weight_type, L)

        # ---- beat counters and credits (as WindowReduce) -----------------------------------
        step = Signal(index_range(steps))          # t * G + g within the pixel
        g = Signal(index_range(G))
        credits = Signal(range(p.out_fifo_depth + 1), init=p.out_fifo_depth)
        last_tap = Signal()
        # A 1x1 kernel: every beat is its group's last tap (and `step >= 0` would not lint).
        m.d.comb += last_tap.eq(1 if P == 1 else step >= (P - 1) * G)
        m.d.comb += self.i_stream.ready.eq(~last_tap | (credits != 0))
        fire = Signal()
        m.d.comb += fire.eq(self.i_stream.valid & self.i_stream.ready)
        with m.If(fire):
            m.d.sync += [step.eq(Mux(step == steps - 1, 0, step + 1)),
                         g.eq(Mux(g == G - 1, 0, g + 1))]

        # ---- stage 1: input and the tap's weights ------------------------------------------
        words = depthwise_weight_words(p)
        depth = len(index_range(steps))
        m.submodules.weights = read = Rom(words=words + [0] * (depth - len(words)),
                                          bits=w_layout.size, read="sync", table="weights",
                                          files=self.roms)
        m.d.comb += [read.addr.eq(step), read.en.eq(fire)]
        valid1, first1, last1 = Signal(), Signal(), Signal()
        g1 = Signal(index_range(G))
        x1 = Signal(lanes_layout(p.input_type, L))
        m.d.sync += valid1.eq(fire)
        with m.If(fire):
            m.d.sync += [x1.eq(self.i_stream.payload), g1.eq(g),
                         first1.eq(1 if P == 1 else step < G), last1.eq(last_tap)]
        w1 = data.View(w_layout, read.data)

        # ---- stage 2: multiply-accumulate into the group's running sums ---------------------
        bias = fold_table(m, "acc_bias", p.acc_bias.reshape(G, L), bits=32, is_signed=True,
                          fold=g1, roms=self.roms)
        running = Array(Signal(acc_layout, name=f"running{i}") for i in range(G))
        current = running[g1]
        combined = Signal(acc_layout)
        for lane in range(L):
            product = x1[lane] * w1[lane]
            # Every partial sum lies in acc_range (checked by DepthwiseParams): no overflow.
            m.d.comb += combined[lane].eq(Mux(first1, bias[lane], current[lane]) + product)
        done2 = Signal()
        g2 = Signal(index_range(G))
        result2 = Signal(acc_layout)
        m.d.sync += done2.eq(valid1 & last1)
        with m.If(valid1):
            with m.If(last1):
                m.d.sync += [result2.eq(combined), g2.eq(g1)]
            with m.Else():
                m.d.sync += current.eq(combined)

        # ---- requantization -> output FIFO ----------------------------------------------------
        m.submodules.requantizer = requant = Requantizer(
            acc_bits=p.acc_bits, output_type=p.output_type,
            multiplier=p.multiplier.reshape(G, L), shift=p.shift.reshape(G, L),
            rounding=p.rounding, zero_point=p.out_zero_point, out_min=p.out_min,
            out_max=p.out_max, roms=self.roms)
        m.d.comb += [requant.i_valid.eq(done2), requant.i_fold.eq(g2),
                     requant.i_acc.eq(result2)]
        m.submodules.fifo = fifo = StreamFifo(payload_shape=lanes_layout(p.output_type, L),
                                              depth=p.out_fifo_depth)
        wiring.connect(m, wiring.flipped(self.o_stream), fifo.o_stream)
        m.d.comb += [fifo.i_stream.valid.eq(requant.o_valid),
                     fifo.i_stream.payload.eq(requant.o_data)]
        out_read = self.o_stream.valid & self.o_stream.ready
        m.d.sync += credits.eq(credits - (fire & last_tap) + out_read)
        return m


def depthwise_memory_images(p: DepthwiseParams) -> dict:
    """The on-chip tables of a depthwise unit, ``{table: (words, bits per word)}``: the ROMs
    its component builds, word for word."""
    return recorded_images(lambda files: DepthwiseUnit(params=p, roms=files))
