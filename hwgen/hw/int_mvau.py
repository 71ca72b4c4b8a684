"""Integer matrix-vector-activation unit (MVAU), folded PE x SIMD."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..ir.mvau_params import IntMvauParams
from ..ir.packing import weight_memory_words
from .fold_table import fold_table
from .requantizer import Requantizer
from .shapes import index_range, lanes_layout
from .stream_fifo import StreamFifo

__all__ = ["IntMvau"]


class IntMvau(wiring.Component):
    """Integer MVAU: ``PE`` output channels times ``SIMD`` inputs per cycle.

    An input vector of ``MW`` codes arrives as ``SF = MW / SIMD`` beats; its ``MH`` outputs leave
    as ``NF = MH / PE`` beats in channel order. The engine issues one step ``(nf, sf)`` per
    cycle: in fold ``nf = 0`` each step consumes an input beat (and stores it for the later
    folds); each step multiplies ``PE x SIMD`` weights from on-chip memory with the input,
    adds the products into ``PE`` accumulators (preloaded with the bias), and the last step of
    a fold sends the accumulators through the :class:`Requantizer` into an output FIFO.

    Timing (what ``hwgen.perf`` models): the step that ends a fold, issued in cycle ``t``,
    writes the output FIFO in cycle ``t + 5``. A fold may start only while the output FIFO has
    a free slot not yet promised to an earlier fold (a credit counter), so the datapath never
    stalls once a step is issued.

    Parameters
    ----------
    params : IntMvauParams
        The layer.

    Members
    -------
    i_stream : In(stream.Signature(ArrayLayout(input shape, SIMD)))
    o_stream : Out(stream.Signature(ArrayLayout(output shape, PE)))
    """

    def __init__(self, *, params):
        if not isinstance(params, IntMvauParams):
            raise TypeError(f"params must be an IntMvauParams, not {params!r}")
        self._p = params
        super().__init__({
            "i_stream": In(stream.Signature(lanes_layout(params.input_type, params.simd))),
            "o_stream": Out(stream.Signature(lanes_layout(params.output_type, params.pe))),
        })

    @property
    def params(self) -> IntMvauParams:
        return self._p

    def elaborate(self, platform):
        p = self._p
        m = Module()
        nf_count, sf_count = p.nf, p.sf
        w_layout = data.ArrayLayout(data.ArrayLayout(signed(p.weight_type.bits), p.simd), p.pe)
        x_layout = lanes_layout(p.input_type, p.simd)

        # ---- engine: one step (nf, sf) per cycle -------------------------------------
        nf = Signal(index_range(nf_count), name="nf")
        sf = Signal(index_range(sf_count), name="sf")
        step = Signal(index_range(nf_count * sf_count), name="step")
        credits = Signal(range(p.out_fifo_depth + 1), init=p.out_fifo_depth)
        fold_start = sf == 0
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

        m.submodules.fifo = fifo = StreamFifo(
            payload_shape=lanes_layout(p.output_type, p.pe), depth=p.out_fifo_depth)
        wiring.connect(m, wiring.flipped(self.o_stream), fifo.o_stream)
        out_read = self.o_stream.valid & self.o_stream.ready
        m.d.sync += credits.eq(credits - (issue & fold_start) + out_read)

        # ---- stage 1: weights and inputs from memory ---------------------------------
        words = weight_memory_words(p.weights, p.pe, p.simd, p.weight_type.bits)
        m.submodules.weights = weights = Memory(
            shape=unsigned(w_layout.size), depth=len(index_range(len(words))), init=words)
        w_port = weights.read_port()
        m.d.comb += w_port.addr.eq(step)
        w_now = data.View(w_layout, w_port.data)

        valid1, first1, last1 = Signal(), Signal(), Signal()
        fold1, from_stream1 = Signal(index_range(nf_count)), Signal()
        latched = Signal(x_layout)
        m.d.sync += [
            valid1.eq(issue), first1.eq(fold_start), last1.eq(sf == sf_count - 1),
            fold1.eq(nf), from_stream1.eq(in_phase),
        ]
        with m.If(issue & in_phase):
            m.d.sync += latched.eq(self.i_stream.payload)
        x_now = Signal(x_layout)
        if nf_count > 1:
            # Later folds reuse the vector stored while fold 0 consumed it.
            m.submodules.input_buffer = buffer = Memory(
                shape=unsigned(x_layout.size), depth=len(index_range(sf_count)), init=[])
            b_write = buffer.write_port()
            b_read = buffer.read_port()
            m.d.comb += [
                b_write.addr.eq(sf), b_write.data.eq(self.i_stream.payload),
                b_write.en.eq(issue & in_phase),
                b_read.addr.eq(sf),
            ]
            m.d.comb += x_now.eq(data.View(x_layout, b_read.data))
            with m.If(from_stream1):
                m.d.comb += x_now.eq(latched)
        else:
            m.d.comb += x_now.eq(latched)

        # ---- stage 2: PE dot products of SIMD terms ----------------------------------
        valid2, first2, last2 = Signal(), Signal(), Signal()
        fold2 = Signal(index_range(nf_count))
        m.d.sync += [valid2.eq(valid1), first2.eq(first1), last2.eq(last1), fold2.eq(fold1)]
        dots = []
        for pe in range(p.pe):
            tree = _adder_tree([w_now[pe][s] * x_now[s] for s in range(p.simd)])
            dot = Signal(tree.shape(), name=f"dot{pe}")
            m.d.sync += dot.eq(tree)
            dots.append(dot)

        # ---- stage 3: accumulate (bias preloaded at the first step of a fold) --------
        bias = fold_table(m, "bias", p.acc_bias.reshape(nf_count, p.pe), bits=32,
                          is_signed=True, fold=fold2)
        acc = Signal(data.ArrayLayout(signed(p.acc_bits), p.pe))
        with m.If(valid2):
            for pe in range(p.pe):
                # Bias plus any partial sum lies within acc_range, so acc_bits never overflow.
                m.d.sync += acc[pe].eq(Mux(first2, bias[pe], acc[pe]) + dots[pe])
        done3, fold3 = Signal(), Signal(index_range(nf_count))
        m.d.sync += [done3.eq(valid2 & last2), fold3.eq(fold2)]

        # ---- stages 4-5: requantize into the output FIFO -----------------------------
        m.submodules.requantizer = requant = Requantizer(
            acc_bits=p.acc_bits, output_type=p.output_type,
            multiplier=p.multiplier.reshape(nf_count, p.pe), shift=p.shift.reshape(nf_count, p.pe),
            rounding=p.rounding, zero_point=p.out_zero_point,
            out_min=p.out_min, out_max=p.out_max)
        m.d.comb += [
            requant.i_valid.eq(done3),
            requant.i_acc.eq(acc),
            requant.i_fold.eq(fold3),
            fifo.i_stream.valid.eq(requant.o_valid),
            fifo.i_stream.payload.eq(requant.o_data),
        ]
        return m


def _adder_tree(terms):
    """Sum ``terms`` pairwise so the depth is log2(len(terms))."""
    while len(terms) > 1:
        paired = [a + b for a, b in zip(terms[0::2], terms[1::2])]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]
