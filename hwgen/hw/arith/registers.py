"""A pipeline register that a constant does not need."""

from __future__ import annotations

from amaranth.hdl import Const, Signal, Value

__all__ = ["register_unless_constant"]


def register_unless_constant(m, value, name, *, enable=None):
    """``value`` a cycle later, in a register named ``name`` of ``m`` (loaded every cycle, or
    with ``enable``); a constant (a per-fold table whose rows are all equal) is returned as
    is, so synthesis keeps products by it as products by a constant."""
    value = Value.cast(value)
    try:
        Const.cast(value)
        return value
    except TypeError:
        pass
    reg = Signal(value.shape(), name=name)
    if enable is None:
        m.d.sync += reg.eq(value)
    else:
        with m.If(enable):
            m.d.sync += reg.eq(value)
    return reg
