"""Sweep point w01's sliding window alone, one parameter changed at a time (ECP5's read mapping).

    python benchmarks/bench_window_w01.py [--targets ecp5] [--out out/bench_window_w01]

Synthesises ``hwgen.hw.stream.SlidingWindow`` with w01's parameters (8 x 8 x 4 int8, 3 x 3
stride 1, padded, 2 lanes, an output FIFO of 3) and with its FIFO depth, image width or
padding changed, and prints each one's LUTs and wide multiplexers (PFUMX, L6MUX21 on ECP5)
beside the cost model's LUTs. On ECP5 some of them map the line buffer's read into wider
functions (many more PFUMX / L6MUX21, about 4 LUT4 a bit more) and others not, which no
structural count separates. CPU seconds (Yosys counted as a child) beside the wall seconds.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_alone  # noqa: E402

from hwgen.hw.stream.sliding_window import SlidingWindow  # noqa: E402
from hwgen.ir import IntType  # noqa: E402
from hwgen.ir.blocks.sliding_window import SlidingWindowParams  # noqa: E402
from hwgen.perf.cost.coefficients import COEFFICIENTS  # noqa: E402
from hwgen.perf.cost.stream import sliding_window_features  # noqa: E402
from hwgen.perf.cost.tally import Tally  # noqa: E402
from hwgen.perf.cost.targets import cost_target  # noqa: E402
from hwgen.synth.stat import module_cells  # noqa: E402

W01 = SlidingWindowParams(name="window", height=8, width=8, channels=4, kernel=3, stride=1,
                          pads=(1, 1, 1, 1), element=IntType(8, True), pad_value=-93, lanes=2,
                          out_fifo_depth=3)
#: (label, changes)
CASES = (("w01", {}), ("FIFO 2 deep", {"out_fifo_depth": 2}), ("width 7", {"width": 7}),
         ("width 9", {"width": 9}), ("unpadded", {"pads": (0, 0, 0, 0)}),
         ("2 channels", {"channels": 2}))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ecp5")
    parser.add_argument("--out", default="out/bench_window_w01")
    args = parser.parse_args(argv)
    started, cpu_started = time.monotonic(), cpu_seconds()
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    for target in args.targets.split(","):
        work = Path(args.out).resolve() / target
        co = COEFFICIENTS[target]["lut"]
        print(f"\n### {target}\n")
        print("| window | LUT estimate / Yosys | wide muxes (Yosys) |")
        print("|---|---|---|")
        for number, (label, changes) in enumerate(CASES):
            p = dataclasses.replace(W01, **changes)
            top = f"window_{number}"
            lut = synthesize_alone(top, verilog.convert(SlidingWindow(params=p), name=top,
                                                   emit_src=False), target, work)["lut"]
            cells = module_cells(work / f"{top}.stat.json")[top]
            wide = ", ".join(f"{k} {v}" for k, v in sorted(cells.items())
                             if k in ("PFUMX", "L6MUX21", "MUXF7", "MUXF8"))
            tally = Tally(cost_target(target))
            sliding_window_features(p, tally)
            estimate = sum(co.get(k, 0.0) * v for k, v in tally.features.items())
            print(f"| {label} | {estimate:.0f} / {lut} ({estimate / lut - 1:+.0%}) | {wide} |")
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
