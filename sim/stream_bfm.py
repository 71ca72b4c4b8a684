"""cocotb drivers and monitors for valid/ready streams (Amaranth port naming).

A port ``name`` of an Amaranth component appears in Verilog as ``name__payload``,
``name__valid`` and ``name__ready``. Cycle 0 is the first cycle after reset; both roles count
cycles the same way so their logs line up with the cycle model. The source offers a new beat
the cycle after each transfer and the sink is always ready unless idle cycles or
backpressure are asked for (seeded).
"""

from __future__ import annotations

import random

from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge

__all__ = ["start_clock_and_reset", "StreamSource", "StreamSink"]


async def start_clock_and_reset(dut, *, period_ns: int = 10, cycles: int = 2):
    """Start the clock, hold ``rst`` for ``cycles`` edges; returns in cycle 0."""
    Clock(dut.clk, period_ns, unit="ns").start()
    dut.rst.value = 1
    for _ in range(cycles):
        await RisingEdge(dut.clk)
    dut.rst.value = 0


def _as_int(handle) -> int:
    """A signal's value as a non-negative int (1-bit signals read as ``Logic``)."""
    value = handle.value
    return int(value.to_unsigned()) if hasattr(value, "to_unsigned") else int(value)


class StreamSource:
    """Driver: offers words on ``<prefix>__payload`` and logs each transfer's cycle."""

    def __init__(self, dut, prefix: str, *, idle: float = 0.0, seed: int = 0):
        self._clk = dut.clk
        self._payload = getattr(dut, f"{prefix}__payload")
        self._valid = getattr(dut, f"{prefix}__valid")
        self._ready = getattr(dut, f"{prefix}__ready")
        self._idle = idle
        self._rng = random.Random(seed)
        self.cycles: list[int] = []

    async def send(self, words) -> None:
        """Call in cycle 0 (right after reset); returns after the last transfer."""
        cycle, index = 0, 0
        words = list(words)
        while index < len(words):
            offer = not (self._idle and self._rng.random() < self._idle)
            self._valid.value = int(offer)
            if offer:
                self._payload.value = words[index]
            await ReadOnly()
            fired = offer and _as_int(self._ready)
            await RisingEdge(self._clk)
            if fired:
                self.cycles.append(cycle)
                index += 1
            cycle += 1
        self._valid.value = 0


class StreamSink:
    """Monitor with backpressure: takes ``count`` beats from ``<prefix>__payload``."""

    def __init__(self, dut, prefix: str, *, backpressure: float = 0.0, seed: int = 1):
        self._clk = dut.clk
        self._payload = getattr(dut, f"{prefix}__payload")
        self._valid = getattr(dut, f"{prefix}__valid")
        self._ready = getattr(dut, f"{prefix}__ready")
        self._backpressure = backpressure
        self._rng = random.Random(seed)
        self.words: list[int] = []
        self.cycles: list[int] = []

    async def receive(self, count: int, *, timeout_cycles: int) -> None:
        """Call in cycle 0; returns after ``count`` beats or raises after ``timeout_cycles``."""
        cycle = 0
        while len(self.words) < count:
            ready = not (self._backpressure and self._rng.random() < self._backpressure)
            self._ready.value = int(ready)
            await ReadOnly()
            if ready and _as_int(self._valid):
                self.words.append(_as_int(self._payload))
                self.cycles.append(cycle)
            await RisingEdge(self._clk)
            cycle += 1
            if cycle > timeout_cycles:
                raise AssertionError(
                    f"timeout: {len(self.words)} of {count} output beats after {cycle} cycles")
        self._ready.value = 0
