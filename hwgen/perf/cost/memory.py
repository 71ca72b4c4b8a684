"""On-chip memories: where each goes (block RAM, LUT RAM or logic) and what that costs.

:func:`memory_style` is the rule the cost model uses for every memory of every block: the
weights, the input buffers, the line buffers, the FIFOs, the per-fold constant tables. It is
plain Python (no Amaranth) so the hardware generator can call it too and state the style as
a ``ram_style`` attribute; today it reproduces the choice Yosys' ``memory_libmap`` makes on its
own (the costs in :mod:`hwgen.perf.cost.targets`):

* a ROM (no write port) goes to block RAM when that is cheaper than soft logic, where a ROM bit
  costs 1/64 (Xilinx) or 1/16 (ECP5, iCE40) and a block RAM tile its libmap cost; ROMs never
  go to LUT RAM. On UltraScale+ that means deeper than about 230 words (a weight ROM of
  ``NF x SF`` words), on ECP5 deeper than about 60;
* a RAM (one write port) goes to LUT RAM unless block RAM is cheaper (deep line buffers) or it
  is so small that flip-flops are (a RAM bit in logic costs 1);
* a memory read without a clock (the FIFOs, the fold tables) cannot use block RAM.

Memory contents matter for logic ROMs: Yosys drops bit columns that are constant over all
words and merges identical columns, so :class:`Rom` takes the words themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .targets import CostTarget

__all__ = ["Rom", "Ram", "memory_style", "bram_tiles", "lutram_primitives", "lutram_banks",
           "rom_from_words", "rom_from_fields", "STYLES"]

#: The places a memory can go.
STYLES = ("bram", "lutram", "logic")
#: What ``memory_libmap`` adds to a LUT RAM mapping's cost beyond its primitives, measured
#: (Yosys 0.5x, simple dual-port RAMs of 2-8 words x 1-8 bits, one write port with an enable
#: and one read without a clock): on xcup 2 x 2 and 3 x 1 bits stay flip-flops where 4 x 1
#: and 2 x 3 go to a RAM32M16 (16 x width / 14 each), on ECP5 2 x 3 and 3 x 2 stay
#: flip-flops where 2 x 4 and 4 x 2 go to a DPR16X4 (4): both bound it to 2. A RAM of a
#: couple of bits (a 2-deep FIFO of a 1- or 2-bit output) is flip-flops.
LUTRAM_EXTRA_COST = 2.0


@dataclass(frozen=True)
class Rom:
    """A read-only table: ``depth`` words of which ``columns`` bit columns vary and
    ``distinct`` are different from each other and from every address bit.

    Parameters
    ----------
    depth, width : int
        Words and bits per word as declared.
    columns : int
        Bit columns that are not constant over the words (what Yosys keeps).
    distinct : int
        Of those, the columns that are different functions of the address (what is left
        after merging duplicates); each costs LUTs in soft logic.
    sync_read : bool
        Read through a register (a block RAM needs one).
    counter_address : bool
        Addressed by a counter (a weight ROM) rather than by a register (a fold table):
        Yosys maps the two differently in soft logic.
    tail : int
        Of the ``distinct`` columns, those whose words past the last power of two (the last
        ``r`` of ``2**k + r``) are not all equal: an ECP5 column of 17-31 words read into
        logic costs one LUT more for them (``tally.split_without_select``).
    registered_output : bool
        Read without a clock straight into a register (counted by the block, not here: the
        pipelined requantizer's tables): ``memory_dff`` merges that register into the read
        port, so block RAM is open to it as to a synchronous read (on ECP5 sweep point
        i15's 128-fold multiplier table takes a DP16KD).
    """

    depth: int
    width: int
    columns: int
    distinct: int
    sync_read: bool
    counter_address: bool = False
    registered_output: bool = False
    tail: int = 0

    @property
    def address_bits(self) -> int:
        return max(1, (self.depth - 1).bit_length())


@dataclass(frozen=True)
class Ram:
    """A read-write memory: ``depth`` words of ``width`` bits.

    ``sync_read``: the read port has a register (else the read is combinational, as in a
    FIFO). ``shared_address``: the read and the write use one address (a single-port RAM).
    ``block_ram``: False when the RTL asks for LUT RAM (``ram_style = "distributed"``):
    then it is LUT RAM.
    """

    depth: int
    width: int
    sync_read: bool
    shared_address: bool = False
    block_ram: bool = True
    #: where ``width`` is the used bits of a wider declared word (a target that drops never-read
    #: bits): their positions in the declared word, as a bit mask (0: not known). A LUT RAM
    #: primitive holds a run of the declared word's bits and goes only when none of them is
    #: read, so its primitives are the runs holding a used bit (:func:`lutram_primitives`)
    used_mask: int = 0


def _bits(words: np.ndarray, bits: int) -> np.ndarray:
    """``(depth, n)`` integer fields of ``bits`` bits to a ``(depth, n * bits)`` 0/1 matrix,
    field ``i`` in columns ``[i * bits, (i + 1) * bits)`` (two's complement)."""
    words = np.asarray(words, dtype=np.int64)
    if bits <= 8:
        # one byte per field, unpacked in place: no int64 plane per bit (a 2048 x 2048
        # layer's weight ROM is 33M bits)
        planes = np.unpackbits((words & 0xFF).astype(np.uint8)[..., None], axis=-1,
                               bitorder="little")[..., :bits]
        return planes.reshape(words.shape[0], -1)
    shifts = np.arange(bits, dtype=np.int64)
    planes = (words[..., None] >> shifts) & 1
    return planes.reshape(words.shape[0], -1).astype(np.uint8)


def rom_from_fields(fields, bits: int, *, sync_read: bool, counter_address: bool = False) -> Rom:
    """A ROM whose word ``r`` packs ``fields[r, :]``, each ``bits`` wide."""
    fields = np.asarray(fields, dtype=np.int64)
    if fields.ndim == 1:
        fields = fields[:, None]
    return rom_from_bits(_bits(fields, bits), sync_read=sync_read,
                         counter_address=counter_address)


def rom_from_words(words, width: int, *, sync_read: bool, counter_address: bool = False) -> Rom:
    """A ROM from Python-int words of ``width`` bits (any width)."""
    matrix = np.array([[(int(w) >> b) & 1 for b in range(width)] for w in words],
                      dtype=np.uint8).reshape(len(words), width)
    return rom_from_bits(matrix, sync_read=sync_read, counter_address=counter_address)


def _column_keys(matrix: np.ndarray) -> np.ndarray:
    """Each column of a ``(depth, width)`` 0/1 matrix as one bytes value (packed)."""
    packed = np.ascontiguousarray(np.packbits(matrix, axis=0).T)
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def rom_from_bits(matrix: np.ndarray, *, sync_read: bool, counter_address: bool = False) -> Rom:
    """A ROM from its ``(depth, width)`` 0/1 contents."""
    matrix = np.asarray(matrix, dtype=np.uint8)
    depth, width = matrix.shape
    varying = matrix[:, (matrix != matrix[:1]).any(axis=0)] if depth else matrix
    columns = varying.shape[1]
    distinct = tail = 0
    if columns:
        keys = _column_keys(varying).tolist()
        # an address bit (or its complement) as a column costs no LUT
        address = np.arange(depth)[:, None] >> np.arange(max(1, depth).bit_length())
        trivial = np.concatenate([address & 1, 1 - (address & 1)], axis=1).astype(np.uint8)
        kept = set(keys) - set(_column_keys(trivial).tolist())
        distinct = len(kept)
        if depth & (depth - 1):
            low = 1 << (depth.bit_length() - 1)
            varies = (varying[low:] != varying[low:low + 1]).any(axis=0)
            tail = len({k for k, v in zip(keys, varies.tolist(), strict=True) if v} & kept)
    return Rom(depth=depth, width=width, columns=columns, distinct=distinct, sync_read=sync_read,
               counter_address=counter_address, tail=tail)


def _bram_cost(depth: int, width: int, target: CostTarget):
    """Cheapest block RAM mapping: ``(libmap cost, tiles)`` or ``(inf, 0)``."""
    best = (math.inf, 0.0)
    for mode in target.brams:
        for w in mode.widths:
            # 9 / 18 / 36 / 72 bit widths are 8 / 16 / 32 / 64 data bits plus parity
            words = (1 << mode.abits) // (w // 9 * 8 if w % 9 == 0 else w)
            repl = math.ceil(width / w)
            mult = math.ceil(depth / words)
            cost = mode.cost * repl * mult + 0.5 * (mult - 1) * width
            if cost < best[0]:
                best = (cost, mode.tiles * repl * mult)
    return best


def _lutram_cost(depth: int, width: int, modes, *, depth_mux: bool = True,
                 demux: bool = False):
    """Cheapest LUT RAM mapping: ``(libmap cost, cells, words per primitive, mode)`` or
    ``(inf, 0, 0, None)``; of equal costs the first mode.

    ``depth_mux``: a RAM deeper than one primitive is charged its read multiplexer, as block
    RAM is. Measured, not read from Yosys: true on Xilinx; on ECP5 line buffers of 36 x 64 and
    96 x 16 bits (sweep points c02, d01) go to LUT RAM, where block RAM would win with it.
    ``demux``: and its write enable's decoder (``CostTarget.lutram_demux``)."""
    best = (math.inf, 0, 0, None)
    for mode in modes:
        mult = math.ceil(depth / (1 << mode.abits))
        prims = math.ceil(width / mode.width) * mult
        if mode.widthscale:
            scaled = mode.cost if mode.widthscale_cost is None else mode.widthscale_cost
            cost = (mode.cost - scaled) * prims + scaled * mult * width / mode.width
        else:
            cost = mode.cost * prims
        if depth_mux:
            cost += 0.5 * (mult - 1) * width
        if demux and mult > 1:
            cost += 0.5 * mult              # the write enable decoded per bank
        cost += LUTRAM_EXTRA_COST
        if cost < best[0]:
            cells = width * mult if mode.cell_per_bit else prims * mode.cells
            best = (cost, cells, 1 << mode.abits, mode)
    return best


def _target_lutram(memory: Ram, target: CostTarget):
    """:func:`_lutram_cost` of ``memory`` on ``target``: its single- or dual-port modes by
    the memory's addresses, the target's read multiplexer and write demultiplexer rules."""
    modes = target.lutram_sp if memory.shared_address else target.lutram_sdp
    return _lutram_cost(memory.depth, memory.width, modes, depth_mux=target.lutram_depth_mux,
                        demux=target.lutram_demux)


def memory_style(memory, target: CostTarget) -> str:
    """``"bram"``, ``"lutram"`` or ``"logic"``: where ``memory`` (a :class:`Rom` or
    :class:`Ram`) goes on ``target`` (the rule of this module's docstring)."""
    if isinstance(memory, Rom):
        if memory.columns == 0:
            return "logic"                      # constants: no memory at all
        logic = memory.columns * memory.depth * target.rom_logic_cost
        bram = (_bram_cost(memory.depth, memory.columns, target)[0]
                if memory.sync_read or memory.registered_output else math.inf)
        return "bram" if bram < logic else "logic"
    logic = memory.width * memory.depth * target.ram_logic_cost
    lutram = _target_lutram(memory, target)[0]
    if not memory.block_ram:
        return "lutram"
    bram = _bram_cost(memory.depth, memory.width, target)[0] if memory.sync_read else math.inf
    # (libmap keeps soft logic unless a mapping costs strictly less)
    best = min(logic, lutram, bram)
    if best == logic:
        return "logic"
    return "bram" if best == bram else "lutram"


def bram_tiles(memory, target: CostTarget) -> float:
    """Block RAM tiles of ``memory`` mapped to block RAM."""
    width = memory.columns if isinstance(memory, Rom) else memory.width
    return _bram_cost(memory.depth, width, target)[1]


def lutram_primitives(memory: Ram, target: CostTarget) -> int:
    """LUT RAM primitives of ``memory`` mapped to LUT RAM; with ``used_mask``, the runs of
    the declared word one primitive holds that have a used bit (sweep point m07 on xc7: an
    MX input buffer of 96 declared bits, 40 of them read, in 8 of its 12 RAM32Ms, where the
    40 bits alone fill 5)."""
    _, cells, words, mode = _target_lutram(memory, target)
    if not memory.used_mask or not words:
        return cells
    if mode.cell_per_bit:
        return cells                  # a cell a used bit already
    run = (1 << mode.width) - 1
    runs = sum(1 for k in range(0, memory.used_mask.bit_length(), mode.width)
               if memory.used_mask >> k & run)
    return runs * math.ceil(memory.depth / words) * mode.cells


def lutram_banks(memory: Ram, target: CostTarget) -> int:
    """Primitives in depth of ``memory`` mapped to LUT RAM: a read selects among them (a
    multiplexer in LUTs) when there are more than one."""
    words = _target_lutram(memory, target)[2]
    return math.ceil(memory.depth / words) if words else 0
