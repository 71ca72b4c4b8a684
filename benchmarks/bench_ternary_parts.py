"""Ternary MVAUs outside the sweep, and a narrow requantizer lane's low part, against Yosys.

    python benchmarks/bench_ternary_parts.py [--targets xcup,ecp5] [--grid 8:4,16:2]
                                             [--out out/bench_ternary]

1. Ternary MVAUs (32 x 32, PE 2, requantized, unsigned inputs) over SIMD x input bits, each
   synthesised whole (the block flattened, as ``hwgen synth`` keeps a block), against the
   cost model (``ternary_mvau_features`` and the fitted coefficients): the check of
   ``tern_term`` (``binary_mvau.gated_term_weight``) on shapes no sweep point has.
2. The narrow requantizer lane's low part alone (``hwgen.hw.arith.requantizer``: an 18-bit
   accumulator times the multiplier's low 5 bits as a sum of gated shifted copies, between
   registers): the LUTs behind the hand-measured ``rq_low_and`` coefficient
   (hwgen/perf/cost/coefficients.py ``FIXED``).

Prints one row per design (LUT estimate / Yosys and the relative error), per target the mean
and worst LUT error of the blocks, and the CPU seconds (Yosys counted as a child) beside the
wall seconds. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from amaranth.hdl import Module, Mux, Signal, signed  # noqa: E402
from amaranth.lib import wiring  # noqa: E402
from amaranth.lib.wiring import In, Out  # noqa: E402
from cost_sweep import _BUILDERS, _bin, _rng  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_alone  # noqa: E402

from hwgen.hw.arith.requantizer import NARROW_ACC_BITS, NARROW_LOW_BITS  # noqa: E402
from hwgen.hw.binary.ternary_mvau import TernaryMvau  # noqa: E402
from hwgen.perf.cost.binary_mvau import ternary_mvau_features  # noqa: E402
from hwgen.perf.cost.model import evaluate, tally_of  # noqa: E402
from hwgen.synth.tools import YOSYS, require_tool  # noqa: E402

#: (SIMD, input bits) of the ternary MVAUs: 2- to 8-bit inputs, trees of 4 to 32 terms
GRID = ("4:4", "4:8", "8:2", "8:3", "8:4", "8:6", "8:8", "16:2", "16:4", "16:8", "32:4")


class NarrowLow(wiring.Component):
    """``sum(acc << k if qm[k] else 0 for k < low)`` between registers, as the narrow lane
    builds it (``Requantizer._multiply_narrow``)."""

    def __init__(self, *, acc_bits: int, low_bits: int):
        self._acc_bits, self._low_bits = acc_bits, low_bits
        super().__init__({"acc": In(signed(acc_bits)), "qm": In(low_bits),
                          "low": Out(signed(acc_bits + low_bits + 1))})

    def elaborate(self, platform):
        m = Module()
        acc, qm = Signal.like(self.acc), Signal.like(self.qm)
        m.d.sync += [acc.eq(self.acc), qm.eq(self.qm)]
        terms = [Mux(qm[k], acc << k, 0) for k in range(self._low_bits)]
        m.d.sync += self.low.eq(sum(terms[1:], terms[0]))
        return m


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--grid", default=",".join(GRID), help="SIMD:input bits, ...")
    parser.add_argument("--out", default="out/bench_ternary")
    args = parser.parse_args(argv)
    require_tool(YOSYS)
    started, cpu_started = time.monotonic(), cpu_seconds()
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    grid = [tuple(map(int, cell.split(":"))) for cell in args.grid.split(",")]
    for target in args.targets.split(","):
        work = Path(args.out).resolve() / target
        print(f"\n### {target}\n")
        print("| SIMD | input bits | LUT estimate / Yosys |")
        print("|---|---|---|")
        errors = []
        for simd, bits in grid:
            builder, kwargs = _bin("ternary", 32, 32 if simd < 32 else 64, 2, simd,
                                   act="requant", a=bits)
            params = _BUILDERS[builder](_rng(f"tern_{simd}_{bits}"), **kwargs)[0]
            top = f"tern_{simd}_{bits}"
            text = verilog.convert(TernaryMvau(params=params), name=top, emit_src=False)
            observed = synthesize_alone(top, text, target, work)["lut"]
            estimate = evaluate(tally_of(ternary_mvau_features, params, target)).rounded().lut
            error = (estimate - observed) / observed
            errors.append(abs(error))
            print(f"| {simd} | {bits} | {estimate} / {observed} ({error:+.1%}) |")
        print(f"\n{target}: {len(errors)} ternary MVAUs, LUT mean "
              f"{sum(errors) / len(errors):.1%}, worst {max(errors):.1%}")
        top = f"narrow_low_{NARROW_ACC_BITS}_{NARROW_LOW_BITS}"
        text = verilog.convert(NarrowLow(acc_bits=NARROW_ACC_BITS, low_bits=NARROW_LOW_BITS),
                               name=top, emit_src=False)
        lut = synthesize_alone(top, text, target, work)["lut"]
        gated = NARROW_ACC_BITS * NARROW_LOW_BITS
        print(f"{target}: a narrow lane's low part ({NARROW_ACC_BITS}-bit accumulator x "
              f"{NARROW_LOW_BITS} low multiplier bits): {lut} LUTs, {lut / gated:.2f} a gated bit")
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
