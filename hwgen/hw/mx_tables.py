"""Per-fold constant tables of any width (Python integers) for the MX datapath."""

from __future__ import annotations

from amaranth.hdl import Const, Module, Value, signed, unsigned
from amaranth.lib import data
from amaranth.lib.memory import Memory

__all__ = ["wide_fold_table", "signed_width"]


def signed_width(lo: int, hi: int) -> int:
    """Fewest two's complement bits holding every integer in ``[lo, hi]``."""
    bits = 1
    while not (-(1 << (bits - 1)) <= lo and hi < (1 << (bits - 1))):
        bits += 1
    return bits


def wide_fold_table(m: Module, name: str, rows, *, bits: int, is_signed: bool, fold: Value):
    """Lane constants for the current fold, like ``hwgen.hw.fold_table`` but for integers of
    any size: ``rows`` is a list of per-fold lists of Python ints. Equal rows become
    constants; otherwise a combinational ROM indexed by ``fold``."""
    rows = [[int(v) for v in row] for row in rows]
    lanes = len(rows[0])
    layout = data.ArrayLayout(signed(bits) if is_signed else unsigned(bits), lanes)
    words = [layout.const(row).as_value().value for row in rows]
    if all(word == words[0] for word in words):
        return data.View(layout, Const(words[0], layout.size))
    rom = Memory(shape=unsigned(layout.size), depth=len(words), init=words)
    m.submodules[name] = rom
    port = rom.read_port(domain="comb")
    m.d.comb += port.addr.eq(fold)
    return data.View(layout, port.data)
