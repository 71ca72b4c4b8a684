"""Per-fold constant tables: one row of lane constants per neuron fold."""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Const, Module, Value, signed, unsigned
from amaranth.lib import data

from ..rom import Rom

__all__ = ["fold_table"]


def fold_table(m: Module, name: str, values, *, bits: int, is_signed: bool, fold: Value,
               roms=None):
    """Lane constants for the current fold.

    Parameters
    ----------
    m : Module
        Module to add the table to.
    name : str
        Submodule name.
    values : array_like
        Integers of shape ``(folds, lanes)``, of any size (Python ints beyond int64 for
        wide accumulators and multipliers).
    bits, is_signed : int, bool
        Shape of one constant.
    fold : Value
        Fold index (combinational read).
    roms : RomFiles, optional
        Ship the table as a ``$readmemh`` image (:class:`~hwgen.hw.rom.Rom`); by default its
        rows are the memory's initial contents.

    Returns
    -------
    data.View
        ``lanes`` values. A table whose rows are all equal becomes constants, so synthesis
        can simplify the logic that uses them (per-tensor scales cost nothing).
    """
    table = [[int(v) for v in row] for row in np.asarray(values, dtype=object).tolist()]
    shape = signed(bits) if is_signed else unsigned(bits)
    layout = data.ArrayLayout(shape, len(table[0]))
    rows = [layout.const(row).as_value().value for row in table]
    if all(row == rows[0] for row in rows):
        return data.View(layout, Const(rows[0], layout.size))
    m.submodules[name] = rom = Rom(words=rows, bits=layout.size, read="comb", table=name,
                                   files=roms)
    m.d.comb += rom.addr.eq(fold)
    return data.View(layout, rom.data)
