"""StreamWidthConverter alone: Yosys LUT / FF against the cost model, per lane pair.

    python benchmarks/bench_width_converter.py [--targets xcup,ecp5] [--bits 1,4,8]
                                               [--pairs 8x1,2x16] [--out out/bench_dwc]

Each converter (element bits x lane pairs, ``in x out``) is its own module, kept apart in one
Yosys run per target with the script ``hwgen synth`` runs (benchmarks/yosys_batch.py), and
is compared with the cost model (``width_converter_features`` and the fitted coefficients,
as ``glue_tallies`` counts a converter between two blocks). Prints one row per converter
(LUT and FF, estimate / Yosys and the relative error, a count under 20 taken as 20), then
per target the mean and worst absolute LUT error and the converters beyond 15 %, and the CPU
seconds (Yosys counted as a child) beside the wall seconds. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_batch  # noqa: E402

from hwgen.hw.stream.width_converter import StreamWidthConverter  # noqa: E402
from hwgen.perf.cost.model import evaluate  # noqa: E402
from hwgen.perf.cost.stream import width_converter_features  # noqa: E402
from hwgen.perf.cost.tally import Tally  # noqa: E402
from hwgen.perf.cost.targets import cost_target  # noqa: E402

#: lane pairs (in, out): down- and up-sizers, loads at one or several bases, 5-bit counts,
#: the MXFP4 MLP example's 1 -> 32 (a 6-bit count), and up-sizers whose count is held one-hot
PAIRS = ("1x2", "1x4", "1x8", "2x1", "2x4", "2x8", "3x2", "4x1", "4x2", "4x8", "4x6", "6x4",
         "8x1", "8x2", "8x4", "2x3", "3x8", "16x1", "1x16", "16x4", "5x3", "3x1", "6x1",
         "12x1", "6x2", "12x4", "8x3", "8x6", "2x6", "3x4", "1x32", "1x20", "2x64", "3x16")
FLOOR = 20


def _error(estimate: float, observed: float) -> float:
    return (estimate - observed) / max(observed, FLOOR)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--bits", default="1,4,8")
    parser.add_argument("--pairs", default=",".join(PAIRS))
    parser.add_argument("--out", default="out/bench_dwc")
    args = parser.parse_args(argv)
    started, cpu_started = time.monotonic(), cpu_seconds()
    configs = [(int(bits), *map(int, pair.split("x")))
               for bits in args.bits.split(",") for pair in args.pairs.split(",")]
    designs = {}
    for bits, a, b in configs:
        top = f"dwc_{bits}_{a}_{b}"
        dut = StreamWidthConverter(element_shape=bits, in_lanes=a, out_lanes=b)
        designs[top] = verilog.convert(dut, name=top, emit_src=False)
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    for target in args.targets.split(","):
        synthesized = synthesize_batch(designs, target, Path(args.out) / target)["designs"]
        print(f"\n### {target}\n")
        print("| element bits | in -> out | LUT estimate / Yosys | FF estimate / Yosys |")
        print("|---|---|---|---|")
        errors = []
        for (bits, a, b), top in zip(configs, designs, strict=True):
            observed = synthesized[top][top]["resources"]
            tally = Tally(cost_target(target))
            width_converter_features(tally, element_bits=bits, in_lanes=a, out_lanes=b)
            estimate = evaluate(tally).rounded()
            lut, ff = _error(estimate.lut, observed["lut"]), _error(estimate.ff, observed["ff"])
            errors.append((abs(lut), f"{bits}-bit {a} -> {b} ({lut:+.0%})"))
            print(f"| {bits} | {a} -> {b} | {estimate.lut} / {observed['lut']} ({lut:+.0%}) "
                  f"| {estimate.ff} / {observed['ff']} ({ff:+.0%}) |")
        beyond = [label for error, label in errors if error > 0.15]
        print(f"\n{target}: {len(errors)} converters, LUT mean "
              f"{sum(e for e, _ in errors) / len(errors):.1%}, worst "
              f"{max(e for e, _ in errors):.1%}; beyond 15 %: {len(beyond)}"
              + (f" ({', '.join(beyond)})" if beyond else ""))
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
