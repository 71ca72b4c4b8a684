"""Narrow counters alone: Yosys LUT / FF / carry against the cost model's ``counter``.

    python benchmarks/bench_narrow_counters.py [--targets xc7,xcup] [--counts 2,3,4,5,8,9,16,17]
                                               [--out out/bench_counters]

Each counter is its own module, kept apart in one Yosys run per target with the script
``hwgen synth`` runs (benchmarks/yosys_batch.py), the counter's value on an output port:

``wrap``   a counter over ``count`` values as the blocks build theirs (the sliding window's,
           the MVAUs' fold and step counters, a ``SyncFIFO``'s pointers):
           ``c <= (c == count - 1) ? 0 : c + 1`` while one enable input is high;
``fire``   the same, its enable the AND of two inputs (a stream's valid and ready);
``level``  a level over ``0 .. count`` stepped up by one input and down by another (a FIFO's
           level, a window's credits: ``l + up - down``).

The model counts ``wrap`` and ``fire`` as ``components.counter(t, count)`` (the register and an
increment: ``inc_lut`` below the target's carry chain, ``add`` on it) and ``level`` as an
adder of its width. Prints one row per counter (LUT, FF and carry cells, estimate / Yosys), the
LUTs a counter bit, then the CPU seconds (Yosys counted as a child) beside the wall seconds.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from amaranth.hdl import Module, Mux, Signal  # noqa: E402
from amaranth.lib import wiring  # noqa: E402
from amaranth.lib.wiring import In, Out  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_batch  # noqa: E402

from hwgen.perf.cost.arith import index_bits, range_bits  # noqa: E402
from hwgen.perf.cost.components import counter  # noqa: E402
from hwgen.perf.cost.model import evaluate  # noqa: E402
from hwgen.perf.cost.tally import Tally  # noqa: E402
from hwgen.perf.cost.targets import cost_target  # noqa: E402

KINDS = ("wrap", "fire", "level")


class Counter(wiring.Component):
    """One counter of ``kind`` (see the module docstring) over ``count`` values."""

    def __init__(self, kind: str, count: int):
        self._kind, self._count = kind, count
        bits = index_bits(count) if kind != "level" else range_bits(count + 1)
        super().__init__({"a": In(1), "b": In(1), "value": Out(max(bits, 1))})

    def elaborate(self, platform):
        m = Module()
        n = self._count
        if self._kind == "level":
            level = Signal(range(n + 1))
            with m.If(self.a & ~self.b & (level != n)):
                m.d.sync += level.eq(level + 1)
            with m.Elif(self.b & ~self.a & (level != 0)):
                m.d.sync += level.eq(level - 1)
            m.d.comb += self.value.eq(level)
            return m
        c = Signal(range(n))
        enable = self.a if self._kind == "wrap" else self.a & self.b
        with m.If(enable):
            m.d.sync += c.eq(Mux(c == n - 1, 0, c + 1))
        m.d.comb += self.value.eq(c)
        return m


def model(kind: str, count: int, target: str):
    """The cost model's count of one counter."""
    t = Tally(cost_target(target))
    if kind == "level":
        bits = range_bits(count + 1)
        t.reg(bits)
        t.add(bits)
    else:
        counter(t, count)
    return evaluate(t).rounded(), t.features


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xc7,xcup")
    parser.add_argument("--counts", default="2,3,4,5,8,9,16,17")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--out", default="out/bench_counters")
    args = parser.parse_args(argv)
    started, cpu_started = time.monotonic(), cpu_seconds()
    configs = [(kind, int(n)) for kind in args.kinds.split(",")
               for n in args.counts.split(",")]
    designs = {f"{kind}_{n}": verilog.convert(Counter(kind, n), name=f"{kind}_{n}",
                                              emit_src=False)
               for kind, n in configs}
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    for target in args.targets.split(","):
        synthesized = synthesize_batch(designs, target, Path(args.out) / target)["designs"]
        print(f"\n### {target}\n")
        print("| counter | bits | LUT estimate / Yosys | LUT a bit | FF | carry | features |")
        print("|---|---|---|---|---|---|---|")
        for (kind, n), top in zip(configs, designs, strict=True):
            observed = synthesized[top][top]["resources"]
            estimate, features = model(kind, n, target)
            bits = range_bits(n + 1) if kind == "level" else index_bits(n)
            shown = ", ".join(f"{k} {v:g}" for k, v in features.items()
                              if v and k in ("add", "add_lut", "inc_lut"))
            print(f"| {top} | {bits} | {estimate.lut} / {observed['lut']} "
                  f"| {observed['lut'] / bits:.2f} | {estimate.ff} / {observed['ff']} "
                  f"| {estimate.carry} / {observed['carry']} | {shown} |")
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
