"""Cost of the stream blocks: the sliding window, and the glue the accelerator puts between
blocks (input FIFOs, width converters, forks; ``hwgen.hw.stream``).

The sliding window is a line buffer of ``buffer_rows`` image rows (RAMs:
:func:`~hwgen.perf.cost.memory.memory_style` places them), banked when a beat carries several
kernel taps (``tap_cols`` column banks, and a bank per buffer row when a beat spans
``tap_rows > 1`` kernel rows; the read data rotated back into tap order by multiplexers),
input and read counters, the address arithmetic (products by the row length and by ``G``:
DSPs where those are not powers of two and Yosys finds them wide enough), a pad select per
tap and an output FIFO.
"""

from __future__ import annotations

import math

import numpy as np

from ...ir.blocks.sliding_window import SlidingWindowParams
from .arith import index_bits, range_bits, width
from .components import counter, stream_fifo
from .memory import Ram, rom_from_fields
from .model import cost_function
from .tally import Tally

__all__ = ["sliding_window_features", "sliding_window_cost", "width_converter_features",
           "fork_features", "input_fifo_features"]


def sliding_window_features(p: SlidingWindowParams, t: Tally) -> None:
    t.block()
    h, w, g, k, s, rows = p.height, p.width, p.groups, p.kernel, p.stride, p.buffer_rows
    ho, wo = p.out_height, p.out_width
    r, q = p.tap_rows, p.tap_cols
    word = p.input_lanes * p.element.bits                # one channel group of one pixel
    beat = p.lanes * p.element.bits
    taps = r * q
    # the line buffer: q column banks (and, when a beat spans kernel rows, a bank per
    # buffer row), each a RAM of one write and one read port
    row_banks = rows if r > 1 else 1
    row_words = -(-w // q) * g
    depth = rows // row_banks * row_words
    for bank in range(row_banks * q):
        t.ram("buffer" if row_banks * q == 1 else f"buffer_{bank}",
              Ram(depth=depth, width=word, sync_read=True))
    # input side: row, column-group, position-in-image, column-bank, word and slot counters
    for count in (h, w * g, h * w * g, q, row_words, rows):
        counter(t, count)
    addr_bits = index_bits(depth)
    if row_banks == 1:                                   # slot x row_words + word
        t.multiply_constant(index_bits(rows), row_words, addr_bits, signed=False)
        t.add(addr_bits)
    if row_banks * q > 1:
        t.logic(row_banks * q)                           # a write enable per bank
    lag_bits = width(-(rows // h + 3) * ho, ho + 1)
    t.reg(lag_bits + index_bits(rows // h + 5))
    t.add(lag_bits, count=2)
    t.add(index_bits(rows // h + 5))
    needs = []                                           # the lag each input row needs
    for y in range(h):
        image_offset, old = divmod(y - rows, h)
        needs.append(image_offset * ho + p.last_output_row_using(old) + 1)
    need_bits = width(min(needs + [0]) - 1, max(needs + [0]) + 1)
    t.rom("lag_needed", rom_from_fields(np.array(needs) & ((1 << need_bits) - 1), need_bits,
                                        sync_read=False, counter_address=True))
    t.cmp(lag_bits)
    # read engine: output pixel, kernel row, column block and group counters, window origin
    for count in (ho, wo, k, k // q, g):
        counter(t, count)
    y_bits = max(h, ho * s).bit_length() + 2
    x_bits = max(w, wo * s).bit_length() + 2
    t.reg(y_bits + x_bits + 2 * index_bits(rows))
    t.add(y_bits + x_bits)
    t.add(index_bits(rows), count=4)                     # slots modulo the buffer rows
    t.cmp(index_bits(rows) * 4, constant=True)
    t.add(y_bits + 1)                                    # iy = base_y + ky
    t.add(x_bits + 1)
    # each tap row and column inside the image, and the beat's last row and column
    t.add(y_bits + 1, count=r - 1)
    t.add(x_bits + 1, count=q - 1)
    t.cmp((r + q) * (y_bits + x_bits + 2), constant=True)
    if r > 1:
        t.mux(y_bits + 1)
    if q > 1:
        t.mux(x_bits + 1)
    needed_bits = range_bits(h * w * g + 1)
    t.multiply_constant(y_bits + 1, w * g, needed_bits)
    t.multiply_constant(x_bits + 1, g, needed_bits)
    t.add(needed_bits, count=2)
    t.cmp(needed_bits)                                   # arrived
    if q > 1:
        # the first column as (word, column bank): registers, a modulo step, a word per bank
        div_bits = range_bits((max(w, wo * s) + q * -(-p.pads[1] // q)) // q + 2)
        t.reg(div_bits + index_bits(q))
        t.add(index_bits(q) + 1, count=2)
        t.cmp(index_bits(q) + 1, constant=True)
        t.add(div_bits + 1, count=2 + q)
        t.cmp(index_bits(q), count=q, constant=True)     # c < bank, per bank
        read_words = q
    else:
        t.multiply_constant(x_bits + 1, g, addr_bits, signed=False)
        t.add(addr_bits)
        read_words = 1
    if row_banks == 1:                                   # slot x row_words + word, per bank
        t.multiply_constant(index_bits(rows), row_words, addr_bits, signed=False)
        t.add(addr_bits, count=read_words)
    t.reg(2 + range_bits(p.out_fifo_depth + 1) + taps)   # valid1, credits, a pad flag a tap
    t.add(range_bits(p.out_fifo_depth + 1))
    if row_banks > 1:                                    # each tap row from its bank
        t.reg(index_bits(rows))
        t.mux(taps * word, rows)
    if q > 1:                                            # columns rotated into tap order
        t.reg(index_bits(q))
        t.mux(taps * word, q)
    t.features["pad_mux"] += beat                        # pad value or buffer, per tap
    stream_fifo(t, "fifo", width_bits=beat, depth=p.out_fifo_depth)


def input_fifo_features(t: Tally, *, width_bits: int, depth: int) -> None:
    """The FIFO the accelerator puts in front of a block's input port."""
    stream_fifo(t, "in_fifo", width_bits=width_bits, depth=depth)


def width_converter_features(t: Tally, *, element_bits: int, in_lanes: int,
                             out_lanes: int) -> None:
    """``StreamWidthConverter``: ``in + out - 1`` held elements, a count, shift and load.

    Inputs load at multiples of ``gcd(in, out)`` up to ``cap - in``: the elements above the
    last such load are never written, and Yosys removes their registers."""
    cap = in_lanes + out_lanes - 1
    loaded = range(0, cap - in_lanes + 1, math.gcd(in_lanes, out_lanes))[-1] + in_lanes
    t.reg(loaded * element_bits + range_bits(cap + 1))
    t.add(range_bits(cap + 1), count=2)
    t.cmp(2 * range_bits(cap + 1), constant=True)
    bases = cap - in_lanes + 1
    t.mux(cap * element_bits, 1 + min(bases, in_lanes) + (1 if cap > out_lanes else 0))


def fork_features(t: Tally, *, width_bits: int, depths) -> None:
    """``StreamFork``: a FIFO per branch, a beat taken when all have room."""
    for branch, depth in enumerate(depths):
        stream_fifo(t, f"branch_{branch}", width_bits=width_bits, depth=depth)
    t.logic(len(depths))


sliding_window_cost = cost_function(sliding_window_features)
