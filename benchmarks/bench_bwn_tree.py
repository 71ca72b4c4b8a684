"""A binary-weight MVAU's dot product alone: Yosys LUT / carry against the cost model.

    python benchmarks/bench_bwn_tree.py [--targets xcup,ecp5] [--bits 8,4] [--terms 16,32,64,128]
                                        [--out out/bench_bwn_tree]

Each point is ``terms`` terms ``Mux(w, x, -x)`` of unsigned ``bits``-bit inputs summed by
``hwgen.hw.arith.adder_tree.bounded_sum`` (as ``hwgen.hw.binary.bwn_mvau`` builds one PE's
dot product) into a register, its own module, synthesised in one Yosys run per target with the
script ``hwgen synth`` runs (benchmarks/yosys_batch.py). The estimate is the cost model's
(``binary_mvau.bwn_dot_features`` and the output register, with the fitted coefficients).
Prints one row per point and the CPU seconds (Yosys counted as a child) beside the wall
seconds. Figures, not assertions.
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

from hwgen.hw.arith.adder_tree import bounded_sum, shape_for_range  # noqa: E402
from hwgen.perf.cost.binary_mvau import bwn_dot_features  # noqa: E402
from hwgen.perf.cost.model import evaluate  # noqa: E402
from hwgen.perf.cost.tally import Tally  # noqa: E402
from hwgen.perf.cost.targets import cost_target  # noqa: E402

FLOOR = 20


class BwnDot(wiring.Component):
    """``terms`` terms ``+x / -x`` of ``bits``-bit unsigned inputs, summed into a register."""

    def __init__(self, *, bits: int, terms: int):
        self._bits, self._terms = bits, terms
        hi = (1 << bits) - 1
        self._width = shape_for_range(-terms * hi, terms * hi).width
        super().__init__({"x": In(bits * terms), "w": In(terms), "y": Out(self._width)})

    def elaborate(self, platform):
        m = Module()
        b, hi = self._bits, (1 << self._bits) - 1
        lanes = [self.x[i * b:(i + 1) * b] for i in range(self._terms)]
        dot, _, _ = bounded_sum([(Mux(self.w[i], x, -x), -hi, hi) for i, x in enumerate(lanes)])
        y = Signal(self._width)
        m.d.sync += y.eq(dot)
        m.d.comb += self.y.eq(y)
        return m


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--bits", default="8,4")
    parser.add_argument("--terms", default="16,32,64,128")
    parser.add_argument("--out", default="out/bench_bwn_tree")
    args = parser.parse_args(argv)
    started, cpu_started = time.monotonic(), cpu_seconds()
    configs = [(int(bits), int(terms)) for bits in args.bits.split(",")
               for terms in args.terms.split(",")]
    designs = {}
    for bits, terms in configs:
        top = f"bwn_dot_{bits}_{terms}"
        designs[top] = verilog.convert(BwnDot(bits=bits, terms=terms), name=top,
                                       emit_src=False)
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    for target in args.targets.split(","):
        synthesized = synthesize_batch(designs, target, Path(args.out) / target)["designs"]
        print(f"\n### {target}\n")
        print("| input bits | terms | LUT estimate / Yosys | carry estimate / Yosys |")
        print("|---|---|---|---|")
        for (bits, terms), top in zip(configs, designs, strict=True):
            observed = synthesized[top][top]["resources"]
            tally = Tally(cost_target(target))
            bwn_dot_features(tally, x_lo=0, x_hi=(1 << bits) - 1, terms=terms)
            estimate = evaluate(tally).rounded()
            error = (estimate.lut - observed["lut"]) / max(observed["lut"], FLOOR)
            print(f"| {bits} | {terms} | {estimate.lut} / {observed['lut']} ({error:+.0%}) "
                  f"| {estimate.carry} / {observed['carry']} |")
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
