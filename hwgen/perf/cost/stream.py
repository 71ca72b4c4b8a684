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
from .memory import Ram, lutram_banks, rom_from_fields
from .model import cost_function
from .tally import Tally

__all__ = ["sliding_window_features", "sliding_window_cost", "width_converter_features",
           "fork_features", "input_fifo_features", "read_select_luts",
           "bank_select_luts", "rotation_luts"]


def sliding_window_features(p: SlidingWindowParams, t: Tally) -> None:
    t.block()
    h, w, g, k, s, rows = p.height, p.width, p.groups, p.kernel, p.stride, p.buffer_rows
    ho, wo = p.out_height, p.out_width
    r, q = p.tap_rows, p.tap_cols
    word = p.input_lanes * p.element.bits                # one channel group of one pixel
    beat = p.lanes * p.element.bits
    taps = r * q
    padded = any(p.pads)
    # the line buffer: q column banks (and, when a beat spans kernel rows, a bank per
    # buffer row), each a RAM of one write and one read port
    row_banks = rows if r > 1 else 1
    row_words = -(-w // q) * g
    depth = rows // row_banks * row_words
    addr_bits = index_bits(depth)
    # a LUT RAM deeper than one primitive reads through a select among its primitives:
    # counted with the read path's other selects below (win_read), not as lutram_mux
    depth_banks = 1
    bypass = False
    for bank in range(row_banks * q):
        ram = Ram(depth=depth, width=word, sync_read=True, block_ram=p.pipeline != "deep")
        style = t.ram("buffer" if row_banks * q == 1 else f"buffer_{bank}", ram,
                      bank_select=False)
        if style == "lutram":
            depth_banks = lutram_banks(ram, t.target)
        if style == "bram" and t.target.bram_ram_ffs:
            # measured on ECP5 (sweep points w02, p01, p04, d03; iCE40 alike): beside the data
            # registers, about an address's worth of registers on its address ports
            t.reg(addr_bits + 1)
            bypass = True
    # each bank's read: a select among its primitives, before the read register
    t.features["win_read"] += row_banks * q * word * bank_select_luts(
        depth_banks, t.target.lut_inputs)
    slot_bits = index_bits(rows)
    control = t.features["reg"]
    # ---- input side: row, column-group, position-in-image, column-bank, word, buffer row
    for count in (h, w * g, h * w * g, q, row_words, rows):
        counter(t, count)
    t.reg(1)                                             # in_last, a cycle early
    t.cmp(index_bits(h * w * g), constant=True)
    if row_banks == 1:                                   # slot x row_words + word
        t.multiply_constant(slot_bits, row_words, addr_bits, signed=False)
        t.add(addr_bits)
    if row_banks * q > 1:
        t.logic(row_banks * q)                           # a write enable per bank
    # the slack over the current row's threshold (ready is its sign bit) and the per-row
    # steps it moves by, picked by the input row from constants into registers
    thresholds = []
    for y in range(h):
        image_offset, old = divmod(y - rows, h)
        thresholds.append(image_offset * ho + p.last_output_row_using(old) + 1)
    steps = [thresholds[(y + 1) % h] - thresholds[y] + (ho if y == h - 1 else 0)
             for y in range(h)]
    reach = max((rows // h + 3) * ho, ho + 2) + max(abs(v) for v in thresholds) + 2
    slack_bits = reach.bit_length() + 1
    t.reg(slack_bits)
    t.add(slack_bits, count=3)                           # + 1, - step, + 1 - step
    t.mux(slack_bits, 4)
    lo, hi = min(steps + [0]), max(steps + [0])
    for name, values, bits in (("row_step", steps, width(lo, hi)),
                               ("one_minus_step", [1 - v for v in steps], width(1 - hi, 1 - lo))):
        table = rom_from_fields(np.array(values) & ((1 << bits) - 1), bits, sync_read=False,
                                counter_address=True)
        t.rom(name, table)
        t.reg(table.columns)                             # the register it is picked into
    # images the input finished that the output has not, and its two flags as registers
    ahead_bits = width(-1, rows // h + 3)
    t.reg(ahead_bits + 2)
    t.add(ahead_bits, count=2)
    t.cmp(ahead_bits * 4, constant=True)
    # ---- read engine: output pixel, kernel row, column block and group counters (one beat
    # ahead), the window origin and its buffer rows
    for count in (ho, wo, k // r, k // q, g):
        counter(t, count)
    y_bits = max(h, ho * s).bit_length() + 2
    x_bits = max(w, wo * s).bit_length() + 2
    if ho > 1:
        t.reg(y_bits + slot_bits)                        # base_y, base_y_slot
        t.add(y_bits)
        _add_mod(t, slot_bits)
    if wo > 1:
        t.reg(x_bits)                                    # base_x
        t.add(x_bits)
    if h % rows:
        t.reg(slot_bits)                                 # image_slot
        _add_mod(t, slot_bits)
    # the beat's first and last row and column as registers stepped by constants
    # (the last ones too when they equal the first: their next values are different sums)
    t.reg(2 * (y_bits + 1) + 2 * (x_bits + 1))
    t.add(y_bits + 1, count=2 * (k // r > 1) + (r > 1) * (1 + (ho > 1)))
    t.add(x_bits + 1, count=2 * (k // q > 1) + (q > 1) * (1 + (wo > 1)))
    t.mux(2 * (y_bits + 1), 3)
    t.mux(2 * (x_bits + 1), 4)
    if q > 1:
        # the first column as (word, column bank)
        div_bits = range_bits((max(w, wo * s) + q * -(-p.pads[1] // q)) // q + 2)
        t.reg(div_bits + index_bits(q))
        _add_mod(t, index_bits(q))
        t.add(div_bits, count=1)
        t.cmp(index_bits(q))
    # ---- the next beat's view, registered as the current one issues
    t.add(y_bits + 1, count=r - 1)                       # each tap row and column
    t.add(x_bits + 1, count=q - 1)
    t.cmp((r + q) * (y_bits + x_bits + 2) / 2, constant=True)   # inside the image
    t.cmp(y_bits + x_bits + 2, constant=True)            # the beat's last row and column
    t.mux(index_bits(h) + index_bits(w))
    t.add(slot_bits + 1, count=2)                        # its buffer row: two steps mod R
    _add_mod(t, slot_bits, adder=False)
    _add_mod(t, slot_bits, adder=False)
    col_bits = index_bits(w * g)
    if g > 1:                                            # last column x G + g
        t.multiply_constant(index_bits(w), g, col_bits, signed=False)
        t.add(col_bits)
    if q > 1:                                            # a word per column bank
        t.add(addr_bits, count=1 + q)
        t.cmp(index_bits(q), count=q, constant=True)
    elif g > 1:                                          # ix x G + g
        t.multiply_constant(x_bits + 1, g, addr_bits, signed=False)
        t.add(addr_bits)
    if row_banks == 1:                                   # slot x row_words + word, per bank
        # (one product: Yosys merges the banks' identical ones)
        t.multiply_constant(slot_bits, row_words, addr_bits, signed=False)
        t.add(addr_bits, count=q)
    t.reg((taps if padded else 0) + 1 + index_bits(h) + col_bits + q * addr_bits + 2
          + (slot_bits if row_banks > 1 else 0) + (index_bits(q) if q > 1 else 0))
    t.logic(taps)
    # arrived: the input's (row, column) against the beat's last (row, column)
    t.cmp(index_bits(h) + col_bits)
    t.cmp(index_bits(h) / 2)
    t.cmp(index_bits(ho) + index_bits(wo) + index_bits(k) + index_bits(k // q + 1)
          + index_bits(g), constant=True)                # end of row / image
    # credits (and != 0 as a register)
    credit_bits = range_bits(p.out_fifo_depth + 1)
    t.reg(credit_bits + 1)
    t.add(credit_bits, count=2)
    t.cmp(credit_bits, constant=True)
    # every control flip-flop's next state: a few sources chosen by the issue and input
    # handshakes and the walk's end flags
    t.features["win_ctl"] += t.features["reg"] - control
    # ---- read data: a cycle later, rotated into tap order, padded, into the output FIFO
    t.reg(1 + (taps if padded else 0))                   # valid1, a pad flag a tap
    if row_banks > 1:                                    # each tap row from its bank
        t.reg(slot_bits)
    if q > 1:                                            # columns rotated into tap order
        t.reg(index_bits(q))
    # each beat bit: one of the row banks' and column banks' read registers, or the pad
    # value (then the output FIFO's LUT RAM: nothing merges into its write data)
    # On ECP5 (and iCE40) a block-RAM line buffer's read passes a select between its data and
    # a bypass register (the flip-flops ``bram_ram_ffs`` counts): a LUT4 a bit, which the
    # pad select shares (measured on sweep point p04: padding it adds no LUT; its 4-bit
    # elements made 8-bit add a LUT4 a bit, as they do not on xcup's RAMB18E2)
    t.features["win_read"] += rotation_luts(word=word, row_banks=row_banks, tap_rows=r,
                                            tap_cols=q, padded=padded or bypass,
                                            lut_inputs=t.target.lut_inputs,
                                            bank_words=depth,
                                            wide_muxes=t.target.wide_muxes)
    stream_fifo(t, "fifo", width_bits=beat, depth=p.out_fifo_depth)


def read_select_luts(sources: int, padded: bool, lut_inputs: int, *,
                     wide_muxes: bool = True) -> int:
    """LUTs of one bit that selects one of ``sources`` registers (or, ``padded``, a
    constant): a LUT of ``k`` inputs selects among ``k - 2`` leaves (two of four on a LUT4,
    four of six on a LUT6: the rest are select bits), the target's wide multiplexers
    (PFUMX / L6MUX21, MUXF7 / MUXF8) join the LUTs, and the pad flag is one more leaf.
    Without wide multiplexers (iCE40) the LUT4s join themselves: a tree of two-way selects,
    ``leaves - 1`` (w05's window alone on iCE40, 9 lanes of 3 columns and the pad: 92 LUT4
    more padded than not, where two a bit counted 33 fewer). One source and no pad is a
    wire."""
    leaves = sources + (1 if padded else 0)
    if leaves < 2:
        return 0
    if not wide_muxes:
        return leaves - 1
    return -(-leaves // (lut_inputs - 2))


def rotation_luts(*, word: int, row_banks: int, tap_rows: int, tap_cols: int, padded: bool,
                  lut_inputs: int, bank_words: int, wide_muxes: bool = True) -> int:
    """LUTs of the window's read data between the banks' read registers and the output
    FIFO: each tap row from its row bank (``row_banks`` ways, one select per tap row and
    column bank), the columns rotated into tap order (``tap_cols`` ways) and the pad value.

    Where each stage fits one LUT (a LUT6 holds a 4-way select, or a 3-way one and the pad)
    Yosys keeps the stages, the row select shared by the ``tap_cols`` taps that read it
    (sweep point w06 on xcup: 2 LUT6 a bit). On LUT4s, measured on w06's structure (4 row
    banks x 3 column banks, padded) at image widths 3 to 12 on ECP5: with banks of at most
    two words (``bank_words``, a 1-bit address) ABC selects among every source and the pad
    in one function per bit (widths 3, 5, 6: about 7.5 LUT4 a bit, 12 sources and the pad
    at two leaves a LUT4); with deeper banks the stages stay (widths 7, 8, 12 and the digits
    CNN's conv1 window: about 5 LUT4 a bit). Why the bank depth decides is not known.
    """
    beat = tap_rows * tap_cols * word
    rows = read_select_luts(row_banks, False, lut_inputs, wide_muxes=wide_muxes)
    cols = read_select_luts(tap_cols, padded, lut_inputs, wide_muxes=wide_muxes)
    if (rows <= 1 and cols <= 1) or bank_words > 2:
        return beat * (rows + cols)
    # (one function of every source: ABC's own LUT4s, the same without wide multiplexers:
    # sweep point w06 on iCE40, 1,605 LUT4 against 1,671 counted so)
    return beat * read_select_luts(row_banks * tap_cols, padded, lut_inputs)


def bank_select_luts(banks: int, lut_inputs: int) -> int:
    """LUTs of one bit of a LUT RAM's read that selects among ``banks`` primitives in
    depth (by the address's high bits, before the read register). On a LUT6 one LUT selects
    among four (:func:`read_select_luts`); on ECP5's LUT4s, measured with Yosys on line
    buffers of 2 to 6 DPR16X4 banks (sweep points c01, c02, w01, p02, d01): ``banks - 1``
    LUT4s but one in four, the PFUMX / L6MUX21 taking their place."""
    if banks < 2:
        return 0
    if lut_inputs >= 6:
        return read_select_luts(banks, False, lut_inputs)
    return banks - 1 - (banks - 1) // 4


def _add_mod(t: Tally, bits: int, *, adder: bool = True) -> None:
    """``(v + c) mod m`` as the window builds it: a sum, a compare, a subtraction, a mux."""
    if adder:
        t.add(bits + 1)
    t.cmp(bits + 1, constant=True)
    t.add(bits + 1)
    t.mux(bits)


def input_fifo_features(t: Tally, *, width_bits: int, depth: int) -> None:
    """The FIFO the accelerator puts in front of a block's input port."""
    stream_fifo(t, "in_fifo", width_bits=width_bits, depth=depth)


def _function_luts(lut_inputs: int, inputs: int) -> int:
    """LUTs of one logic function of ``inputs`` inputs as ABC maps it for depth: one LUT up to
    the target's size, twice as many per further input while the fabric's wide-function
    multiplexers (ECP5's PFUMX / L6MUX21, Xilinx's MUXF7 / MUXF8) join them into one level."""
    return 2 ** max(0, inputs - lut_inputs)


#: ``StreamWidthConverter.DECODE_COUNT_BITS`` (hwgen.hw, which the cost model does not import;
#: tests/unit/test_cost_model.py checks the two agree)
DWC_DECODE_COUNT_BITS = 4


def _one_hot_count_luts(lut_inputs: int, a: int, b: int, levels) -> float:
    """LUTs of an up-sizer's one-hot count: each flag's next state, a function of the flags
    of the levels it is reached from and of the handshakes that move the count there (a
    flag reached from itself alone, or copied from one other, is none)."""
    cap = a + b - 1
    reached = {level: (set(), set()) for level in levels}    # {level: (sources, handshakes)}
    for level in levels:
        outs = (False, True) if level >= b else (False,)
        for out in outs:
            ins = (False, True) if level - b * out + a <= cap else (False,)
            for take in ins:
                sources, handshakes = reached[level + a * take - b * out]
                sources.add(level)
                handshakes.update(["o_ready"] * (len(outs) > 1) + ["i_valid"] * (len(ins) > 1))
    return sum(_function_luts(lut_inputs, len(sources) + len(handshakes))
               for sources, handshakes in reached.values() if len(sources) + len(handshakes) > 1)


def width_converter_features(t: Tally, *, element_bits: int, in_lanes: int,
                             out_lanes: int) -> None:
    """``StreamWidthConverter``: ``in + out - 1`` held elements, a count, shift and load.

    Inputs load at multiples of ``gcd(in, out)`` up to ``cap - in``: the elements above the
    last such load are never written, and Yosys removes their registers (and the count's
    low bits, which stay 0). Each held element has a clock enable (it shifts or loads: a
    function of the count and both handshakes, ``dwc_ctl``, one per distinct set of loads
    reaching an element) and picks its data among its ``ways`` (the loads reaching it and
    the shift) by a register of ``index_bits(ways)`` bits set from the next count (its
    next state another such function, ``dwc_ctl`` per bit): a held bit with two or more ways
    is one function of ``ways + index_bits(ways)`` inputs (``dwc_pick``: a LUT3 for two
    ways, a LUT5 for three, a LUT6 for four; in LUT4s on ECP5, 1, 2 and 4).

    An up-sizer (``in <= out``) whose count has more than ``DWC_DECODE_COUNT_BITS`` bits
    also holds the count one-hot, a flip-flop per level: each load's enable is then an OR
    of its levels' flags (with ``o_ready`` for the levels an output leaves from, and the
    output's fire where the element also shifts), none for an enable that is one flag, and
    each flag's next state a function of the flags it is reached from and the handshakes
    (``dwc_onehot``, the LUTs of both, measured: ``benchmarks/bench_width_converter.py``);
    ``dwc_ctl`` counts only the picks' next states there."""
    a, b = in_lanes, out_lanes
    cap = a + b - 1
    step = math.gcd(a, b)
    bases = range(0, cap - a + 1, step)
    levels = range(0, cap + 1, step)
    loaded = bases[-1] + a
    count_bits = range_bits(cap + 1) - ((step & -step).bit_length() - 1)
    one_hot = a <= b and count_bits > DWC_DECODE_COUNT_BITS
    lut_inputs = t.target.lut_inputs
    # the decode of the count and both handshakes: one wide function each up to six inputs;
    # with a count of 5 bits or more ABC decodes the count once and shares it (1 -> 16
    # lanes: 16 enables in 27 LUT4 / 22 LUT6)
    decode_inputs = count_bits + 2
    decode = _function_luts(lut_inputs, decode_inputs) if decode_inputs <= 6 else 1
    if not t.target.wide_muxes:
        # without wide multiplexers (iCE40) ABC decodes the count once whatever its width
        # and shares it: about one LUT4 an enable or pick bit (the 1 -> 8 and 3 -> 8
        # converters alone, 8 and 26 such functions of 6 inputs: 9 and 32 SB_LUT4 where
        # four each counted 32 and 104)
        decode = 1
    ways_of = {}                                 # {(loads reaching, shifts): ways}
    for pos in range(loaded):
        covering = tuple(base for base in bases if base <= pos < base + a)
        shifts = pos + b < loaded                # (nothing loaded ever shifts in beyond)
        ways = len(covering) + shifts
        ways_of[covering, shifts] = ways
        if ways > 1:
            # without wide multiplexers a tree of two-way selects, ``ways - 1`` LUT4 (a
            # held bit of four ways 3, where ``_function_luts`` counts ECP5's 4: the 8 -> 3
            # converter alone on iCE40, 21 SB_LUT4 an element bit, 21 counted so)
            t.features["dwc_pick"] += element_bits * (
                _function_luts(lut_inputs, ways + index_bits(ways)) if t.target.wide_muxes
                else read_select_luts(ways, False, lut_inputs, wide_muxes=False))
    pick_bits = sum(index_bits(ways) for ways in ways_of.values() if ways > 1)
    t.reg(loaded * element_bits + count_bits + pick_bits + (len(levels) if one_hot else 0))
    t.add(count_bits, count=2)
    t.cmp(2 * count_bits, constant=True)
    if not one_hot:
        t.features["dwc_ctl"] += (len(ways_of) + pick_bits) * decode
        return
    t.features["dwc_ctl"] += pick_bits * decode
    t.features["dwc_onehot"] += _one_hot_count_luts(lut_inputs, a, b, levels)
    # (on iCE40 the reset joins each enable: a LUT for an enable that is one flag)
    reset = int(t.target.enable_takes_reset)
    for covering, shifts in ways_of:
        outs = sum(base + b <= cap for base in covering)
        inputs = len(covering) + outs + (outs > 0) + shifts + reset
        if inputs > 1:
            t.features["dwc_onehot"] += _function_luts(lut_inputs, inputs)


def fork_features(t: Tally, *, width_bits: int, depths) -> None:
    """``StreamFork``: a FIFO per branch, a beat taken when all have room."""
    for branch, depth in enumerate(depths):
        stream_fifo(t, f"branch_{branch}", width_bits=width_bits, depth=depth)
    t.logic(len(depths))


sliding_window_cost = cost_function(sliding_window_features)
