"""Ternary and binary-weight MVAUs with only their weight ROM's depth changed, against Yosys.

    python benchmarks/bench_ternary_rom_depth.py [--targets xcup] [--series u,v,b,c]
                                                 [--prefix P]

Each series keeps a sweep point's shape (benchmarks/cost_sweep.py) and changes only its rows
``mh`` (so ``NF`` and the weight ROM's depth, 16 to 256 words; the per-fold tables grow with
it too), each block synthesised as the sweep's designs are (its own module, flattened):

* ``u``: t05's ternary MVAU (x 64, PE 2, SIMD 8, 6-bit inputs, 2-bit threshold output; 32
  weight columns), the source of ``BIN_ROM_LUTS`` in hwgen/perf/cost/coefficients.py;
* ``v``: t03's (x 32, PE 1, SIMD 16, 4-bit inputs, scaled levels, 2-bit output; 32 columns);
* ``b``: bw2's binary-weight MVAU (x 32, PE 4, SIMD 4, 4-bit inputs, threshold; 16 columns);
* ``c``: bw1's (x 64, PE 2, SIMD 8, 8-bit inputs, requantized; 16 columns).

Printed per block: Yosys's LUTs, the cost model's estimate (the committed coefficients) and
its error; per word doubling, the LUTs it added less the model's per-fold tables (``rom``
without the weight ROM, times its coefficient), per weight column. The blocks are new points
(seeded by their names, ``<prefix><series><rows>``; ``BIN_ROM_LUTS`` came from the
default, empty prefix): none is a sweep point. Figures, not assertions; the CPU seconds (Yosys
counted as a child) beside the wall seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cost_sweep  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_batch  # noqa: E402

from hwgen.perf.cost.binary_mvau import bwn_mvau_features, ternary_mvau_features  # noqa: E402
from hwgen.perf.cost.coefficients import COEFFICIENTS  # noqa: E402
from hwgen.perf.cost.int_mvau import weight_steps  # noqa: E402
from hwgen.perf.cost.memory import rom_from_fields  # noqa: E402
from hwgen.perf.cost.model import tally_of  # noqa: E402
from hwgen.perf.cost.tally import rom_luts_of_depth  # noqa: E402

#: series: (kind, mw, pe, simd, input bits, output bits, levels, activation, rows)
SERIES = {
    "u": ("ternary", 64, 2, 8, 6, 2, False, "threshold", (4, 8, 16, 32, 64)),
    "v": ("ternary", 32, 1, 16, 4, 2, True, "threshold", (8, 16, 32, 64)),
    "b": ("bwn", 32, 4, 4, 4, 1, False, "threshold", (8, 16, 32, 64)),
    "c": ("bwn", 64, 2, 8, 8, 8, False, "requant", (4, 8, 16, 32, 64)),
}


def weight_rom_luts(p, kind: str, target: str) -> float:
    """The weight ROM's ``rom`` features as ``ROM_LUTS`` prices it (the int MVAU's column)."""
    if kind == "ternary":
        bits = np.concatenate([weight_steps(p.weights != 0, p.pe, p.simd),
                               weight_steps(p.weights > 0, p.pe, p.simd)], axis=1)
    else:
        bits = weight_steps((p.weights + 1) // 2, p.pe, p.simd)
    rom = rom_from_fields(bits, 1, sync_read=True, counter_address=True)
    return rom.distinct * rom_luts_of_depth(target, rom.depth, counter=True), rom.columns


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup")
    parser.add_argument("--series", default="u,v,b,c")
    parser.add_argument("--prefix", default="", help="a prefix of the blocks' names: other "
                        "random weights")
    parser.add_argument("--out", default="out/bench_ternary_rom_depth")
    args = parser.parse_args(argv)
    wall, cpu = time.monotonic(), cpu_seconds()
    print(f"Command: python benchmarks/bench_ternary_rom_depth.py --targets {args.targets} "
          f"--series {args.series} --prefix '{args.prefix}'")
    points = {}
    for name in args.series.split(","):
        kind, mw, pe, simd, a, out, levels, act, rows = SERIES[name]
        for mh in rows:
            pid = f"{args.prefix}{name}{mh}"
            spec = cost_sweep._bin(kind, mh, mw, pe, simd, a=a, out=out, levels=levels, act=act)
            cost_sweep.POINTS = cost_sweep.POINTS + ((pid, spec, True),)
            points[pid] = (name, kind)
    designs = {pid: cost_sweep.build_point(pid) for pid in points}
    for target in args.targets.split(","):
        result = synthesize_batch({pid: d.verilog for pid, d in designs.items()}, target,
                                  Path(args.out) / target,
                                  images={pid: d.rtl.images for pid, d in designs.items()})
        coefficients = COEFFICIENTS[target]["lut"]
        print(f"\n### {target}\n")
        print("| series | kind | words | LUT estimate / Yosys | LUTs a doubling adds, less "
              "the per-fold tables, per weight column |")
        print("|---|---|---|---|---|")
        last = {}
        for pid, (name, kind) in points.items():
            p = designs[pid].blocks[0]
            features = tally_of(bwn_mvau_features if kind == "bwn" else ternary_mvau_features,
                                p, target).features
            estimate = sum(coefficients.get(k, 0.0) * v for k, v in features.items())
            lut = result["designs"][pid]["layer_0"]["resources"]["lut"]
            weights, columns = weight_rom_luts(p, kind, target)
            tables = (features["rom"] - (0 if features["bin_rom"] else weights)) \
                * coefficients.get("rom", 0.0)
            step = ""
            if name in last:
                step = f"{(lut - tables - last[name]) / columns:.2f}"
            last[name] = lut - tables
            print(f"| {name} | {kind} | {p.nf * p.sf} | {estimate:.0f} / {lut} "
                  f"({100 * (estimate - lut) / lut:+.1f}%) | {step} |")
    print(f"\n{cpu_seconds() - cpu:.0f} CPU s, {time.monotonic() - wall:.0f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
