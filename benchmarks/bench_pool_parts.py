"""The digits CNN's pool1 alone, lanes, channels and positions changed (``wr_ctl``, ``wr_bypass``).

    python benchmarks/bench_pool_parts.py [--targets xcup,ecp5] [--out out/bench_pool]
    python benchmarks/bench_pool_parts.py --signed [--targets ecp5] [--out out/bench_pool]

Synthesises ``hwgen.hw.arith.WindowReduce`` with pool1's parameters (int8 max over 4
positions, an output FIFO of 3) and one or two of lanes, channels and positions changed, and
prints each one's LUTs beside the cost model's, the window reduction's own features
(``wr_ctl``: control flip-flops, ``wr_bypass``: bits of the group bypass select) and what the
block's other features give with the current coefficients. The last line per target is the
least-squares pair for the two features over the int8 signed variants, pool1 itself left out
(how the fixed coefficients were measured); unsigned and 4-bit variants are printed beside
them, not fitted. CPU seconds (Yosys counted as a child) beside the wall seconds. Figures, not
assertions.

``--signed`` synthesises instead each of ``SIGNED_PAIRS`` (lanes, channels, element bits) twice,
its elements signed and unsigned, and prints both LUT counts, the difference a lane, and the
cells the difference is made of (carry cells, LUT4, PFUMX / L6MUX21 on ECP5): what a signed
max's compare costs (``cmp_signed``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_alone  # noqa: E402

from hwgen.hw.arith.window_reduce import WindowReduce  # noqa: E402
from hwgen.ir import IntType  # noqa: E402
from hwgen.ir.blocks.window_reduce import WindowReduceParams  # noqa: E402
from hwgen.perf.cost.arith_blocks import window_reduce_features  # noqa: E402
from hwgen.perf.cost.coefficients import COEFFICIENTS  # noqa: E402
from hwgen.perf.cost.tally import Tally  # noqa: E402
from hwgen.perf.cost.targets import cost_target  # noqa: E402
from hwgen.synth.stat import module_cells  # noqa: E402

POOL1 = WindowReduceParams(name="pool1", positions=4, channels=8, spatial=(4, 4), op="max",
                           input_type=IntType(8, True), output_type=IntType(8, True), lanes=2,
                           out_fifo_depth=3)
#: (lanes, channels, positions) of the int8 signed variants
FITTED = ((1, 1, 4), (1, 2, 4), (1, 4, 4), (1, 8, 4), (1, 16, 4), (2, 2, 4), (2, 4, 4),
          (2, 16, 4), (2, 32, 4), (4, 4, 4), (4, 8, 4), (4, 16, 4), (4, 32, 4), (8, 8, 4),
          (8, 16, 4), (8, 32, 4), (2, 8, 2), (2, 8, 9), (4, 8, 9), (1, 8, 9))
#: (lanes, channels, positions, element bits, signed): printed, not fitted
OTHERS = ((2, 8, 4, 8, True), (2, 8, 4, 8, False), (4, 8, 4, 8, False), (8, 32, 9, 4, False))
OWN = ("wr_ctl", "wr_bypass")
#: (lanes, channels, element bits) of the signed / unsigned pairs (positions 4: pool1's)
SIGNED_PAIRS = ((1, 8, 8), (2, 8, 8), (4, 8, 8), (8, 8, 8), (1, 1, 8), (2, 2, 8), (4, 4, 8),
                (2, 16, 8), (2, 8, 6), (4, 8, 6), (8, 8, 6), (1, 8, 4), (2, 8, 4), (4, 8, 4),
                (8, 8, 4))
#: the cells a difference is made of
CELLS = ("CCU2C", "LUT4", "PFUMX", "L6MUX21", "CARRY8", "LUT1", "LUT2", "LUT3", "LUT4", "LUT5",
         "LUT6", "MUXF7", "MUXF8")


def _variant(lanes, channels, positions, bits=8, signed=True) -> WindowReduceParams:
    element = IntType(bits, signed)
    return dataclasses.replace(POOL1, lanes=lanes, channels=channels, positions=positions,
                               input_type=element, output_type=element)


def _synthesise(p: WindowReduceParams, top: str, target: str, work: Path) -> tuple[int, dict]:
    """The pool alone: its LUTs as ``hwgen synth`` counts them, and its cells."""
    lut = synthesize_alone(top, verilog.convert(WindowReduce(params=p), name=top,
                                                emit_src=False), target, work)["lut"]
    return lut, module_cells(work / f"{top}.stat.json")[top]


def _estimate(p: WindowReduceParams, target: str) -> float:
    tally = Tally(cost_target(target))
    window_reduce_features(p, tally)
    co = COEFFICIENTS[target]["lut"]
    return sum(co.get(k, 0.0) * v for k, v in tally.features.items())


def signed_pairs(targets: list[str], out: Path) -> None:
    """Each of ``SIGNED_PAIRS`` signed and unsigned: LUTs, the difference a lane, its cells."""
    for target in targets:
        work = out / target / "signed"
        print(f"\n### {target}: signed vs unsigned max (positions 4)\n")
        print("| lanes | channels | bits | LUT unsigned / signed (estimate) | a lane | "
              "cells signed - unsigned |")
        print("|---|---|---|---|---|---|")
        for lanes, channels, bits in SIGNED_PAIRS:
            (u_lut, u_cells), (s_lut, s_cells) = (
                _synthesise(_variant(lanes, channels, 4, bits, signed),
                            f"pool_{lanes}_{channels}_{'s' if signed else 'u'}{bits}", target,
                            work) for signed in (False, True))
            estimates = [_estimate(_variant(lanes, channels, 4, bits, signed), target)
                         for signed in (False, True)]
            diff = ", ".join(f"{k} {s_cells.get(k, 0) - u_cells.get(k, 0):+d}"
                             for k in dict.fromkeys(CELLS)
                             if s_cells.get(k, 0) != u_cells.get(k, 0))
            print(f"| {lanes} | {channels} | {bits} | {u_lut} / {s_lut} ({estimates[0]:.0f} / "
                  f"{estimates[1]:.0f}) | {(s_lut - u_lut) / lanes:+.1f} | {diff} |", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--out", default="out/bench_pool")
    parser.add_argument("--signed", action="store_true",
                        help="the signed / unsigned pairs instead of the int8 variants")
    args = parser.parse_args(argv)
    started, cpu_started = time.monotonic(), cpu_seconds()
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    (signed_pairs if args.signed else variants)(args.targets.split(","),
                                                Path(args.out).resolve())
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


def variants(targets: list[str], out: Path) -> None:
    """The int8 variants and the others: LUTs against the model's, and the least squares of
    ``wr_ctl`` / ``wr_bypass`` over the int8 signed variants."""
    cases = [(*case, 8, True) for case in FITTED] + list(OTHERS)
    for target in targets:
        work = out / target
        co = COEFFICIENTS[target]["lut"]
        print(f"\n### {target} (wr_ctl {co.get('wr_ctl', 0):g}, wr_bypass "
              f"{co.get('wr_bypass', 0):g})\n")
        print("| lanes | channels | positions | element | LUT estimate / Yosys | wr_ctl "
              "| wr_bypass | the rest |")
        print("|---|---|---|---|---|---|---|---|")
        rows, observed, rest = [], [], []
        for lanes, channels, positions, bits, signed in cases:
            p = _variant(lanes, channels, positions, bits, signed)
            top = f"pool_{lanes}_{channels}_{positions}_{'s' if signed else 'u'}{bits}"
            lut = synthesize_alone(top, verilog.convert(WindowReduce(params=p), name=top,
                                                   emit_src=False), target, work)["lut"]
            tally = Tally(cost_target(target))
            window_reduce_features(p, tally)
            f = tally.features
            others = sum(co.get(k, 0.0) * v for k, v in f.items() if k not in OWN)
            estimate = others + sum(co.get(k, 0.0) * f[k] for k in OWN)
            print(f"| {lanes} | {channels} | {positions} | {'int' if signed else 'uint'}{bits} "
                  f"| {estimate:.0f} / {lut} ({estimate / lut - 1:+.0%}) | {f['wr_ctl']:g} "
                  f"| {f['wr_bypass']:g} | {others:.1f} |")
            if (lanes, channels, positions) in FITTED and (bits, signed) == (8, True):
                rows.append([f[k] / lut for k in OWN])
                observed.append(lut)
                rest.append(others)
        fitted, *_ = np.linalg.lstsq(np.array(rows), np.array(
            [(o - r) / o for o, r in zip(observed, rest, strict=True)]), rcond=None)
        print(f"\nleast squares over the {len(rows)} int8 signed variants (pool1 left out): "
              + ", ".join(f"{k} {c:.2f}" for k, c in zip(OWN, fitted, strict=True)))


if __name__ == "__main__":
    sys.exit(main())
