"""Amaranth shapes of IR types."""

from __future__ import annotations

from amaranth.hdl import signed, unsigned
from amaranth.lib import data

from ..ir.types import IntType

__all__ = ["int_shape", "lanes_layout", "index_range"]


def int_shape(dtype: IntType):
    """The Amaranth shape of one code of ``dtype``."""
    return signed(dtype.bits) if dtype.signed else unsigned(dtype.bits)


def lanes_layout(dtype: IntType, lanes: int) -> data.ArrayLayout:
    """``lanes`` codes side by side, lane 0 in the least significant bits."""
    return data.ArrayLayout(int_shape(dtype), lanes)


def index_range(count: int) -> range:
    """Shape of an index into ``count`` things, at least one bit wide.

    A zero-width signal comes out of Verilog export as ``[-1:0]``, a two-bit vector; a
    one-bit index that stays 0 costs nothing and keeps the Verilog honest and lint-clean.
    """
    return range(max(count, 2))
