"""Sweep point w01's sliding window alone, one parameter changed at a time (ECP5's read mapping).

    python benchmarks/bench_window_w01.py [--targets ecp5] [--out out/bench_window_w01]
    python benchmarks/bench_window_w01.py --depths [--targets ecp5] [--out out/bench_window_w01]

Synthesises ``hwgen.hw.stream.SlidingWindow`` with w01's parameters (8 x 8 x 4 int8, 3 x 3
stride 1, padded, 2 lanes, an output FIFO of 3) and with its FIFO depth, image width or
padding changed, and prints each one's LUTs and wide multiplexers (PFUMX, L6MUX21 on ECP5)
beside the cost model's LUTs. On ECP5 some of them map the line buffer's read into wider
functions (many more PFUMX / L6MUX21, about 4 LUT4 a bit more) and others not, which no
structural count separates. CPU seconds (Yosys counted as a child) beside the wall seconds.
Figures, not assertions.

``--depths`` synthesises instead w01's window over ``DEPTHS`` (lanes, so the buffer's word of
8 / 16 / 32 bits, and image widths, so its depth in LUT RAM primitives, 2 to 8 DPR16X4 on
ECP5), and prints beside each the primitives in depth, the model's bank-select LUTs
(``bank_select_luts`` times the word) and its error: whether the read select follows the
depth.
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
from hwgen.perf.cost.memory import Ram, lutram_banks, memory_style  # noqa: E402
from hwgen.perf.cost.stream import bank_select_luts, sliding_window_features  # noqa: E402
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

#: (lanes, image widths) of ``--depths``: with 4 channels a word of 8, 16 and 32 bits, and
#: the line buffer (4 rows of ``width x groups`` words) 2 to 8 DPR16X4 deep on ECP5 (deeper
#: 16- and 32-bit buffers go to a DP16KD, and have no bank select)
DEPTHS = ((2, (3, 5, 7, 8, 9, 10, 11, 12)), (1, (3, 4, 5, 6, 8)), (4, (8, 12)))


def _window(p: SlidingWindowParams, target: str, top: str, work: Path) -> tuple[int, str, float,
                                                                                  Tally]:
    """The window alone: Yosys' LUTs, its wide multiplexers, the model's LUTs and tally."""
    lut = synthesize_alone(top, verilog.convert(SlidingWindow(params=p), name=top,
                                               emit_src=False), target, work)["lut"]
    cells = module_cells(work / f"{top}.stat.json")[top]
    wide = ", ".join(f"{k} {v}" for k, v in sorted(cells.items())
                     if k in ("PFUMX", "L6MUX21", "MUXF7", "MUXF8"))
    tally = Tally(cost_target(target))
    sliding_window_features(p, tally)
    co = COEFFICIENTS[target]["lut"]
    return lut, wide, sum(co.get(k, 0.0) * v for k, v in tally.features.items()), tally


def depths(targets: list[str], out: Path) -> None:
    """w01's window by buffer word and depth: LUTs, the model's, the bank select's share."""
    for target in targets:
        work = out / target / "depths"
        t = cost_target(target)
        print(f"\n### {target}: by the line buffer's depth\n")
        print("| word | width | words deep | primitives | bank select (model) | LUT estimate / "
              "Yosys | wide muxes (Yosys) |")
        print("|---|---|---|---|---|---|---|")
        for lanes, widths in DEPTHS:
            for w in widths:
                p = dataclasses.replace(W01, lanes=lanes, width=w)
                word = p.input_lanes * p.element.bits
                # the model's bank: rows // row banks x ceil(width / column banks) x groups
                row_banks = p.buffer_rows if p.tap_rows > 1 else 1
                deep = p.buffer_rows // row_banks * -(-w // p.tap_cols) * p.groups
                ram = Ram(depth=deep, width=word, sync_read=True)
                style = memory_style(ram, t)
                # a block RAM has no bank select
                banks = lutram_banks(ram, t) if style == "lutram" else 0
                lut, wide, estimate, _ = _window(p, target, f"depth_{lanes}_{w}", work)
                print(f"| {word} | {w} | {deep} | {banks or style} | "
                      f"{word * bank_select_luts(banks, t.lut_inputs)} | {estimate:.0f} / {lut} "
                      f"({estimate / lut - 1:+.0%}) | {wide} |", flush=True)


def cases(targets: list[str], out: Path) -> None:
    """w01's window with one thing changed at a time (``CASES``): LUTs against the model's."""
    for target in targets:
        work = out / target
        print(f"\n### {target}\n")
        print("| window | LUT estimate / Yosys | wide muxes (Yosys) |")
        print("|---|---|---|")
        for number, (label, changes) in enumerate(CASES):
            p = dataclasses.replace(W01, **changes)
            lut, wide, estimate, _ = _window(p, target, f"window_{number}", work)
            print(f"| {label} | {estimate:.0f} / {lut} ({estimate / lut - 1:+.0%}) | {wide} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ecp5")
    parser.add_argument("--out", default="out/bench_window_w01")
    parser.add_argument("--depths", action="store_true",
                        help="by the line buffer's word and depth instead of CASES")
    args = parser.parse_args(argv)
    started, cpu_started = time.monotonic(), cpu_seconds()
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    (depths if args.depths else cases)(args.targets.split(","), Path(args.out).resolve())
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0

if __name__ == "__main__":
    sys.exit(main())
